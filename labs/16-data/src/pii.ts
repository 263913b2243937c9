// PII scrubbing: find e-mail addresses, phone numbers, IP addresses and card
// numbers, and replace each with a placeholder.
//
// FineWeb (Penedo et al. 2024) anonymises e-mails and public IP addresses with
// regular expressions as its last step; BigCode's StarCoder pipeline does the same
// for keys and names with a trained detector. Regexes are precise on formats with
// structure (an @ and a domain) and weak where the format is a bare run of digits:
// the phone and card patterns below would match an order number, so a card must
// also pass Luhn's checksum, and a build number "1.2.3.45" IS an IPv4 address by
// every syntactic test, which the scores will show.

import { luhnValid } from "./dirty-corpus.ts";

interface Rule {
  tag: string;
  re: RegExp;
  accept?: (m: string) => boolean;
}

// In order: the card before the phones (16 digits contain an 11-digit run).
const RULES: Rule[] = [
  { tag: "<EMAIL>", re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { tag: "<CARD>", re: /(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)/g, accept: luhnValid },
  { tag: "<PHONE>", re: /(?<!\d)1[3-9]\d(?:-?\d{4}){2}(?!\d)/g },
  { tag: "<PHONE>", re: /\(\d{3}\) \d{3}-\d{4}/g },
  {
    tag: "<IP>",
    re: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)/g,
  },
];

// The scrubbed text and the strings that were replaced, in the order found.
export function scrubPii(text: string): { text: string; found: string[] } {
  const found: string[] = [];
  let out = text;
  for (const r of RULES)
    out = out.replace(r.re, (m) => {
      if (r.accept && !r.accept(m)) return m;
      found.push(m);
      return r.tag;
    });
  return { text: out, found };
}
