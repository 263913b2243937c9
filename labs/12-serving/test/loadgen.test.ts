// The load generator: src/loadgen.ts.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "@llm-labs/kit";
import { Rng } from "@llm-labs/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadRequest, lognormalInt, poissonArrivals, runLoad, uniformInt } from "../src/loadgen.ts";
import { SSE_DONE, sseFrame } from "../src/sse.ts";

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const gapsOf = (arrivals: number[]) => arrivals.map((t, i) => t - (i === 0 ? 0 : arrivals[i - 1]));

describe("poissonArrivals", () => {
  it("is seeded: the same seed gives the same arrivals, increasing from after 0", () => {
    const a = poissonArrivals(5, 200, new Rng(1));
    expect(poissonArrivals(5, 200, new Rng(1))).toEqual(a);
    expect(poissonArrivals(5, 200, new Rng(2))).not.toEqual(a);
    expect(a).toHaveLength(200);
    expect(a[0]).toBeGreaterThan(0);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
  });

  it("has exponential gaps: mean 1000/rate ms, coefficient of variation 1, CDF 1 − e^(−λt)", () => {
    // rate λ = 50 per second: mean gap 1000/50 = 20 ms. The sample mean of 20,000 gaps
    // has a standard error of 20/√20000 ≈ 0.7 %; 3 % is four of them.
    const gaps = gapsOf(poissonArrivals(50, 20_000, new Rng(7)));
    const m = mean(gaps);
    expect(Math.abs(m - 20) / 20).toBeLessThan(0.03);
    // an exponential's standard deviation equals its mean: CV = σ/μ = 1
    // (a fixed-interval schedule would give 0, a uniform one 1/√3 ≈ 0.58)
    const sd = Math.sqrt(mean(gaps.map((g) => (g - m) ** 2)));
    expect(sd / m).toBeGreaterThan(0.95);
    expect(sd / m).toBeLessThan(1.05);
    // P(gap ≤ t) = 1 − e^(−λt): at t = ln 2/λ (13.86 ms) it is 1/2; at 2/λ (40 ms), 1 − e^−2 = 0.8647
    // (binomial standard error √(0.25/20000) ≈ 0.0035; 0.015 is four of them)
    const below = (t: number) => gaps.filter((g) => g <= t).length / gaps.length;
    expect(Math.abs(below(20 * Math.LN2) - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(below(40) - (1 - Math.exp(-2)))).toBeLessThan(0.015);
  });

  it("refuses a rate that is not positive and a count that is not whole", () => {
    expect(() => poissonArrivals(0, 10, new Rng(1))).toThrow(UserError);
    expect(() => poissonArrivals(5, 2.5, new Rng(1))).toThrow("count must be a whole number");
  });
});

describe("length sampling", () => {
  it("uniformInt covers [lo, hi], both ends, evenly", () => {
    const rng = new Rng(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const x = uniformInt(rng, 3, 7);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    // 5 values, each with probability 1/5: 2000 ± 40 (binomial σ), allow 200
    expect([...counts.keys()].sort()).toEqual([3, 4, 5, 6, 7]);
    for (const c of counts.values()) expect(Math.abs(c - 2000)).toBeLessThan(200);
    expect(() => uniformInt(rng, 5, 4)).toThrow(UserError);
  });

  it("lognormalInt has the asked-for median, and stays within [lo, hi]", () => {
    // ln X ~ Normal(ln 200, 0.8²) has median e^(ln 200) = 200; the sample median of
    // 20,001 draws is within 1.25 · 0.8/√20001 ≈ 0.7 % of it (one standard error)
    const rng = new Rng(5);
    const xs = Array.from({ length: 20_001 }, () => lognormalInt(rng, 200, 0.8, 1, 1_000_000));
    const median = [...xs].sort((a, b) => a - b)[10_000];
    expect(Math.abs(median - 200) / 200).toBeLessThan(0.03);
    // skewed right: the mean e^(μ + σ²/2) = 200 · e^0.32 ≈ 275 is well above the median
    expect(mean(xs)).toBeGreaterThan(250);
    // clipped to [150, 250]: nothing outside, and both ends reached
    const clipped = Array.from({ length: 2000 }, () => lognormalInt(rng, 200, 0.8, 150, 250));
    expect(Math.min(...clipped)).toBe(150);
    expect(Math.max(...clipped)).toBe(250);
    // σ = 0: always the median
    expect(lognormalInt(rng, 37, 0, 1, 100)).toBe(37);
  });
});

// A fake OpenAI-compatible server: the request's `model` picks what it does.
//   "llama"   3 chunks of 1 token each with continuous usage, 5 ms apart, a usage chunk, [DONE]
//   "nousage" the same 3 chunks without usage
//   "cut"     one chunk, then the connection ends (no finish_reason, no [DONE])
//   "fail"    HTTP 500
//   "hang"    never answers
let server: Server;
let baseURL = "";
const bodies: Record<string, unknown>[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = "";
  for await (const piece of req) raw += piece;
  const body = JSON.parse(raw) as Record<string, unknown>;
  bodies.push(body);
  if (req.url !== "/v1/completions") return void res.writeHead(404).end();
  if (body.model === "hang") return;
  if (body.model === "fail") return void res.writeHead(500).end("engine on fire");
  res.writeHead(200, { "content-type": "text/event-stream" });
  const prompt = (body.prompt as number[]).length;
  const texts = body.model === "cut" ? ["a"] : ["a", "b", "c"];
  for (let i = 0; i < texts.length; i++) {
    await sleep(5);
    const usage = { prompt_tokens: prompt, completion_tokens: i + 1, total_tokens: prompt + i + 1 };
    const last = i === 2 ? "length" : null;
    const choices = [{ index: 0, text: texts[i], logprobs: null, finish_reason: last }];
    const chunk = { id: "cmpl-1", object: "text_completion", created: 0, model: body.model, choices };
    res.write(sseFrame(body.model === "nousage" ? chunk : { ...chunk, usage }));
  }
  if (body.model === "cut") return void res.end();
  const usage = { prompt_tokens: prompt, completion_tokens: 3, total_tokens: prompt + 3 };
  res.write(
    sseFrame({ id: "cmpl-1", object: "text_completion", created: 0, model: body.model, choices: [], usage }),
  );
  res.end(SSE_DONE);
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (model: string, at = 0, tenant?: string): LoadRequest => ({
  at,
  tenant,
  body: {
    model,
    prompt: [1, 2, 3, 4],
    max_tokens: 3,
    temperature: 0,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true, continuous_usage_stats: true },
  },
});

describe("runLoad", () => {
  it("refuses a server that is not on this machine, before sending anything", async () => {
    for (const url of ["http://example.com/v1", "http://127.0.0.1.nip.io/v1", "http://10.0.0.1:8000/v1"])
      await expect(runLoad({ baseURL: url, requests: [request("llama")], maxSeconds: 1 })).rejects.toThrow(
        UserError,
      );
    await expect(runLoad({ baseURL: "http://example.com/v1", requests: [], maxSeconds: 1 })).rejects.toThrow(
      'refusing to load "example.com"',
    );
    await expect(runLoad({ baseURL: "127.0.0.1:8000", requests: [], maxSeconds: 1 })).rejects.toThrow(
      UserError,
    );
    // localhost is fine (no requests: nothing is sent)
    const none = await runLoad({ baseURL: "http://localhost:1/v1", requests: [], maxSeconds: 1 });
    expect(none).toEqual({ records: [], durationMs: expect.any(Number), timedOut: false });
  });

  it("records every streamed chunk: its time and the tokens it added", async () => {
    const before = bodies.length;
    const done: [number, number][] = [];
    const { records, timedOut } = await runLoad({
      baseURL,
      // given late-first: it sends in order of arrival time
      requests: [request("llama", 60, "bob"), request("llama", 0, "alice")],
      maxSeconds: 10,
      onDone: (d, t) => done.push([d, t]),
    });
    expect(timedOut).toBe(false);
    expect(records.map((r) => r.tenant)).toEqual(["alice", "bob"]);
    for (const r of records) {
      expect(r.ok, r.error).toBe(true);
      expect(r.inputTokens).toBe(4);
      // usage.completion_tokens 1, 2, 3: each chunk added 1; the usage-only chunk is no response
      expect(r.responses.map((x) => x.tokens)).toEqual([1, 1, 1]);
      // ordered in time, all after the request was sent
      expect(r.responses[0].at).toBeGreaterThanOrEqual(r.sentAt);
      for (let i = 1; i < 3; i++) expect(r.responses[i].at).toBeGreaterThanOrEqual(r.responses[i - 1].at);
    }
    // bob left no earlier than his arrival time: ≥ 60 ms after the start (a timer may fire up to 1 ms
    // early: Node rounds its start down to the ms), and alice left right at the start (allow 9 ms)
    expect(records[1].sentAt - records[0].sentAt).toBeGreaterThanOrEqual(50);
    expect(done).toEqual([
      [1, 2],
      [2, 2],
    ]);
    // the server saw the bodies as given, with the tenant as `user`
    const seen = bodies.slice(before);
    expect(seen.map((b) => b.user)).toEqual(["alice", "bob"]);
    expect(seen[0]).toMatchObject({ prompt: [1, 2, 3, 4], max_tokens: 3, stream: true });
  });

  it("counts a token per chunk when chunks carry no usage", async () => {
    const { records } = await runLoad({ baseURL, requests: [request("nousage")], maxSeconds: 10 });
    expect(records[0].ok).toBe(true);
    expect(records[0].responses.map((x) => x.tokens)).toEqual([1, 1, 1]);
  });

  it("marks an HTTP error and a stream cut short as failed, with the reason", async () => {
    const { records } = await runLoad({
      baseURL,
      requests: [request("fail"), request("cut", 1)],
      maxSeconds: 10,
    });
    expect(records.map((r) => r.ok)).toEqual([false, false]);
    expect(records[0].error).toBe("HTTP 500: engine on fire");
    expect(records[1].error).toContain("finish_reason");
    expect(records[1].responses).toHaveLength(1);
  });

  it("aborts at maxSeconds a server that never answers, and resolves", async () => {
    const done: number[] = [];
    // the second request would arrive after the deadline: it is never sent
    const result = await runLoad({
      baseURL,
      requests: [request("hang"), request("llama", 60_000)],
      maxSeconds: 0.3,
      onDone: (d) => done.push(d),
    });
    expect(result.timedOut).toBe(true);
    expect(result.records).toHaveLength(1);
    expect(result.records[0].ok).toBe(false);
    expect(result.records[0].error).toContain("maxSeconds");
    expect(done).toEqual([1]);
    // it waited for the deadline (a timer fires at most 1 ms early), not for the second arrival
    expect(result.durationMs).toBeGreaterThanOrEqual(298);
    expect(result.durationMs).toBeLessThan(60_000);
  });
});
