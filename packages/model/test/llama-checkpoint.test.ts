// Malformed Llama weights: a missing tensor, a wrong shape, an extra head, a dtype the
// course does not read. Each is one UserError on one line that names the file and the
// tensor and says what would be right (issue 17). And the committed specimen loads.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointDir } from "../src/checkpoints.ts";
import { loadLlamaCheckpoint, saveLlamaCheckpoint } from "../src/llama-checkpoint.ts";
import { parseLlamaConfig } from "../src/llama-config.ts";
import { createLlama, llamaParamTotal } from "../src/llama-params.ts";
import { readSafetensors, type TensorToWrite, writeSafetensors } from "../src/safetensors.ts";
import { loadSpecimen, specimenSize } from "../src/specimen.ts";
import { tinyLlamaJson, userError } from "./helpers.ts";

// tinyLlamaJson with a tied head: k_proj is [H_kv·d, D] = [16, 32] in the file.
const config = parseLlamaConfig({ ...tinyLlamaJson, tie_word_embeddings: true });

const root = mkdtempSync(join(tmpdir(), "llm-labs-llama-ckpt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A good folder, then its model.safetensors rewritten by `edit` (name → tensor, in file order).
function folderWith(name: string, edit: (tensors: Map<string, TensorToWrite>) => void): string {
  const dir = join(root, name);
  saveLlamaCheckpoint(dir, createLlama(config, 2));
  const path = join(dir, "model.safetensors");
  const file = readSafetensors(readFileSync(path));
  const tensors = new Map<string, TensorToWrite>(
    [...file.tensors].map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, data: t.bytes }]),
  );
  edit(tensors);
  writeFileSync(path, writeSafetensors(tensors, file.metadata));
  return dir;
}

describe("model.safetensors that does not match config.json", () => {
  it("the unedited folder loads", () => {
    const dir = folderWith("ok", () => {});
    expect(loadLlamaCheckpoint(dir).params.flat.length).toBe(llamaParamTotal(config));
  });

  it("a missing tensor", () => {
    const dir = folderWith("missing", (t) => t.delete("model.layers.1.mlp.up_proj.weight"));
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain(join(dir, "model.safetensors"));
    // up_proj: D → I, stored as nn.Linear's [out, in] = [I, D] = [48, 32]
    expect(msg).toContain('missing tensor "model.layers.1.mlp.up_proj.weight" (shape [48, 32])');
  });

  it("a tensor of the wrong shape: k_proj as [D, D] instead of [H_kv·d, D]", () => {
    const name = "model.layers.0.self_attn.k_proj.weight";
    const dir = folderWith("shape", (t) =>
      t.set(name, { dtype: "F32", shape: [32, 32], data: new Float32Array(32 * 32) }),
    );
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain(join(dir, "model.safetensors"));
    // H_kv·d = 2·8 = 16
    expect(msg).toContain(`tensor "${name}" has shape [32, 32], config.json needs [16, 32]`);
  });

  it("a transposed linear ([in, out] instead of nn.Linear's [out, in])", () => {
    const name = "model.layers.1.mlp.down_proj.weight"; // I → D: [D, I] = [32, 48] in the file
    const dir = folderWith("transposed", (t) =>
      t.set(name, { dtype: "F32", shape: [48, 32], data: new Float32Array(48 * 32) }),
    );
    expect(userError(() => loadLlamaCheckpoint(dir))).toContain(
      `tensor "${name}" has shape [48, 32], config.json needs [32, 48]`,
    );
  });

  it("an lm_head.weight although tie_word_embeddings is true", () => {
    const dir = folderWith("head", (t) =>
      t.set("lm_head.weight", { dtype: "F32", shape: [50, 32], data: new Float32Array(50 * 32) }),
    );
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain(join(dir, "model.safetensors"));
    expect(msg).toContain('unexpected tensor "lm_head.weight"');
    expect(msg).toContain("tie_word_embeddings: true");
    expect(msg).toContain("should not hold one");
  });

  it("a tensor name the config does not imply", () => {
    const dir = folderWith("extra", (t) =>
      t.set("model.layers.2.input_layernorm.weight", {
        dtype: "F32",
        shape: [32],
        data: new Float32Array(32),
      }),
    );
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain('unexpected tensor "model.layers.2.input_layernorm.weight" for this config');
  });

  it("F16 weights", () => {
    const name = "model.norm.weight";
    // [D] = [32] halves: 2 bytes each (0x3c00 is 1.0 in IEEE binary16)
    const halves = new Uint16Array(32).fill(0x3c00);
    const dir = folderWith("f16", (t) =>
      t.set(name, { dtype: "F16", shape: [32], data: new Uint8Array(halves.buffer) }),
    );
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain(join(dir, "model.safetensors"));
    expect(msg).toContain(`tensor "${name}" is F16; this course reads F32 weights only`);
  });

  it("a truncated file", () => {
    const dir = folderWith("truncated", () => {});
    const path = join(dir, "model.safetensors");
    writeFileSync(path, readFileSync(path).subarray(0, 1000));
    const msg = userError(() => loadLlamaCheckpoint(dir));
    expect(msg).toContain("safetensors");
  });
});

const specimen = checkpointDir("llama");
describe.skipIf(!existsSync(join(specimen, "model.safetensors")))("the committed Llama specimen", () => {
  it("loads through loadSpecimen with 885,888 parameters", () => {
    const model = loadSpecimen(specimen);
    expect(model.config.model_type).toBe("llama");
    // From its config.json (V = 1024, D = 128, 4 layers, H = 8, H_kv = 2, d = 16, I = 384, tied head):
    //   embed_tokens            1024·128                          = 131,072
    //   per layer: q, o_proj    128·128·2                         =  32,768
    //              k, v_proj    128·(2·16)·2                      =   8,192
    //              MLP          3·128·384                         = 147,456
    //              two norms    2·128                             =     256
    //              = 188,672, × 4 layers                          = 754,688
    //   final norm              128
    //   total 131,072 + 754,688 + 128                             = 885,888
    const n = 1024 * 128 + 4 * (128 * 128 * 2 + 128 * 32 * 2 + 3 * 128 * 384 + 2 * 128) + 128;
    expect(n).toBe(885_888);
    expect(model.params.flat.length).toBe(n);
    expect(specimenSize(model)).toEqual({ layers: 4, parameters: n, context: 512 });
  });
});
