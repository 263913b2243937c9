// The students this lab trains, where they live, and how a later lab loads them.
//
// Every student starts from the course's draft (2 layers × 64, trained by lab 08's
// loop on the corpus) and gets the same extra budget: STUDENT_BUDGET steps of
// B × T tokens, the same seed, the same schedule. The control `ce` spends that
// budget on plain next-token training, so a distilled student has to beat "just
// train the draft longer", not just the draft.
//
// `tiny` is a different shape: the draft with its second block dropped
// (1 layer × 64), so one call costs less (not half: the embedding, the LM head
// and ONNX Runtime's per-call work stay); it is distilled with the method that
// won at full size.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkpointDir,
  countParams,
  loadCheckpoint,
  makeConfig,
  viewParams,
  type GPT,
} from "@llm-labs/model";
import type { DistillConfig, Method } from "./distill.ts";

export const STUDENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "checkpoints");

export interface StudentSpec {
  name: string;
  method: Method;
  layers: number[]; // which of the draft's blocks it keeps
  note: string;
}

export const STUDENTS: StudentSpec[] = [
  { name: "ce", method: "ce", layers: [0, 1], note: "control: more next-token training on the corpus" },
  { name: "sft", method: "sft", layers: [0, 1], note: "cross-entropy on the teacher's own samples" },
  { name: "fkl", method: "fkl", layers: [0, 1], note: "forward KL to the teacher at every corpus position" },
  { name: "rkl", method: "rkl", layers: [0, 1], note: "reverse KL on the student's samples (MiniLLM)" },
  { name: "gkd", method: "gkd", layers: [0, 1], note: "JSD(0.5), half the batches on-policy (GKD)" },
  { name: "tiny-fkl", method: "fkl", layers: [0], note: "1 layer × 64 (the draft's block 0), forward KL" },
];

export const STUDENT_BUDGET: Omit<DistillConfig, "method"> = {
  seed: 14,
  steps: 150,
  batchSize: 8,
  seqLen: 128,
  promptLen: 32,
  maxLr: 1e-3,
  minLr: 1e-4,
  warmup: 10,
  weightDecay: 0.1,
  gradClip: 1,
  tau: 1,
  beta: 0.5,
  lambda: 0.5,
};

// A model made of some of `model`'s blocks, in order, with its embeddings and
// final LayerNorm: the usual way to initialise a shallower student from a deeper
// model (DistilBERT took every other layer of BERT).
export function keepLayers(model: GPT, layers: number[]): GPT {
  const c = model.config;
  if (layers.length === 0 || layers.some((l) => !Number.isInteger(l) || l < 0 || l >= c.n_layer))
    throw new Error(`keepLayers: layers [${layers.join(", ")}] are not all in 0 … ${c.n_layer - 1}`);
  const config = makeConfig({ ...c, n_layer: layers.length });
  const src = viewParams(c, model.params.flat).byName;
  const out = viewParams(config, new Float32Array(countParams(config)));
  for (const [name, view] of out.byName) {
    // transformer.h.{i}.… of the student is transformer.h.{layers[i]}.… of the model.
    const from = name.replace(/^transformer\.h\.(\d+)\./, (_, i) => `transformer.h.${layers[Number(i)]}.`);
    view.set(src.get(from)!);
  }
  return { config, params: out.params };
}

// A trained student by name, from this lab's checkpoints/ folder.
export function studentDir(name: string): string {
  return join(STUDENTS_DIR, name);
}
export function hasStudent(name: string): boolean {
  return existsSync(join(studentDir(name), "model.safetensors"));
}
export function loadStudent(name: string): GPT {
  return loadCheckpoint(studentDir(name));
}

// The draft every student starts from.
export const loadDraft = (): GPT => loadCheckpoint(checkpointDir("draft"));
