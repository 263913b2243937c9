// IFEval-style verifiable instructions: rules a program can check, no judge model.
//
// Zhou et al. 2023 (IFEval) attach to each prompt instructions such as "do not use
// any commas" or "answer in fewer than 40 words", each with a checker function, and
// report four numbers: per prompt (all of its instructions followed) and per
// instruction, each "strict" (the response as it is) and "loose" (the response also
// passes if a variant passes: markdown asterisks removed, first line or last line
// dropped, or both, for the "Sure, here is…" lines a chat model adds).
//
// The checkers below are five of IFEval's 25, written for two scripts: words are
// counted by words.ts (a Chinese character is a word), and response_language is a
// script test (mostly Han characters or mostly Latin letters) where IFEval runs
// langdetect. The specimens were never taught to follow instructions, so what these
// measure for them is how often their default stories happen to obey.

import { words } from "./words.ts";

export type Instruction =
  | { id: "keywords:existence"; keywords: string[] }
  | { id: "punctuation:no_comma" }
  | { id: "length_constraints:number_words"; relation: "less than" | "at least"; num_words: number }
  | { id: "startend:end_checker"; end_phrase: string }
  | { id: "language:response_language"; language: "en" | "zh" };

export function followed(response: string, ins: Instruction): boolean {
  switch (ins.id) {
    case "keywords:existence":
      return ins.keywords.every((k) => response.toLowerCase().includes(k.toLowerCase()));
    case "punctuation:no_comma":
      return !response.includes(",") && !response.includes("，");
    case "length_constraints:number_words": {
      const n = words(response).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
      return ins.relation === "less than" ? n < ins.num_words : n >= ins.num_words;
    }
    case "startend:end_checker":
      return response
        .trim()
        .replace(/^"+|"+$/g, "")
        .toLowerCase()
        .endsWith(ins.end_phrase.trim().toLowerCase());
    case "language:response_language": {
      const han = (response.match(/\p{Script=Han}/gu) ?? []).length;
      const latin = (response.match(/\p{Script=Latin}/gu) ?? []).length;
      return ins.language === "zh" ? han > latin : latin > han;
    }
  }
}

// IFEval's loose variants of a response: as is, without "*", without its first line,
// without its last line, without both, and each of those without "*".
export function looseVariants(response: string): string[] {
  const lines = response.split("\n");
  const base = [
    response,
    lines.slice(1).join("\n").trim(),
    lines.slice(0, -1).join("\n").trim(),
    lines.slice(1, -1).join("\n").trim(),
  ];
  return [...base, ...base.map((r) => r.replaceAll("*", ""))].filter((r) => r.length > 0);
}

export interface IfevalScore {
  strict: boolean[]; // per instruction
  loose: boolean[];
}

export function checkResponse(response: string, instructions: readonly Instruction[]): IfevalScore {
  const variants = looseVariants(response);
  return {
    strict: instructions.map((i) => followed(response, i)),
    loose: instructions.map((i) => variants.some((v) => followed(v, i))),
  };
}

// The four numbers over many prompts: prompt-level (every instruction of the prompt
// followed) and instruction-level (all instructions of all prompts pooled).
export function ifevalMetrics(scores: readonly IfevalScore[]): Record<string, number[]> {
  return {
    prompt_level_strict_acc: scores.map((s) => (s.strict.every(Boolean) ? 1 : 0)),
    inst_level_strict_acc: scores.flatMap((s) => s.strict.map(Number)),
    prompt_level_loose_acc: scores.map((s) => (s.loose.every(Boolean) ? 1 : 0)),
    inst_level_loose_acc: scores.flatMap((s) => s.loose.map(Number)),
  };
}
