// Precision and recall of every stage, against the corpus's truth.
//
// A stage sees only the documents the stages before it kept. Its positives are
// those that carry the defect it is for; what it drops is its prediction:
//
//   precision = |dropped ∩ positives| / |dropped|     recall = |dropped ∩ positives| / |positives|
//
// A document dropped for another defect than the stage's (a copy of a spam page
// caught by exact dedup is fine; a story caught by the language filter is not)
// counts against precision; the "clean dropped" column counts the drops that had
// no defect at all, the ones that cost the training set real text. The line
// filter is scored on lines, the PII scrubber on strings.

import type { Defect, Truth } from "./dirty-corpus.ts";
import type { Stage, Verdict } from "./pipeline.ts";

const TARGET: Record<Stage, Defect> = {
  exact: "exact-dup",
  language: "wrong-lang",
  quality: "low-quality",
  "near-dup": "near-dup",
};

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  clean: number; // drops with no defect (for document stages)
}
const zero = (): Counts => ({ tp: 0, fp: 0, fn: 0, clean: 0 });

export const precision = (c: Counts): number => (c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp));
export const recall = (c: Counts): number => (c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn));

export class Scorer {
  readonly stages: Record<Stage, Counts> = {
    exact: zero(),
    language: zero(),
    quality: zero(),
    "near-dup": zero(),
  };
  readonly lines = zero();
  readonly pii = zero();
  readonly reasons = new Map<string, number>();
  docs = 0;
  kept = 0;
  defective = 0; // documents with any defect
  defectiveKept = 0;

  add(truth: Truth, v: Verdict): void {
    this.docs++;
    if (truth.defects.length > 0) this.defective++;
    if (v.dropped === null) {
      this.kept++;
      if (truth.defects.length > 0) this.defectiveKept++;
    }
    // walk the stages in order until the one that dropped it
    for (const stage of ["exact", "language", "quality", "near-dup"] as const) {
      const c = this.stages[stage];
      const positive = truth.defects.includes(TARGET[stage]);
      // the line filter runs between language and quality: score it when the doc reached it
      if (stage === "quality") this.scoreLines(truth, v);
      if (v.dropped === stage) {
        if (positive) c.tp++;
        else c.fp++;
        if (truth.defects.length === 0) c.clean++;
        if (v.reason) this.reasons.set(v.reason, (this.reasons.get(v.reason) ?? 0) + 1);
        return;
      }
      if (positive) c.fn++;
    }
    // kept: the scrubber's strings
    const injected = new Set(truth.pii);
    for (const f of v.pii) {
      if (injected.has(f)) this.pii.tp++;
      else this.pii.fp++;
    }
    const found = new Set(v.pii);
    for (const p of injected) if (!found.has(p)) this.pii.fn++;
  }

  private scoreLines(truth: Truth, v: Verdict): void {
    // only documents whose content is real text: a spam page losing its lines is no loss
    if (truth.defects.includes("low-quality") || truth.defects.includes("wrong-lang")) return;
    const bp = new Set(truth.boilerplate);
    const removed = new Set(v.removedLines);
    for (const l of v.removedLines) {
      if (bp.has(l)) this.lines.tp++;
      else this.lines.fp++;
    }
    for (const l of bp) if (!removed.has(l)) this.lines.fn++;
  }
}
