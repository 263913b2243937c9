import { describe, expect, it } from "vitest";
import { createGPT, makeConfig } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { cloneModel } from "../src/policy.ts";
import { answerLogProbs } from "../src/rollouts.ts";
import { trainDpo, trainOrpo, type PreferencePair } from "../src/stages.ts";

// A tiny model and 8 pairs where the chosen answer is [3, 3] and the rejected [5, 5]:
// whatever the prompt, DPO and ORPO must learn to prefer 3s.
const config = makeConfig({ n_layer: 1, n_head: 2, n_embd: 16, n_positions: 16, vocab_size: 8 });
function setup() {
  const sft = createGPT(config, 1);
  const rng = new Rng(2);
  const pairs: PreferencePair[] = Array.from({ length: 8 }, () => ({
    n: 1,
    prompt: [1 + rng.int(2), 2],
    chosen: [3, 3, 7],
    rejected: [5, 5, 7],
  }));
  return { sft, pairs, prompts: pairs.map((p) => p.prompt) };
}
const margin = (m: ReturnType<typeof createGPT>, s: ReturnType<typeof setup>) => {
  const c = answerLogProbs(
    m,
    s.prompts,
    s.pairs.map((p) => p.chosen),
    0,
  );
  const r = answerLogProbs(
    m,
    s.prompts,
    s.pairs.map((p) => p.rejected),
    0,
  );
  return c.reduce((a, b) => a + b, 0) - r.reduce((a, b) => a + b, 0);
};

describe("the offline preference loops", () => {
  it("DPO starts at ln 2, raises the chosen answers over the rejected, and leaves the reference alone", () => {
    const s = setup();
    const policy = cloneModel(s.sft);
    const before = Float32Array.from(s.sft.params.flat);
    const losses: number[] = [];
    trainDpo(policy, s.sft, s.pairs, { steps: 20, lr: 1e-2, seed: 1, beta: 0.5, batchPairs: 4 }, 0, (_s, l) =>
      losses.push(l),
    );
    expect(losses[0]).toBeCloseTo(Math.LN2, 6);
    expect(losses[losses.length - 1]).toBeLessThan(0.2);
    expect(margin(policy, s)).toBeGreaterThan(margin(s.sft, s) + 5);
    expect(Array.from(s.sft.params.flat)).toEqual(Array.from(before));
  });

  it("ORPO does it without a reference", () => {
    const s = setup();
    const policy = cloneModel(s.sft);
    trainOrpo(policy, s.pairs, { steps: 20, lr: 1e-2, seed: 1, lambda: 1, batchPairs: 4 }, 0);
    expect(margin(policy, s)).toBeGreaterThan(margin(s.sft, s) + 5);
  });
});
