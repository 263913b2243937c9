// Prompt templates: the same question, asked in the formats benchmarks use.
//
// A benchmark row is not a prompt; a template makes one. The two families the
// harness runs:
//
//   cloze    the question is the context and every option text is a continuation:
//            score log p(" Lily" | "… named") (ARC, HellaSwag, and MMLU's "continuation"
//            variant). Options in English follow a space (target_delimiter " "),
//            Chinese ones follow nothing: Chinese has no spaces.
//   letters  the question and its four options are listed, and the continuations are
//            the letters: log p(" A" | "…\nA. 莉莉\nB. …\nAnswer:"). MMLU's format, and
//            C-Eval's with 答案： for Chinese questions. It needs a model that knows
//            what a multiple-choice exam is; the specimens never saw one.
//
// k-shot puts k solved questions of the same subject (from the dev split) before
// the question, separated by a blank line (fewshot_delimiter "\n\n"). "cloze, space"
// is a config mistake that is easy to make: the English delimiter before Chinese options.

import { LETTERS, type McItem, gold, options } from "./benchmark.ts";

export interface Rendered {
  context: string;
  continuations: string[]; // what is scored after the context, delimiter included
  choices: string[]; // the option texts acc_norm divides by (without the delimiter)
}

export interface Template {
  id: string;
  label: string;
  shots: number;
  render(item: McItem, shots: readonly McItem[]): Rendered;
}

const delimiter = (item: McItem, space: boolean): string => (space || item.lang === "en" ? " " : "");

const listed = (item: McItem): string =>
  `${item.question}\n${LETTERS.map((l, i) => `${l}. ${options(item)[i]}`).join("\n")}\n${item.lang === "zh" ? "答案：" : "Answer:"}`;

function cloze(id: string, label: string, shots: number, space = false): Template {
  return {
    id,
    label,
    shots,
    render(item, examples) {
      const d = delimiter(item, space);
      const solved = examples.map((e) => `${e.question}${delimiter(e, space)}${options(e)[gold(e)]}\n\n`);
      return {
        context: solved.join("") + item.question,
        continuations: options(item).map((o) => d + o),
        choices: options(item),
      };
    },
  };
}

function letters(id: string, label: string, shots: number): Template {
  return {
    id,
    label,
    shots,
    render(item, examples) {
      const d = item.lang === "en" ? " " : "";
      const solved = examples.map((e) => `${listed(e)}${e.lang === "en" ? " " : ""}${e.answer}\n\n`);
      return {
        context: solved.join("") + listed(item),
        continuations: LETTERS.map((l) => d + l),
        choices: [...LETTERS],
      };
    },
  };
}

export const TEMPLATES: Template[] = [
  cloze("cloze", "cloze, 0-shot", 0),
  cloze("cloze-2shot", "cloze, 2-shot", 2),
  cloze("cloze-space", "cloze, space before Chinese options", 0, true),
  letters("letters", "letters A–D (MMLU / C-Eval), 0-shot", 0),
  letters("letters-2shot", "letters A–D, 2-shot", 2),
];

export const template = (id: string): Template => {
  const t = TEMPLATES.find((x) => x.id === id);
  if (!t) throw new Error(`no template "${id}" (templates: ${TEMPLATES.map((x) => x.id).join(", ")})`);
  return t;
};
