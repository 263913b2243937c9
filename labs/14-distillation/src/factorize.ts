// Every linear of the specimen replaced by a low-rank one, by one of three
// methods, at one parameter ratio ρ (the same for every layer):
//
//   svd       truncated SVD of W                       (low-rank.ts)
//   asvd      SVD of diag(s) W, s from |X|              (asvd.ts)
//   svd-llm   SVD of Sᵀ W, S S ᵀ = XᵀX                   (svd-llm.ts)
//
// X are each layer's inputs on calibration text from the TRAIN split
// (calibrationInputs), so the held-out perplexity is measured on text the
// factorization never saw. The factors go back into the model as the dense
// product A·B: the same numbers the two thin matmuls compute.

import { calibrationInputs, mapLinears, type GPT, type LayerInputs } from "@llm-labs/model";
import { activationScales, asvdFactors } from "./asvd.ts";
import { product, rankForRatio, truncate, type LowRank } from "./low-rank.ts";
import { svdLlmFactors, whitening } from "./svd-llm.ts";
import { svd } from "./svd.ts";

export const FACTORIZATIONS = ["svd", "asvd", "svd-llm"] as const;
export type Factorization = (typeof FACTORIZATIONS)[number];

// What each method needs from the calibration inputs, per layer, computed once.
export interface Calibration {
  scales: Map<string, Float64Array>; // ASVD's s
  whiten: Map<string, Float64Array>; // SVD-LLM's S
}

export function calibrate(model: GPT, tokens: number[]): Calibration {
  const inputs: Map<string, LayerInputs> = calibrationInputs(model, tokens);
  const scales = new Map<string, Float64Array>();
  const whiten = new Map<string, Float64Array>();
  for (const [key, { x, T, K }] of inputs) {
    scales.set(key, activationScales(x, T, K));
    whiten.set(key, whitening(x, T, K));
  }
  return { scales, whiten };
}

// Layer W [K, N] factored once by `method`, truncated at each rank.
export function factorLayer(
  method: Factorization,
  w: Float32Array,
  K: number,
  N: number,
  ranks: number[],
  key: string,
  cal?: Calibration,
): LowRank[] {
  if (method === "svd") {
    const d = svd(w, K, N);
    return ranks.map((r) => truncate(d, r));
  }
  if (!cal) throw new Error(`factorize: ${method} needs calibration inputs`);
  return method === "asvd"
    ? asvdFactors(w, K, N, cal.scales.get(key)!, ranks)
    : svdLlmFactors(w, K, N, cal.whiten.get(key)!, ranks);
}

// One model per ratio ρ, every linear at rank rankForRatio(ρ, K, N).
export function factorizeModel(model: GPT, method: Factorization, rhos: number[], cal?: Calibration): GPT[] {
  const dense = new Map<string, Float32Array[]>();
  mapLinears(model, (w, K, N, key) => {
    const ranks = rhos.map((rho) => rankForRatio(rho, K, N));
    dense.set(
      key,
      factorLayer(method, w, K, N, ranks, key, cal).map((f) => Float32Array.from(product(f))),
    );
    return w;
  });
  return rhos.map((_, i) => mapLinears(model, (_w, _K, _N, key) => dense.get(key)![i]));
}
