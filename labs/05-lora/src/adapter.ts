// A LoRA adapter for the whole specimen: one LoraWeights per (layer, linear) it
// targets. The Hu et al. paper adapts only the attention projections (W_q, W_v);
// QLoRA (Dettmers et al. 2023, §4) found that adapting every linear layer is what
// matches full fine-tuning, so both are one `targets` list away here.
//
// Every A and B lives in one flat Float32Array (views into it), so the optimizer,
// its state and the gradient are plain arrays of exactly the trainable size.
//
// On disk: safetensors, Hugging Face PEFT's naming with our module names,
//   transformer.h.{i}.attn.c_attn.lora_A.weight   [r, IN]
//   transformer.h.{i}.attn.c_attn.lora_B.weight   [OUT, r]
// and r, α, targets in the header's __metadata__ (strings, as the format wants).

import { UserError } from "@llm-labs/kit";
import { Rng, type Floats } from "@llm-labs/tensor";
import {
  copyModel,
  readSafetensors,
  writeSafetensors,
  asFloat32,
  LINEAR_NAMES,
  linearShape,
  type GPT,
  type LinearName,
} from "@llm-labs/model";
import { z } from "zod";
import { checkLora, checkRankAlpha, loraParamCount, type LoraWeights } from "./lora.ts";
import { addLoraDelta } from "./merge.ts";

export type Target = LinearName;
export const TARGETS: readonly Target[] = LINEAR_NAMES;
export const FILE_NAMES: Record<Target, string> = {
  c_attn: "attn.c_attn",
  attn_c_proj: "attn.c_proj",
  c_fc: "mlp.c_fc",
  mlp_c_proj: "mlp.c_proj",
};

export interface AdapterEntry {
  layer: number;
  target: Target;
  lora: LoraWeights; // A and B are views into Adapter.flat
  at: number; // offset of A in flat; B follows it
}
export interface Adapter {
  r: number;
  alpha: number;
  targets: Target[];
  flat: Floats;
  entries: AdapterEntry[];
}
export interface AdapterSpec {
  r: number;
  alpha: number;
  targets: readonly Target[];
}

function checkTargets(targets: readonly string[]): Target[] {
  if (targets.length === 0) throw new UserError(`LoRA: targets is empty; pick from ${TARGETS.join(", ")}`);
  for (const t of targets)
    if (!(TARGETS as readonly string[]).includes(t))
      throw new UserError(`LoRA: unknown target "${t}"; the specimen's linears are ${TARGETS.join(", ")}`);
  return [...targets] as Target[];
}

// Lays out entries (A then B, layer by layer) over `flat`.
function layout(
  model: GPT,
  spec: AdapterSpec,
  flat: Floats | undefined,
  dtype: "float32" | "float64",
): Adapter {
  checkRankAlpha(spec.r, spec.alpha);
  const targets = checkTargets(spec.targets);
  let n = 0;
  for (let l = 0; l < model.config.n_layer; l++)
    for (const t of targets) n += loraParamCount(...linearShape(model, t), spec.r);
  const buf = flat ?? (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  if (buf.length !== n) throw new Error(`adapter: expected ${n} values, got ${buf.length}`);
  const entries: AdapterEntry[] = [];
  let at = 0;
  for (let layer = 0; layer < model.config.n_layer; layer++)
    for (const target of targets) {
      const [IN, OUT] = linearShape(model, target);
      const A = buf.subarray(at, at + spec.r * IN);
      const B = buf.subarray(at + spec.r * IN, at + spec.r * (IN + OUT));
      entries.push({ layer, target, at, lora: { IN, OUT, r: spec.r, alpha: spec.alpha, A, B } });
      at += spec.r * (IN + OUT);
    }
  return { r: spec.r, alpha: spec.alpha, targets, flat: buf, entries };
}

// A random, B zero: the adapted model starts equal to the base.
export function createAdapter(model: GPT, spec: AdapterSpec, seed: number): Adapter {
  const dtype = model.params.flat instanceof Float64Array ? "float64" : "float32";
  const a = layout(model, spec, undefined, dtype);
  const rng = new Rng(seed);
  for (const e of a.entries)
    for (let i = 0; i < e.lora.A.length; i++) e.lora.A[i] = rng.normal(0, 1 / Math.sqrt(e.lora.IN));
  return a;
}

// Same layout over another buffer (the gradient, the optimizer's view).
export const adapterView = (model: GPT, a: Adapter, flat: Floats): Adapter =>
  layout(model, a, flat, flat instanceof Float64Array ? "float64" : "float32");

// (copyModel, which mergeAdapter and the training loop use, is packages/model's.)
export { copyModel };

// A new model with W = W₀ + s·AᵀBᵀ in every adapted linear; `model` is untouched.
export function mergeAdapter(model: GPT, a: Adapter): GPT {
  const out = copyModel(model);
  for (const e of a.entries) addLoraDelta(out.params.h[e.layer][e.target].weight, e.lora, 1);
  return out;
}

// In place: the merged model back to W₀.
export function unmergeAdapter(model: GPT, a: Adapter): void {
  for (const e of a.entries) addLoraDelta(model.params.h[e.layer][e.target].weight, e.lora, -1);
}

export const tensorName = (layer: number, t: Target, which: "A" | "B") =>
  `transformer.h.${layer}.${FILE_NAMES[t]}.lora_${which}.weight`;

export function adapterToSafetensors(a: Adapter, extra: Record<string, string> = {}): Uint8Array {
  return writeSafetensors(
    a.entries.flatMap((e) => [
      [
        tensorName(e.layer, e.target, "A"),
        { dtype: "F32" as const, shape: [e.lora.r, e.lora.IN], data: Float32Array.from(e.lora.A) },
      ],
      [
        tensorName(e.layer, e.target, "B"),
        { dtype: "F32" as const, shape: [e.lora.OUT, e.lora.r], data: Float32Array.from(e.lora.B) },
      ],
    ]),
    { ...extra, r: String(a.r), alpha: String(a.alpha), targets: a.targets.join(",") },
  );
}

const Meta = z.object({
  r: z.coerce.number().int().positive(),
  alpha: z.coerce.number().positive(),
  targets: z.string().min(1),
});

// Checks the file against the model: every tensor the metadata implies, right shapes, nothing else.
export function adapterFromSafetensors(
  model: GPT,
  bytes: Uint8Array,
  where = "adapter.safetensors",
): { adapter: Adapter; metadata: Record<string, string> } {
  const file = readSafetensors(bytes, where);
  const meta = Meta.safeParse(file.metadata);
  if (!meta.success)
    throw new UserError(
      `${where}: __metadata__ needs r (≥ 1), alpha (> 0) and targets: ${meta.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const a = layout(
    model,
    { r: meta.data.r, alpha: meta.data.alpha, targets: meta.data.targets.split(",") as Target[] },
    undefined,
    "float32",
  );
  const expected = new Set<string>();
  for (const e of a.entries)
    for (const which of ["A", "B"] as const) {
      const name = tensorName(e.layer, e.target, which);
      expected.add(name);
      const t = file.tensors.get(name);
      const shape = which === "A" ? [e.lora.r, e.lora.IN] : [e.lora.OUT, e.lora.r];
      if (!t) throw new UserError(`${where}: missing ${name} [${shape.join(", ")}]`);
      if (t.shape.join(",") !== shape.join(","))
        throw new UserError(
          `${where}: ${name} is [${t.shape.join(", ")}], layer ${e.layer} ${e.target} with r = ${e.lora.r} needs [${shape.join(", ")}]`,
        );
      (which === "A" ? e.lora.A : e.lora.B).set(asFloat32(t, name));
    }
  for (const name of file.tensors.keys())
    if (!expected.has(name))
      throw new UserError(
        `${where}: unexpected tensor ${name} (not in targets ${a.targets.join(",")} of a ${model.config.n_layer}-layer model)`,
      );
  for (const e of a.entries) checkLora(e.lora, e.lora.IN, e.lora.OUT, where);
  return { adapter: a, metadata: file.metadata };
}
