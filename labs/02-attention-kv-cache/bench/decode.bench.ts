// npx tsx bench/decode.bench.ts   (or: npm run bench -- --only labs/02-attention-kv-cache)
//
// Per-token decode time with our KV cache vs recomputing the whole prefix, at
// positions 64, 128, 256 and 512. The trained target only has 128 learned
// positions, so this uses a model of the SAME shape (4 layers × 128, 4 heads of 32,
// vocabulary 1024) with random weights and 520 positions: speed does not depend
// on what the weights are. Our TypeScript forward, one thread.

import { createGPT, makeConfig } from "@llm-labs/model";
import { ratioLine, table, timeIt } from "@llm-labs/kit";
import { KVCache, forwardWithCache } from "../src/kv-cache.ts";

const config = makeConfig({ n_layer: 4, n_head: 4, n_embd: 128, n_positions: 520, vocab_size: 1024 });
const model = createGPT(config, 1);
const ids = Array.from({ length: 520 }, (_, i) => (i * 37) % 1000);
const positions = [64, 128, 256, 512];
const rows: (string | number)[][] = [];
const cached: number[] = [];
const ratios: number[] = [];
for (const p of positions) {
  const cache = KVCache.for(config);
  forwardWithCache(model, ids.slice(0, p), cache);
  const step = timeIt(
    () => {
      cache.length = p; // rewind one slot: each run computes the token at position p
      forwardWithCache(model, [ids[p]], cache);
    },
    { repeat: 21, warmup: 3 },
  );
  const recompute = timeIt(() => forwardWithCache(model, ids.slice(0, p + 1), KVCache.for(config)), {
    repeat: 3,
    warmup: 1,
  });
  cached.push(step);
  ratios.push(recompute / step);
  rows.push([p, step.toFixed(3), recompute.toFixed(1), `${(recompute / step).toFixed(1)}x`]);
}
console.log("ms per new token (median); same-shape model as the target, random weights, 520 positions\n");
console.log(table(["position", "with cache", "recompute", "speed-up"], rows));
// Least-squares slope of the cached cost over position.
const mx = positions.reduce((a, b) => a + b) / positions.length;
const my = cached.reduce((a, b) => a + b) / cached.length;
const slope =
  positions.reduce((s, x, i) => s + (x - mx) * (cached[i] - my), 0) /
  positions.reduce((s, x) => s + (x - mx) ** 2, 0);
console.log(
  `\ncached cost: ${cached[0].toFixed(3)} ms at 64 → ${cached[cached.length - 1].toFixed(3)} ms at 512; slope ${(slope * 1000).toFixed(2)} µs per position (attention over the cache grows, the matmuls do not)`,
);
positions.forEach((p, i) => console.log(ratioLine(`decode-${p} cache/recompute`, ratios[i])));
