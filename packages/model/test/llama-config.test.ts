// Malformed Llama configs: each mistake is one UserError, on one line, that names the
// file and the field and says what would be right (issue 17).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadLlamaCheckpoint, saveLlamaCheckpoint } from "../src/llama-checkpoint.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { createLlama } from "../src/llama-params.ts";
import { loadSpecimen } from "../src/specimen.ts";
import { tinyLlamaJson, userError } from "./helpers.ts";

// A small, valid config (test/helpers.ts): D = 32, H = 4, H_kv = 2, so d = 32 / 4 = 8.
const good = tinyLlamaJson;

const bad = (change: Record<string, unknown>) =>
  userError(() => parseLlamaConfig({ ...good, ...change }, "my/config.json"));

describe("parseLlamaConfig: one clear line per mistake", () => {
  it("accepts the good config and fills head_dim = D / H = 8", () => {
    expect(parseLlamaConfig(good).head_dim).toBe(8);
  });

  it("num_attention_heads that does not divide hidden_size", () => {
    const msg = bad({ num_attention_heads: 5 });
    expect(msg).toMatch(/^my\/config\.json: /);
    expect(msg).toContain("num_attention_heads: 5 does not divide hidden_size (32)");
    // the divisors of 32 are 1, 2, 4, 8, 16, 32
    expect(msg).toContain("1, 2, 4, 8, 16 or 32");
  });

  it("num_key_value_heads that does not divide num_attention_heads", () => {
    const msg = bad({ num_key_value_heads: 3 });
    expect(msg).toContain("my/config.json");
    expect(msg).toContain("num_key_value_heads: 3 does not divide num_attention_heads (4)");
    expect(msg).toContain("1, 2 or 4"); // the divisors of 4
  });

  for (const theta of [0, -1])
    it(`rope_theta ${theta}`, () => {
      const msg = bad({ rope_theta: theta });
      expect(msg).toContain("my/config.json");
      expect(msg).toMatch(/rope_theta: must be > 0/);
      expect(msg).toContain("10000"); // the usual value, as what would be right
    });

  it("an odd head_dim, given explicitly", () => {
    const msg = bad({ head_dim: 7 });
    expect(msg).toContain("my/config.json");
    expect(msg).toContain("head_dim: 7 must be even");
    expect(msg).toContain("RoPE rotates pairs");
  });

  it("an odd head_dim, implied by hidden_size / num_attention_heads = 36 / 4 = 9", () => {
    const msg = bad({ hidden_size: 36 });
    expect(msg).toContain("num_attention_heads: 4 gives head_dim = hidden_size / num_attention_heads = 9");
    expect(msg).toContain("must be even");
  });

  it("eos_token_id ≥ vocab_size", () => {
    const msg = bad({ eos_token_id: 50 });
    expect(msg).toContain("my/config.json");
    expect(msg).toContain("eos_token_id: 50 must be < vocab_size (50)");
    expect(msg).toContain("0 … 49");
  });

  it("eos_token_id ≥ vocab_size inside a list", () => {
    const msg = bad({ eos_token_id: [3, 60] });
    expect(msg).toContain("eos_token_id: 60 must be < vocab_size (50)");
  });

  it("an unknown rope_type", () => {
    const msg = bad({ rope_scaling: { rope_type: "ntk-by-parts", factor: 2 } });
    expect(msg).toContain("my/config.json");
    expect(msg).toContain('rope_scaling.rope_type: "ntk-by-parts" is not supported here');
    expect(msg).toContain('"linear"');
    expect(msg).toContain("rope_scaling: null");
  });

  it("rope_type linear without a factor", () => {
    const msg = bad({ rope_scaling: { rope_type: "linear" } });
    expect(msg).toContain("my/config.json");
    expect(msg).toContain('rope_scaling: rope_type "linear" needs a factor');
  });

  it("a missing field", () => {
    const { hidden_size: _, ...rest } = good;
    const msg = userError(() => parseLlamaConfig(rest, "my/config.json"));
    expect(msg).toContain("my/config.json");
    expect(msg).toContain("hidden_size: is missing: a whole number > 0");
  });

  it("a field of the wrong type", () => {
    const msg = bad({ num_hidden_layers: "2" });
    expect(msg).toContain('num_hidden_layers: must be a whole number > 0 (decoder blocks), got "2"');
  });

  it("a value that carries a newline stays on one line", () => {
    // JSON.stringify escapes the newline, so the file's text cannot break the line.
    const msg = bad({ rope_scaling: { rope_type: "lin\near", factor: 2 } });
    expect(msg).toContain('"lin\\near" is not supported here');
  });

  it("a JSON array instead of an object", () => {
    const msg = userError(() => parseLlamaConfig([good], "my/config.json"));
    expect(msg).toContain("my/config.json");
    expect(msg).toContain('expected a JSON object { "model_type": "llama", … }');
  });
});

describe("config.json in a checkpoint folder", () => {
  const root = mkdtempSync(join(tmpdir(), "llm-labs-llama-config-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string) => {
    const dir = join(root, name);
    saveLlamaCheckpoint(dir, createLlama(parseLlamaConfig(good), 1));
    return dir;
  };

  it("a folder saved from a good config loads", () => {
    expect(loadLlamaCheckpoint(folder("ok")).config.num_key_value_heads).toBe(2);
  });

  it("config.json that is not JSON (one line of text)", () => {
    const dir = folder("not-json");
    writeFileSync(join(dir, "config.json"), "model_type = llama");
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain(join(dir, "config.json"));
    expect(msg).toContain("is not valid JSON");
    expect(msg).toContain("it should hold a Llama config like packages/model/checkpoints/llama/config.json");
  });

  // V8's SyntaxError message quotes the file's text verbatim, newlines included;
  // readCheckpointFolder flattens it, so the user still gets one line.
  it("config.json that is not JSON (several lines) still gives one line", () => {
    const dir = folder("not-json-lines");
    writeFileSync(join(dir, "config.json"), '{\n  "model_type": llama,\n}\n');
    userError(() => loadLlamaCheckpoint(dir));
  });

  it('model_type "bert" through loadSpecimen', () => {
    const dir = folder("bert");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...good, model_type: "bert" }));
    const msg = userError(() => loadSpecimen(dir));
    expect(msg).toContain(join(dir, "config.json"));
    expect(msg).toContain('model_type is "bert"');
    expect(msg).toContain('this course reads "gpt2" and "llama" checkpoints');
  });

  it("no model_type through loadSpecimen", () => {
    const dir = folder("untyped");
    const { model_type: _, ...rest } = good;
    writeFileSync(join(dir, "config.json"), JSON.stringify(rest));
    expect(userError(() => loadSpecimen(dir))).toContain("model_type is null");
  });

  it("a malformed Llama config through loadSpecimen names config.json", () => {
    const dir = folder("bad-heads");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...good, num_key_value_heads: 3 }));
    const msg = userError(() => loadSpecimen(dir));
    expect(msg).toContain(`${join(dir, "config.json")}: invalid Llama config: num_key_value_heads: 3`);
  });
});
