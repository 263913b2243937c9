// GenAI-Perf's metrics: src/metrics.ts.
import { UserError } from "@llm-labs/kit";
import { Rng } from "@llm-labs/tensor";
import * as hdr from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { type RequestRecord, genAiPerfMetrics, metricsTable, percentile, summarize } from "../src/metrics.ts";

describe("percentile", () => {
  it("interpolates between the closest ranks, like numpy's default", () => {
    // numpy.percentile's docs: a = [[10, 7, 4], [3, 2, 1]], percentile(a, 50) = 3.5
    // (sorted 1 2 3 4 7 10, pos = 5 · 0.5 = 2.5, halfway between 3 and 4)
    expect(percentile([10, 7, 4, 3, 2, 1], 50)).toBe(3.5);
    // [15, 20, 35, 40, 50], q = 40: pos = 4 · 0.4 = 1.6 → 20 + 0.6 · (35 − 20) = 29
    // (the nearest-rank method would say 20 or 35)
    expect(percentile([15, 20, 35, 40, 50], 40)).toBeCloseTo(29, 10);
    // q = 30: pos = 1.2 → 20 + 0.2 · 15 = 23
    expect(percentile([50, 15, 40, 20, 35], 30)).toBeCloseTo(23, 10);
    // q = 0 and q = 100 are the minimum and the maximum
    expect(percentile([3, 9, 1], 0)).toBe(1);
    expect(percentile([3, 9, 1], 100)).toBe(9);
    // one value is every percentile
    expect(percentile([7], 99)).toBe(7);
  });

  it("leaves its input unsorted, and refuses no values or a q outside [0, 100]", () => {
    const xs = [3, 1, 2];
    expect(percentile(xs, 50)).toBe(2);
    expect(xs).toEqual([3, 1, 2]);
    expect(() => percentile([], 50)).toThrow(UserError);
    expect(() => percentile([1], 101)).toThrow("q must be in [0, 100], got 101");
    expect(() => percentile([1], Number.NaN)).toThrow(UserError);
  });

  it("agrees with hdr-histogram-js on 5,000 seeded latencies, within one rank and 0.1 %", () => {
    // HdrHistogram's getValueAtPercentile(p) reports the value at rank ⌈p·n/100⌉
    // (1-based), rounded up to its bucket's top: ≤ 10^−3 relative with 3 significant
    // digits. numpy's linear rule lands between ranks ⌊(n−1)q/100⌋+1 and ⌈(n−1)q/100⌉+1,
    // which lie between HDR's ranks for q − 100/n and q + 100/n. So ours must lie in
    // [HDR(q − 100/n) · (1 − 10^−3), HDR(q + 100/n)].
    const rng = new Rng(2024);
    const n = 5000;
    // log-normal-ish integer latencies from ~20 ms to a few seconds
    const values = Array.from(
      { length: n },
      () => Math.round(Math.exp(Math.log(200) + 0.8 * rng.normal())) + 1,
    );
    const h = hdr.build({ numberOfSignificantValueDigits: 3 });
    for (const v of values) h.recordValue(v);
    for (const q of [50, 75, 90, 99, 99.9]) {
      const ours = percentile(values, q);
      const low = h.getValueAtPercentile(Math.max(q - 100 / n, 0));
      const high = h.getValueAtPercentile(Math.min(q + 100 / n, 100));
      expect(ours, `p${q}`).toBeGreaterThanOrEqual(low * (1 - 1e-3));
      expect(ours, `p${q}`).toBeLessThanOrEqual(high);
      // and close to HDR's own p_q: adjacent ranks of 5,000 samples differ by well under 1 %
      const at = h.getValueAtPercentile(q);
      expect(Math.abs(ours - at) / at, `p${q}`).toBeLessThan(0.02);
    }
    // p100 is the maximum for both (HDR's up to its bucket's top)
    const max = percentile(values, 100);
    expect(h.getValueAtPercentile(100)).toBeGreaterThanOrEqual(max);
    expect(h.getValueAtPercentile(100)).toBeLessThanOrEqual(max * (1 + 1e-3));
    h.destroy();
  });
});

describe("summarize", () => {
  it("gives avg, min, max and the four percentiles", () => {
    // [10, 20, 40]: avg 70/3; p99 pos 1.98 → 20 + 0.98·20 = 39.6; p90 pos 1.8 → 36; p75 pos 1.5 → 30
    const s = summarize([40, 10, 20]);
    expect(s.avg).toBeCloseTo(70 / 3, 10);
    expect([s.min, s.max, s.p50, s.count]).toEqual([10, 40, 20, 3]);
    expect(s.p99).toBeCloseTo(39.6, 10);
    expect(s.p90).toBeCloseTo(36, 10);
    expect(s.p75).toBeCloseTo(30, 10);
  });

  it("has count 0 and NaN statistics for no values", () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.avg).toBeNaN();
    expect(s.p50).toBeNaN();
  });
});

// Three completed requests and a failed one, times in ms:
//   A sent 1000, responses at 1100 (1 token), 1140 (1), 1200 (3); prompt 10 tokens
//   B sent 1050, responses at 1250 (1), 1260 (1);                 prompt 20
//   C sent 1100, one response at 1400 (1);                        prompt 30
//   D sent 1200, HTTP 503
const records: RequestRecord[] = [
  {
    sentAt: 1000,
    responses: [
      { at: 1100, tokens: 1 },
      { at: 1140, tokens: 1 },
      { at: 1200, tokens: 3 },
    ],
    inputTokens: 10,
    ok: true,
  },
  {
    sentAt: 1050,
    responses: [
      { at: 1250, tokens: 1 },
      { at: 1260, tokens: 1 },
    ],
    inputTokens: 20,
    ok: true,
  },
  { sentAt: 1100, responses: [{ at: 1400, tokens: 1 }], inputTokens: 30, ok: true },
  { sentAt: 1200, responses: [], inputTokens: 40, ok: false, error: "HTTP 503" },
];

describe("genAiPerfMetrics", () => {
  const m = genAiPerfMetrics(records);

  it("time to first and second token, by hand", () => {
    // TTFT: A 1100 − 1000 = 100, B 1250 − 1050 = 200, C 1400 − 1100 = 300
    // avg 200, p99 pos 1.98 → 200 + 0.98·100 = 298, p90 → 280, p75 → 250, p50 200
    const t = m.timeToFirstToken;
    expect([t.count, t.avg, t.min, t.max, t.p50]).toEqual([3, 200, 100, 300, 200]);
    expect(t.p99).toBeCloseTo(298, 10);
    expect(t.p90).toBeCloseTo(280, 10);
    expect(t.p75).toBeCloseTo(250, 10);
    // TTST: A 1140 − 1100 = 40, B 1260 − 1250 = 10; C has one response, so no value
    // sorted [10, 40]: avg 25, p50 pos 0.5 → 25, p75 → 32.5, p90 → 37, p99 → 39.7
    const s = m.timeToSecondToken;
    expect([s.count, s.avg, s.min, s.max, s.p50]).toEqual([2, 25, 10, 40, 25]);
    expect(s.p75).toBeCloseTo(32.5, 10);
    expect(s.p90).toBeCloseTo(37, 10);
    expect(s.p99).toBeCloseTo(39.7, 10);
  });

  it("inter token latency divides each gap by the tokens of the later response", () => {
    // A: (1140 − 1100)/1 = 40, (1200 − 1140)/3 = 20;  B: (1260 − 1250)/1 = 10;  C: none
    // [10, 20, 40]: avg 70/3, p50 20, p75 30, p90 36, p99 39.6
    // (spreading A's latency over its tokens instead, (1200 − 1100)/4 = 25, would differ)
    const i = m.interTokenLatency;
    expect([i.count, i.min, i.max, i.p50]).toEqual([3, 10, 40, 20]);
    expect(i.avg).toBeCloseTo(70 / 3, 10);
    expect(i.p75).toBeCloseTo(30, 10);
    expect(i.p90).toBeCloseTo(36, 10);
    expect(i.p99).toBeCloseTo(39.6, 10);
  });

  it("request latency and the sequence lengths, by hand", () => {
    // latency: A 1200 − 1000 = 200, B 1260 − 1050 = 210, C 1400 − 1100 = 300
    // avg 710/3, p50 210, p75 pos 1.5 → 255, p90 pos 1.8 → 282, p99 → 298.2
    const l = m.requestLatency;
    expect([l.min, l.max, l.p50]).toEqual([200, 300, 210]);
    expect(l.avg).toBeCloseTo(710 / 3, 10);
    expect(l.p75).toBeCloseTo(255, 10);
    expect(l.p90).toBeCloseTo(282, 10);
    expect(l.p99).toBeCloseTo(298.2, 10);
    // output lengths: A 1 + 1 + 3 = 5, B 2, C 1 → sorted [1, 2, 5], avg 8/3, p90 2 + 0.8·3 = 4.4
    const o = m.outputSequenceLength;
    expect([o.min, o.max, o.p50]).toEqual([1, 5, 2]);
    expect(o.avg).toBeCloseTo(8 / 3, 10);
    expect(o.p90).toBeCloseTo(4.4, 10);
    // input lengths of the completed requests only (not D's 40): [10, 20, 30]
    const s = m.inputSequenceLength;
    expect([s.count, s.avg, s.min, s.max]).toEqual([3, 20, 10, 30]);
  });

  it("throughputs over the first send to the last response; failures counted apart", () => {
    // duration: A sent at 1000 → C's response at 1400 = 400 ms = 0.4 s
    // output tokens 5 + 2 + 1 = 8 → 8 / 0.4 = 20 per s; requests 3 / 0.4 = 7.5 per s
    expect(m.durationMs).toBe(400);
    expect(m.outputTokenThroughput).toBeCloseTo(20, 10);
    expect(m.requestThroughput).toBeCloseTo(7.5, 10);
    expect([m.completed, m.failed]).toEqual([3, 1]);
  });

  it("has zero throughput and empty summaries when nothing completed", () => {
    const none = genAiPerfMetrics([records[3]]);
    expect([none.completed, none.failed, none.outputTokenThroughput, none.requestThroughput]).toEqual([
      0, 1, 0, 0,
    ]);
    expect(none.timeToFirstToken.count).toBe(0);
  });
});

describe("metricsTable", () => {
  it("prints GenAI-Perf's rows and columns, two decimals, then the throughputs", () => {
    const lines = metricsTable(genAiPerfMetrics(records)).split("\n");
    expect(lines[0].split(/\s+/)).toEqual(["Statistic", "avg", "min", "max", "p99", "p90", "p75", "p50"]);
    const row = (label: string) => {
      const line = lines.find((l) => l.startsWith(label));
      expect(line, label).toBeDefined();
      return line!.slice(label.length).trim().split(/\s+/);
    };
    // the hand-worked values above, in the column order avg min max p99 p90 p75 p50
    expect(row("Time to first token (ms)")).toEqual([
      "200.00",
      "100.00",
      "300.00",
      "298.00",
      "280.00",
      "250.00",
      "200.00",
    ]);
    expect(row("Time to second token (ms)")).toEqual([
      "25.00",
      "10.00",
      "40.00",
      "39.70",
      "37.00",
      "32.50",
      "25.00",
    ]);
    expect(row("Inter token latency (ms)")).toEqual([
      "23.33",
      "10.00",
      "40.00",
      "39.60",
      "36.00",
      "30.00",
      "20.00",
    ]);
    expect(row("Request latency (ms)")).toEqual([
      "236.67",
      "200.00",
      "300.00",
      "298.20",
      "282.00",
      "255.00",
      "210.00",
    ]);
    // output lengths [1, 2, 5]: p99 2 + 0.98·3 = 4.94, p75 pos 1.5 → 3.5
    expect(row("Output sequence length")).toEqual(["2.67", "1.00", "5.00", "4.94", "4.40", "3.50", "2.00"]);
    // input lengths [10, 20, 30]: p99 29.8, p90 28, p75 25
    expect(row("Input sequence length")).toEqual([
      "20.00",
      "10.00",
      "30.00",
      "29.80",
      "28.00",
      "25.00",
      "20.00",
    ]);
    expect(lines).toContain("Output token throughput (per sec): 20.00");
    expect(lines).toContain("Request throughput (per sec): 7.50");
    expect(lines).toContain("Failed requests: 1");
    // numbers right-aligned: every data row is as long as the widest
    const dataRows = lines.slice(2, 8);
    expect(new Set(dataRows.map((l) => l.length)).size).toBe(1);
  });
});
