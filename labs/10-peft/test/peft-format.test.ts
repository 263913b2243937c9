// PEFT's adapter folder on the target checkpoint's shapes (4 layers, n_embd 128, 4 heads):
// bit-exact round trips, the exact key names and shapes PEFT uses, the config fields PEFT
// reads, and one clear UserError for each kind of broken folder.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { readSafetensors, writeSafetensors, type GPT, type SafeTensor } from "@llm-labs/model";
import { createAdapter, tensorName, TARGETS, type Adapter } from "@llm-labs/lab-lora";
import { randomArray, targetModel } from "@llm-labs/lab-lora/test-util";
import {
  CONFIG_FILE,
  loadPeftAdapter,
  savePeftAdapter,
  WEIGHTS_FILE,
  type PeftAdapter,
} from "../src/peft-format.ts";

let model: GPT;
let root: string;
let n = 0;
const fresh = () => join(root, `a${n++}`);
beforeAll(() => {
  model = targetModel();
  root = mkdtempSync(join(tmpdir(), "peft-format-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CKPT = "/somewhere/packages/model/checkpoints/target";
const config = (dir: string) => JSON.parse(readFileSync(join(dir, CONFIG_FILE), "utf8"));
const tensors = (dir: string) => readSafetensors(readFileSync(join(dir, WEIGHTS_FILE))).tensors;
const shapes = (dir: string) => Object.fromEntries([...tensors(dir)].map(([k, t]) => [k, t.shape]));

// Edits a saved folder the way a broken or foreign file would differ.
function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const c = config(dir);
  edit(c);
  writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(c));
}
function editTensors(dir: string, edit: (t: Map<string, SafeTensor>) => void): void {
  const t = tensors(dir);
  edit(t);
  const f32 = (s: SafeTensor) => new Float32Array(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength / 4);
  writeFileSync(
    join(dir, WEIGHTS_FILE),
    writeSafetensors([...t].map(([k, s]) => [k, { dtype: s.dtype, shape: s.shape, data: f32(s) }])),
  );
}
const tensor = (shape: number[], data = new Float32Array(shape[0] * shape[1])): SafeTensor => ({
  dtype: "F32",
  shape,
  bytes: new Uint8Array(data.buffer),
});

function expectUserError(f: () => unknown, message: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).not.toContain("\n");
}

function randomLora(targets = TARGETS, seed = 1): Adapter {
  const a = createAdapter(model, { r: 8, alpha: 16, targets }, seed);
  a.flat.set(randomArray(a.flat.length, seed + 1)); // B too, so nothing is zero by luck
  return a;
}
function saveLora(a = randomLora(), base?: string): string {
  const dir = fresh();
  savePeftAdapter(dir, model, { type: "lora", adapter: a }, base);
  return dir;
}
const loadLora = (dir: string) => {
  const got = loadPeftAdapter(dir, model);
  if (got.type !== "lora") throw new Error(`expected lora, got ${got.type}`);
  return got.adapter;
};

describe("LoRA", () => {
  it("round-trips bit-exactly: r, α, targets and every A and B", () => {
    const a = randomLora();
    const b = loadLora(saveLora(a, CKPT));
    expect([b.r, b.alpha, b.targets]).toEqual([8, 16, ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"]]);
    expect(Float32Array.from(b.flat)).toEqual(Float32Array.from(a.flat));
  });

  it("uses PEFT's key names and shapes: lora_A [r, in_features], lora_B [out_features, r]", () => {
    const s = shapes(saveLora());
    expect(Object.keys(s)).toHaveLength(4 * 4 * 2);
    expect(s["base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"]).toEqual([8, 128]);
    expect(s["base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"]).toEqual([384, 8]);
    expect(s["base_model.model.transformer.h.1.attn.c_proj.lora_B.weight"]).toEqual([128, 8]);
    expect(s["base_model.model.transformer.h.2.mlp.c_fc.lora_B.weight"]).toEqual([512, 8]);
    expect(s["base_model.model.transformer.h.2.mlp.c_proj.lora_A.weight"]).toEqual([8, 512]);
    expect(s["base_model.model.transformer.h.3.mlp.c_proj.lora_B.weight"]).toEqual([128, 8]);
    // Lab 05's own file names are PEFT's without the wrapper prefix.
    for (let l = 0; l < 4; l++)
      for (const t of TARGETS)
        for (const w of ["A", "B"] as const)
          expect(s[`base_model.model.${tensorName(l, t, w)}`]).toBeDefined();
  });

  it("writes the config fields PEFT reads, sorted as PEFT writes them, and {format: pt}", () => {
    const dir = saveLora(randomLora(), CKPT);
    const c = config(dir);
    expect(c).toMatchObject({
      peft_type: "LORA",
      task_type: "CAUSAL_LM",
      r: 8,
      lora_alpha: 16,
      target_modules: ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"],
      fan_in_fan_out: true,
      bias: "none",
      use_rslora: false,
      use_dora: false,
      inference_mode: true,
      base_model_name_or_path: "target",
    });
    expect(Object.keys(c)).toEqual(Object.keys(c).sort());
    expect(readSafetensors(readFileSync(join(dir, WEIGHTS_FILE))).metadata).toEqual({ format: "pt" });
  });

  it("keeps a subset of targets in its own order", () => {
    const a = randomLora(["mlp_c_proj", "c_attn"], 5);
    const dir = saveLora(a);
    expect(config(dir).target_modules).toEqual(["mlp.c_proj", "attn.c_attn"]);
    const b = loadLora(dir);
    expect(b.targets).toEqual(["mlp_c_proj", "c_attn"]);
    expect(Float32Array.from(b.flat)).toEqual(Float32Array.from(a.flat));
  });

  it("reads PEFT's suffix rule: a bare c_proj is both attn.c_proj and mlp.c_proj; all-linear is every one", () => {
    const dir = saveLora(randomLora(["c_attn", "attn_c_proj", "mlp_c_proj"], 7));
    editConfig(dir, (c) => {
      c.target_modules = ["c_attn", "c_proj"];
    });
    expect(loadLora(dir).targets).toEqual(["c_attn", "attn_c_proj", "mlp_c_proj"]);
    const all = saveLora();
    editConfig(all, (c) => {
      c.target_modules = "all-linear";
    });
    expect(loadLora(all).targets).toEqual([...TARGETS]);
  });
});

describe("IA3", () => {
  const L = 4;
  const C = 128;
  const params = randomArray(L * 6 * C, 11, 0.1).map((x) => 1 + x);
  let dir: string;
  beforeAll(() => {
    dir = fresh();
    savePeftAdapter(dir, model, { type: "ia3", params }, CKPT);
  });

  it("round-trips lab 05's [k, v | mlp] scales bit-exactly", () => {
    const got = loadPeftAdapter(dir, model) as Extract<PeftAdapter, { type: "ia3" }>;
    expect(got.type).toBe("ia3");
    expect(got.params).toEqual(params);
  });

  it("stores ia3_l as [3C, 1] on c_attn (q scales 1) and [1, 4C] on the feedforward mlp.c_proj", () => {
    const t = tensors(dir);
    expect(Object.fromEntries([...t].map(([k, v]) => [k, v.shape]))).toMatchObject({
      "base_model.model.transformer.h.1.attn.c_attn.ia3_l": [384, 1],
      "base_model.model.transformer.h.1.mlp.c_proj.ia3_l": [1, 512],
    });
    expect(t.size).toBe(2 * L);
    const b = t.get("base_model.model.transformer.h.2.attn.c_attn.ia3_l") as SafeTensor;
    const qkv = new Float32Array(b.bytes.buffer, b.bytes.byteOffset, 3 * C);
    expect(qkv.subarray(0, C).every((x) => x === 1)).toBe(true);
    expect(qkv.subarray(C)).toEqual(params.subarray(2 * 6 * C, 2 * 6 * C + 2 * C));
    expect(config(dir)).toMatchObject({
      peft_type: "IA3",
      task_type: "CAUSAL_LM",
      target_modules: ["attn.c_attn", "mlp.c_proj"],
      feedforward_modules: ["mlp.c_proj"],
      fan_in_fan_out: true,
      base_model_name_or_path: "target",
    });
  });

  it("refuses a file that scales queries, and one that targets other modules", () => {
    const q = fresh();
    savePeftAdapter(q, model, { type: "ia3", params });
    editTensors(q, (t) => {
      const s = t.get("base_model.model.transformer.h.3.attn.c_attn.ia3_l") as SafeTensor;
      new Float32Array(s.bytes.buffer, s.bytes.byteOffset, 3 * C)[5] = 1.5;
    });
    expectUserError(
      () => loadPeftAdapter(q, model),
      /h\.3\.attn\.c_attn\.ia3_l\[5\] = 1\.5.*keys and values only/,
    );
    const other = fresh();
    savePeftAdapter(other, model, { type: "ia3", params });
    editConfig(other, (c) => {
      c.target_modules = ["c_attn", "c_fc"];
      c.feedforward_modules = ["c_fc"];
    });
    expectUserError(() => loadPeftAdapter(other, model), /attn\.c_attn,mlp\.c_fc.*lab 05's IA3 scales/);
  });
});

describe("prompt tuning", () => {
  it("round-trips a [P, C] soft prompt as prompt_embeddings, with PEFT's prompt-learning fields", () => {
    const prompt = randomArray(5 * 128, 21);
    const dir = fresh();
    savePeftAdapter(dir, model, { type: "prompt", P: 5, prompt });
    expect(shapes(dir)).toEqual({ prompt_embeddings: [5, 128] });
    expect(config(dir)).toMatchObject({
      peft_type: "PROMPT_TUNING",
      task_type: "CAUSAL_LM",
      num_virtual_tokens: 5,
      token_dim: 128,
      num_layers: 4,
      num_attention_heads: 4,
      num_transformer_submodules: 1,
    });
    expect(loadPeftAdapter(dir, model)).toEqual({ type: "prompt", P: 5, prompt });
    // P-tuning saves its encoder's output under the same key: at inference it is a soft prompt.
    editConfig(dir, (c) => {
      c.peft_type = "P_TUNING";
    });
    expect(loadPeftAdapter(dir, model)).toEqual({ type: "prompt", P: 5, prompt });
  });
});

describe("prefix tuning (P-tuning v2)", () => {
  const [L, P, C, H, d] = [4, 3, 128, 4, 32];
  const prefix = randomArray(L * 2 * P * C, 31); // ours: [L, 2, P, C]
  let dir: string;
  beforeAll(() => {
    dir = fresh();
    savePeftAdapter(dir, model, { type: "prefix", P, prefix });
  });

  it("round-trips bit-exactly through prompt_embeddings [P, L·2·C]", () => {
    expect(shapes(dir)).toEqual({ prompt_embeddings: [3, 1024] });
    expect(config(dir)).toMatchObject({
      peft_type: "PREFIX_TUNING",
      num_virtual_tokens: 3,
      prefix_projection: false,
    });
    expect(loadPeftAdapter(dir, model)).toEqual({ type: "prefix", P, prefix });
  });

  it("lays rows out so PEFT's view(P, L·2, H, d) and per-layer split give our keys and values", () => {
    const t = tensors(dir).get("prompt_embeddings") as SafeTensor;
    const peft = new Float32Array(t.bytes.buffer, t.bytes.byteOffset, P * L * 2 * C);
    for (let l = 0; l < L; l++)
      for (const kv of [0, 1]) // layer l's key is slice 2l of the L·2 axis, its value 2l + 1
        for (let h = 0; h < H; h++)
          for (let p = 0; p < P; p++)
            for (let j = 0; j < d; j++)
              if (
                peft[((p * L * 2 + 2 * l + kv) * H + h) * d + j] !==
                prefix[((l * 2 + kv) * P + p) * C + h * d + j]
              )
                throw new Error(
                  `mismatch at layer ${l} ${kv ? "value" : "key"} head ${h} position ${p} ${j}`,
                );
  });
});

describe("broken or foreign folders: one line, naming the file and the problem", () => {
  it("a missing folder, a missing file, malformed JSON", () => {
    expectUserError(() => loadPeftAdapter(join(root, "nope"), model), /nope: no such folder/);
    const empty = fresh();
    mkdirSync(empty);
    expectUserError(() => loadPeftAdapter(empty, model), /adapter_config\.json is missing/);
    const dir = saveLora();
    writeFileSync(join(dir, CONFIG_FILE), '{"peft_type": "LORA",');
    expectUserError(() => loadPeftAdapter(dir, model), /adapter_config\.json: not valid JSON/);
  });

  it("a missing or unknown peft_type", () => {
    const dir = saveLora();
    editConfig(dir, (c) => {
      delete c.peft_type;
    });
    expectUserError(() => loadPeftAdapter(dir, model), /adapter_config\.json: peft_type: missing/);
    editConfig(dir, (c) => {
      c.peft_type = "ADALORA";
    });
    expectUserError(() => loadPeftAdapter(dir, model), /peft_type "ADALORA" is not one this course reads/);
  });

  it("a missing tensor and an extra one", () => {
    const dir = saveLora();
    editTensors(dir, (t) => t.delete("base_model.model.transformer.h.2.mlp.c_fc.lora_B.weight"));
    expectUserError(
      () => loadPeftAdapter(dir, model),
      /adapter_model\.safetensors: missing tensor base_model\.model\.transformer\.h\.2\.mlp\.c_fc\.lora_B\.weight \[512, 8\]/,
    );
    const extra = saveLora();
    editTensors(extra, (t) => t.set("base_model.model.lm_head.lora_A.weight", tensor([8, 128])));
    expectUserError(
      () => loadPeftAdapter(extra, model),
      /unexpected tensor base_model\.model\.lm_head\.lora_A\.weight/,
    );
  });

  it("a wrong shape: which key, which number", () => {
    const dir = saveLora();
    editTensors(dir, (t) =>
      t.set("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", tensor([8, 256])),
    );
    expectUserError(
      () => loadPeftAdapter(dir, model),
      /h\.1\.attn\.c_attn\.lora_A\.weight is \[8, 256\], expected \[8, 128\].*in_features = 128/,
    );
    const r = saveLora();
    editConfig(r, (c) => {
      c.r = 16;
    });
    expectUserError(
      () => loadPeftAdapter(r, model),
      /lora_A\.weight is \[8, 128\], expected \[16, 128\].*r = 16/,
    );
  });

  it("another model's config: token_dim, num_layers", () => {
    const dir = fresh();
    savePeftAdapter(dir, model, { type: "prompt", P: 2, prompt: new Float32Array(2 * 128) });
    editConfig(dir, (c) => {
      c.token_dim = 768;
    });
    expectUserError(() => loadPeftAdapter(dir, model), /token_dim = 768, but this model's n_embd is 128/);
    editConfig(dir, (c) => {
      c.token_dim = 128;
      c.num_layers = 12;
    });
    expectUserError(() => loadPeftAdapter(dir, model), /num_layers = 12, but this model's n_layer is 4/);
  });

  it("what lab 05 cannot represent: rsLoRA, a module it does not adapt, layers treated differently", () => {
    const dir = saveLora();
    editConfig(dir, (c) => {
      c.use_rslora = true;
    });
    expectUserError(
      () => loadPeftAdapter(dir, model),
      /use_rslora = true is not supported here \(scales by α\/√r/,
    );
    editConfig(dir, (c) => {
      c.use_rslora = false;
      c.target_modules = ["c_attn", "lm_head"];
    });
    expectUserError(
      () => loadPeftAdapter(dir, model),
      /target_modules entry "lm_head" names none of the linears/,
    );
    editConfig(dir, (c) => {
      c.target_modules = "transformer\\.h\\.0\\..*";
    });
    expectUserError(() => loadPeftAdapter(dir, model), /in layer 0 but \[\] in layer 1/);
  });
});
