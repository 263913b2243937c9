// The preference: stories of a requested length, judged by a program.
//
// A user asks for a story in one to four sentences; the assistant tells one. The
// judge counts the sentences of the answer and prefers the answer whose count is closer to
// the one asked for. Nothing about the judge is learnt: every reward and every win-rate in
// this lab is that count, so each number is measured, not asserted.
//
//   user:       Tell me a story in two sentences.
//   assistant:  In a quiet village, there lived a shy cat called Mia. Mia found a red ball.
//
// The SFT data are the corpus's own stories (packages/model, corpus.ts), cut after the
// requested number of sentences, so the supervised model learns the format and roughly the
// length; counting to four is what the preference stage has to sharpen.
//
// The judge counts sentence ends (. ! ?), which is exactly what a policy can hack: ". . ."
// is three sentences. §8 of the README shows where that appears.

import { Rng } from "@llm-labs/tensor";
import { story } from "@llm-labs/model";

export const COUNTS = [1, 2, 3, 4] as const;
export const COUNT_WORDS = ["one sentence", "two sentences", "three sentences", "four sentences"] as const;
export const SFT_SEED = 21;
export const PREFERENCE_SEED = 22;
export const HELDOUT_SEED = 23;

export interface Message {
  role: "system" | "user" | "assistant";
  content: string;
}

// The user's request for n sentences.
export const request = (n: number): string => `Tell me a story in ${COUNT_WORDS[n - 1]}.`;

// The sentences of a text: pieces that end in . ! or ?, a closing quote kept with its sentence.
export function sentences(text: string): string[] {
  return text.match(/[^.!?]*[.!?]+["”]?/g)?.map((s) => s.trim()) ?? [];
}

// The judge's count: how many sentences the answer has.
export const sentenceCount = (answer: string): number => sentences(answer).length;

// The judge's reward for an answer to a request for n sentences: 0 when the count is right,
// −1 per sentence too many or too few.
export const judgeReward = (n: number, answer: string): number => 0 - Math.abs(sentenceCount(answer) - n); // 0, not −0

// 1 if a beats b for a request of n sentences, 0 if b beats a, ½ for a tie.
export function judgeWins(n: number, a: string, b: string): number {
  const ra = judgeReward(n, a);
  const rb = judgeReward(n, b);
  return ra > rb ? 1 : ra < rb ? 0 : 0.5;
}

// One SFT conversation: a request, and the first n sentences of a corpus story.
export function sftExample(rng: Rng): { n: number; messages: Message[] } {
  const n = COUNTS[rng.int(COUNTS.length)];
  const english = story(rng).split("\n")[0];
  const answer = sentences(english).slice(0, n).join(" ");
  return {
    n,
    messages: [
      { role: "user", content: request(n) },
      { role: "assistant", content: answer },
    ],
  };
}

export function sftExamples(seed: number, count: number): { n: number; messages: Message[] }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => sftExample(rng));
}

// Prompts for preference data and evaluation: a request each, n drawn at random.
export function requests(seed: number, count: number): { n: number; messages: Message[] }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const n = COUNTS[rng.int(COUNTS.length)];
    return { n, messages: [{ role: "user", content: request(n) }] };
  });
}
