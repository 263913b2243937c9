// The table's methods and settings, shared by the demo and the bench: every method trains
// on lab 05's Q&A task with lab 05's recipe (80 steps of 2 × 32 tokens, seed 1, warmup 10,
// AdamW without weight decay, gradient clipping at 1), so only the method differs.
//
// Learning rates differ by method — a soft prompt and a LayerNorm bias want steps a hundred
// times larger than a full model does — so the bench tries each method's `lrs` (three or four, a factor of about 3 apart) and keeps
// the one with the lowest training loss (the held-out text never chooses); `lr` below is
// what it chose, which the demo uses.
//
// Extra inference cost, in multiply-adds per token beyond the base model (C = n_embd, L
// layers, r the bottleneck, P virtual tokens), once training is done:
//   full, BitFit, IA3, LoRA, AdaLoRA   0: they merge into the weights
//   prompt tuning                     2·L·P·C (attention over P more positions), plus P more
//                                     tokens of prefill per request and P fewer positions of context
//   prefix tuning, P-tuning v2        2·L·P·C (P more keys and values in every layer's cache)
//   serial adapter                    2·C·r per adapter, two per block (Houlsby)
//   parallel adapter                  2·C·r per block
// against the base's 12·L·C² (the linears) + V·C (the head) + 2·L·n·C (attention at context n).

import { createAdapter, DEMO_TRAIN, ia3Peft, loraPeft, type Peft } from "@llm-labs/lab-lora";
import type { GPT, GPTConfig } from "@llm-labs/model";
import { adaloraPeft } from "./adalora.ts";
import { adapterPeft } from "./adapters.ts";
import { bitfitPeft, fullPeft } from "./bitfit.ts";
import { prefixTuningPeft, pTuningV2Peft } from "./prefix.ts";
import { promptTuningPeft } from "./prompt-tuning.ts";

export const EVAL_WINDOW = 64; // tokens per perplexity window: room for 64 virtual tokens in 128 positions
export const PREFIX_HIDDEN = 64; // prefix tuning's MLP width
export const SEED = 1;

export interface Recipe {
  key: string;
  size: number; // the table's setting: r, P, or 0 where there is none
  sizeName?: "r" | "P";
  sweep: readonly number[]; // the budget sweep's settings (the table's among them)
  make(base: GPT, size: number): Peft;
  lrs: readonly number[]; // what the bench tries
  lr: number; // what it chose
  extraMacs(c: GPTConfig, size: number): number; // per token, beyond the base
}

const merged = () => 0;
const attendMore = (c: GPTConfig, P: number) => 2 * c.n_layer * P * c.n_embd;

export const RECIPES: readonly Recipe[] = [
  {
    key: "full fine-tuning",
    size: 0,
    sweep: [],
    make: (m) => fullPeft(m),
    lrs: [1e-3, 3e-3, 1e-2],
    lr: 3e-3,
    extraMacs: merged,
  },
  {
    key: "BitFit",
    size: 0,
    sweep: [],
    make: (m) => bitfitPeft(m),
    lrs: [3e-2, 1e-1, 3e-1, 1],
    lr: 1e-1,
    extraMacs: merged,
  },
  {
    key: "prompt tuning",
    sizeName: "P",
    size: 16,
    sweep: [4, 16, 64],
    make: (m, P) => promptTuningPeft(m, P, SEED),
    lrs: [3e-2, 1e-1, 3e-1, 1],
    lr: 3e-1,
    extraMacs: attendMore,
  },
  {
    key: "prefix tuning",
    sizeName: "P",
    size: 16,
    sweep: [4, 16, 64],
    make: (m, P) => prefixTuningPeft(m, P, PREFIX_HIDDEN, SEED),
    lrs: [1e-2, 3e-2, 1e-1, 3e-1],
    lr: 3e-2,
    extraMacs: attendMore,
  },
  {
    key: "P-tuning v2",
    sizeName: "P",
    size: 16,
    sweep: [4, 16, 64],
    make: (m, P) => pTuningV2Peft(m, P, SEED),
    lrs: [3e-2, 1e-1, 3e-1, 1],
    lr: 3e-1,
    extraMacs: attendMore,
  },
  {
    key: "serial adapter",
    sizeName: "r",
    size: 8,
    sweep: [2, 8, 32],
    make: (m, r) => adapterPeft(m, { kind: "serial", r, seed: SEED }),
    lrs: [1e-2, 3e-2, 1e-1],
    lr: 3e-2,
    extraMacs: (c, r) => 2 * c.n_layer * 2 * c.n_embd * r,
  },
  {
    key: "parallel adapter",
    sizeName: "r",
    size: 8,
    sweep: [2, 8, 32],
    make: (m, r) => adapterPeft(m, { kind: "parallel", r, seed: SEED }),
    lrs: [3e-3, 1e-2, 3e-2, 1e-1],
    lr: 3e-2,
    extraMacs: (c, r) => c.n_layer * 2 * c.n_embd * r,
  },
  {
    key: "IA3",
    size: 0,
    sweep: [],
    make: (m) => ia3Peft(m),
    lrs: [3e-2, 1e-1, 3e-1, 1],
    lr: 1,
    extraMacs: merged,
  },
  {
    key: "LoRA",
    sizeName: "r",
    size: 8,
    sweep: [1, 8, 32],
    make: (m, r) =>
      loraPeft(
        m,
        createAdapter(m, { r, alpha: 16, targets: ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] }, SEED),
      ),
    lrs: [1e-3, 3e-3, 1e-2, 3e-2],
    lr: 1e-2,
    extraMacs: merged,
  },
  // every matrix starts at rank 1.5·r and the budget falls to an average of r per matrix:
  // LoRA's r at the end, so the two compare at the same final size. 10 steps at full rank,
  // the cubic fall, 20 steps at the final budget
  {
    key: "AdaLoRA",
    sizeName: "r",
    size: 8,
    sweep: [1, 8, 32],
    make: (m, r) =>
      adaloraPeft(m, {
        r: Math.ceil(1.5 * r),
        alpha: 16,
        targets: ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"],
        targetRank: r,
        tInit: 10,
        tFinal: 20,
        totalSteps: DEMO_TRAIN.steps,
        beta1: 0.85,
        beta2: 0.85,
        orthReg: 0.1,
        seed: SEED,
      }),
    lrs: [3e-3, 1e-2, 3e-2, 1e-1],
    lr: 3e-2,
    extraMacs: merged,
  },
];

// The base model's multiply-adds per token at context n.
export function baseMacs(c: GPTConfig, n: number): number {
  return 12 * c.n_layer * c.n_embd ** 2 + c.vocab_size * c.n_embd + 2 * c.n_layer * n * c.n_embd;
}

export function recipe(key: string): Recipe {
  const r = RECIPES.find((x) => x.key === key);
  if (!r) throw new Error(`no method "${key}"; the table has ${RECIPES.map((x) => x.key).join(", ")}`);
  return r;
}
