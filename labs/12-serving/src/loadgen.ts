// A load generator for an OpenAI-compatible server, measuring it the way NVIDIA's
// GenAI-Perf does (metrics.ts): requests arrive as a Poisson process at a chosen
// rate, each streams its completion back, and we note when every chunk arrives.
//
// Open loop: a request is sent at its arrival time whether or not the earlier ones
// have finished, as real users do. (A closed loop, "send the next when one ends",
// slows down with the server and hides its queueing.)

import { UserError } from "@llm-labs/kit";
import type { Rng } from "@llm-labs/tensor";
import type { RequestRecord } from "./metrics.ts";
import { sseEvents } from "./sse.ts";

// Arrival times (ms from the start) of `count` requests at `ratePerSecond`.
//
// A Poisson process of rate λ has independent gaps, exponentially distributed:
//   P(gap > t) = e^(−λt),  mean 1/λ,  standard deviation 1/λ.
// Inverting the CDF F(t) = 1 − e^(−λt) at a uniform U ∈ [0, 1) gives one gap:
//   gap = −ln(1 − U) / λ        (1 − U ∈ (0, 1], so the log is finite)
// in seconds; ×1000 for ms. The k-th arrival is the sum of the first k gaps.
export function poissonArrivals(ratePerSecond: number, count: number, rng: Rng): number[] {
  if (!(ratePerSecond > 0 && Number.isFinite(ratePerSecond)))
    throw new UserError(`poissonArrivals: ratePerSecond must be a positive number, got ${ratePerSecond}`);
  if (!(Number.isInteger(count) && count >= 0))
    throw new UserError(`poissonArrivals: count must be a whole number ≥ 0, got ${count}`);
  const arrivals: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += (-Math.log(1 - rng.next()) / ratePerSecond) * 1000;
    arrivals.push(t);
  }
  return arrivals;
}

// A whole number uniform in [lo, hi], both ends included.
export function uniformInt(rng: Rng, lo: number, hi: number): number {
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi))
    throw new UserError(`uniformInt: need whole numbers lo ≤ hi, got [${lo}, ${hi}]`);
  return lo + rng.int(hi - lo + 1);
}

// A whole number from a log-normal distribution, clipped to [lo, hi]: prompt and
// answer lengths in real traffic are skewed this way (many short, a long tail).
// If ln X ~ Normal(μ, σ²), half of the X lie below e^μ, so μ = ln(median):
//   X = exp(ln(median) + σ·z),  z ~ Normal(0, 1)
export function lognormalInt(rng: Rng, median: number, sigma: number, lo: number, hi: number): number {
  if (!(median > 0 && sigma >= 0))
    throw new UserError(`lognormalInt: need median > 0 and sigma ≥ 0, got median ${median}, sigma ${sigma}`);
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi))
    throw new UserError(`lognormalInt: need whole numbers lo ≤ hi, got [${lo}, ${hi}]`);
  const x = Math.round(Math.exp(Math.log(median) + sigma * rng.normal()));
  return Math.min(hi, Math.max(lo, x));
}

// One request: when to send it (ms from the start) and the JSON body of
// POST /v1/completions. `tenant` becomes the body's `user` (whom the server
// schedules fairly) and the record's tenant.
export interface LoadRequest {
  at: number;
  body: Record<string, unknown>;
  tenant?: string;
}

export interface LoadOptions {
  baseURL: string; // e.g. http://127.0.0.1:8000/v1
  requests: LoadRequest[];
  maxSeconds: number; // the whole run's bound: past it, every open request is aborted
  onDone?: (done: number, total: number) => void;
}

export interface LoadResult {
  records: RequestRecord[]; // one per request sent, in the order they were sent
  durationMs: number;
  timedOut: boolean;
}

// The parts of a completions chunk we read (OpenAI's shape, vLLM's usage extension).
interface Chunk {
  choices?: { text?: string; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number };
  error?: { message?: string } | string;
}

// The course only ever loads a server on this machine: a load generator pointed at
// someone else's server is a denial-of-service tool.
function localURL(baseURL: string): string {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new UserError(`runLoad: baseURL "${baseURL}" is not a URL; use e.g. http://127.0.0.1:8000/v1`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UserError(`runLoad: baseURL "${baseURL}" must be http:// or https://`);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost")
    throw new UserError(
      `runLoad: refusing to load "${url.hostname}" (baseURL ${baseURL}): only 127.0.0.1 or localhost`,
    );
  return baseURL.replace(/\/+$/, "");
}

// Resolves after `ms`, or at once when `signal` aborts (never rejects).
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const base = localURL(opts.baseURL);
  if (!(opts.maxSeconds > 0 && Number.isFinite(opts.maxSeconds)))
    throw new UserError(`runLoad: maxSeconds must be a positive number, got ${opts.maxSeconds}`);
  const total = opts.requests.length;
  const order = [...opts.requests].sort((a, b) => a.at - b.at);
  const records: RequestRecord[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  // One controller for the whole run: at maxSeconds it stops the sending loop and
  // aborts every open fetch, which makes each one settle.
  const controller = new AbortController();
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.maxSeconds * 1000);
  let done = 0;
  for (const request of order) {
    await delay(start + request.at - performance.now(), controller.signal);
    if (controller.signal.aborted) break;
    const record: RequestRecord = {
      sentAt: performance.now(),
      responses: [],
      inputTokens: Array.isArray(request.body.prompt) ? request.body.prompt.length : 0,
      ok: false,
    };
    if (request.tenant !== undefined) record.tenant = request.tenant;
    records.push(record);
    const body = request.tenant === undefined ? request.body : { ...request.body, user: request.tenant };
    const sent = stream(`${base}/completions`, body, record, controller.signal).then(() => {
      done += 1;
      opts.onDone?.(done, total);
    });
    pending.push(sent);
  }
  try {
    await Promise.all(pending);
  } finally {
    clearTimeout(deadline);
  }
  return { records, durationMs: performance.now() - start, timedOut };
}

// Send one request and note when each streamed chunk arrives. Never throws: what
// went wrong goes into record.error.
async function stream(
  url: string,
  body: Record<string, unknown>,
  record: RequestRecord,
  signal: AbortSignal,
): Promise<void> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    if (res.status !== 200 || !res.body) {
      const text = (await res.text()).slice(0, 200);
      record.error = `HTTP ${res.status}: ${text}`;
      return;
    }
    // With continuous usage stats every chunk says how many completion tokens
    // exist so far; a response's tokens are the increase since the last response
    // we recorded. (A chunk of empty text — say, a token that is half a UTF-8
    // character — is not a response; its token counts with the next one.)
    let counted = 0;
    let finished = false;
    for await (const data of sseEvents(res.body)) {
      const at = performance.now();
      const chunk = JSON.parse(data) as Chunk;
      if (chunk.error !== undefined) {
        const e = chunk.error;
        record.error = `server error: ${typeof e === "string" ? e : (e.message ?? JSON.stringify(e))}`;
        return;
      }
      const choice = chunk.choices?.[0];
      const sofar = chunk.usage?.completion_tokens;
      if (choice?.text) {
        record.responses.push({ at, tokens: sofar === undefined ? 1 : sofar - counted });
        if (sofar !== undefined) counted = sofar;
      }
      if (choice?.finish_reason) finished = true;
    }
    // A stream that ends before its last chunk (finish_reason) was cut short.
    if (!finished) {
      record.error = "the stream ended without a finish_reason";
      return;
    }
    record.ok = true;
  } catch (e) {
    record.error = signal.aborted ? "aborted: maxSeconds reached" : String((e as Error).message ?? e);
  }
}
