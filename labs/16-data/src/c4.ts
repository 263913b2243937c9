// Line filters: the C4 rules (Raffel et al. 2020, §2.2) against boilerplate.
//
// C4 cleaned Common Crawl one line at a time. A line survives when it
//
//   ends in terminal punctuation   (. ! ? or a closing quote; here also 。！？”)
//   has at least 5 words            (units, so a Chinese line counts its characters)
//   does not mention "javascript"   (the "please enable JavaScript" notices)
//   is not a policy notice          ("terms of use", "privacy policy", "cookie policy",
//                                    "uses cookies", "use of cookies", "use cookies")
//
// Menus and share bars have no final full stop; cookie and script notices have
// their words. A copyright line ("All rights reserved.") has both a full stop and
// five words, and passes: the rules are cheap, not complete, and the scores show it.

import { scanUnits } from "./shingles.ts";

const TERMINAL = new Set([".", "!", "?", '"', "”", "。", "！", "？", "’", "'"]);
const POLICY = [
  "terms of use",
  "privacy policy",
  "cookie policy",
  "uses cookies",
  "use of cookies",
  "use cookies",
];

// Why C4 drops this line, or null when it keeps it.
export function c4LineReject(line: string): string | null {
  const t = line.trimEnd();
  if (!TERMINAL.has(t.slice(-1))) return "no terminal punctuation";
  if (scanUnits(t).n < 5) return "fewer than 5 words";
  const lower = t.toLowerCase();
  if (lower.includes("javascript")) return "javascript";
  for (const p of POLICY) if (lower.includes(p)) return "policy";
  return null;
}

// The lines C4 keeps (in order) and the ones it removes.
export function c4Lines(text: string): { kept: string[]; removed: string[] } {
  const kept: string[] = [];
  const removed: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim().length === 0) continue;
    (c4LineReject(line) === null ? kept : removed).push(line);
  }
  return { kept, removed };
}
