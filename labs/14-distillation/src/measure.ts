// How good a student is, three ways, from the cheapest to the one that matters:
//
//   perplexity   exp(mean −log q(x_t | x_<t)) on held-out corpus text
//   agreement    teacher-forced on the same text: how often argmax q = argmax p
//                (greedy speculative decoding accepts exactly those tokens), and
//                the mean of Σ_v min(p_v, q_v) = 1 − TV(p, q), the per-token
//                acceptance rate of speculative SAMPLING (Leviathan et al. 2023, §3)
//   as a drafter lab 03's speculativeGenerate with the ONNX Runtime target:
//                measured α̂, tokens per target call, and the wall clock
//
// A student is run as a drafter in ONNX Runtime too: its graph is exported to
// a temporary folder at load (the committed students are weights only).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrtLM } from "@llm-labs/lab-speculative-decoding";
import { exportOnnx, forwardPass, type GPT } from "@llm-labs/model";
import { argmaxRow, logSoftmax64 } from "./probs.ts";
import type { Teacher } from "./teacher.ts";

export interface Agreement {
  top1: number; // fraction of positions where the argmaxes agree
  overlap: number; // mean Σ_v min(p_v, q_v)
  kl: number; // mean KL(p ‖ q), nats per token
}

// tokens: held-out ids; scored in windows of T = the student's context.
export async function agreement(
  student: GPT,
  teacher: Teacher,
  tokens: ArrayLike<number>,
): Promise<Agreement> {
  const T = student.config.n_positions;
  const V = student.config.vocab_size;
  let top1 = 0;
  let overlap = 0;
  let kl = 0;
  let n = 0;
  for (let start = 0; start + T <= tokens.length; start += T) {
    const ids = Array.from({ length: T }, (_, i) => tokens[start + i]);
    const p = await teacher.logits(ids, 1, T); // [T, V]
    const q = forwardPass(student, ids, 1, T); // [T, V]
    for (let t = 0; t < T; t++) {
      const o = t * V;
      if (argmaxRow(p, o, V) === argmaxRow(q, o, V)) top1++;
      const lp = logSoftmax64(p.subarray(o, o + V));
      const lq = logSoftmax64(q.subarray(o, o + V));
      for (let v = 0; v < V; v++) {
        overlap += Math.exp(Math.min(lp[v], lq[v]));
        kl += Math.exp(lp[v]) * (lp[v] - lq[v]);
      }
      n++;
    }
  }
  return { top1: top1 / n, overlap: overlap / n, kl: kl / n };
}

// A student as an ONNX Runtime LM with a KV cache, ready for ModelDrafter.
export async function ortStudent(student: GPT): Promise<OrtLM> {
  const dir = mkdtempSync(join(tmpdir(), "llm-labs-student-"));
  try {
    const path = join(dir, "model.onnx");
    writeFileSync(path, exportOnnx(student));
    return await OrtLM.load(student.config, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
