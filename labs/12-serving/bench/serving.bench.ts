// npx tsx labs/12-serving/bench/serving.bench.ts      (about 12 minutes; writes plots/*.svg)
//
// The lab's server, measured the way its users measure vLLM: the real server in its own
// process (`src/serve.ts`, one core), this process as the client (the other core), seeded
// Poisson arrivals, streamed completions, GenAI-Perf's metrics. Four experiments, each a
// fresh server per configuration:
//
//   1. static vs continuous vs continuous + chunked prefill, at four offered loads:
//      output-token throughput and p99 latencies, and the throughput–latency plot
//   2. chunked prefill's effect on inter-token latency when long prompts arrive among decodes
//   3. prefix caching on a shared-system-prompt workload: hit rate and TTFT
//   4. two tenants, one sending twice the other's load: the service gap, FCFS vs VTC
//
// Every run is bounded in requests and seconds and talks only to 127.0.0.1.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import { heldoutTokens } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { lognormalInt, poissonArrivals, runLoad, type LoadRequest } from "../src/loadgen.ts";
import { genAiPerfMetrics, metricsTable, type RequestRecord } from "../src/metrics.ts";

const LAB = fileURLToPath(new URL("..", import.meta.url));
const plot = (name: string) => join(LAB, "plots", name);
const corpus = await heldoutTokens(60_000);

// ── the server, in a child process ────────────────────────────────────────────

async function withServer<T>(flags: string[], run: (baseURL: string) => Promise<T>): Promise<T> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/serve.ts", "--port", "0", "--models", "llama", ...flags],
    { cwd: LAB, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (b) => {
    stderr += String(b);
  });
  const baseURL = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (b) => {
      out += String(b);
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${stderr}`)));
  });
  try {
    return await run(baseURL);
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await done;
}

// The server's counters (GET /metrics, Prometheus text): name → value.
async function serverMetrics(baseURL: string): Promise<Map<string, number>> {
  const text = await (await fetch(baseURL.replace(/\/v1$/, "/metrics"))).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(\{[^}]*\})?\s+([-0-9.e+]+)$/.exec(line);
    if (m) out.set(m[1], Number(m[3]));
  }
  return out;
}

// ── workloads ─────────────────────────────────────────────────────────────────

interface Shape {
  seed: number;
  count: number;
  rate: number; // requests per second (Poisson)
  prompt: (rng: Rng) => number; // prompt length in tokens
  output: (rng: Rng) => number; // max_tokens (ignore_eos: exactly this many)
  prefix?: number[]; // a shared system prompt before every prompt
  tenant?: string;
}

function workload(s: Shape): LoadRequest[] {
  const rng = new Rng(s.seed);
  return poissonArrivals(s.rate, s.count, rng).map((at) => {
    const n = s.prompt(rng);
    const off = rng.int(corpus.length - n);
    return {
      at,
      tenant: s.tenant,
      body: {
        model: "llama",
        prompt: [...(s.prefix ?? []), ...corpus.slice(off, off + n)],
        max_tokens: s.output(rng),
        temperature: 0,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true, continuous_usage_stats: true },
      },
    };
  });
}

// long enough for static batching to finish every request of the heaviest load
async function measure(flags: string[], requests: LoadRequest[], maxSeconds = 120) {
  return withServer(flags, async (baseURL) => {
    const run = await runLoad({ baseURL, requests, maxSeconds });
    const server = await serverMetrics(baseURL);
    return { ...run, metrics: genAiPerfMetrics(run.records), server };
  });
}
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");

// ── 1. static vs continuous vs chunked, at four loads ─────────────────────────
// Chat-like lengths: short prompts (median 24 tokens), heavy-tailed answers (median 24,
// σ = 1.2: a few run to 256). Static batching's batch lasts as long as its longest answer.

const modes: [string, string[]][] = [
  ["static", ["--mode", "static", "--max-seqs", "32"]],
  ["continuous", ["--no-chunked-prefill", "--max-seqs", "32"]],
  ["continuous + chunked prefill", ["--max-batched-tokens", "128", "--max-seqs", "32"]],
];
const rates = [2, 4, 8, 16];
const sweepRows: (string | number)[][] = [];
const frontier = new Map<string, [number, number][]>();
const at16 = new Map<string, number>();
const at8 = new Map<string, number>();
console.log(
  "1. static vs continuous batching: 64 requests per load, prompts ~24 tokens, answers ~24 (heavy tail)\n",
);
for (const [name, flags] of modes) {
  for (const rate of rates) {
    const reqs = workload({
      seed: 100 + rate,
      count: 64,
      rate,
      prompt: (r) => lognormalInt(r, 24, 0.5, 4, 128),
      output: (r) => lognormalInt(r, 24, 1.2, 1, 256),
    });
    const { metrics: m, timedOut } = await measure(flags, reqs);
    sweepRows.push([
      name,
      rate,
      Number(m.outputTokenThroughput.toFixed(1)),
      f2(m.timeToFirstToken.p99),
      f2(m.interTokenLatency.p99),
      f2(m.requestLatency.p99),
      `${m.completed}/${reqs.length}${timedOut ? " (cut at 120 s)" : ""}`,
    ]);
    const pts = frontier.get(name) ?? [];
    pts.push([m.outputTokenThroughput, m.requestLatency.p99 / 1000]);
    frontier.set(name, pts);
    if (rate === 16) at16.set(name, m.outputTokenThroughput);
    if (rate === 8) at8.set(name, m.outputTokenThroughput);
    if (rate === 16 && name === "continuous + chunked prefill") {
      console.log("GenAI-Perf's table for continuous + chunked prefill at 16 requests/s:\n");
      console.log(metricsTable(m));
      console.log();
    }
  }
}
const header = ["batching", "req/s", "out tok/s", "p99 TTFT ms", "p99 ITL ms", "p99 latency ms", "completed"];
console.log(table(header, sweepRows));
const ratio = (at16.get("continuous + chunked prefill") ?? 0) / (at16.get("static") ?? 1);
const ratio8 = (at8.get("continuous + chunked prefill") ?? 0) / (at8.get("static") ?? 1);
console.log(
  `\nat 8 requests/s: continuous + chunked prefill gives ${ratio8.toFixed(1)}× static batching's output tokens/s`,
);
console.log(
  `\nat 16 requests/s (more than either serves): continuous + chunked prefill gives ${ratio.toFixed(1)}× static batching's output tokens/s\n`,
);
writeSvg(
  plot("throughput-latency.svg"),
  svgLinePlot({
    title: "Output throughput vs p99 request latency (one point per offered load: 2, 4, 8, 16 requests/s)",
    xLabel: "output tokens per second",
    yLabel: "p99 request latency, s",
    series: [...frontier].map(([name, points]) => ({ name, points })),
    logY: true,
  }),
);

// ── 2. chunked prefill and inter-token latency ────────────────────────────────
// Long prompts (median 256 tokens) arriving while others decode: without chunking, the step
// that runs a whole long prompt makes every decode in it wait.

console.log("2. chunked prefill: prompts ~256 tokens, answers ~32, 3 requests/s, 40 requests\n");
const long = workload({
  seed: 7,
  count: 40,
  rate: 3,
  prompt: (r) => lognormalInt(r, 256, 0.3, 128, 448),
  output: (r) => lognormalInt(r, 32, 0.5, 8, 64),
});
const chunkRows: (string | number)[][] = [];
for (const [name, flags] of [
  ["whole prompts", ["--no-chunked-prefill"]],
  ["chunks of 64 tokens", ["--max-batched-tokens", "64"]],
] as const) {
  const { metrics: m } = await measure([...flags], long);
  chunkRows.push([
    name,
    f2(m.interTokenLatency.p50),
    f2(m.interTokenLatency.p99),
    f2(m.interTokenLatency.max),
    f2(m.timeToFirstToken.p50),
    f2(m.timeToFirstToken.p99),
    Number(m.outputTokenThroughput.toFixed(1)),
  ]);
}
console.log(
  table(
    ["prefill", "p50 ITL ms", "p99 ITL ms", "max ITL ms", "p50 TTFT ms", "p99 TTFT ms", "out tok/s"],
    chunkRows,
  ),
);
console.log();

// ── 3. prefix caching ─────────────────────────────────────────────────────────
// Every request starts with the same 192-token system prompt, then its own ~24 tokens.

console.log("3. prefix caching: a shared 192-token system prompt, 60 requests at 6 requests/s\n");
const system = corpus.slice(1000, 1192);
const shared = workload({
  seed: 9,
  count: 60,
  rate: 6,
  prompt: (r) => lognormalInt(r, 24, 0.5, 4, 96),
  output: () => 16,
  prefix: system,
});
const prefixRows: (string | number)[][] = [];
for (const [name, flags] of [
  ["off", ["--no-prefix-caching"]],
  ["on", []],
] as const) {
  const { metrics: m, server } = await measure([...flags], shared);
  const q = server.get("llmlabs_prefix_cache_queries_total") ?? 0;
  const h = server.get("llmlabs_prefix_cache_hits_total") ?? 0;
  prefixRows.push([
    name,
    q > 0 ? `${((100 * h) / q).toFixed(1)} %` : "n/a",
    f2(m.timeToFirstToken.p50),
    f2(m.timeToFirstToken.p99),
    Number(m.outputTokenThroughput.toFixed(1)),
  ]);
}
console.log(
  table(["prefix cache", "hit rate (tokens)", "p50 TTFT ms", "p99 TTFT ms", "out tok/s"], prefixRows),
);
console.log();

// ── 4. fairness between tenants ───────────────────────────────────────────────
// Tenant A sends 30 requests/s and B 15, each 32 prompt and 32 output tokens: together about
// three times what the server can do, and B alone more than half of it, so both stay
// backlogged. Service = w_p·prompt + w_q·output tokens received (VTC's weights 1 and 2),
// counted as the client receives it, over the 15 s both are sending.

console.log("4. fairness: tenant A at 30 requests/s, B at 15, for 15 s\n");
const tenantShape = (tenant: string, rate: number, seed: number) =>
  workload({ seed, count: Math.round(rate * 15), rate, prompt: () => 32, output: () => 32, tenant });
const both = [...tenantShape("A", 30, 21), ...tenantShape("B", 15, 22)].sort((a, b) => a.at - b.at);
const fairRows: (string | number)[][] = [];
for (const [name, flags] of [
  ["first come, first served", ["--fairness", "fcfs"]],
  ["virtual token counter", ["--fairness", "vtc"]],
] as const) {
  const { records } = await measure([...flags, "--max-seqs", "16", "--max-queue", "5000"], both, 20);
  const g = serviceGap(records, 15_000);
  fairRows.push([
    name,
    Math.round(g.a),
    Math.round(g.b),
    `${(g.a / (g.a + g.b)).toFixed(2)} : ${(g.b / (g.a + g.b)).toFixed(2)}`,
    Math.round(g.maxGap),
  ]);
}
console.log(table(["scheduling", "service A", "service B", "share A : B", "max |A − B|"], fairRows));

// Service each tenant received in the first `windowMs` after the first request was sent,
// and the largest gap between their running totals (sampled at every response).
function serviceGap(records: readonly RequestRecord[], windowMs: number) {
  const t0 = Math.min(...records.map((r) => r.sentAt));
  const events: { at: number; tenant: string; service: number }[] = [];
  for (const r of records)
    r.responses.forEach((x, i) => {
      const service = 2 * x.tokens + (i === 0 ? r.inputTokens : 0);
      if (x.at - t0 <= windowMs) events.push({ at: x.at, tenant: r.tenant ?? "", service });
    });
  events.sort((x, y) => x.at - y.at);
  let a = 0;
  let b = 0;
  let maxGap = 0;
  for (const e of events) {
    if (e.tenant === "A") a += e.service;
    else b += e.service;
    maxGap = Math.max(maxGap, Math.abs(a - b));
  }
  return { a, b, maxGap };
}
