// A regular-expression subset, parsed into the byte tree of ast.ts.
//
// The subset is the one XGrammar reads the same way we do (each feature below is
// checked token mask by token mask against XGrammar in test/token-mask.test.ts and
// test/regex.test.ts):
//
//   literals, \. \\ \n \t \r \f \v \xHH (ASCII), \d \w and \D \W
//   [abc] [a-z] [^...]   ASCII only inside the brackets
//   .                    any single byte (char-class.ts says why)
//   ( ) (?: )  |  * + ?  {n} {n,} {n,m}
//   ^ at the very start and $ at the very end, which change nothing: the whole
//   output must match anyway
//
// Everything else is refused with one line naming the feature: backreferences,
// lookaround, lazy quantifiers, word boundaries, \s (XGrammar's includes U+00A0,
// which it matches as the raw byte A0, not as its UTF-8 bytes C2 A0), non-ASCII
// characters inside brackets (XGrammar reads them as bytes there too), Unicode
// properties. A refused pattern is never generated from a guess.

import { UserError } from "@llm-labs/kit";
import { alt, type ByteRange, literal, type Node, repeat, seq } from "./ast.ts";
import { ANY_BYTE, charClass } from "./char-class.ts";

export const MAX_REPEAT = 1000; // {n,m} beyond this is refused: the automaton would copy the item m times

const DIGIT: ByteRange[] = [[0x30, 0x39]];
const WORD: ByteRange[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };
const REFUSED_ESCAPES: Record<string, string> = {
  s: "`\\s` (XGrammar's includes U+00A0 as a raw byte; write the class, e.g. [ \\t\\n])",
  S: "`\\S`",
  b: "word boundaries (`\\b`)",
  B: "word boundaries (`\\B`)",
  p: "Unicode properties (`\\p{…}`)",
  P: "Unicode properties (`\\P{…}`)",
  u: "`\\u` escapes (write the character itself outside brackets)",
  k: "named backreferences (`\\k<…>`)",
};

export function parseRegex(pattern: string): Node {
  return new Parser(pattern).parse();
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  private fail(feature: string, at = this.i): never {
    throw new UserError(`regex: ${feature} is not supported (at offset ${at} of /${this.src}/)`);
  }

  parse(): Node {
    if (this.src.startsWith("^")) this.i = 1;
    const node = this.alternation();
    if (this.i < this.src.length) {
      if (this.src[this.i] === ")") this.fail("an unmatched `)`");
      this.fail(`\`${this.src[this.i]}\``);
    }
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const branches = [this.concatenation()];
    while (this.peek() === "|") {
      this.i++;
      branches.push(this.concatenation());
    }
    return branches.length === 1 ? branches[0] : alt(...branches);
  }

  private concatenation(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== "|" && c !== ")"; c = this.peek()) {
      if (c === "$") {
        if (this.i === this.src.length - 1) {
          this.i++;
          break;
        }
        this.fail("`$` before the end of the pattern");
      }
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0] : seq(...items);
  }

  private quantified(item: Node): Node {
    for (;;) {
      const c = this.peek();
      const at = this.i;
      let min: number;
      let max: number;
      if (c === "*") [min, max] = [0, Infinity];
      else if (c === "+") [min, max] = [1, Infinity];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{" && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i))) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i)) as RegExpExecArray;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
        if (max < min) this.fail(`a repetition {${m[1]},${m[3]}} whose maximum is below its minimum`, at);
        if (Math.max(min, Number.isFinite(max) ? max : 0) > MAX_REPEAT)
          this.fail(`a repetition bound above ${MAX_REPEAT}`, at);
        this.i += m[0].length - 1;
      } else return item;
      this.i++;
      if (this.peek() === "?") this.fail("lazy quantifiers (`*?`, `+?`, …)");
      if (this.peek() === "+") this.fail("possessive quantifiers (`*+`, `++`, …)");
      item = repeat(item, min, max);
    }
  }

  private atom(): Node {
    const at = this.i;
    const c = this.src[this.i++];
    if (c === "(") {
      if (this.src.startsWith("?:", this.i)) this.i += 2;
      else if (this.peek() === "?") this.fail("lookaround and named groups (`(?…`)", at);
      const inner = this.alternation();
      if (this.peek() !== ")") this.fail("an unclosed `(`", at);
      this.i++;
      return inner;
    }
    if (c === "[") return this.bracket(at);
    if (c === ".") return ANY_BYTE;
    if (c === "\\") return this.escape(at).node;
    if (c === "*" || c === "+" || c === "?") this.fail(`a quantifier \`${c}\` with nothing before it`, at);
    if (c === "^") this.fail("`^` after the start of the pattern", at);
    const cp = this.src.codePointAt(at) as number;
    this.i = at + String.fromCodePoint(cp).length;
    return literal(String.fromCodePoint(cp));
  }

  // An escape, outside or inside brackets: one ASCII byte, or an ASCII class.
  private escape(at: number): { node: Node; ranges?: ByteRange[]; negated?: boolean } {
    const e = this.src[this.i++];
    if (e === undefined) this.fail("a trailing `\\`", at);
    if (e in REFUSED_ESCAPES) this.fail(REFUSED_ESCAPES[e], at);
    if (/[1-9]/.test(e)) this.fail(`backreferences (\`\\${e}\`)`, at);
    const klass = (ranges: ByteRange[], negated: boolean) => ({
      node: charClass(ranges, negated),
      ranges,
      negated,
    });
    if (e === "d") return klass(DIGIT, false);
    if (e === "w") return klass(WORD, false);
    if (e === "D") return klass(DIGIT, true);
    if (e === "W") return klass(WORD, true);
    let b: number;
    if (e in SIMPLE_ESCAPES) b = SIMPLE_ESCAPES[e];
    else if (e === "x") {
      const hex = this.src.slice(this.i, this.i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail("`\\x` without two hex digits", at);
      b = Number.parseInt(hex, 16);
      if (b > 0x7f) this.fail(`\`\\x${hex}\` above \\x7f (XGrammar reads it as a raw byte)`, at);
      this.i += 2;
    } else if (/[A-Za-z0-9]/.test(e)) this.fail(`the escape \`\\${e}\``, at);
    else if (e.charCodeAt(0) > 0x7f) this.fail("an escaped non-ASCII character", at);
    else b = e.charCodeAt(0);
    return { node: charClass([[b, b]], false), ranges: [[b, b]], negated: false };
  }

  private bracket(at: number): Node {
    const negated = this.peek() === "^";
    if (negated) this.i++;
    const ranges: ByteRange[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("an unclosed `[`", at);
      if (c === "]" && !first) break;
      first = false;
      const lo = this.bracketByte();
      if (lo === "class") continue;
      if (this.peek() === "-" && this.src[this.i + 1] !== "]" && this.src[this.i + 1] !== undefined) {
        this.i++;
        const hi = this.bracketByte();
        if (hi === "class") this.fail("a range that ends in a class (`a-\\d`)", at);
        if (hi < lo) this.fail("a range whose end is below its start", at);
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    this.i++;
    return charClass(ranges.concat(this.pendingClasses.splice(0)), negated);
  }

  private pendingClasses: ByteRange[] = [];

  // One byte inside brackets, or "class" when it was \d or \w (its ranges go to pendingClasses).
  private bracketByte(): number | "class" {
    const at = this.i;
    const c = this.src[this.i++];
    if (c === "\\") {
      const e = this.escape(at);
      if (e.negated) this.fail("negated classes (`\\D`, `\\W`) inside brackets", at);
      const ranges = e.ranges as ByteRange[];
      if (ranges.length === 1 && ranges[0][0] === ranges[0][1]) return ranges[0][0];
      this.pendingClasses.push(...ranges);
      return "class";
    }
    if (c === "[" && this.peek() === ":") this.fail("POSIX classes (`[:alpha:]`)", at);
    const code = c.charCodeAt(0);
    if (code > 0x7f) this.fail("non-ASCII characters inside brackets", at);
    return code;
  }
}
