// npm run lab serving            (or: npx tsx src/demo.ts)
//
// The lab's story in one run, about 10 seconds: the server answering the official openai
// client token by token; 32 requests at once against one after another; static batching's
// padding against continuous batching on answers of very different lengths; a shared prompt
// found in the prefix cache; a base model and its LoRA adapter in one batch. The load tests
// with Poisson arrivals and GenAI-Perf's table are bench/serving.bench.ts.

import OpenAI from "openai";
import { runScript, table } from "@llm-labs/kit";
import { heldoutTokens } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { Engine, type EngineOptions, type EngineRequest } from "./engine.ts";
import { loadServedModels } from "./models.ts";
import { startServer } from "./server.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const ms = (t: number) => `${t.toFixed(0)} ms`;

// Every request to the end, straight through the engine; how many steps and rows it took.
function drain(engine: Engine, requests: EngineRequest[]) {
  const t0 = performance.now();
  const firstToken = new Map<string, number>();
  for (const r of requests) engine.add(r);
  while (engine.hasWork())
    for (const e of engine.step())
      if (!firstToken.has(e.id) && e.tokens.length > 0) firstToken.set(e.id, performance.now() - t0);
  return { ms: performance.now() - t0, ...engine.stats(), firstToken };
}

runScript(async () => {
  const models = await loadServedModels({}, ["llama", "target", "qa"]);
  const llama = models.find((m) => m.id === "llama")!;
  const server = await startServer({ models });
  const client = new OpenAI({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
  const corpus = await heldoutTokens(20_000);
  try {
    heading(`1. The server, through the official openai client (${server.url})`);
    {
      const t0 = performance.now();
      const times: number[] = [];
      let text = "";
      const stream = await client.completions.create({
        model: "llama",
        prompt: "Once upon a time, Lily",
        max_tokens: 32,
        temperature: 0,
        stream: true,
      });
      for await (const chunk of stream) {
        times.push(performance.now() - t0);
        text += chunk.choices[0]?.text ?? "";
      }
      console.log(`    "Once upon a time, Lily${text.replace(/\n/g, " ")}"`);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      console.log(
        `${times.length} chunks: first after ${ms(times[0])} (time to first token), then one every ${ms(gaps.reduce((a, b) => a + b, 0) / gaps.length)} on average`,
      );
    }

    heading("2. 32 requests at once: one batch per step, not 32 queues");
    {
      const prompts = Array.from({ length: 32 }, (_, i) => corpus.slice(i * 50, i * 50 + 12));
      const ask = (prompt: number[]) =>
        client.completions.create({ model: "llama", prompt, max_tokens: 16, temperature: 0 });
      let steps0 = llama.engine.stats().steps;
      let t0 = performance.now();
      const one: string[] = [];
      let tokens = 0; // completion tokens of one pass (a request may stop early at end-of-text)
      for (const p of prompts) {
        const r = await ask(p);
        one.push(r.choices[0].text);
        tokens += r.usage?.completion_tokens ?? 0;
      }
      const sequential = performance.now() - t0;
      const stepsOne = llama.engine.stats().steps - steps0;
      steps0 = llama.engine.stats().steps;
      t0 = performance.now();
      const all = (await Promise.all(prompts.map(ask))).map((r) => r.choices[0].text);
      const together = performance.now() - t0;
      const steps = llama.engine.stats().steps - steps0;
      console.log(
        table(
          ["how", "wall time", "engine steps", "output tokens/s"],
          [
            ["one after another", ms(sequential), stepsOne, (tokens / (sequential / 1000)).toFixed(0)],
            ["all at once", ms(together), steps, (tokens / (together / 1000)).toFixed(0)],
          ],
        ),
      );
      const same = all.filter((t, i) => t === one[i]).length;
      console.log(`${same} of 32 answers are the same text both ways (greedy, batch-invariant linears: §2)`);
    }

    heading("3. Static vs continuous batching: 32 answers from 2 to 128 tokens long");
    {
      const rng = new Rng(3);
      const requests = Array.from({ length: 32 }, (_, i) => ({
        id: `r${i}`,
        prompt: corpus.slice(i * 40, i * 40 + 16),
        sampling: {
          maxTokens: Math.round(2 * 64 ** rng.next()), // log-uniform in [2, 128]: most short, a few long
          temperature: 0,
          topP: 1,
          seed: 0,
          ignoreEos: true,
        },
      }));
      const useful = requests.reduce((n, r) => n + 16 + r.sampling.maxTokens - 1, 0);
      const rows = (["static", "continuous"] as EngineOptions["mode"][]).map((mode) => {
        const s = drain(new Engine(llama.model, { mode, maxSeqs: 8 }), requests);
        const first = [...s.firstToken.values()].sort((a, b) => a - b);
        return [
          mode,
          s.steps,
          s.batchedTokens,
          `${((100 * (s.batchedTokens - useful)) / s.batchedTokens).toFixed(0)} %`,
          ms(first[Math.floor(first.length / 2)]),
          ms(s.ms),
        ];
      });
      console.log(
        table(
          ["batching (8 seats)", "steps", "rows computed", "of them padding", "median TTFT", "all done"],
          rows,
        ),
      );
      console.log(`(${useful} rows are the prompts and the answers themselves)`);
    }

    heading("4. Prefix caching: 16 requests that share a 128-token system prompt");
    {
      const system = corpus.slice(5000, 5128);
      const requests = Array.from({ length: 16 }, (_, i) => ({
        id: `p${i}`,
        prompt: [...system, ...corpus.slice(9000 + i * 30, 9000 + i * 30 + 20)],
        sampling: { maxTokens: 4, temperature: 0, topP: 1, seed: 0, ignoreEos: true },
      }));
      const rows = [false, true].map((prefixCaching) => {
        const engine = new Engine(llama.model, { prefixCaching });
        drain(engine, requests.slice(0, 1)); // the first one computes the system prompt
        const s = drain(engine, requests.slice(1));
        return [
          prefixCaching ? "on" : "off",
          s.prefixQueriedTokens > 0
            ? `${((100 * s.prefixHitTokens) / s.prefixQueriedTokens).toFixed(0)} %`
            : "-",
          s.batchedTokens,
          ms(s.ms),
        ];
      });
      console.log(table(["prefix cache", "hit rate", "rows computed", "15 more requests"], rows));
    }

    heading("5. Two models in one batch: the base target and its LoRA adapter (S-LoRA)");
    {
      const prompt = "Mia has a red kite and a blue cup.\nQ: What color is the cup?\nA:";
      const target = models.find((m) => m.id === "target")!;
      const steps0 = target.engine.stats().steps;
      const answers = await Promise.all(
        ["target", "qa"].map((model) =>
          client.completions.create({ model, prompt, max_tokens: 8, temperature: 0 }),
        ),
      );
      console.log(`    ${prompt.replace(/\n/g, " ⏎ ")}`);
      for (const [i, name] of ["target", "qa"].entries())
        console.log(`    ${name.padEnd(7)} → ${JSON.stringify(answers[i].choices[0].text)}`);
      console.log(
        `both answered in ${target.engine.stats().steps - steps0} engine steps: one batch, each row through its own adapter`,
      );
      console.log(
        "(the adapter writes the task's layout where the base writes a story; lab 05 trained it for 80 steps,\n" +
          " enough to cut the task's perplexity 1,000-fold, not to copy the right colour: the server only promises\n" +
          " each request its own model's tokens, and test/engine.test.ts checks exactly that)",
      );
    }
  } finally {
    await server.close();
  }
});
