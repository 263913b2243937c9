import { Rng } from "@llm-labs/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { dpoLoss } from "../src/dpo.ts";
import { completionLengths, sequenceLogProbs, tokenLogProbs } from "../src/logprobs.ts";
import { orpoLoss } from "../src/orpo.ts";
import { ortCompletionLogProbs, ortDpoLoss, ortOrpoLoss } from "../src/ort-losses.ts";
import { packBatch, type SeqBatch } from "../src/sequences.ts";

// Four preference pairs over a vocabulary of 13, prompts of 2–4 tokens and completions of
// 1–5, right-padded: each batch has prompt, completion and padding positions. Random float32
// logits stand in for the policy's and the reference's on the chosen and rejected batches.
const V = 13;
const P = 4;
const rng = new Rng(31);
const randomRows = () =>
  Array.from({ length: P }, () => ({
    prompt: Array.from({ length: 2 + rng.int(3) }, () => rng.int(V)),
    completion: Array.from({ length: 1 + rng.int(5) }, () => rng.int(V)),
  }));
const chosen = packBatch(randomRows(), 0);
const rejected = packBatch(randomRows(), 0);
const randomLogits = (b: SeqBatch) => Float32Array.from({ length: b.B * b.T * V }, () => rng.normal(0, 2));
const logits = {
  policyChosen: randomLogits(chosen),
  policyRejected: randomLogits(rejected),
  refChosen: randomLogits(chosen),
  refRejected: randomLogits(rejected),
};
const batchOf = (k: keyof typeof logits) => (k.endsWith("Chosen") ? chosen : rejected);

const ours = (k: keyof typeof logits) => {
  const b = batchOf(k);
  const tokenLp = tokenLogProbs(logits[k], b.targets, V);
  return { tokenLp, sequenceLp: sequenceLogProbs(tokenLp, b.targets, b.B, b.T) };
};
type OrtLp = Awaited<ReturnType<typeof ortCompletionLogProbs>>;
const ort = {} as Record<keyof typeof logits, OrtLp>;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

beforeAll(async () => {
  for (const k of Object.keys(logits) as (keyof typeof logits)[]) {
    const b = batchOf(k);
    ort[k] = await ortCompletionLogProbs(logits[k], b.targets, b.B, b.T, V);
  }
});

describe("completion log-probs against ONNX Runtime (LogSoftmax, GatherElements, ReduceSum)", () => {
  it("the batches hold prompt, completion and padding positions", () => {
    for (const b of [chosen, rejected]) {
      const counted = b.targets.filter((y) => y >= 0).length;
      expect(counted).toBeGreaterThan(0);
      expect(counted).toBeLessThan(b.B * b.T - b.B * 2); // at least the prompts' positions are out
      expect(new Set(b.length).size).toBeGreaterThan(1); // rows of different lengths: padding
    }
  });

  it("per-token and per-sequence log-probs and lengths equal ORT's", () => {
    for (const k of Object.keys(logits) as (keyof typeof logits)[]) {
      const b = batchOf(k);
      const mine = ours(k);
      expect(maxDiff(mine.tokenLp, ort[k].tokenLp), k).toBeLessThan(1e-5);
      expect(maxDiff(mine.sequenceLp, ort[k].sequenceLp), k).toBeLessThan(1e-5);
      expect(Array.from(ort[k].lengths)).toEqual(Array.from(completionLengths(b.targets, b.B, b.T)));
    }
  });
});

describe("exercise: dpo-loss", () => {
  it("equals ORT's DPO loss and reward metrics on the same log-probs", async () => {
    const policy = { chosen: ours("policyChosen").sequenceLp, rejected: ours("policyRejected").sequenceLp };
    const reference = { chosen: ours("refChosen").sequenceLp, rejected: ours("refRejected").sequenceLp };
    const ortPolicy = { chosen: ort.policyChosen.sequenceLp, rejected: ort.policyRejected.sequenceLp };
    const ortReference = { chosen: ort.refChosen.sequenceLp, rejected: ort.refRejected.sequenceLp };
    for (const beta of [0.1, 1]) {
      const mine = dpoLoss(policy, reference, beta);
      const theirs = await ortDpoLoss(ortPolicy, ortReference, beta);
      expect(Math.abs(mine.loss - theirs.loss), `β = ${beta}`).toBeLessThan(1e-5);
      for (const [name, v] of Object.entries(theirs.metrics))
        expect(Math.abs(mine.metrics[name] - v), `${name}, β = ${beta}`).toBeLessThan(1e-5);
    }
  });

  it("is ln 2 in ORT too when the policy is the reference", async () => {
    const same = { chosen: ort.policyChosen.sequenceLp, rejected: ort.policyRejected.sequenceLp };
    const theirs = await ortDpoLoss(same, same, 0.5);
    expect(Math.abs(theirs.loss - Math.LN2)).toBeLessThan(1e-7);
    expect(Math.abs(dpoLoss(same, same, 0.5).loss - theirs.loss)).toBeLessThan(1e-7);
  });
});

describe("exercise: orpo-odds-ratio", () => {
  it("equals ORT's ORPO loss on the same log-probs and lengths", async () => {
    const lengths = {
      chosen: completionLengths(chosen.targets, chosen.B, chosen.T),
      rejected: completionLengths(rejected.targets, rejected.B, rejected.T),
    };
    const policy = { chosen: ours("policyChosen").sequenceLp, rejected: ours("policyRejected").sequenceLp };
    const ortPolicy = { chosen: ort.policyChosen.sequenceLp, rejected: ort.policyRejected.sequenceLp };
    const mine = orpoLoss(policy, lengths, 0.1);
    const theirs = await ortOrpoLoss(ortPolicy, lengths, 0.1);
    expect(Math.abs(mine.loss - theirs.loss)).toBeLessThan(1e-5);
    for (const [name, v] of Object.entries(theirs.metrics))
      expect(Math.abs(mine.metrics[name] - v), name).toBeLessThan(1e-5);
  });
});
