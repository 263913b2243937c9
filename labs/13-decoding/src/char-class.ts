// A character class, [a-z] or [^"\\], as bytes.
//
// The classes here are ASCII (regex.ts refuses anything else inside brackets),
// so a positive class is a set of single bytes. A NEGATED class also matches
// every non-ASCII character, and those are 2, 3 or 4 bytes in UTF-8:
//
//   length 2:  [C0-DF] [80-BF]
//   length 3:  [E0-EF] [80-BF] [80-BF]
//   length 4:  [F0-F7] [80-BF] [80-BF] [80-BF]
//
// That is XGrammar's reading of UTF-8, measured on hand-made tokens
// (test/regex.test.ts): the lead byte alone says how many continuation
// bytes follow, and the over-long forms (C0 80 for U+0000) and F5-F7 leads that the
// UTF-8 standard forbids are accepted too. Our masks must equal XGrammar's, so we
// read UTF-8 the same way.

import { alt, type ByteRange, type Node, seq, set } from "./ast.ts";

const CONT: ByteRange = [0x80, 0xbf];

// Every byte range of `ranges` complemented within ASCII [0x00, 0x7F].
function asciiComplement(ranges: ByteRange[]): ByteRange[] {
  const inside = new Uint8Array(128);
  for (const [lo, hi] of ranges) for (let b = lo; b <= hi; b++) inside[b] = 1;
  const out: ByteRange[] = [];
  for (let b = 0; b < 128; b++) {
    if (inside[b]) continue;
    const lo = b;
    while (b + 1 < 128 && !inside[b + 1]) b++;
    out.push([lo, b]);
  }
  return out;
}

// ranges: ASCII byte ranges. Negated: everything else, any non-ASCII character included.
export function charClass(ranges: ByteRange[], negated: boolean): Node {
  if (!negated) return set(...ranges);
  return alt(
    set(...asciiComplement(ranges)),
    seq(set([0xc0, 0xdf]), set(CONT)),
    seq(set([0xe0, 0xef]), set(CONT), set(CONT)),
    seq(set([0xf0, 0xf7]), set(CONT), set(CONT), set(CONT)),
  );
}

// XGrammar's `.` is [\0-\U0010ffff], which its matcher treats as ANY single byte
// (measured: after the lone byte E0 it already allows the end of the text).
export const ANY_BYTE: Node = set([0x00, 0xff]);
