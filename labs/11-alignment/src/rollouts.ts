// Sampling answers, judging them, and the two numbers every method is measured by.
//
//   win-rate vs SFT   on held-out requests, the judge compares the policy's answer with the
//                     SFT model's answer to the same request: 1 a win, ½ a tie, 0 a loss
//   KL from the reference   on the policy's own samples y ~ π(· | x),
//                     KL(π ‖ π_ref) ≈ mean over samples of Σ_t [log π(y_t) − log π_ref(y_t)]
//
// A method that wins more while moving less far from the reference is better; the
// frontier plot (README §8) is one point per β.

import { END_OF_TEXT, generate, type GPT } from "@llm-labs/model";
import { renderChat, type Encode } from "./chat.ts";
import { batchLogProbs } from "./policy.ts";
import { packBatch } from "./sequences.ts";
import { judgeReward, judgeWins, type Message } from "./task.ts";

export interface Tokenizer {
  encode: Encode;
  decode: (ids: readonly number[]) => string;
  eosId: number;
}

export const MAX_ANSWER_TOKENS = 88; // a prompt of ~37 tokens + 88 fits the 128 positions; four corpus sentences are ~75

// The prompt ids of a request: the rendered chat with the assistant's turn opened.
export const promptIds = (tok: Tokenizer, messages: readonly Message[]): number[] =>
  tok.encode(renderChat(messages, true));

// One sampled answer per prompt (ending with end-of-text if the model closed its turn).
export function sampleAnswers(
  model: GPT,
  prompts: readonly number[][],
  seed: number,
  temperature = 1,
  maxNew = MAX_ANSWER_TOKENS,
): number[][] {
  return prompts.map((p, i) =>
    generate(model, p, { maxNewTokens: maxNew, sampling: { seed: seed * 100_003 + i, temperature } }),
  );
}

// The answer's text, without the end-of-text that closes it.
export function answerText(tok: Tokenizer, answer: readonly number[]): string {
  const ids = answer.filter((id) => id !== tok.eosId);
  // an answer may be its end-of-text alone
  return ids.length === 0 ? "" : tok.decode(ids).replace(END_OF_TEXT, "").trim();
}

// Σ_t log π(y_t | x, y_<t) for each (prompt, answer), in batches of 16.
export function answerLogProbs(
  model: GPT,
  prompts: readonly number[][],
  answers: readonly number[][],
  padId: number,
): Float64Array {
  const out = new Float64Array(prompts.length);
  for (let s = 0; s < prompts.length; s += 16) {
    const rows = prompts.slice(s, s + 16).map((p, i) => ({ prompt: p, completion: answers[s + i] }));
    const batch = packBatch(rows, padId);
    const lp = batchLogProbs(model, batch);
    for (let b = 0; b < batch.B; b++) {
      let sum = 0;
      for (let t = 0; t < batch.T; t++) sum += lp[b * batch.T + t];
      out[s + b] = sum;
    }
  }
  return out;
}

export interface Evaluation {
  winRate: number; // against the SFT model's answers
  reward: number; // the judge's mean reward (0 is perfect)
  exact: number; // share of answers with exactly the requested count
  kl: number; // nats per answer, from the reference
  meanTokens: number;
}

export function evaluatePolicy(
  policy: GPT,
  reference: GPT,
  sftAnswers: readonly string[],
  requests: readonly { n: number; messages: Message[] }[],
  tok: Tokenizer,
  seed: number,
): Evaluation {
  const prompts = requests.map((r) => promptIds(tok, r.messages));
  const answers = sampleAnswers(policy, prompts, seed);
  const texts = answers.map((a) => answerText(tok, a));
  const lpPolicy = answerLogProbs(policy, prompts, answers, tok.eosId);
  const lpRef = answerLogProbs(reference, prompts, answers, tok.eosId);
  let win = 0;
  let reward = 0;
  let exact = 0;
  let kl = 0;
  requests.forEach((r, i) => {
    win += judgeWins(r.n, texts[i], sftAnswers[i]);
    const ri = judgeReward(r.n, texts[i]);
    reward += ri;
    if (ri === 0) exact++;
    kl += lpPolicy[i] - lpRef[i];
  });
  const n = requests.length;
  return {
    winRate: win / n,
    reward: reward / n,
    exact: exact / n,
    kl: kl / n,
    meanTokens: answers.reduce((a, b) => a + b.length, 0) / n,
  };
}
