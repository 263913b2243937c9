// The settings the demo trains with, shared by the demo (which can write the
// adapter to data/) and the tests (which load that file instead of training).

import { fileURLToPath } from "node:url";
import type { AdapterSpec } from "./adapter.ts";
import type { PeftTrainConfig } from "./train.ts";

export const DEMO_LORA: AdapterSpec = {
  r: 8,
  alpha: 16,
  targets: ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"],
};
export const DEMO_TRAIN: PeftTrainConfig = {
  seed: 1,
  batchSize: 2,
  seqLen: 32,
  steps: 80,
  lr: 3e-3,
  warmup: 10,
};
export const TASK_TRAIN_TOKENS = 20_000;
export const TASK_EVAL_TOKENS = 1_024;
export const ORIGINAL_EVAL_TOKENS = 1_024;
export const ADAPTER_FILE = fileURLToPath(new URL("../data/qa-lora-r8.safetensors", import.meta.url));
