// A split pattern read from a tokenizer.json is code from a file. JavaScript's
// regex engine backtracks, and a pattern like (a+)+$ takes 2^n steps on n
// letters that do not end the way it wants: one line of text hangs the
// encoder, and a regex cannot be interrupted. So before a pattern from a file
// is used:
//
//   1. the patterns of the vocabularies this lab loads (GPT-2, cl100k, o200k,
//      Qwen3, Llama 3, our own) are known to be fine and pass at once;
//   2. any other pattern must not have what exponential backtracking needs: a
//      group that repeats (*, +, {n,}) and itself holds a quantifier or an
//      alternation, so that one text can be split between the repetitions in
//      exponentially many ways; nor a backreference (\1, \k<name>);
//   3. then it runs on texts of growing length (4, 8, … 4,096 characters of
//      each kind of character), and must keep each run under a time budget. A
//      pattern that backtracks polynomially (\s*\s*\s*x) is caught while the
//      texts are short, so the check itself stays bounded.

import { UserError } from "@llm-labs/errors";
import { CL100K_PATTERN, GPT2_PATTERN, O200K_PATTERN } from "./pretokenize.ts";

// Qwen2/Qwen3: cl100k's pattern with single digits (\p{N} instead of \p{N}{1,3}).
export const QWEN_PATTERN = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

// Patterns that need no check: the ones the lab's vocabularies use (Llama 3 uses cl100k's).
export const KNOWN_PATTERNS = new Set([GPT2_PATTERN, CL100K_PATTERN, O200K_PATTERN, QWEN_PATTERN]);

// How long one probe run may take. A safe pattern needs well under 1 ms for 4,096 characters.
export const PROBE_BUDGET_MS = 50;

const PROBE_UNITS = [" ", "a", "A", "1", "!", "\n", "\r\n", "中", "a ", " a", "'s", "a1!", "aA", " \n", "é"];

// Throws a UserError naming `where` if `pattern` (tiktoken / Hugging Face
// syntax) could backtrack catastrophically; `compile` turns it into the
// RegExp the tokenizer will use.
export function guardSplitPattern(pattern: string, where: string, compile: (p: string) => RegExp): void {
  if (KNOWN_PATTERNS.has(pattern)) return;
  const risky = nestedQuantifier(pattern);
  if (risky)
    throw new UserError(
      `${where}: the split pattern ${JSON.stringify(pattern)} ${risky}, which can make matching take exponentially long (catastrophic backtracking); rewrite it without, or use the pattern of GPT-2, cl100k, o200k or Qwen`,
    );
  const re = compile(pattern);
  for (const length of PROBE_LENGTHS) {
    for (const unit of PROBE_UNITS) {
      const text = unit.repeat(Math.ceil(length / unit.length));
      // Twice before refusing: a garbage-collection pause can spoil one run.
      const ms = Math.min(timeSplit(re, text), timeSplit(re, text));
      if (ms > PROBE_BUDGET_MS)
        throw new UserError(
          `${where}: the split pattern ${JSON.stringify(pattern)} took ${ms.toFixed(0)} ms to split ${text.length} characters of ${JSON.stringify(unit)} repeated (the budget is ${PROBE_BUDGET_MS} ms): its time grows faster than the text (backtracking); rewrite it, or use the pattern of GPT-2, cl100k, o200k or Qwen`,
        );
    }
  }
}

// The probe texts grow slowly (4, 8, …, 64, then by half each time, to 4,096
// characters): a pattern whose time grows like n^d is caught at most one small
// step past the length where it first exceeds the budget, so the check itself
// takes at most a few budgets even for large d.
const PROBE_LENGTHS: number[] = [];
for (let n = 4; n <= 64; n += 4) PROBE_LENGTHS.push(n);
for (let n = 96; n <= 4096; n = Math.round(n * 1.5)) PROBE_LENGTHS.push(n);

function timeSplit(re: RegExp, text: string): number {
  const t0 = performance.now();
  text.match(re); // every match, as the pre-tokenizer asks for them
  return performance.now() - t0;
}

// What makes the pattern risky, or null: a repeated group that holds a
// quantifier or an alternation, or a backreference. A small scan of the
// pattern's structure: escapes and character classes are skipped, groups are
// tracked on a stack.
export function nestedQuantifier(pattern: string): string | null {
  // For each open group: does it contain a quantifier or an alternation?
  const stack: { start: number; ambiguous: boolean }[] = [];
  let lastGroup: { start: number; ambiguous: boolean } | null = null; // the group that just closed
  const markAmbiguous = () => {
    for (const g of stack) g.ambiguous = true;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const n = pattern[i + 1] ?? "";
      if (/[1-9]/.test(n) || (n === "k" && pattern[i + 2] === "<"))
        return `has a backreference at character ${i}`;
      if ((n === "p" || n === "P") && pattern[i + 2] === "{") i = Math.max(i + 1, pattern.indexOf("}", i));
      else i++;
      lastGroup = null;
      continue;
    }
    if (c === "[") {
      // Skip the class: a "]" right after "[" or "[^" is a literal.
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      for (; j < pattern.length && pattern[j] !== "]"; j++) if (pattern[j] === "\\") j++;
      i = j;
      lastGroup = null;
      continue;
    }
    if (c === "(") {
      stack.push({ start: i, ambiguous: false });
      // (?:  (?i:  (?=  (?!  (?<=  (?<!  (?<name>: the "?" is not a quantifier.
      const kind = /^\(\?(?:[a-zA-Z-]*:|=|!|<=|<!|<[^>]*>)/.exec(pattern.slice(i));
      if (kind) i += kind[0].length - 1;
      lastGroup = null;
      continue;
    }
    if (c === ")") {
      lastGroup = stack.pop() ?? null;
      continue;
    }
    if (c === "|") {
      markAmbiguous();
      lastGroup = null;
      continue;
    }
    if (c === "*" || c === "+" || c === "?" || c === "{") {
      let repeats = c !== "?"; // may the atom match more than once?
      let varies = true; // may it match a varying number of times? ({3} may not)
      let end = i;
      if (c === "{") {
        const m = /^\{(\d+)(,?)(\d*)\}/.exec(pattern.slice(i));
        if (m) {
          end = i + m[0].length - 1;
          const max = m[2] === "," ? (m[3] === "" ? Infinity : Number(m[3])) : Number(m[1]);
          repeats = max > 1;
          varies = max !== Number(m[1]);
        } else repeats = false; // a literal "{"
      }
      if (c !== "{" || end !== i) {
        if (repeats && lastGroup?.ambiguous)
          return `repeats the group at character ${lastGroup.start} (${JSON.stringify(pattern.slice(lastGroup.start, end + 1))}), which itself holds a quantifier or an alternation`;
        if (varies) markAmbiguous();
        if (pattern[end + 1] === "?" || pattern[end + 1] === "+") end++; // lazy or possessive
        i = end;
      }
      lastGroup = null;
      continue;
    }
    lastGroup = null;
  }
  return null;
}
