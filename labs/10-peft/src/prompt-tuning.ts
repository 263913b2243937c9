// Prompt tuning (Lester et al. 2021, "The Power of Scale for Parameter-Efficient Prompt
// Tuning"): the model stays frozen and P learned vectors go in front of every input, as if
// they were the embeddings of P tokens no vocabulary has.
//
//   x[b, p] = prompt[p] + wpe[p]               p < P    the soft prompt, at positions 0 … P−1
//   x[b, P + t] = wte[ids[b, t]] + wpe[P + t]           the real tokens, shifted by P
//
// (Hugging Face PEFT concatenates the prompt with the token embeddings and lets GPT-2 add its
// position table to all P + T rows: the same thing.) The virtual positions predict nothing:
// their targets are −1, so the loss is over the same T tokens as every other method's.
//
// Only the embedding layer sees θ, so the gradient is what reaches the bottom of the model:
//
//   ∂L/∂prompt[p] = Σ_b ∂L/∂x[b, p]
//
// P·C numbers (20 × 128 = 2,560 for the target), but every request now carries P more
// positions through every layer — and a GPT-2 with 128 positions has 20 fewer left for text.
//
// Lester et al. (§3.2) found that starting the prompt from the embeddings of real vocabulary
// tokens trains better than random vectors; that is the default here.

import type { Peft } from "@llm-labs/lab-lora";
import type { Floats, GPT, TrainHooks } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";

// The id the virtual positions carry: the embedding hook overwrites its row, so any id works.
export const VIRTUAL_TOKEN_ID = 0;

// x [B, P + T, C] in place: the first P rows of each sequence become prompt + wpe.
export function softPromptForward(
  x: Floats,
  prompt: Floats, // [P, C]
  wpe: Floats, // [n_positions, C]
  B: number,
  Ttotal: number,
  P: number,
  C: number,
): void {
  // #region exercise soft-prompt
  for (let b = 0; b < B; b++)
    for (let p = 0; p < P; p++) {
      const row = (b * Ttotal + p) * C;
      for (let i = 0; i < C; i++) x[row + i] = prompt[p * C + i] + wpe[p * C + i];
    }
  // #endregion
}

// dprompt [P, C] += Σ_b dx[b, p] for the virtual rows of dx [B, P + T, C].
export function softPromptBackward(
  dprompt: Floats,
  dx: Floats,
  B: number,
  Ttotal: number,
  P: number,
  C: number,
): void {
  for (let n = 0; n < B * Ttotal; n++) {
    const p = n % Ttotal; // row n's position in its sequence
    if (p < P) for (let i = 0; i < C; i++) dprompt[p * C + i] += dx[n * C + i];
  }
}

// [B, T] ids and targets → [B, P + T]: P virtual ids in front, with no target.
export function withVirtualTokens(
  x: Int32Array,
  y: Int32Array,
  B: number,
  T: number,
  P: number,
): { x: Int32Array; y: Int32Array; T: number } {
  const Tp = P + T;
  const xp = new Int32Array(B * Tp).fill(VIRTUAL_TOKEN_ID);
  const yp = new Int32Array(B * Tp).fill(-1);
  for (let b = 0; b < B; b++) {
    xp.set(x.subarray(b * T, (b + 1) * T), b * Tp + P);
    yp.set(y.subarray(b * T, (b + 1) * T), b * Tp + P);
  }
  return { x: xp, y: yp, T: Tp };
}

export function promptTuningPeft(model: GPT, P: number, seed = 1, prompt?: Floats): Peft {
  const C = model.config.n_embd;
  if (!Number.isInteger(P) || P < 1 || P >= model.config.n_positions)
    throw new Error(
      `prompt tuning: ${P} virtual tokens must be a whole number in [1, ${model.config.n_positions - 1}]`,
    );
  const Ctor = model.params.flat instanceof Float64Array ? Float64Array : Float32Array;
  const params = new Ctor(P * C);
  if (prompt) {
    if (prompt.length !== P * C)
      throw new Error(`prompt tuning: the prompt has ${prompt.length} numbers, [${P}, ${C}] needs ${P * C}`);
    params.set(prompt);
  } else {
    // init from P random vocabulary rows (Lester et al. §3.2)
    const rng = new Rng(seed);
    for (let p = 0; p < P; p++) {
      const v = rng.int(model.config.vocab_size);
      params.set(model.params.wte.subarray(v * C, (v + 1) * C), p * C);
    }
  }
  return {
    name: `prompt tuning P=${P}`,
    params,
    apply(base, eff) {
      eff.params.flat.set(base.params.flat);
    },
    backward() {}, // θ is not a weight: its gradient comes from the embedding hook
    batch: (x, y, B, T) => withVirtualTokens(x, y, B, T, P),
    hooks(B, Ttotal, dparams): TrainHooks {
      return {
        forward: { embed: (x) => softPromptForward(x, params, model.params.wpe, B, Ttotal, P, C) },
        backward: dparams ? { embed: (dx) => softPromptBackward(dparams, dx, B, Ttotal, P, C) } : undefined,
      };
    },
  };
}
