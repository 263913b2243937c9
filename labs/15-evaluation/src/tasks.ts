// The generation tasks of the lab, built from the same world as the benchmark.
//
//   world_gen     the Chinese questions of the held-out variant as open questions:
//                 greedy until 。 and exact match with the answer (no options shown)
//   world_ifeval  a story opening with two verifiable instructions written before it,
//                 IFEval style; the response is the model's next 40 tokens

import { Rng } from "@llm-labs/tensor";
import { gold, type McItem, options } from "./benchmark.ts";
import type { Instruction } from "./ifeval.ts";
import { ADJS, ANIMALS, NAMES } from "./world.ts";

export interface GenItem {
  id: string;
  context: string;
  answer: string;
  until: string[];
}

export const genItems = (items: readonly McItem[]): GenItem[] =>
  items
    .filter((i) => i.lang === "zh")
    .map((i) => ({ id: i.id, context: i.question, answer: options(i)[gold(i)], until: ["。", "，", "\n"] }));

export interface IfevalPrompt {
  id: string;
  prompt: string;
  instructions: Instruction[];
}

// Instruction texts as IFEval phrases them, with what their checkers need.
const RULES: ((name: string) => [string, Instruction])[] = [
  (name) => [`Include the keyword "${name}".`, { id: "keywords:existence", keywords: [name] }],
  () => ["Do not use any commas.", { id: "punctuation:no_comma" }],
  () => [
    "Answer with less than 30 words.",
    { id: "length_constraints:number_words", relation: "less than", num_words: 30 },
  ],
  () => ['Finish your response with "The end."', { id: "startend:end_checker", end_phrase: "The end." }],
  () => ["Your entire response should be in Chinese.", { id: "language:response_language", language: "zh" }],
];

export function ifevalPrompts(n: number, seed = 11): IfevalPrompt[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const [name] = NAMES[rng.int(NAMES.length)];
    const [adj] = ADJS[rng.int(ADJS.length)];
    const [animal] = ANIMALS[rng.int(ANIMALS.length)];
    const picked = rng
      .shuffle(RULES.map((_, j) => j))
      .slice(0, 2)
      .sort();
    const rules = picked.map((j) => RULES[j](name));
    return {
      id: `ifeval/${i}`,
      prompt: `${rules.map((r) => r[0]).join(" ")}\nOnce upon a time, there was a ${adj} ${animal} named ${name}.`,
      instructions: rules.map((r) => r[1]),
    };
  });
}
