// Shared by the tests: a hand-made vocabulary, and a walk that compares our masks
// with XGrammar's at every step.

import type { Rng } from "@llm-labs/tensor";
import type * as XG from "@mlc-ai/web-xgrammar";
import type { CompiledGrammar } from "../src/mask-cache.ts";
import { type Frame, feed, startFrame } from "../src/pushdown.ts";
import { maskToIds } from "../src/token-mask.ts";
import type { Vocab } from "../src/vocab.ts";
import type { XGrammar } from "../src/xgrammar.ts";

// ASCII token strings are their own byte-level strings; "<eos>" is the stop token.
export function handVocab(tokens: string[]): Vocab {
  const enc = new TextEncoder();
  return {
    name: "hand",
    size: tokens.length,
    strings: tokens,
    bytes: tokens.map((t) => (t === "<eos>" ? null : enc.encode(t))),
    stop: tokens.flatMap((t, i) => (t === "<eos>" ? [i] : [])),
  };
}

export interface WalkReport {
  steps: number;
  mismatchedSteps: number; // masks that differ, and tokens one side refused from the mask
  firstMismatch?: string;
  jumpMismatches: number;
  contextDependentSteps: number; // steps whose mask checked context-dependent tokens against the caller
}

// `runs` random walks of up to `maxSteps` tokens, each token drawn uniformly from
// XGrammar's mask: at every step our mask must equal XGrammar's bit for bit. A walk
// starts after `prefix` (token ids), fed to both sides. A token of XGrammar's mask
// that XGrammar then refuses, or that our automaton refuses, counts as a mismatch.
export async function compareWithXGrammar(
  xg: XGrammar,
  ours: CompiledGrammar,
  theirs: XG.CompiledGrammar,
  rng: Rng,
  runs: number,
  maxSteps: number,
  jumpForward?: (f: Frame) => string,
  prefix: readonly number[] = [],
): Promise<WalkReport> {
  const v = ours.vocab;
  const report: WalkReport = { steps: 0, mismatchedSteps: 0, jumpMismatches: 0, contextDependentSteps: 0 };
  const refused = (run: number, step: number, who: string, id: number) => {
    report.mismatchedSteps++;
    report.firstMismatch ??= `run ${run} step ${step}: ${who} refused token ${id} ${JSON.stringify(v.strings[id])}`;
  };
  for (let run = 0; run < runs; run++) {
    const m = await xg.GrammarMatcher.createGrammarMatcher(theirs);
    let f: Frame | null = startFrame();
    for (const id of prefix) {
      if (!m.acceptToken(id)) refused(run, -1, "XGrammar (in the prefix)", id);
      f = feed(ours.grammar, f, v.bytes[id] as Uint8Array);
      if (f === null) refused(run, -1, "our automaton (in the prefix)", id);
    }
    for (let step = 0; step < maxSteps && f !== null; step++) {
      const a = ours.mask(f);
      const b = await m.getNextTokenBitmask();
      report.steps++;
      if (f.up !== null && ours.states[f.rule][f.state].uncertain.length > 0) report.contextDependentSteps++;
      // Word by word (32 tokens at a time); the first differing bit names the token.
      const w = a.findIndex((word, i) => word !== b[i]);
      if (w >= 0 || a.length !== b.length) {
        report.mismatchedSteps++;
        const d = w < 0 ? 0 : a[w] ^ b[w];
        const t = w < 0 ? -1 : 32 * w + 31 - Math.clz32(d & -d); // the lowest differing bit
        report.firstMismatch ??= `run ${run} step ${step}: token ${t} ${JSON.stringify(v.strings[t])}`;
      }
      if (jumpForward && jumpForward(f) !== m.findJumpForwardString()) report.jumpMismatches++;
      const allowed = maskToIds(b, v.size);
      if (allowed.length === 0) break;
      const id = allowed[Math.floor(rng.next() * allowed.length)];
      if (v.stop.includes(id)) break;
      if (!m.acceptToken(id)) {
        refused(run, step, "XGrammar (from its own mask)", id);
        break;
      }
      f = feed(ours.grammar, f, v.bytes[id] as Uint8Array);
      if (f === null) refused(run, step, "our automaton", id);
    }
    m.dispose();
  }
  return report;
}
