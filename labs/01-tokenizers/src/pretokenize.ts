// Pre-tokenization: cut the text into pieces before BPE sees it, so that no
// token can straddle a word boundary. Without it, BPE happily learns "dog."
// "dog!" and "dog?" as three tokens (Radford et al. 2019, section 2.2, give
// exactly this example), and spends its vocabulary on punctuation glue.
//
// The pieces are defined by one regex, matched over and over from left to
// right; every character of the text ends up in exactly one match.

import { UserError } from "@llm-labs/errors";

// GPT-2 (openai/gpt-2, src/encoder.py): English contractions, then runs of
// letters, of digits, of other symbols (each optionally led by one space),
// then whitespace. `\s+(?!\S)` takes a run of spaces but leaves the last one,
// so it can lead the next word: "a   b" -> "a", "  ", " b".
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

// cl100k_base, GPT-3.5/GPT-4 (openai/tiktoken, tiktoken_ext/openai_public.py,
// the pattern Llama 3's tokenizer.json also uses): contractions in any case,
// a letter run may be led by one non-letter (so "(hello" keeps its bracket),
// numbers in groups of at most three digits, and newlines kept apart from
// other whitespace.
export const CL100K_PATTERN = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

// o200k_base, GPT-4o (openai/tiktoken, tiktoken_ext/openai_public.py, where it
// is written as this list joined by "|"). New over cl100k: a word is split at
// case changes (an upper-case run, then a lower-case run, so "camelCase" ->
// "camel", "Case"), marks (\p{M}) stay with their letters, and a slash may
// follow punctuation.
export const O200K_PATTERN = [
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join("|");

// The patterns above are written the way tiktoken (Rust) and Hugging Face
// tokenizers (Oniguruma) read them. JavaScript disagrees on two points, so
// we translate:
//
//   - `(?i:...)`, case-insensitive for one group, needs Node 23+. Inside such
//     a group we spell each ASCII letter as a class: 's -> '[sS].
//   - `\s` in Rust means Unicode White_Space. JavaScript's `\s` adds U+FEFF and
//     misses U+0085, so we write `\p{White_Space}` (and `\P{...}` for `\S`).
//
// Anything else we do not understand (possessive quantifiers like `++`,
// character classes inside `(?i:...)`) is an error, not a silent guess.
export function toJsRegexSource(pattern: string): string {
  let out = "";
  let inClass = false;
  const foldStack: boolean[] = [];
  let fold = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined) throw new UserError(`regex ends with a lone backslash: ${pattern}`);
      if (n === "s") out += String.raw`\p{White_Space}`;
      else if (n === "S") out += String.raw`\P{White_Space}`;
      else if ((n === "p" || n === "P") && pattern[i + 2] === "{") {
        const close = pattern.indexOf("}", i);
        if (close < 0)
          throw new UserError(`unsupported regex: \\${n}{ at character ${i} is never closed, in ${pattern}`);
        out += pattern.slice(i, close + 1);
        i = close;
        continue;
      } else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      if (fold) throw new UserError(`unsupported regex: a character class inside (?i:...) in ${pattern}`);
      inClass = true;
      out += c;
    } else if (c === "(") {
      foldStack.push(fold);
      if (pattern.startsWith("(?i:", i)) {
        fold = true;
        out += "(?:";
        i += 3;
      } else out += c;
    } else if (c === ")") {
      fold = foldStack.pop() ?? false;
      out += c;
    } else if ((c === "+" || c === "?" || c === "*" || c === "}") && pattern[i + 1] === "+") {
      throw new UserError(`unsupported regex: possessive quantifier "${c}+" in ${pattern}`);
    } else if (fold && /[a-zA-Z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    } else out += c;
  }
  return out;
}

// Compile a tiktoken / Hugging Face split pattern into a global, Unicode-aware JavaScript regex.
export function compilePattern(pattern: string): RegExp {
  const source = toJsRegexSource(pattern);
  try {
    return new RegExp(source, "gu");
  } catch (e) {
    throw new UserError(`cannot compile split pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

// A pre-tokenizer turns a stretch of text into the pieces BPE encodes one by one.
export type PreTokenizer = (text: string) => string[];

// The tiktoken way: the pieces are the successive matches of the pattern.
// Text no alternative matches would be dropped, but every pattern above ends
// in `\s+` and covers letters, digits and "everything else", so nothing is.
export function regexPreTokenizer(pattern: string): PreTokenizer {
  const re = compilePattern(pattern);
  // With the g flag, String.prototype.match returns every match as a string
  // in one call (and it is the fastest way V8 offers to do it).
  return (text) => text.match(re) ?? [];
}

// Hugging Face's `Split` pre-tokenizer sees the text as alternating stretches:
// matches of the pattern and the gaps between them. `behavior` says what to
// keep:
//   "Isolated": every match and every gap, each its own piece;
//   "Removed":  only the gaps (the matches were delimiters).
// `invert: true` swaps the roles first: the matches become what is kept and
// the gaps become delimiters, so Removed + invert keeps only the matches,
// which is how GPT-4o's tokenizer.json writes the plain tiktoken behaviour.
export function splitPreTokenizer(
  pattern: string,
  behavior: "Isolated" | "Removed",
  invert: boolean,
): PreTokenizer {
  const re = compilePattern(pattern);
  return (text) => {
    const pieces: string[] = [];
    let last = 0;
    const keep = (s: string, isMatch: boolean) => {
      if (s.length === 0) return;
      const isDelimiter = invert ? !isMatch : isMatch;
      if (behavior === "Isolated" || !isDelimiter) pieces.push(s);
    };
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      keep(text.slice(last, m.index), false);
      keep(m[0], true);
      last = m.index + m[0].length;
    }
    keep(text.slice(last), false);
    return pieces;
  };
}
