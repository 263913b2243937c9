// npm run lab attention-kv-cache
//
// The lab's story in one run: our attention reproduces the specimen GPT's, our
// KV cache reproduces full recompute while doing a fraction of the work, the
// cache's bytes for real models, attention computed tile by tile, GQA made from
// the trained target, ONNX Runtime agreeing with us, and what one head looks at.

import { fileURLToPath } from "node:url";
import {
  type AnySpecimen,
  checkpointDir,
  createLlama,
  forward,
  heldoutLoss,
  loadCheckpoint,
  loadSpecimen,
  loadTransformersTokenizer,
} from "@llm-labs/model";
import { argmax, maxAbsDiff, Rng, sample } from "@llm-labs/tensor";
import { heatmap, median, svgHeatmap, table, timeIt, writeSvg } from "@llm-labs/kit";
import { multiHeadAttention, attendHeads, columns } from "./multi-head.ts";
import { KVCache, forwardWithCache } from "./kv-cache.ts";
import {
  KV_SHAPES,
  formatBytes,
  kvBytesPerToken,
  kvCacheBytes,
  kvShapeOf,
  type KVShape,
} from "./kv-bytes.ts";
import { scoreBytes, tiledAttention } from "./online-softmax.ts";
import { causalMask, scaledDotProductAttention } from "./attention.ts";
import { groupedQueryAttention, meanPoolKVHeads } from "./gqa.ts";
import { ortAttention, ortMultiHeadAttention } from "./ort-reference.ts";
import { heldoutTokens } from "@llm-labs/model";
import { PagedKVCache } from "./paged-kv-cache.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const sci = (x: number) => x.toExponential(1);
const t00 = performance.now();

const dir = checkpointDir("target");
const model = loadCheckpoint(dir);
const tok = await loadTransformersTokenizer(dir);
const { n_embd: C, n_head: H, n_layer: NL, vocab_size: V, n_positions: NP } = model.config;
const d = C / H;
const encode = (s: string) => tok.encode(s, { add_special_tokens: false }) as number[];

// ------------------------------------------------------------------ 1. attention
heading("1. Our multi-head attention on the target's real weights");
const prompt = "Once upon a time, there was a brave panda named Mei. Mei lived in a quiet village.";
const ids = encode(prompt);
const acts = forward(model, ids, 1, ids.length);
const rows = acts.layers.map((L, l) => {
  const ours = multiHeadAttention(Float32Array.from(L.ln1), model.params.h[l], ids.length, C, H);
  return [`layer ${l}`, sci(maxAbsDiff(ours, L.attproj))];
});
console.log(
  `prompt: ${ids.length} tokens; the specimen's attention sublayer vs ours (${H} heads of ${d}):\n`,
);
console.log(table(["layer", "max |Δ| vs specimen"], rows));

// ------------------------------------------------------------------ 2. KV cache
heading("2. The KV cache: prefill, then one token at a time");
const cache = KVCache.for(model.config);
const seq = [...ids];
const steps: Float32Array[] = [];
let out = forwardWithCache(model, seq, cache);
steps.push(out.slice((seq.length - 1) * V));
while (seq.length < NP) {
  seq.push(argmax(steps[steps.length - 1]));
  steps.push(forwardWithCache(model, [seq[seq.length - 1]], cache));
}
const full = forward(model, seq, 1, NP).logits; // row t = full recompute of prefix 0..t
let worst = 0;
steps.forEach((s, i) => {
  const t = ids.length - 1 + i;
  worst = Math.max(worst, maxAbsDiff(s, full.subarray(t * V, (t + 1) * V)));
});
console.log(
  `prefill ${ids.length} tokens, then ${steps.length - 1} decode steps to the full context of ${NP}`,
);
console.log(`max |Δ logits| vs the specimen's full recompute, over all ${steps.length} steps: ${sci(worst)}`);
console.log(`text: ${JSON.stringify(tok.decode(seq.slice(ids.length, ids.length + 60)))} …`);

// Cost of producing the token at position p: one cached step vs recomputing p+1 tokens.
const timeMs = (fn: () => void, n: number) => timeIt(fn, { repeat: n, warmup: 0 });
const benchRows: (string | number)[][] = [];
const cachedAt: [number, number][] = [];
for (const p of [16, 32, 64, 127]) {
  const c = KVCache.for(model.config);
  forwardWithCache(model, seq.slice(0, p), c);
  const step = timeMs(() => {
    c.length = p; // rewind: the step overwrites slot p each time
    forwardWithCache(model, [seq[p]], c);
  }, 15);
  const recompute = timeMs(() => forwardWithCache(model, seq.slice(0, p + 1), KVCache.for(model.config)), 3);
  cachedAt.push([p, step]);
  benchRows.push([p, step.toFixed(3), recompute.toFixed(2), `${(recompute / step).toFixed(1)}x`]);
}
console.log("\nms per new token (median), our TypeScript forward:\n");
console.log(table(["position", "with cache", "recompute", "speed-up"], benchRows));
const [p0, s0] = cachedAt[0];
const [p1, s1] = cachedAt[cachedAt.length - 1];
console.log(
  `cached cost slope: ${(((s1 - s0) / (p1 - p0)) * 1000).toFixed(2)} µs per extra position (the matmuls, not the attention, dominate at this size)`,
);

// ------------------------------------------------------------------ 3. memory
heading("3. KV cache memory: 2 × layers × kv_heads × head_dim × bytes");
const contexts = [4096, 32768, 131072];
console.log(
  table(
    [
      "model",
      "layers",
      "kv heads",
      "head dim",
      "per token",
      ...contexts.map((n) => `${n / 1024}K × 1`),
      "4K × 32",
    ],
    KV_SHAPES.map((s) => [
      s.name,
      s.layers,
      s.kvHeads,
      s.headDim,
      formatBytes(kvBytesPerToken(s)),
      ...contexts.map((n) => formatBytes(kvCacheBytes(s, n, 1))),
      formatBytes(kvCacheBytes(s, 4096, 32)),
    ]),
  ),
);
const llama2 = KV_SHAPES[1];
const llama2Weights = 6.74e9 * 2; // 6.74 B parameters in fp16
console.log(
  `(LLaMA-2 7B's fp16 weights are ${(llama2Weights / 2 ** 30).toFixed(1)} GiB: at batch 32 × 4K its cache is ${(kvCacheBytes(llama2, 4096, 32) / llama2Weights).toFixed(1)}× the model.)`,
);

// The course's Llama specimen has real GQA: 8 query heads share 2 KV heads.
const llama = loadSpecimen(checkpointDir("llama"));
if (llama.config.model_type !== "llama") throw new Error("checkpoints/llama is not a Llama checkpoint");
const lc = llama.config;
const llamaGQA = kvShapeOf(
  lc,
  `specimen Llama (fp32, ${lc.num_attention_heads} q / ${lc.num_key_value_heads} kv)`,
);
const llamaMHA = { ...llamaGQA, name: "the same Llama as MHA (8 kv)", kvHeads: lc.num_attention_heads };
const allocated = (c: { keys: Float32Array[]; values: Float32Array[] }) =>
  [...c.keys, ...c.values].reduce((n, a) => n + a.byteLength, 0);
console.log(
  `\nthe course's own specimens (hidden width 128, 4 layers each), float32, ${lc.max_position_embeddings} positions:\n`,
);
const kvRow = (k: KVShape, alloc: string) => [
  k.name,
  `${k.kvHeads} × ${k.headDim}`,
  formatBytes(kvBytesPerToken(k)),
  formatBytes(kvCacheBytes(k, 512, 1)),
  alloc,
];
console.log(
  table(
    ["model", "kv heads × head dim", "per token", "512 tokens", "allocated by KVCache.for"],
    [
      kvRow(llamaGQA, formatBytes(allocated(KVCache.for(lc)))),
      kvRow(llamaMHA, "-"),
      kvRow(
        kvShapeOf(model.config, "specimen target (GPT-2)"),
        `${formatBytes(allocated(cache))} (128 positions)`,
      ),
    ],
  ),
);
// Decode speed with our cache and our attention on the Llama, against the same
// shape with 8 KV heads (random weights: speed does not depend on them). Ten
// steps of each, alternately, median of 9 rounds.
const llamaMHAModel = createLlama({ ...lc, num_key_value_heads: lc.num_attention_heads }, 1);
const prefilled = (m: AnySpecimen, p: number) => {
  const c = KVCache.for(m.config, p + 1);
  forwardWithCache(
    m,
    Array.from({ length: p }, (_, i) => seq[i % NP]),
    c,
  ); // any p tokens will do for timing
  return c;
};
const decodeMs = (m: AnySpecimen, c: KVCache, p: number) => {
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) {
    c.length = p; // rewind: every step computes the token at position p
    forwardWithCache(m, [seq[p % NP]], c);
  }
  return (performance.now() - t0) / 10;
};
const speedRows = [64, 256, 500].map((p) => {
  const [cg, cm] = [prefilled(llama, p), prefilled(llamaMHAModel, p)];
  const gqa: number[] = [];
  const mha: number[] = [];
  for (let r = 0; r < 9; r++) {
    gqa.push(decodeMs(llama, cg, p));
    mha.push(decodeMs(llamaMHAModel, cm, p));
  }
  const [g, m] = [median(gqa), median(mha)];
  return [
    p,
    g.toFixed(2),
    (1000 / g).toFixed(0),
    m.toFixed(2),
    (1000 / m).toFixed(0),
    `${(m / g).toFixed(2)}x`,
  ];
});
console.log("\ndecode, our cache and attention on the Llama (ms per token, tokens/s), one thread:\n");
console.log(table(["position", "GQA 2 kv: ms", "tok/s", "MHA 8 kv: ms", "tok/s", "MHA/GQA time"], speedRows));
console.log(
  "(GQA stores 4× fewer bytes but every query head still attends: the same FLOPs. On a CPU at this size the step is bound by arithmetic, so the speed barely moves; a GPU decode step is bound by reading the cache, and there the 4× counts.)",
);

// ------------------------------------------------------------------ 4. tiling
heading("4. Online softmax: attention one block of keys at a time");
const L2 = acts.layers[2];
const T = ids.length;
const qkv = Float32Array.from(L2.qkv);
const q0 = columns(qkv, T, 3 * C, 0, d);
const k0 = columns(qkv, T, 3 * C, C, d);
const v0 = columns(qkv, T, 3 * C, 2 * C, d);
const naive = scaledDotProductAttention(q0, k0, v0, T, T, d, causalMask(T, T));
console.log(
  table(
    ["block size", "max |Δ| tiled vs naive"],
    [1, 4, 16, 64].map((b) => [b, sci(maxAbsDiff(tiledAttention(q0, k0, v0, T, T, d, b), naive))]),
  ),
);
console.log("\nscore memory for one head, 64 × 64 tiles (float32):\n");
console.log(
  table(
    ["tokens", "naive [T, T]", "tiled", "saved"],
    [128, 4096, 32768].map((n) => {
      const m = scoreBytes(n, n, 64, 64);
      return [n, formatBytes(m.naive), formatBytes(m.tiled), `${(m.naive / m.tiled).toFixed(0)}x`];
    }),
  ),
);

// ------------------------------------------------------------------ 5. GQA
heading("5. GQA from the trained target: mean-pool K/V heads (Ainslie et al. 2023 §2.1)");
const HELDOUT = 2048;
const held = await heldoutTokens(HELDOUT);
const gqaRows = [4, 2, 1].map((g) => {
  const m = g === H ? model : meanPoolKVHeads(model, g);
  const loss = heldoutLoss(m, held);
  return { g, loss };
});
const base = gqaRows[0].loss;
console.log(`held-out: the first ${HELDOUT} tokens of the specimen's held-out split, no uptraining\n`);
console.log(
  table(
    ["KV heads", "kind", "KV bytes/token", "loss", "perplexity", "Δ perplexity"],
    gqaRows.map(({ g, loss }) => [
      g,
      g === H ? "MHA (original)" : g === 1 ? "MQA" : "GQA",
      formatBytes(kvBytesPerToken({ ...KV_SHAPES[0], kvHeads: g })),
      loss.toFixed(3),
      Math.exp(loss).toFixed(2),
      g === H ? "-" : `+${((Math.exp(loss) / Math.exp(base) - 1) * 100).toFixed(0)}%`,
    ]),
  ),
);

// ------------------------------------------------------------------ 6. ORT
heading("6. ONNX Runtime agrees (random inputs, 4 query heads of 32, causal)");
const rng = new Rng(7);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const TT = 64;
const q = rand(TT * C);
const k = rand(TT * C);
const v = rand(TT * C);
const packed = new Float32Array(TT * 3 * C);
for (let t = 0; t < TT; t++) {
  packed.set(q.subarray(t * C, (t + 1) * C), t * 3 * C);
  packed.set(k.subarray(t * C, (t + 1) * C), t * 3 * C + C);
  packed.set(v.subarray(t * C, (t + 1) * C), t * 3 * C + 2 * C);
}
const mha = maxAbsDiff(attendHeads(packed, TT, C, H), await ortMultiHeadAttention(q, k, v, TT, H, d));
const ortRows: (string | number)[][] = [["com.microsoft.MultiHeadAttention", "4 / 4", sci(mha)]];
for (const g of [2, 1]) {
  const kg = rand(TT * g * d);
  const vg = rand(TT * g * d);
  ortRows.push([
    `Attention (opset 23)`,
    `4 / ${g}`,
    sci(
      maxAbsDiff(groupedQueryAttention(q, kg, vg, TT, H, g, d), await ortAttention(q, kg, vg, TT, H, g, d)),
    ),
  ]);
}
console.log(table(["ORT operator", "q / kv heads", "max |Δ| vs ours"], ortRows));

// ------------------------------------------------------------------ 7. paged
heading("7. A paged KV cache (PagedAttention's block table)");
{
  // One prompt, three sampled continuations that share its blocks (fork), each
  // checked against a contiguous cache fed the same tokens.
  const BS = 16;
  const NEW = 24;
  const forks = 3;
  const paged = new PagedKVCache({
    layers: NL,
    heads: H,
    headDim: d,
    blockSize: BS,
    numBlocks: (forks * NP) / BS,
  });
  const a = paged.addSequence();
  const pre = forwardWithCache(model, ids, paged.view(a)).slice((ids.length - 1) * V);
  const seqIds = [a, ...Array.from({ length: forks - 1 }, () => paged.fork(a))];
  console.log(
    `prompt of ${ids.length} tokens in blocks of ${BS}: ${paged.usedBlocks()} physical blocks, shared by ${forks} sequences`,
  );
  let worstPaged = 0;
  for (const [i, sid] of seqIds.entries()) {
    const r = new Rng(100 + i);
    const toks: number[] = [];
    let lp: Float32Array = pre;
    const contiguous = KVCache.for(model.config);
    forwardWithCache(model, ids, contiguous);
    for (let s = 0; s < NEW; s++) {
      toks.push(sample(lp, r, { temperature: 1 }));
      lp = forwardWithCache(model, [toks[s]], paged.view(sid));
      worstPaged = Math.max(worstPaged, maxAbsDiff(lp, forwardWithCache(model, [toks[s]], contiguous)));
    }
    console.log(`  sequence ${i}: ${JSON.stringify(tok.decode(toks))}`);
  }
  const f = paged.fragmentation();
  console.log(
    `max |Δ logits| paged vs contiguous over ${forks} × ${NEW} steps: ${worstPaged === 0 ? "0 (bit for bit)" : sci(worstPaged)}`,
  );
  console.log(`copy-on-write copies: ${paged.copies} (the shared, half-full last block of the prompt)`);
  console.log(
    `paged: ${paged.usedBlocks()} blocks = ${f.allocated} slots for ${f.used} stored tokens, ${f.wasted} wasted (${((f.wasted / f.allocated) * 100).toFixed(1)}%)`,
  );
  const contiguousUsed = forks * (ids.length + NEW);
  console.log(
    `contiguous, ${NP} slots reserved per sequence: ${forks * NP} slots for ${contiguousUsed} tokens (prompt stored ${forks}×), ${forks * NP - contiguousUsed} wasted (${(((forks * NP - contiguousUsed) / (forks * NP)) * 100).toFixed(1)}%)`,
  );
}

// ------------------------------------------------------------------ 8. heatmap
heading("8. What one head looks at");
const shown = encode("Mei counted two birds in the sky. Mei smiled.");
const hl = 1;
const hh = 2;
const a8 = forward(model, shown, 1, shown.length);
const probs = Array.from({ length: H }, () => new Float32Array(shown.length ** 2));
attendHeads(Float32Array.from(a8.layers[hl].qkv), shown.length, C, H, probs);
const labels = shown.map((id) => JSON.stringify(tok.decode([id])).slice(1, -1));
const matrix = Array.from({ length: shown.length }, (_, i) =>
  Array.from({ length: shown.length }, (_, j) => (j > i ? NaN : probs[hh][i * shown.length + j])),
);
console.log(
  `layer ${hl}, head ${hh}: row = query token, column = key token, darker = more weight (· = masked)\n`,
);
console.log(heatmap(matrix, { rowLabels: labels }));
const svgPath = fileURLToPath(new URL("../plots/attention-heatmap.svg", import.meta.url));
writeSvg(
  svgPath,
  svgHeatmap({
    title: `target, layer ${hl} head ${hh}: "${tok.decode(shown)}"`,
    matrix,
    rowLabels: labels,
    colLabels: labels,
  }),
);
console.log(`\nwrote ${svgPath}`);
console.log(`\ndone in ${((performance.now() - t00) / 1000).toFixed(1)} s`);
