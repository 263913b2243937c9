// npm run serve -- [--port 8000] [--models llama,target,qa,chat] [--mode continuous] …
//
// The server of server.ts on a port, until Ctrl-C (SIGINT) or SIGTERM: then it stops taking
// connections, lets the requests in flight finish for --grace seconds, cuts the rest, and
// exits 0. A second signal cuts them at once. Any OpenAI client can talk to it:
//
//   curl localhost:8000/v1/completions -H 'content-type: application/json' \
//        -d '{"model": "llama", "prompt": "Once upon a time", "max_tokens": 20}'

import { UserError, intFlag, numberFlag, parseFlags, runScript } from "@llm-labs/kit";
import type { EngineOptions } from "./engine.ts";
import { startServer } from "./server.ts";

const USAGE =
  "npm run serve -- [--port 8000] [--host 127.0.0.1] [--models llama,target,qa,chat] [--mode static|continuous] " +
  "[--no-chunked-prefill] [--max-batched-tokens N] [--max-seqs N] [--num-blocks N] [--no-prefix-caching] " +
  "[--fairness fcfs|vtc] [--max-queue 256] [--grace 5]";

function choice<T extends string>(
  flag: string,
  value: string | undefined,
  options: readonly T[],
): T | undefined {
  if (value === undefined || (options as readonly string[]).includes(value)) return value as T | undefined;
  throw new UserError(`--${flag} must be ${options.join(" or ")}, got ${JSON.stringify(value)}`);
}

runScript(async () => {
  if (process.argv.includes("--help") || process.argv.includes("-h")) return console.log(USAGE);
  const { values, positionals } = parseFlags(
    process.argv.slice(2),
    {
      port: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      models: { type: "string" },
      mode: { type: "string" },
      "no-chunked-prefill": { type: "boolean" },
      "max-batched-tokens": { type: "string" },
      "max-seqs": { type: "string" },
      "num-blocks": { type: "string" },
      "no-prefix-caching": { type: "boolean" },
      fairness: { type: "string" },
      "max-queue": { type: "string" },
      grace: { type: "string", default: "5" },
    },
    USAGE,
  );
  if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  // the PORT variable is how platforms (and the lab's bench) hand a server its port
  const port =
    values.port !== undefined
      ? intFlag("port", values.port, { max: 65535 })
      : process.env.PORT !== undefined
        ? portFromEnv(process.env.PORT)
        : 8000;
  // only the flags given: the engine's own defaults for the rest
  const engine: Partial<EngineOptions> = {};
  const mode = choice("mode", values.mode, ["static", "continuous"] as const);
  if (mode) engine.mode = mode;
  if (values["no-chunked-prefill"]) engine.chunkedPrefill = false;
  if (values["no-prefix-caching"]) engine.prefixCaching = false;
  const fairness = choice("fairness", values.fairness, ["fcfs", "vtc"] as const);
  if (fairness) engine.fairness = fairness;
  const maxBatchedTokens = intFlag("max-batched-tokens", values["max-batched-tokens"], { min: 1 });
  if (maxBatchedTokens !== undefined) engine.maxBatchedTokens = maxBatchedTokens;
  const maxSeqs = intFlag("max-seqs", values["max-seqs"], { min: 1 });
  if (maxSeqs !== undefined) engine.maxSeqs = maxSeqs;
  const numBlocks = intFlag("num-blocks", values["num-blocks"], { min: 1 });
  if (numBlocks !== undefined) engine.numBlocks = numBlocks;
  const maxQueue = intFlag("max-queue", values["max-queue"], { min: 1 });
  const grace = numberFlag("grace", values.grace, { min: 0, max: 3600 }) ?? 5;

  // The models load only now, with the flags checked: a typo is answered at once, without
  // waiting for the weights and transformers.js to load. Without --models: all of them.
  const { loadServedModels } = await import("./models.ts");
  const models = await loadServedModels(
    engine,
    values.models?.split(",").map((s) => s.trim()),
  );
  const server = await startServer({ models, host: values.host, port, maxQueue });
  console.log(`serving ${models.map((m) => m.id).join(", ")} on ${server.url}`);

  // Ctrl-C or SIGTERM: drain for `grace` seconds; a second signal: now.
  const report = await new Promise<Awaited<ReturnType<typeof server.shutdown>>>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      // shutdown() has closed the port before the line is out: whoever reads it can rely on that
      void server.shutdown(signals === 1 ? grace * 1000 : 0).then(resolve);
      if (signals === 1) console.log(`${signal}: finishing the requests in flight (up to ${grace} s)`);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  console.log(`stopped: ${report.finished} requests finished, ${report.aborted} aborted`);
});

function portFromEnv(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 65535)
    throw new UserError(
      `the PORT environment variable must be a port from 0 to 65535, got ${JSON.stringify(value)}`,
    );
  return n;
}
