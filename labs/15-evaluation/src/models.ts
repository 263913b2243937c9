// Every model of the course, in one list: the table of §5 is this list, evaluated.
//
// The compression labs each end with a model: lab 04's INT4 weights, lab 06's
// half-pruned ones. Each is built here the way its lab's demo builds it, as float
// weights for the one forward pass (INT4 dequantized: lab 04 shows ONNX Runtime's
// MatMulNBits gives the same logits), so that one benchmark ranks them all.
//
// To add a model (lab 14's distilled students, your own checkpoint), add one entry:
// an id, a line saying where it comes from, and how to build it.

import { join } from "node:path";
import { REPO_ROOT } from "@llm-labs/kit";
import { dequantizedModel, quantizeRtn, type Int4Weight } from "@llm-labs/lab-quantization";
import { calibrate, pruneModel } from "@llm-labs/lab-pruning";
import {
  type AnySpecimen,
  checkpointDir,
  countParams,
  type GPT,
  isLlama,
  LINEAR_NAMES,
  linearShape,
  llamaParamTotal,
  loadCheckpoint,
  loadSpecimen,
  trainTokens,
} from "@llm-labs/model";

export interface CourseModel {
  id: string;
  from: string; // the lab (or package) it comes from
  build: () => Promise<AnySpecimen>;
}

// Lab 04: round-to-nearest INT4 with a scale and zero point per group of 32 inputs, every
// linear of every block (embeddings and the tied LM head stay float, as in lab 04).
export function int4Copy(model: GPT, group = 32): GPT {
  const weights = new Map<string, Int4Weight>();
  model.params.h.forEach((b, i) => {
    for (const name of LINEAR_NAMES) {
      const [K, N] = linearShape(model, name);
      weights.set(`${i}.${name}`, quantizeRtn(b[name].weight, K, N, group));
    }
  });
  return dequantizedModel(model, weights);
}

// Lab 06: Wanda (|W| · ‖X‖ per output) at 50 % unstructured sparsity, calibrated on
// 512 tokens of the train split.
export async function sparseCopy(model: GPT, sparsity = 0.5): Promise<GPT> {
  const calib = calibrate(model, await trainTokens(512));
  return pruneModel(model, "wanda", { kind: "unstructured", sparsity }, calib);
}

const target = () => loadCheckpoint(checkpointDir("target"));
const student = (name: string) => join(REPO_ROOT, "labs", "14-distillation", "checkpoints", name);

export const COURSE_MODELS: CourseModel[] = [
  { id: "target", from: "packages/model (GPT-2)", build: async () => target() },
  { id: "draft", from: "packages/model (GPT-2)", build: async () => loadSpecimen(checkpointDir("draft")) },
  { id: "llama", from: "lab 07 (Llama)", build: async () => loadSpecimen(checkpointDir("llama")) },
  { id: "target-int4", from: "lab 04 (RTN INT4, g32)", build: async () => int4Copy(target()) },
  { id: "target-wanda50", from: "lab 06 (Wanda, 50 %)", build: () => sparseCopy(target()) },
  // Lab 14's students are read from its folder, not imported: this lab needs only their files.
  { id: "student-fkl", from: "lab 14 (draft + forward KL)", build: async () => loadSpecimen(student("fkl")) },
  {
    id: "student-tiny",
    from: "lab 14 (1 layer, forward KL)",
    build: async () => loadSpecimen(student("tiny-fkl")),
  },
];

// From the config alone: a pruned copy keeps its zeros, as lab 06's dense storage does.
export const parameterCount = (m: AnySpecimen): number =>
  isLlama(m) ? llamaParamTotal(m.config) : countParams(m.config);
