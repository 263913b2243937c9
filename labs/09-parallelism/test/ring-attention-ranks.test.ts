// Ring attention on real workers (and on ranks in this thread) against the simulated
// ring of ring-attention.ts: the same tiles merged in the same order, so bit for bit.
// Bytes by hand: each rank sends N − 1 blocks of K and V, 2·B·d floats, plus the block's
// index: (N − 1)·(2·B·d + 1) floats; for T = 64, d = 8, N = 4 (B = 16): 3·257 = 771 floats.
import { describe, expect, it } from "vitest";
import { Rng, randn } from "@llm-labs/tensor";
import { ringAttention } from "../src/ring-attention.ts";
import { type RingRankInput, type RingRankOutput, ringAttentionRank } from "../src/ring-attention-ranks.ts";
import { runLocalWorld, runWorld } from "../src/world.ts";

const [T, d] = [64, 8];
const rng = new Rng(21);
const q = randn(rng, [T, d]).data;
const k = randn(rng, [T, d]).data;
const v = randn(rng, [T, d]).data;
const task = {
  module: new URL("../src/ring-attention-ranks.ts", import.meta.url),
  name: "ringAttentionRank",
};

describe("ring attention, one rank per worker", () => {
  for (const [N, where] of [
    [2, "workers"],
    [4, "workers"],
    [8, "local"],
  ] as [number, "local" | "workers"][]) {
    it(`N = ${N} (${where === "local" ? "ranks in this thread" : "worker threads"}): the simulated ring's output, bit for bit`, async () => {
      const B = T / N;
      const opts = { size: N, capacity: 2 * B * d + 1 };
      const input = (r: number): RingRankInput => ({
        q: q.slice(r * B * d, (r + 1) * B * d),
        k: k.slice(r * B * d, (r + 1) * B * d),
        v: v.slice(r * B * d, (r + 1) * B * d),
        d,
      });
      const res =
        where === "local"
          ? await runLocalWorld(ringAttentionRank, opts, input)
          : await runWorld<RingRankOutput>(task, opts, input);
      const sim = ringAttention(q, k, v, { T, d, ranks: N });
      const out = new Float32Array(T * d);
      res.forEach((r, rank) => out.set(r.output.out, rank * B * d));
      expect(out).toEqual(sim.out);
      expect(res.map((r) => r.output.tiles)).toEqual(Array.from({ length: N }, (_, r) => r + 1));
      for (const r of res) expect(r.bytesSent).toBe(4 * (N - 1) * (2 * B * d + 1));
    });
  }
});
