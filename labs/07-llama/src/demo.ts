// npm run lab llama
//
// The lab's story in one run: the learner's four pieces (RMSNorm, RoPE, SwiGLU, GQA over
// the cache) go into the trained Llama specimen one at a time and then all together, each
// checked against ONNX Runtime's own operator; RoPE's relative positions, seen in numbers;
// what grouped-query attention and rotated keys save in the cache.

import {
  KVCache,
  checkpointDir,
  loadLlamaCheckpoint,
  forwardPass,
  generate,
  heldoutTokens,
  loadCheckpoint,
  loadTransformersTokenizer,
  ropeFrequencies,
  type ForwardHooks,
} from "@llm-labs/model";
import { Rng, argmax, maxAbsDiff, randn } from "@llm-labs/tensor";
import { table } from "@llm-labs/kit";
import { RotateOnReadCache, gqaAttention } from "./gqa-cache.ts";
import { ortGroupQueryAttention, ortRmsNorm, ortRotaryEmbedding, ortSwigluMlp } from "./ort-reference.ts";
import { rmsNorm } from "./rmsnorm.ts";
import { inverseFrequencies, rope } from "./rope.ts";
import { swiglu } from "./swiglu.ts";
import { moeForward, type MoeWeights } from "./moe.ts";
import { ortMoe } from "./moe-ort.ts";
import { loadBalancingLoss } from "./router.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const sci = (x: number) => x.toExponential(1);
const t00 = performance.now();

const model = loadLlamaCheckpoint(checkpointDir("llama"));
const c = model.config;
const gpt2 = loadCheckpoint(checkpointDir("target"));
console.log(
  `The Llama specimen: ${c.num_hidden_layers} layers × ${c.hidden_size} wide, ${c.num_attention_heads} query heads sharing ${c.num_key_value_heads} key/value heads of d = ${c.head_dim}, SwiGLU with I = ${c.intermediate_size}, context ${c.max_position_embeddings}.`,
);
console.log(
  `Next to it, the GPT-2 target: ${gpt2.config.n_layer} layers × ${gpt2.config.n_embd}, ${gpt2.config.n_head} heads, GELU MLP of ${4 * gpt2.config.n_embd}, context ${gpt2.config.n_positions}. Same tokenizer, same corpus.`,
);

// ------------------------------------------------------------------ 1. the pieces
heading("1. Your pieces, one at a time, inside the trained Llama");
const window = (await heldoutTokens(128)).slice(0, 128);
const T = window.length;
const reference = forwardPass(model, window, 1, T);
const hooksFor: [string, string, ForwardHooks][] = [
  ["RMSNorm (9 norms)", "norm", { norm: (_l, _n, x, g, rows, C, eps) => rmsNorm(x, g, rows, C, eps) }],
  ["RoPE (q and k, 4 layers)", "rope", { rope: (_l, _w, x, B, Tn, h, d, r) => rope(x, B, Tn, h, d, r) }],
  ["SwiGLU (4 MLPs)", "swiglu", { swiglu: (_l, g, u) => swiglu(g, u) }],
  ["GQA over the cache (4 layers)", "attention", { attention: gqaAttention }],
];
const all: ForwardHooks = Object.assign({}, ...hooksFor.map(([, , h]) => h));

// the same pieces against ONNX Runtime's operators, on random inputs of the specimen's sizes
const rng = new Rng(1);
const r = (n: number, std = 1) => randn(rng, [n], std).data;
const x = r(6 * 128, 2);
const gamma = r(128);
const ortNorm = maxAbsDiff(rmsNorm(x, gamma, 6, 128, 1e-5), await ortRmsNorm(x, gamma, 6, 128, 1e-5));
const qk = r(2 * 64 * 8 * 16);
const theta = inverseFrequencies(16, 10000);
const ortRope = maxAbsDiff(
  rope(qk, 2, 64, 8, 16, { p0: 448, invFreq: theta }),
  await ortRotaryEmbedding(qk, 2, 64, 8, 16, 448, theta, 0),
);
const [xm, Wg, Wu, Wd] = [r(6 * 128), r(128 * 384, 0.1), r(128 * 384, 0.1), r(384 * 128, 0.1)];
const mm = (a: Float32Array, b: Float32Array, M: number, K: number, N: number) => {
  const y = new Float32Array(M * N);
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) y[i * N + j] += a[i * K + k] * b[k * N + j];
  return y;
};
const oursMlp = mm(swiglu(mm(xm, Wg, 6, 128, 384), mm(xm, Wu, 6, 128, 384)), Wd, 6, 384, 128);
const ortMlp = maxAbsDiff(oursMlp, await ortSwigluMlp(xm, Wg, Wu, Wd, 6, 128, 384));
const [q, k, v] = [r(32 * 8 * 16), r(32 * 2 * 16), r(32 * 2 * 16)];
const cache = new KVCache(1, 2, 16, 32, 1);
cache.append(0, k, v, 1, 32);
const ortGqa = maxAbsDiff(
  gqaAttention(0, q, cache, 1, 32, 8),
  (await ortGroupQueryAttention(q, k, v, null, 1, 32, 8, 2, 16)).y,
);
const ortFigures = [ortNorm, ortRope, ortMlp, ortGqa];
const operators = [
  "RMSNormalization (opset 23)",
  "com.microsoft.RotaryEmbedding",
  "MatMul·Sigmoid·Mul graph",
  "com.microsoft.GroupQueryAttention",
];

console.log(
  table(
    [
      "your piece",
      "max |Δ| vs ORT operator",
      "ORT operator",
      `max |Δ logits| in the Llama, ${T} held-out tokens`,
    ],
    hooksFor.map(([name, , hooks], i) => [
      name,
      sci(ortFigures[i]),
      operators[i],
      sci(maxAbsDiff(forwardPass(model, window, 1, T, hooks), reference)),
    ]),
  ),
);
const together = maxAbsDiff(forwardPass(model, window, 1, T, all), reference);
console.log(
  `All four at once: max |Δ logits| = ${sci(together)} over ${T}·${c.vocab_size} logits. The specimen itself agrees with`,
);
console.log(
  "ONNX Runtime and transformers.js on the same folder to 1e-4 (packages/model/test/llama-runtimes.test.ts).",
);

// ------------------------------------------------------------------ 2. generating with them
heading("2. Generating with your pieces and a KV cache");
const tok = await loadTransformersTokenizer(checkpointDir("llama"));
const prompt = tok.encode("Once upon a time", { add_special_tokens: false }) as number[];
const steps = 48;
const mine: number[] = [];
{
  const kv = KVCache.for(c, 1, prompt.length + steps);
  let logits = forwardPass(model, prompt, 1, prompt.length, { ...all, cache: kv });
  for (let s = 0; s < steps; s++) {
    const V = c.vocab_size;
    const next = argmax(Float32Array.from(logits.subarray(logits.length - V))); // the last row
    mine.push(next);
    logits = forwardPass(model, [next], 1, 1, { ...all, cache: kv });
  }
}
const theirs = generate(model, prompt, { maxNewTokens: steps, stopAtEos: false });
console.log(`prompt ${JSON.stringify(tok.decode(prompt))}, greedy, ${steps} tokens with your pieces:`);
console.log(`  ${JSON.stringify(tok.decode(mine))}`);
console.log(
  `the specimen's own generate(): ${mine.every((t, i) => t === theirs[i]) ? "the same tokens, every one" : "DIFFERENT tokens"}`,
);

// ------------------------------------------------------------------ 3. RoPE sees distance
heading("3. RoPE: the score of a query and a key depends on their distance only");
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, e, i) => s + e * b[i], 0);
const qv = r(16);
const kv1 = r(16);
const rot = (vec: Float32Array, p: number) => rope(vec, 1, 1, 1, 16, { p0: p, invFreq: theta });
const pairs: [number, number][] = [
  [5, 2],
  [105, 102],
  [1005, 1002],
  [5, 4],
  [105, 104],
  [105, 5],
];
console.log(
  table(
    ["query at m", "key at n", "m − n", "q·k after RoPE"],
    pairs.map(([m, n]) => [m, n, m - n, dot(rot(qv, m), rot(kv1, n)).toFixed(4)]),
  ),
);
console.log(
  "Same distance, same score, wherever the pair sits (even past the trained 512). GPT-2's learned table has no row past 128.",
);

// ------------------------------------------------------------------ 4. the cache
heading("4. What the cache holds: H_kv heads of rotated keys");
const perToken = (layers: number, kvHeads: number, d: number) => 2 * layers * kvHeads * d * 4;
const g = gpt2.config;
const rows: [string, number][] = [
  [
    `GPT-2 target (${g.n_layer} layers, ${g.n_head} heads of ${g.n_embd / g.n_head})`,
    perToken(g.n_layer, g.n_head, g.n_embd / g.n_head),
  ],
  ["the Llama if it had 8 KV heads (MHA)", perToken(c.num_hidden_layers, c.num_attention_heads, c.head_dim)],
  ["the Llama, 2 KV heads (GQA)", perToken(c.num_hidden_layers, c.num_key_value_heads, c.head_dim)],
];
console.log(
  table(
    ["model", "KV bytes per token (float32)", "at 512 tokens"],
    rows.map(([name, b]) => [name, b, `${(b * 512) / 1024} KiB`]),
  ),
);
const real = KVCache.for(c, 1, 512);
console.log(
  `The real KVCache.for(llama, 1, 512) holds ${(real.keys.reduce((s, a) => s + a.byteLength, 0) * 2) / 1024} KiB: 2 (k, v) · 4 layers · 2 heads · 512 · 16 · 4 bytes.`,
);

const n = 64;
const ids = (await heldoutTokens(n)).slice(0, n);
const onRead = new RotateOnReadCache(
  c.num_hidden_layers,
  c.num_key_value_heads,
  c.head_dim,
  n,
  1,
  ropeFrequencies(c, n).invFreq,
);
const rotateQOnly: ForwardHooks = {
  cache: onRead,
  attention: gqaAttention,
  rope: (_l, which, xr, B, Tn, h, d, rp) => (which === "q" ? rope(xr, B, Tn, h, d, rp) : xr),
};
forwardPass(model, ids.slice(0, 1), 1, 1, rotateQOnly);
let worst = 0;
const full = forwardPass(model, ids, 1, n);
for (let t = 1; t < n; t++) {
  const step = forwardPass(model, [ids[t]], 1, 1, rotateQOnly);
  worst = Math.max(worst, maxAbsDiff(step, full.subarray(t * c.vocab_size, (t + 1) * c.vocab_size)));
}
const stored = c.num_hidden_layers * c.num_key_value_heads * n;
console.log(
  `Decoding ${n} tokens: rotating keys when they are stored costs ${stored} key rotations; rotating them when read costs ${onRead.rotations.toLocaleString("en-US")}`,
);
console.log(
  `(${(onRead.rotations / stored).toFixed(0)}×, and it grows with the square of the length), for the same logits (max |Δ| ${sci(worst)}).`,
);

// ------------------------------------------------------------------ 5. mixture of experts
heading("5. A mixture-of-experts block: 8 SwiGLU experts, top-2");
const [D, I, E, N] = [16, 24, 8, 256];
const experts: MoeWeights = {
  D,
  I,
  E,
  activation: "swiglu",
  Wr: r(D * E, 0.5),
  Wg: r(E * D * I, 0.3),
  Wu: r(E * D * I, 0.3),
  Wd: r(E * I * D, 0.3),
};
const xs = r(N * D);
const free = moeForward(xs, experts, N, { k: 2 });
const viaOrt = maxAbsDiff(free.y, await ortMoe(xs, experts, N, 2, "out-in"));
const aux = loadBalancingLoss(free.routing.probs, free.routing.experts, N, E, 2);
console.log(
  `${N} random tokens, each to 2 of ${E} experts: it pays for ${2 * 3 * D * I} of the ${E * 3 * D * I} expert weights.`,
);
console.log(
  `Tokens per expert: ${Array.from(free.stats.wanted).join(" ")} (even would be ${(N * 2) / E}); Switch's load-balancing loss ${aux.toFixed(3)} (1 is perfectly even, ${E} is collapse).`,
);
console.log(`com.microsoft.MoE on the same block and tokens: max |Δ| = ${sci(viaOrt)}.`);
console.log(
  table(
    ["capacity factor", "slots per expert", "routing slots dropped", "tokens that lost both experts"],
    [1, 1.25, 2].map((cf) => {
      const { stats } = moeForward(xs, experts, N, { k: 2, capacityFactor: cf });
      let lostBoth = 0;
      for (let t = 0; t < N; t++) if (stats.keep[2 * t] === 0 && stats.keep[2 * t + 1] === 0) lostBoth++;
      return [cf, stats.capacity, `${stats.dropped} of ${2 * N}`, lostBoth];
    }),
  ),
);
console.log(
  "Dense vs MoE trained at equal active parameters, with and without the auxiliary loss: bench/moe.bench.ts (README §8).",
);
console.log(
  "GPT-2 vs Llama side by side: bench/compare.bench.ts (§6). Past the trained 512 tokens with PI, NTK, YaRN: bench/long-context.bench.ts (§7).",
);

console.log(`\n(${((performance.now() - t00) / 1000).toFixed(0)} s)`);
