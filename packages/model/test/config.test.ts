import { describe, expect, it } from "vitest";
import { headDim, makeConfig, parseConfig } from "../src/config.ts";

const good = {
  model_type: "gpt2",
  n_layer: 2,
  n_head: 4,
  n_embd: 32,
  n_positions: 64,
  vocab_size: 300,
  bos_token_id: 299,
  eos_token_id: 299,
};

describe("config.json (Hugging Face GPT-2 field names)", () => {
  it("accepts a GPT-2 config and fills GPT-2's defaults", () => {
    const c = parseConfig(good);
    expect(c.layer_norm_epsilon).toBe(1e-5);
    expect(c.activation_function).toBe("gelu_new");
    expect(c.tie_word_embeddings).toBe(true);
    expect(headDim(c)).toBe(8);
  });

  it("keeps fields it does not use (transformers_version, …)", () => {
    const c = parseConfig({ ...good, transformers_version: "4.57.0" }) as Record<string, unknown>;
    expect(c.transformers_version).toBe("4.57.0");
  });

  it("names every missing field and the file", () => {
    const { n_head: _h, vocab_size: _v, ...missing } = good;
    expect(() => parseConfig(missing, "checkpoints/x/config.json")).toThrow(
      /checkpoints\/x\/config\.json: invalid GPT-2 config: .*n_head.*vocab_size/,
    );
  });

  it("rejects a wrong model_type, a head count that does not divide n_embd, eos beyond the vocabulary", () => {
    expect(() => parseConfig({ ...good, model_type: "llama" })).toThrow(/model_type/);
    expect(() => parseConfig({ ...good, n_head: 5 })).toThrow(
      /n_embd \(32\) must be divisible by n_head \(5\)/,
    );
    expect(() => parseConfig({ ...good, eos_token_id: 300 })).toThrow(
      /eos_token_id \(300\) must be < vocab_size \(300\)/,
    );
    expect(() => parseConfig({ ...good, n_layer: 1.5 })).toThrow(/n_layer/);
  });

  it("makeConfig defaults eos (and bos) to the last id", () => {
    const c = makeConfig({ n_layer: 1, n_head: 2, n_embd: 8, n_positions: 16, vocab_size: 50 });
    expect([c.bos_token_id, c.eos_token_id]).toEqual([49, 49]);
  });
});
