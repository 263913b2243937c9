// Sequences for the losses that need them:
//   on-policy (MiniLLM, GKD with λ > 0): the STUDENT continues a prompt, at T = 1,
//     with its current weights; the loss then scores what it wrote.
//   sequence-level KD (Kim & Rush 2016; "SFT on the teacher's samples"): the
//     TEACHER continues the prompts once, before training, and the student
//     learns them with plain cross-entropy.
// Every sequence has exactly `length` tokens (no stop at end-of-text: the corpus
// windows cross story boundaries too), so a batch is a rectangle [B, length].

import { generate, type GPT } from "@llm-labs/model";
import { Rng, sample } from "@llm-labs/tensor";
import type { Teacher } from "./teacher.ts";

// B prompts of P tokens, each the start of a random window of the token stream.
export function samplePrompts(rng: Rng, tokens: ArrayLike<number>, B: number, P: number): number[][] {
  return Array.from({ length: B }, () => {
    const o = rng.int(tokens.length - P);
    return Array.from({ length: P }, (_, i) => tokens[o + i]);
  });
}

// The student's own continuations of the prompts, to `length` tokens in all: [B, length].
export function studentRollouts(student: GPT, prompts: number[][], length: number, seed: number): Int32Array {
  const out = new Int32Array(prompts.length * length);
  prompts.forEach((prompt, b) => {
    const cont = generate(student, prompt, {
      maxNewTokens: length - prompt.length,
      stopAtEos: false,
      sampling: { temperature: 1, seed: seed + b },
    });
    out.set([...prompt, ...cont], b * length);
  });
  return out;
}

// The teacher's continuations, sampled at T = 1 in ONNX Runtime, all B rows at once.
// Without a cache each step re-reads the whole prefix; at 128 positions that
// costs less than keeping B caches in step (the runner's calls are mostly overhead).
export async function teacherRollouts(
  teacher: Teacher,
  prompts: number[][],
  length: number,
  rng: Rng,
): Promise<Int32Array> {
  const B = prompts.length;
  const V = teacher.config.vocab_size;
  const seqs = prompts.map((p) => [...p]);
  for (let t = prompts[0].length; t < length; t++) {
    const logits = await teacher.logits(seqs.flat(), B, t);
    seqs.forEach((s, b) => {
      const o = (b * t + t - 1) * V;
      s.push(sample(logits.slice(o, o + V), rng, { temperature: 1 }));
    });
  }
  return Int32Array.from(seqs.flat());
}
