// The pruned specimen: every linear weight replaced by its pruned version (zeros
// kept in the dense array), so the forward pass is unchanged and a change in
// perplexity is the pruning alone. Embeddings (also the tied LM head), biases and
// LayerNorms are left dense, as SparseGPT and Wanda do.
//
// Calibration (Wanda's norms, SparseGPT's Hessians) uses the float model's inputs
// to every layer on train-split text (@llm-labs/model's calibrationInputs); the papers feed
// each block the already-pruned previous blocks' outputs instead, which matters
// more for deep models than for our 4 layers.

import {
  calibrationInputs,
  hessian,
  LINEAR_NAMES,
  mapLinears,
  type GPT,
  type LayerInputs,
} from "@llm-labs/model";
import { UserError } from "@llm-labs/kit";
import { applyMask, checkSparsity, type Mask } from "./mask.ts";
import { globalMagnitudeMasks, magnitudeMask } from "./magnitude.ts";
import { inputNorms, wandaMask, wandaScores } from "./wanda.ts";
import { checkNM, nmMask } from "./n-m.ts";
import { sparseGpt, sparseGptFactor } from "./sparsegpt.ts";

export type Method = "magnitude" | "magnitude-global" | "wanda" | "sparsegpt";
export type Pattern = { kind: "unstructured"; sparsity: number } | { kind: "nm"; n: number; m: number };

export interface Calibration {
  tokens: number;
  inputs: Map<string, LayerInputs>;
  norms: Map<string, Float64Array>; // ‖X_k‖₂ per input, for Wanda
  U: Map<string, Float64Array>; // Cholesky factor of H⁻¹, for SparseGPT
}

export function calibrate(model: GPT, tokens: number[], damp = 0.01): Calibration {
  const W = model.config.n_positions;
  if (tokens.length === 0)
    throw new UserError(
      "calibrate: the calibration set is empty; Wanda and SparseGPT need some text to measure activations on",
    );
  if (tokens.length < W)
    throw new UserError(
      `calibrate: the calibration set has ${tokens.length} tokens; it needs at least one window of ${W}`,
    );
  const inputs = calibrationInputs(model, tokens);
  const norms = new Map<string, Float64Array>();
  const U = new Map<string, Float64Array>();
  for (const [key, { x, T, K }] of inputs) {
    norms.set(key, inputNorms(x, T, K));
    U.set(key, sparseGptFactor(hessian(x, T, K, damp), K));
  }
  return { tokens: Math.floor(tokens.length / W) * W, inputs, norms, U };
}

function need(calib: Calibration | undefined, method: Method): Calibration {
  if (!calib) throw new UserError(`${method} needs calibration data: pass calibrate(model, tokens)`);
  return calib;
}

// The pruned weight of one layer.
export function pruneLayer(
  w: Float32Array,
  K: number,
  N: number,
  key: string,
  method: Method,
  pattern: Pattern,
  calib?: Calibration,
): Float32Array {
  if (pattern.kind === "unstructured") checkSparsity(pattern.sparsity, method);
  else checkNM(pattern.n, pattern.m, K, method);
  const abs = () => Float64Array.from(w, Math.abs);
  if (method === "sparsegpt") {
    const U = need(calib, method).U.get(key)!;
    return sparseGpt(
      w,
      K,
      N,
      U,
      pattern.kind === "nm" ? { nm: [pattern.n, pattern.m] } : { sparsity: pattern.sparsity },
    ).w;
  }
  let keep: Mask;
  if (method === "wanda") {
    const norms = need(calib, method).norms.get(key)!;
    keep =
      pattern.kind === "nm"
        ? nmMask(wandaScores(w, K, N, norms), K, N, pattern.n, pattern.m)
        : wandaMask(w, K, N, norms, pattern.sparsity);
  } else if (method === "magnitude") {
    keep =
      pattern.kind === "nm" ? nmMask(abs(), K, N, pattern.n, pattern.m) : magnitudeMask(w, pattern.sparsity);
  } else throw new Error("pruneLayer: global magnitude needs every layer at once; use pruneModel");
  return applyMask(w, keep);
}

export function pruneModel(model: GPT, method: Method, pattern: Pattern, calib?: Calibration): GPT {
  if (method === "magnitude-global") {
    if (pattern.kind !== "unstructured")
      throw new UserError(
        "magnitude-global: N:M patterns are per group, so there is nothing global about them; use magnitude",
      );
    const ws: Float32Array[] = [];
    const keys: string[] = [];
    model.params.h.forEach((b, i) =>
      LINEAR_NAMES.forEach((name) => {
        ws.push(b[name].weight as Float32Array);
        keys.push(`${i}.${name}`);
      }),
    );
    const masks = globalMagnitudeMasks(ws, pattern.sparsity);
    return mapLinears(model, (w, _IN, _OUT, key) => applyMask(w, masks[keys.indexOf(key)]));
  }
  return mapLinears(model, (w, IN, OUT, key) => pruneLayer(w, IN, OUT, key, method, pattern, calib));
}

// Only one linear pruned (the sensitivity scan): key "layer.name", e.g. "2.c_fc".
export function pruneOne(model: GPT, key: string, sparsity: number): GPT {
  return mapLinears(model, (w, _IN, _OUT, k) => (k === key ? applyMask(w, magnitudeMask(w, sparsity)) : w));
}

export const linearKeys = (model: GPT): string[] =>
  model.params.h.flatMap((_, i) => LINEAR_NAMES.map((n) => `${i}.${n}`));
