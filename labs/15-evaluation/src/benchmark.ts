// A benchmark with an answer key: multiple-choice questions about the corpus's world.
//
// C-Eval (Huang et al. 2023) and MMLU (Hendrycks et al. 2021) store a question as a
// row: the question, four options A–D and the letter of the right one. Ours are
// the same rows, drawn from a seed, about facts the training stories state again
// and again (world.ts): what Lily is called in Chinese, which animal she was, what
// she found. Six subjects, three of them asked in Chinese, three in English:
//
//   name-zh    "… named Lily.\n从前，有一只勇敢的猫，名叫"          → 莉莉
//   animal-zh  "Lily was a brave cat.\n莉莉是一只勇敢的"             → 猫
//   food-zh    "… ate three apples together.\n…一起吃了三个"       → 苹果
//   color-zh   "One day, Lily found a red ball …\n…发现了一个"       → 红色的球
//   name-en    "… a brave cat named Lily."                          → Lily  (the next sentence starts with it)
//   animal-en  "Lily met a shy fox near the lake. \"Hello,\" said the" → fox
//
// Two variants of every subject ask the same facts:
//   train-like  in sentences the corpus itself writes, so a question (and its answer)
//               may stand word for word in the training text: §6 measures how often
//   held-out    in sentences the corpus never writes ("Lily is a cat.\n莉莉是一只"),
//               so a right answer needs the fact, not the sentence
// and the three splits C-Eval has: dev (few-shot examples), test, and here a fresh
// test set from another seed (the control of the contamination experiment, §6).

import { UserError } from "@llm-labs/kit";
import { Rng } from "@llm-labs/tensor";
import { z } from "zod";
import {
  ADJS,
  ANIMALS,
  COLORS,
  FOODS,
  LANDMARKS,
  NAMES,
  NUMBERS,
  OBJECTS,
  type Pair,
  SPOTS,
} from "./world.ts";

export const LETTERS = ["A", "B", "C", "D"] as const;

export const McItem = z.strictObject({
  id: z.string().min(1),
  subject: z.string().min(1),
  variant: z.enum(["train-like", "held-out"]),
  lang: z.enum(["en", "zh"]), // the language of the options: English ones follow a space
  question: z.string().min(1),
  A: z.string().min(1),
  B: z.string().min(1),
  C: z.string().min(1),
  D: z.string().min(1),
  answer: z.enum(LETTERS),
});
export type McItem = z.infer<typeof McItem>;
export type Variant = McItem["variant"];

export const options = (item: McItem): string[] => [item.A, item.B, item.C, item.D];
export const gold = (item: McItem): number => LETTERS.indexOf(item.answer);

// The seeds of the splits, so that the demo, the tests and a learner draw the same rows.
export const SPLIT_SEEDS = { dev: 101, test: 202, fresh: 303 } as const;
export type Split = keyof typeof SPLIT_SEEDS;

type Slots = Record<string, Pair>;
interface Subject {
  id: string;
  lang: "en" | "zh";
  slots: Record<string, Pair[]>; // drawn for every question
  answer: string; // the slot the question asks for; distractors are other values of it
  option: (s: Slots) => string; // the answer's text, from the slots
  ask: Record<Variant, (s: Slots) => string>;
}

const en = (p: Pair) => p[0];
const zh = (p: Pair) => p[1];

export const SUBJECTS: Subject[] = [
  {
    id: "name-zh",
    lang: "zh",
    slots: { name: NAMES, adj: ADJS, animal: ANIMALS },
    answer: "name",
    option: (s) => zh(s.name),
    ask: {
      "train-like": (s) =>
        `Once upon a time, there was a ${en(s.adj)} ${en(s.animal)} named ${en(s.name)}.\n从前，有一只${zh(s.adj)}的${zh(s.animal)}，名叫`,
      "held-out": (s) =>
        `The ${en(s.animal)} was called ${en(s.name)}, and it was ${en(s.adj)}.\n这只${zh(s.animal)}叫`,
    },
  },
  {
    id: "animal-zh",
    lang: "zh",
    slots: { name: NAMES, adj: ADJS, animal: ANIMALS },
    answer: "animal",
    option: (s) => zh(s.animal),
    ask: {
      "train-like": (s) =>
        `${en(s.name)} was a ${en(s.adj)} ${en(s.animal)}.\n${zh(s.name)}是一只${zh(s.adj)}的`,
      "held-out": (s) => `${en(s.name)} is a ${en(s.animal)}.\n${zh(s.name)}是一只`,
    },
  },
  {
    id: "food-zh",
    lang: "zh",
    slots: { name: NAMES, animal: ANIMALS, number: NUMBERS, food: FOODS },
    answer: "food",
    option: (s) => zh(s.food),
    ask: {
      "train-like": (s) =>
        `${en(s.name)} and the ${en(s.animal)} ate ${en(s.number)} ${en(s.food)} together.\n${zh(s.name)}和${zh(s.animal)}一起吃了${zh(s.number)}个`,
      "held-out": (s) =>
        `${en(s.name)} ate ${en(s.number)} ${en(s.food)}.\n${zh(s.name)}吃了${zh(s.number)}个`,
    },
  },
  {
    id: "color-zh",
    lang: "zh",
    slots: { name: NAMES, color: COLORS, object: OBJECTS, spot: SPOTS },
    answer: "color",
    option: (s) => `${zh(s.color)}的${zh(s.object)}`,
    ask: {
      "train-like": (s) =>
        `One day, ${en(s.name)} found a ${en(s.color)} ${en(s.object)} ${en(s.spot)}.\n有一天，${zh(s.name)}${zh(s.spot)}发现了一个`,
      "held-out": (s) => `${en(s.name)} had a ${en(s.color)} ${en(s.object)}.\n${zh(s.name)}有一个`,
    },
  },
  {
    id: "name-en",
    lang: "en",
    slots: { name: NAMES, adj: ADJS, animal: ANIMALS },
    answer: "name",
    option: (s) => en(s.name),
    ask: {
      "train-like": (s) => `Once upon a time, there was a ${en(s.adj)} ${en(s.animal)} named ${en(s.name)}.`,
      "held-out": (s) => `There was a ${en(s.adj)} ${en(s.animal)}. Its name was ${en(s.name)}. Every day,`,
    },
  },
  {
    id: "animal-en",
    lang: "en",
    slots: { name: NAMES, adj: ADJS, animal: ANIMALS, landmark: LANDMARKS },
    answer: "animal",
    option: (s) => en(s.animal),
    ask: {
      "train-like": (s) =>
        `${en(s.name)} met a ${en(s.adj)} ${en(s.animal)} near the ${en(s.landmark)}. "Hello," said the`,
      "held-out": (s) =>
        `${en(s.name)} saw a ${en(s.adj)} ${en(s.animal)} by the ${en(s.landmark)}. Then the`,
    },
  },
];

// perSubject questions of every subject, for one variant and split.
export function makeBenchmark(variant: Variant, split: Split, perSubject: number): McItem[] {
  const rng = new Rng(SPLIT_SEEDS[split] * 2 + (variant === "held-out" ? 1 : 0));
  const items: McItem[] = [];
  for (const subject of SUBJECTS) {
    for (let i = 0; i < perSubject; i++) {
      const s: Slots = {};
      for (const [k, list] of Object.entries(subject.slots)) s[k] = list[rng.int(list.length)];
      // three distractors: other values of the asked slot, in a random order with the answer
      const list = subject.slots[subject.answer];
      const others = rng.shuffle(list.filter((p) => p !== s[subject.answer])).slice(0, 3);
      const texts = [s[subject.answer], ...others].map((p) => subject.option({ ...s, [subject.answer]: p }));
      const order = rng.shuffle([0, 1, 2, 3]);
      const opts = order.map((j) => texts[j]);
      items.push({
        id: `${subject.id}/${variant}/${split}/${i}`,
        subject: subject.id,
        variant,
        lang: subject.lang,
        question: subject.ask[variant](s),
        A: opts[0],
        B: opts[1],
        C: opts[2],
        D: opts[3],
        answer: LETTERS[order.indexOf(0)],
      });
    }
  }
  return items;
}

// A benchmark read from a file (a learner's own questions): every row checked, one line
// naming the first bad one.
export function parseBenchmark(json: unknown, where: string): McItem[] {
  const r = z.array(McItem).min(1, "a benchmark needs at least one question").safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`${where}: ${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`);
  }
  return r.data;
}
