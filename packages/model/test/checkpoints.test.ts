import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  loadCheckpoint,
  modelFromSafetensors,
  saveCheckpoint,
  weightsToSafetensors,
} from "../src/checkpoints.ts";
import { makeConfig } from "../src/config.ts";
import { heldoutLoss, unigramLoss } from "../src/perplexity.ts";
import { writeSafetensors } from "../src/safetensors.ts";
import { randomModel } from "./helpers.ts";
import { forward } from "../src/gpt.ts";

const config = makeConfig({ n_layer: 1, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 12 });
const model = randomModel(config, 3);

describe("checkpoint folders", () => {
  it("save then load gives the same weights and a config that parses", () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-labs-ckpt-"));
    try {
      saveCheckpoint(dir, model);
      const back = loadCheckpoint(dir);
      expect(back.config).toEqual(model.config);
      expect(back.params.flat).toEqual(model.params.flat);
      const gen = JSON.parse(readFileSync(join(dir, "generation_config.json"), "utf8"));
      expect(gen.eos_token_id).toBe(11);
      writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "gpt2", n_layer: 1 }));
      expect(() => loadCheckpoint(dir)).toThrow(/config\.json: invalid GPT-2 config: .*n_head/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a missing tensor, a wrong shape and an unexpected tensor", () => {
    const bytes = weightsToSafetensors(model);
    const bigger = makeConfig({ n_layer: 2, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 12 });
    expect(() => modelFromSafetensors(bigger, bytes)).toThrow(
      /missing tensor "transformer\.h\.1\.ln_1\.weight"/,
    );
    const wider = makeConfig({ n_layer: 1, n_head: 2, n_embd: 8, n_positions: 8, vocab_size: 13 });
    expect(() => modelFromSafetensors(wider, bytes)).toThrow(
      /tensor "transformer\.wte\.weight" has shape \[12, 8\], the config needs \[13, 8\]/,
    );
    const extra = writeSafetensors([
      ["lm_head.weight", { dtype: "F32", shape: [1], data: new Float32Array(1) }],
    ]);
    expect(() => modelFromSafetensors(config, extra)).toThrow(/unexpected tensor "lm_head\.weight"/);
  });
});

describe("perplexity", () => {
  it("unigram loss, by hand: train [0, 0, 1], V = 3 → p = (3/6, 2/6, 1/6)", () => {
    // held-out [2, 0, 1]: the first token is context only; score 0 and 1
    const expected = -(Math.log(3 / 6) + Math.log(2 / 6)) / 2;
    expect(unigramLoss([0, 0, 1], [2, 0, 1], 3)).toBeCloseTo(expected, 12);
  });

  it("held-out loss is the mean -log p of each next token, windows scored separately", () => {
    const toks = [1, 5, 7, 2, 2, 9, 0, 3, 4, 11, 6];
    const V = config.vocab_size;
    // by hand, from the logits of two windows: [1,5,7,2] predicts 5,7,2,2; [2,9,0,3] predicts 9,0,3,4; [4,11] predicts 11,6
    let sum = 0;
    let n = 0;
    for (const [start, T] of [
      [0, 4],
      [4, 4],
      [8, 2],
    ] as const) {
      const l = forward(model, toks.slice(start, start + T), 1, T).logits;
      for (let t = 0; t < T; t++) {
        const row = Array.from(l.subarray(t * V, (t + 1) * V));
        sum += Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[toks[start + t + 1]];
        n++;
      }
    }
    expect(heldoutLoss(model, toks, 4)).toBeCloseTo(sum / n, 5);
  });
});
