import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import { llamaLossAndGrads, zeroLlamaGrads } from "../src/llama-backward.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { createLlama, llamaParamShapes, viewLlamaParams } from "../src/llama-params.ts";

// The same check as backward.test.ts, for the Llama block: in float64 a central
// difference (L(θ+h) − L(θ−h)) / 2h with h = 1e-5 is within ~1e-10 of L'(θ), so a wrong
// formula anywhere (RMSNorm, RoPE's inverse rotation, the GQA group sum, SwiGLU) shows.
// Four query heads share two KV heads, the head is untied in one model and tied in the
// other, and every γ is random so no path hides behind γ = 1.
const base = {
  model_type: "llama",
  vocab_size: 11,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 16,
  rms_norm_eps: 1e-5,
  rope_theta: 100, // a small base so every pair turns visibly over five positions
  eos_token_id: 10,
};
const B = 2;
const T = 5;
const rng = new Rng(5);
const ids = Array.from({ length: B * T }, () => rng.int(11));
const targets = Array.from({ length: B * T }, () => rng.int(11));
targets[4] = -1;

for (const tie of [false, true]) {
  const config = parseLlamaConfig({ ...base, tie_word_embeddings: tie });
  const model = createLlama(config, 3, "float64");
  const r = new Rng(17);
  for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] = r.normal(0, 0.4);
  const loss = () => llamaLossAndGrads(model, ids, targets, B, T, zeroLlamaGrads(model)).loss;
  const grads = zeroLlamaGrads(model);
  llamaLossAndGrads(model, ids, targets, B, T, grads);
  const pBy = viewLlamaParams(config, model.params.flat).byName;
  const gBy = viewLlamaParams(config, grads.flat).byName;
  const kinds = llamaParamShapes(config)
    .map(([n]) => n)
    .filter((n) => !n.startsWith("model.layers.1."));

  describe(`Llama backward vs finite differences (float64, ${tie ? "tied" : "untied"} head)`, () => {
    for (const name of kinds)
      it(`dL/d ${name}`, () => {
        const p = pBy.get(name)!;
        const g = gBy.get(name)!;
        let big = 0;
        for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[big])) big = i;
        const pr = new Rng(name.length);
        const picks = [big, pr.int(p.length), pr.int(p.length)];
        for (const i of picks) {
          const old = p[i];
          const h = 1e-5;
          p[i] = old + h;
          const up = loss();
          p[i] = old - h;
          const down = loss();
          p[i] = old;
          const fd = (up - down) / (2 * h);
          expect(Math.abs(fd - g[i])).toBeLessThan(1e-7 + 1e-6 * Math.abs(fd));
        }
        expect(Math.abs(g[big])).toBeGreaterThan(1e-4); // the parameter really matters
      });
  });
}
