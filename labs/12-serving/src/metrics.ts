// The metrics of a streaming LLM server, as NVIDIA's GenAI-Perf defines and prints
// them ("GenAI-Perf", https://github.com/liguodongiot/perf_analyzer/tree/main/genai-perf,
// its README's metric table), computed from what the load generator recorded of
// each request: when it was sent and when each streamed response arrived.
//
//   Time to first token     first response − sent                         per request
//   Time to second token    second response − first response              per request with ≥ 2
//   Inter token latency     (response_i − response_{i−1}) / tokens_i      per response after the first
//   Request latency         last response − sent                          per request
//   Output sequence length  Σ tokens of its responses                     per request
//   Input sequence length   prompt tokens                                 per request
//   Output token throughput Σ output tokens / duration
//   Request throughput      completed requests / duration
//
// where duration runs from the first request sent to the last response received.
// Only completed requests (ok, at least one response) count; failed ones are counted
// apart. Each per-request metric is summarised by avg, min, max, p99, p90, p75, p50.
// TTFT is what the prefill (and the queue before it) costs; inter token latency is
// the decode step a user feels, including every other request batched with theirs.

import { UserError, table } from "@llm-labs/kit";

// Times in ms (performance.now()); tokens = the completion tokens that response carried.
export interface RequestRecord {
  sentAt: number;
  responses: { at: number; tokens: number }[];
  inputTokens: number;
  ok: boolean;
  error?: string;
  tenant?: string; // who sent it (LoadRequest.tenant), for per-tenant metrics
}

export interface Summary {
  avg: number;
  min: number;
  max: number;
  p99: number;
  p90: number;
  p75: number;
  p50: number;
  count: number;
}

export interface GenAiPerfMetrics {
  timeToFirstToken: Summary;
  timeToSecondToken: Summary;
  interTokenLatency: Summary;
  requestLatency: Summary;
  outputSequenceLength: Summary;
  inputSequenceLength: Summary;
  outputTokenThroughput: number; // tokens per second
  requestThroughput: number; // requests per second
  durationMs: number;
  completed: number;
  failed: number;
}

// The q-th percentile (0 ≤ q ≤ 100) the way numpy.percentile computes it by
// default (method "linear", Hyndman & Fan's definition 7): sort the n values,
// go to the fractional position
//
//   pos = (n − 1) · q / 100
//
// and interpolate between the two closest ranks:
//
//   x[⌊pos⌋] + (pos − ⌊pos⌋) · (x[⌈pos⌉] − x[⌊pos⌋])
//
// so p0 is the minimum, p100 the maximum, p50 of an even count the mean of the middle two.
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new UserError("percentile: no values");
  if (!(q >= 0 && q <= 100)) throw new UserError(`percentile: q must be in [0, 100], got ${q}`);
  const x = [...values].sort((a, b) => a - b);
  const pos = ((x.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return x[lo] + (pos - lo) * (x[hi] - x[lo]);
}

// GenAI-Perf's statistics of one metric. No values (e.g. time to second token when
// every request asked for one token): NaN everywhere, count 0.
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { avg: NaN, min: NaN, max: NaN, p99: NaN, p90: NaN, p75: NaN, p50: NaN, count: 0 };
  const x = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of x) sum += v;
  return {
    avg: sum / n,
    min: x[0],
    max: x[n - 1],
    p99: percentile(x, 99),
    p90: percentile(x, 90),
    p75: percentile(x, 75),
    p50: percentile(x, 50),
    count: n,
  };
}

export function genAiPerfMetrics(records: readonly RequestRecord[]): GenAiPerfMetrics {
  const done = records.filter((r) => r.ok && r.responses.length > 0);
  const ttft: number[] = [];
  const ttst: number[] = [];
  const itl: number[] = [];
  const latency: number[] = [];
  const osl: number[] = [];
  const isl: number[] = [];
  let start = Infinity;
  let end = -Infinity;
  for (const r of done) {
    const res = r.responses;
    const last = res[res.length - 1];
    ttft.push(res[0].at - r.sentAt);
    if (res.length >= 2) ttst.push(res[1].at - res[0].at);
    // A response carrying k tokens spreads its gap over those k tokens. One that
    // carried none (no new token) has no inter-token gap to report.
    for (let i = 1; i < res.length; i++) {
      if (res[i].tokens > 0) itl.push((res[i].at - res[i - 1].at) / res[i].tokens);
    }
    latency.push(last.at - r.sentAt);
    let tokens = 0;
    for (const { tokens: k } of res) tokens += k;
    osl.push(tokens);
    isl.push(r.inputTokens);
    start = Math.min(start, r.sentAt);
    end = Math.max(end, last.at);
  }
  const durationMs = done.length > 0 ? end - start : 0;
  const seconds = durationMs / 1000;
  let outputTokens = 0;
  for (const k of osl) outputTokens += k;
  return {
    timeToFirstToken: summarize(ttft),
    timeToSecondToken: summarize(ttst),
    interTokenLatency: summarize(itl),
    requestLatency: summarize(latency),
    outputSequenceLength: summarize(osl),
    inputSequenceLength: summarize(isl),
    outputTokenThroughput: seconds > 0 ? outputTokens / seconds : 0,
    requestThroughput: seconds > 0 ? done.length / seconds : 0,
    durationMs,
    completed: done.length,
    failed: records.length - done.length,
  };
}

const STATS = ["avg", "min", "max", "p99", "p90", "p75", "p50"] as const;

// GenAI-Perf's console table: one row per metric, one column per statistic,
// then the two throughputs.
export function metricsTable(m: GenAiPerfMetrics): string {
  const rows: [string, Summary][] = [
    ["Time to first token (ms)", m.timeToFirstToken],
    ["Time to second token (ms)", m.timeToSecondToken],
    ["Inter token latency (ms)", m.interTokenLatency],
    ["Request latency (ms)", m.requestLatency],
    ["Output sequence length", m.outputSequenceLength],
    ["Input sequence length", m.inputSequenceLength],
  ];
  // Two decimals as strings, right-aligned here (header too): table() right-aligns
  // only cells that are numbers, and String(1.5) would lose the second decimal.
  const columns = STATS.map((s) => {
    const cells = rows.map(([, sum]) => (sum.count > 0 ? sum[s].toFixed(2) : "n/a"));
    const width = cells.reduce((w, c) => Math.max(w, c.length), s.length);
    return [s, ...cells].map((c) => c.padStart(width));
  });
  const header = ["Statistic", ...columns.map((c) => c[0])];
  const body = rows.map(([name], r) => [name, ...columns.map((c) => c[r + 1])]);
  const lines = [
    table(header, body),
    `Output token throughput (per sec): ${m.outputTokenThroughput.toFixed(2)}`,
    `Request throughput (per sec): ${m.requestThroughput.toFixed(2)}`,
  ];
  if (m.failed > 0) lines.push(`Failed requests: ${m.failed}`);
  return lines.join("\n");
}
