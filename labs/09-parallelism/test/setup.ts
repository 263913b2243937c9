// The training tests' setup: a tiny GPT (2 layers, 16 wide, 32 tokens) and a stream
// with structure to learn, the sequence 0..31 over and over with 10% noise.
import { makeConfig, type TrainConfig } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";

export const config = makeConfig({ n_layer: 2, n_head: 2, n_embd: 16, n_positions: 16, vocab_size: 32 });
const noise = new Rng(5);
export const tokens = Uint16Array.from({ length: 4000 }, (_, i) =>
  noise.next() < 0.1 ? noise.int(32) : i % 32,
);
export const base: TrainConfig = {
  seed: 42,
  batchSize: 2,
  seqLen: 16,
  accum: 2, // = the world size: one micro-batch per rank
  steps: 20,
  maxLr: 1e-2,
  minLr: 1e-3,
  warmup: 2,
  weightDecay: 0.1,
  gradClip: 1,
};
