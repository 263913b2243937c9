// The new task: a small question-and-answer format the specimen never saw.
//
// The specimen was trained on bilingual children's stories (packages/model,
// corpus.ts). Here every example states two facts and asks about one of them:
//
//   Mia has a red kite and a blue cup.
//   Q: What color is the cup?
//   A: blue.
//
// or "Q: Who has the kite? A: Mia." The words come from the stories' vocabulary
// (so the tokenizer covers them well), but the layout is new, and the answer
// must be copied from the right place two lines up: the base model does poorly
// on both, an adapter can learn both. Generated from a seed (train 11, held-out
// 12), written for this course.

import { Rng } from "@llm-labs/tensor";
import { checkpointDir, generateDocuments, loadTransformersTokenizer } from "@llm-labs/model";

const NAMES = ["Lily", "Tom", "Mia", "Ben", "Anna", "Leo", "Sara", "Max", "Lucy", "Sam", "Emma", "Jack"];
const COLORS = ["red", "blue", "green", "yellow", "white", "black", "pink", "golden"];
const OBJECTS = ["ball", "box", "key", "hat", "shoe", "cup", "book", "kite", "apple", "cake"];

export const TASK_TRAIN_SEED = 11;
export const TASK_HELDOUT_SEED = 12;

export function qaExample(rng: Rng): string {
  const name = NAMES[rng.int(NAMES.length)];
  const [o1, o2] = rng.shuffle([...OBJECTS]).slice(0, 2) as [string, string];
  const c1 = COLORS[rng.int(COLORS.length)];
  const c2 = COLORS[rng.int(COLORS.length)];
  const ask = rng.int(2); // which fact is asked about
  const [obj, color] = ask === 0 ? [o1, c1] : [o2, c2];
  const facts = `${name} has a ${c1} ${o1} and a ${c2} ${o2}.`;
  return rng.int(3) === 0
    ? `${facts}\nQ: Who has the ${obj}?\nA: ${name}.`
    : `${facts}\nQ: What color is the ${obj}?\nA: ${color}.`;
}

// Examples joined by <|endoftext|>, until `minChars` characters.
export function qaText(seed: number, minChars: number): string {
  return generateDocuments(seed, minChars, qaExample);
}

// The first `count` tokens of the task text at `seed`, with the target's tokenizer.
export async function qaTokens(seed: number, count: number): Promise<number[]> {
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  const ids = tok.encode(qaText(seed, count * 4), { add_special_tokens: false }) as number[];
  if (ids.length < count) throw new Error(`qaTokens: only ${ids.length} tokens, wanted ${count}`);
  return ids.slice(0, count);
}
