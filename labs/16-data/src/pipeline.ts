// The pipeline: one document in, a verdict and the cleaned text out.
//
// The stages run in the order FineWeb (Penedo et al. 2024) runs its own: the
// cheap, certain ones first, so the expensive ones see less.
//
//   exact      xxh3-64 of the raw text; a hash seen before → drop        (exact.ts)
//   language   naive Bayes per line; < half in en/zh → drop              (lid.ts)
//   quality    the Gopher rules → drop                                   (quality.ts)
//   lines      C4's line rules remove boilerplate lines; none left → drop (c4.ts)
//   near-dup   MinHash of 5-shingles, LSH bands; a band seen → drop      (minhash.ts, lsh.ts)
//   pii        e-mails, phones, IPs, cards → placeholders                (pii.ts)
//
// Two halves. `analyze` is everything that looks at one document alone (the
// hashes, the language, the rules, the signature, the scrubbing): it has no
// state, so it can run on any thread in any order. `decide` is the part that
// remembers (the set of exact hashes, the band index) and must see documents in
// stream order, but it only does set look-ups. stream.ts runs `analyze` on worker
// threads and `decide` on the main one; a verdict is the same either way.
//
// What `decide` keeps is bounded by the number of documents, 8 bytes for the exact
// set and 8 bytes a band for the LSH index, however long the documents are.

import { BandIndex, SignatureStore } from "./band-index.ts";
import { c4Lines } from "./c4.ts";
import { ExactDedup, exactHash } from "./exact.ts";
import { keptFraction, trainingLines, trainLid, type LidModel } from "./lid.ts";
import { bandChecks, bandKeys, type Banding } from "./lsh.ts";
import { estimateJaccard, minHasher, signature, type MinHasher } from "./minhash.ts";
import { scrubPii } from "./pii.ts";
import { gopherReject } from "./quality.ts";
import { scanUnits, shingleHashes } from "./shingles.ts";

export type Stage = "exact" | "language" | "quality" | "near-dup";
export const STAGES: readonly Stage[] = ["exact", "language", "quality", "near-dup"];

export interface PipelineConfig {
  shingleK: number;
  banding: Banding;
  minKeptLanguage: number;
  verify: number; // a candidate pair is a duplicate when its signatures agree on at least this fraction
  seed: number;
}
// 10 bands × 6 rows: the S-curve's step at (1/10)^(1/6) ≈ 0.68, just under the 0.7
// that makes a copy a near duplicate here. 60 hashes a document are the pipeline's
// largest cost; FineWeb's 14 × 8 = 112 would cost nearly twice as much.
//
// The bands only propose candidates. Among 140,000 template-made stories a pair
// at J ≈ 0.15 collides with probability 10 · 0.15^6 ≈ 1e-4, and there are 10^10
// pairs: so a candidate is confirmed by its signatures (estimateJaccard ≥ verify),
// which costs 240 bytes a kept document to store.
export const DEFAULT_PIPELINE: PipelineConfig = {
  shingleK: 5,
  banding: { bands: 10, rows: 6 },
  minKeptLanguage: 0.5,
  verify: 0.7,
  seed: 16,
};

// What one document looks like to the stateless stages.
export interface Analysis {
  hash: bigint; // xxh3-64 of the raw text
  drop: "language" | "quality" | null;
  reason?: string;
  sig: Uint32Array; // [H] the MinHash signature, empty when dropped
  keys: Uint32Array; // [bands] band keys, empty when dropped
  checks: Uint32Array; // [bands]
  text: string; // cleaned and scrubbed; "" when dropped
  removedLines: string[];
  pii: string[];
}

export interface Verdict {
  dropped: Stage | null;
  reason?: string; // the rule, when quality dropped it
  text: string; // the cleaned text (lines removed, PII replaced); "" when dropped
  removedLines: string[];
  pii: string[];
}

const EMPTY = new Uint32Array(0);

export class Analyzer {
  private readonly hasher: MinHasher;
  private readonly lid: LidModel;
  private readonly sig: Uint32Array<ArrayBuffer>;
  constructor(readonly cfg: PipelineConfig = DEFAULT_PIPELINE) {
    this.hasher = minHasher(cfg.banding.bands * cfg.banding.rows, cfg.seed);
    this.lid = trainLid(trainingLines(300, cfg.seed + 1000));
    this.sig = new Uint32Array(this.hasher.H);
  }
  analyze(raw: string): Analysis {
    const hash = exactHash(raw);
    const drop = (d: "language" | "quality", reason?: string, removedLines: string[] = []): Analysis => ({
      hash,
      drop: d,
      reason,
      sig: EMPTY,
      keys: EMPTY,
      checks: EMPTY,
      text: "",
      removedLines,
      pii: [],
    });
    if (keptFraction(this.lid, raw) < this.cfg.minKeptLanguage) return drop("language");
    const why = gopherReject(raw, scanUnits(raw));
    if (why !== null) return drop("quality", why);
    const { kept, removed } = c4Lines(raw);
    if (kept.length === 0) return drop("quality", "C4: no line left", removed);
    const text = kept.join("\n");
    signature(this.hasher, shingleHashes(scanUnits(text), this.cfg.shingleK), this.sig);
    const scrubbed = scrubPii(text);
    return {
      hash,
      drop: null,
      sig: this.sig.slice(),
      keys: bandKeys(this.sig, this.cfg.banding),
      checks: bandChecks(this.sig, this.cfg.banding),
      text: scrubbed.text,
      removedLines: removed,
      pii: scrubbed.found,
    };
  }
}

export class Decider {
  private readonly exact = new ExactDedup();
  private readonly index = new BandIndex();
  private readonly sigs: SignatureStore;
  candidates = 0; // documents that shared a band with an earlier one
  constructor(readonly cfg: PipelineConfig = DEFAULT_PIPELINE) {
    this.sigs = new SignatureStore(cfg.banding.bands * cfg.banding.rows);
  }
  get indexBytes(): number {
    return this.index.bytes + this.sigs.bytes;
  }
  decide(a: Analysis): Verdict {
    const verdict = (dropped: Stage | null): Verdict => ({
      dropped,
      reason: a.reason,
      text: dropped === null ? a.text : "",
      removedLines: a.removedLines,
      pii: dropped === null ? a.pii : [],
    });
    if (this.exact.isCopyHash(a.hash)) return verdict("exact");
    if (a.drop !== null) return verdict(a.drop);
    // a document sharing a band with an earlier one is a candidate; it is a duplicate
    // when the two signatures agree on at least `verify` of their positions
    let candidate = false;
    for (let b = 0; b < a.keys.length; b++) {
      const other = this.index.get(a.keys[b], a.checks[b]);
      if (other < 0) continue;
      candidate = true;
      if (estimateJaccard(a.sig, this.sigs.get(other)) >= this.cfg.verify) {
        this.candidates++;
        return verdict("near-dup");
      }
    }
    if (candidate) this.candidates++;
    const doc = this.sigs.push(a.sig);
    for (let b = 0; b < a.keys.length; b++) this.index.add(a.keys[b], a.checks[b], doc);
    return verdict(null);
  }
}

// Both halves on this thread: for tests, the demo's small runs, and a reader.
export class Pipeline {
  readonly analyzer: Analyzer;
  readonly decider: Decider;
  constructor(cfg: PipelineConfig = DEFAULT_PIPELINE) {
    this.analyzer = new Analyzer(cfg);
    this.decider = new Decider(cfg);
  }
  process(raw: string): Verdict {
    return this.decider.decide(this.analyzer.analyze(raw));
  }
}
