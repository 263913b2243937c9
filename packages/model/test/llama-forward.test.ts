import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { maxAbsDiff, Rng } from "@llm-labs/tensor";
import { causalAttentionBackward, causalAttentionForward } from "../src/attention-matmul.ts";
import { allocLlamaActivations, forwardPass } from "../src/forward.ts";
import { parseConfig } from "../src/config.ts";
import { createGPT } from "../src/gpt.ts";
import { KVCache } from "../src/kv-cache.ts";
import { attentionForward } from "../src/layers.ts";
import { loadLlamaCheckpoint, llamaToSafetensors, saveLlamaCheckpoint } from "../src/llama-checkpoint.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { gqaAttentionBackward, rmsNormForward, ropeForward, swigluForward } from "../src/llama-layers.ts";
import { createLlama } from "../src/llama-params.ts";
import { readSafetensors } from "../src/safetensors.ts";
import { tinyLlamaJson } from "./helpers.ts";

const config = parseLlamaConfig(tinyLlamaJson); // D = 32, 4 query heads, 2 KV heads, d = 8
function randomLlama(seed: number) {
  const m = createLlama(config, seed);
  const r = new Rng(seed + 1);
  for (let i = 0; i < m.params.flat.length; i++) m.params.flat[i] = r.normal(0, 0.2);
  return m;
}
const model = randomLlama(7);
const rng = new Rng(9);
const ids = Array.from({ length: 40 }, () => rng.int(50));

describe("the Llama forward (forward.ts's llama branch)", () => {
  it("decoding token by token with a KV cache gives the logits of one pass over the whole sequence", () => {
    // The cache holds keys already rotated to their own positions, so a new query at position
    // p, rotated by p, meets each cached key exactly as it would in the full pass.
    const full = forwardPass(model, ids, 1, ids.length);
    const cache = KVCache.for(config, 1, ids.length);
    expect(cache.heads).toBe(2); // H_kv, not H: the memory grouped-query attention saves
    const V = config.vocab_size;
    const prefill = forwardPass(model, ids.slice(0, 25), 1, 25, { cache });
    expect(maxAbsDiff(prefill, full.subarray(0, 25 * V))).toBeLessThan(1e-5);
    for (let t = 25; t < ids.length; t++) {
      const step = forwardPass(model, [ids[t]], 1, 1, { cache });
      expect(maxAbsDiff(step, full.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-5);
    }
  });

  it("runs past max_position_embeddings (RoPE has no table), where a GPT-2 refuses", () => {
    const long = Array.from({ length: 70 }, (_, i) => ids[i % ids.length]);
    expect(forwardPass(model, long, 1, 70).length).toBe(70 * 50);
  });

  it("a save/load round trip gives the same logits, and the file holds nn.Linear's [out, in] shapes", () => {
    const dir = mkdtempSync(join(tmpdir(), "llama-ckpt-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    saveLlamaCheckpoint(dir, model);
    const back = loadLlamaCheckpoint(dir);
    expect(maxAbsDiff(forwardPass(back, ids, 1, 40), forwardPass(model, ids, 1, 40))).toBe(0);
    const file = readSafetensors(llamaToSafetensors(model));
    // k_proj maps D = 32 features to H_kv·d = 2·8 = 16: HF stores it [16, 32]
    expect(file.tensors.get("model.layers.0.self_attn.k_proj.weight")?.shape).toEqual([16, 32]);
    expect(file.tensors.get("model.layers.1.mlp.down_proj.weight")?.shape).toEqual([32, 48]);
    expect(file.tensors.has("lm_head.weight")).toBe(!config.tie_word_embeddings); // untied here
  });
});

describe("training's matrix-product attention (attention-matmul.ts)", () => {
  // T = 150 spans three 64-row query tiles; 6 query heads share 2 KV heads.
  const B = 2;
  const T = 150;
  const H = 6;
  const Hkv = 2;
  const d = 8;
  const r = new Rng(21);
  const fill = (n: number) => Float64Array.from({ length: n }, () => r.normal(0, 1));
  const q = fill(B * T * H * d);
  const k = fill(B * T * Hkv * d);
  const v = fill(B * T * Hkv * d);
  const dout = fill(B * T * H * d);

  it("gives the loop's outputs and probabilities", () => {
    const store = new KVCache(1, Hkv, d, T, B, "float64");
    store.append(0, k, v, B, T);
    const ref = new Float64Array(B * T * H * d);
    const refP = new Float64Array(B * H * T * T);
    attentionForward(ref, q, store, 0, B, T, H, refP);
    const out = new Float64Array(B * T * H * d);
    const P = new Float64Array(B * H * T * T);
    causalAttentionForward(out, P, q, k, v, B, T, H, Hkv, d);
    expect(maxAbsDiff(out, ref)).toBeLessThan(1e-12);
    expect(maxAbsDiff(P, refP)).toBeLessThan(1e-12);
  });

  it("gives the loop's gradients for q, k and v", () => {
    const out = new Float64Array(B * T * H * d);
    const P = new Float64Array(B * H * T * T);
    causalAttentionForward(out, P, q, k, v, B, T, H, Hkv, d);
    const grads = () => [new Float64Array(q.length), new Float64Array(k.length), new Float64Array(v.length)];
    const [dq, dk, dv] = grads();
    causalAttentionBackward(dq, dk, dv, dout, q, k, v, P, B, T, H, Hkv, d);
    const [rq, rk, rv] = grads();
    gqaAttentionBackward(rq, rk, rv, dout, q, k, v, P, B, T, H, Hkv, d);
    expect(maxAbsDiff(dq, rq)).toBeLessThan(1e-12);
    expect(maxAbsDiff(dk, rk)).toBeLessThan(1e-12);
    expect(maxAbsDiff(dv, rv)).toBeLessThan(1e-12);
  });
});

describe("the Llama's piece hooks: norm, rope, swiglu", () => {
  const plain = forwardPass(model, ids, 1, ids.length);

  it("hooks that compute what the built-in layers compute give the same logits, and see every call", () => {
    const calls: string[] = [];
    const logits = forwardPass(model, ids, 1, ids.length, {
      norm: (l, name, x, gamma, rows, C, eps) => {
        calls.push(`${name}@${l}`);
        const y = new Float32Array(rows * C);
        rmsNormForward(y, new Float32Array(rows), x, gamma, rows, C, eps);
        return y;
      },
      rope: (l, which, x, B, T, heads, d, r) => {
        calls.push(`${which}@${l}`);
        const y = new Float32Array(x.length);
        ropeForward(y, x, B, T, heads, d, r);
        return y;
      },
      swiglu: (l, gate, up, rows, I) => {
        calls.push(`swiglu@${l}`);
        const y = new Float32Array(rows * I);
        swigluForward(y, gate, up, rows * I);
        return y;
      },
    });
    expect(maxAbsDiff(logits, plain)).toBe(0);
    // per block: input norm, q, k, post-attention norm, swiglu; then the final norm (layer = L = 2)
    const block = (l: number) => [
      `input_layernorm@${l}`,
      `q@${l}`,
      `k@${l}`,
      `post_attention_layernorm@${l}`,
      `swiglu@${l}`,
    ];
    expect(calls).toEqual([...block(0), ...block(1), "norm@2"]);
  });

  it("a hook's result is what the loop uses: a norm without γ changes the logits", () => {
    const noGamma = forwardPass(model, ids, 1, ids.length, {
      norm: (_l, _n, x, gamma, rows, C, eps) => {
        const y = new Float32Array(rows * C);
        rmsNormForward(y, new Float32Array(rows), x, new Float32Array(C).fill(1), rows, C, eps);
        expect(gamma.length).toBe(C);
        return y;
      },
    });
    expect(maxAbsDiff(noGamma, plain)).toBeGreaterThan(1e-3);
  });

  it("a GPT-2 refuses them, and so does a training forward (acts)", () => {
    const gpt = createGPT(
      parseConfig({
        model_type: "gpt2",
        vocab_size: 50,
        n_positions: 16,
        n_embd: 8,
        n_layer: 1,
        n_head: 2,
        bos_token_id: 0,
        eos_token_id: 0,
      }),
      1,
    );
    expect(() => forwardPass(gpt, [1, 2], 1, 2, { swiglu: (_l, g) => g })).toThrow(
      "forward: the swiglu hook is for a Llama",
    );
    const acts = allocLlamaActivations(config, 1, 4);
    expect(() => forwardPass(model, ids.slice(0, 4), 1, 4, { acts, rope: (_l, _w, x) => x })).toThrow(
      "forward: the rope hook cannot be combined with acts (training)",
    );
  });
});
