import { describe, expect, it } from "vitest";
import { BeamHypotheses, beamSearch, beamStep } from "../src/beam-search.ts";
import { allOutputs } from "../src/brute-force.ts";
import { explicitModel, tableModel } from "../src/toy-model.ts";

const EOS = 0;

describe("exercise: beam-step", () => {
  it("one step of two beams, worked by hand", () => {
    // beam A = [1] with s = −0.5, next-token probabilities (eos, 1, 2) = (0.1, 0.6, 0.3)
    // beam B = [2] with s = −1.0, probabilities (0.5, 0.25, 0.25)
    // Candidates s + log p:
    //   A·1 = −0.5 + ln 0.6  = −1.0108   B·eos = −1.0 + ln 0.5  = −1.6931
    //   A·2 = −0.5 + ln 0.3  = −1.7040   B·1 = B·2 = −1.0 + ln 0.25 = −2.3863
    //   A·eos = −0.5 + ln 0.1 = −2.8026
    // The best 2B = 4 in order: A·1, B·eos (rank 1 < B: finished, score −1.6931 / 2¹),
    // A·2 (second beam: done), B·1 is not reached.
    const hyps = new BeamHypotheses(2, 1, false, 10);
    const lp = (...p: number[]) => Float64Array.from(p, Math.log);
    const next = beamStep(
      [
        { tokens: [1], score: -0.5 },
        { tokens: [2], score: -1.0 },
      ],
      [lp(0.1, 0.6, 0.3), lp(0.5, 0.25, 0.25)],
      EOS,
      hyps,
    );
    expect(next.map((b) => b.tokens)).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(next[0].score).toBeCloseTo(-0.5 + Math.log(0.6), 12);
    expect(next[1].score).toBeCloseTo(-0.5 + Math.log(0.3), 12);
    expect(hyps.kept).toHaveLength(1);
    expect(hyps.kept[0].tokens).toEqual([2, EOS]);
    expect(hyps.kept[0].score).toBeCloseTo((-1 + Math.log(0.5)) / 2, 12);
  });

  it("drops a finished candidate ranked at B or below", () => {
    // One beam (B = 1): candidates 1 (ln 0.7) then eos (ln 0.3, rank 1 ≥ B): not kept.
    const hyps = new BeamHypotheses(1, 1, false, 10);
    const next = beamStep([{ tokens: [], score: 0 }], [Float64Array.from([0.3, 0.7], Math.log)], EOS, hyps);
    expect(next.map((b) => b.tokens)).toEqual([[1]]);
    expect(hyps.kept).toHaveLength(0);
  });

  it("beam search finds the sequence greedy misses (hand table)", () => {
    // Greedy takes 1 (0.6), then 1 again (0.55): 0.6 · 0.55 = 0.33.
    // Beam 2 also keeps 2 (0.4), whose continuation 1 has 0.9: 0.4 · 0.9 = 0.36.
    // Both then end with probability 1. Length penalty 0 compares raw log-probs.
    const big = 20;
    const model = explicitModel(3, {
      "": [-big, Math.log(0.6), Math.log(0.4)],
      "1": [-big, Math.log(0.55), Math.log(0.45)],
      "2": [-big, Math.log(0.9), Math.log(0.1)],
      "1,1": [0, -big, -big],
      "1,2": [0, -big, -big],
      "2,1": [0, -big, -big],
      "2,2": [0, -big, -big],
    });
    const greedy = beamSearch(model, [], { numBeams: 1, maxNewTokens: 3, eos: EOS, lengthPenalty: 0 });
    const beam = beamSearch(model, [], { numBeams: 2, maxNewTokens: 3, eos: EOS, lengthPenalty: 0 });
    expect(greedy[0].tokens).toEqual([1, 1, EOS]);
    expect(greedy[0].sumLogProbs).toBeCloseTo(Math.log(0.33), 6);
    expect(beam[0].tokens).toEqual([2, 1, EOS]);
    expect(beam[0].sumLogProbs).toBeCloseTo(Math.log(0.36), 6);
  });
});

describe("beam search against brute force", () => {
  it("with enough beams and early_stopping 'never', returns the true best sequences", () => {
    // Vocabulary {eos, 1, 2}, 4 new tokens: 2⁴ unfinished + 2⁰ + … + 2³ finished = 31 outputs.
    // 32 beams keep every prefix (the last step has 8 · 3 = 24 real candidates), so
    // nothing is pruned and the ranking must equal the enumeration's.
    for (const [seed, alpha] of [
      [1, 1],
      [2, 2],
      [3, 0],
      [4, -1],
      [5, 0.5],
    ]) {
      const model = tableModel(3, seed);
      const truth = allOutputs(model, [7], EOS, 4, alpha);
      expect(truth).toHaveLength(31);
      const got = beamSearch(model, [7], {
        numBeams: 32,
        maxNewTokens: 4,
        eos: EOS,
        lengthPenalty: alpha,
        earlyStopping: "never",
        numReturnSequences: 5,
      });
      expect(got.map((h) => h.tokens)).toEqual(truth.slice(0, 5).map((h) => h.tokens));
      got.forEach((h, i) => expect(h.score).toBeCloseTo(truth[i].score, 10));
    }
  });

  it("with few beams it is an approximation: never better than the truth", () => {
    for (let seed = 10; seed < 30; seed++) {
      const model = tableModel(4, seed);
      const truth = allOutputs(model, [], EOS, 4, 1);
      for (const earlyStopping of [true, false, "never"] as const) {
        const [best] = beamSearch(model, [], { numBeams: 2, maxNewTokens: 4, eos: EOS, earlyStopping });
        expect(best.score).toBeLessThanOrEqual(truth[0].score + 1e-12);
        // and its score is the one brute force gives that same sequence
        const same = truth.find((h) => h.tokens.join() === best.tokens.join());
        expect(best.score).toBeCloseTo(same?.score ?? Number.NaN, 10);
      }
    }
  });

  it("isDone: true stops at the first B finished; false and 'never' bound the best live beam", () => {
    // Hypotheses kept: B = 1. With true, done as soon as one is kept.
    const h = new BeamHypotheses(1, 1, true, 5);
    expect(h.isDone(-0.1, 1)).toBe(false);
    h.add([1, EOS], -2); // score −1
    expect(h.isDone(-0.1, 2)).toBe(true);
    // false: the best live beam (s = −1.5 at L = 2 → −0.75) can still beat −1: not done.
    const f = new BeamHypotheses(1, 1, false, 5);
    f.add([1, EOS], -2);
    expect(f.isDone(-1.5, 2)).toBe(false);
    expect(f.isDone(-2.5, 2)).toBe(true); // −1.25 < −1
    // "never" with α > 0 bounds by the max length 5: −2.5 / 5 = −0.5 > −1: not done.
    const n = new BeamHypotheses(1, 1, "never", 5);
    n.add([1, EOS], -2);
    expect(n.isDone(-2.5, 2)).toBe(false);
  });

  it("early_stopping true, false and 'never' return three different outputs (hand table, 2 beams)", () => {
    // Vocabulary {eos, 1, 2}, α = 1, 4 new tokens. Rows are probabilities (logits ln p);
    // a row not listed is uniform, ln ⅓ = −1.0986. s = Σ ln p, score = s / L.
    const ln = Math.log;
    const model = explicitModel(3, {
      "": [ln(0.5), ln(0.2), ln(0.3)],
      "2": [ln(0.07), ln(0.05), ln(0.88)],
      "1": [ln(0.9), ln(0.05), ln(0.05)],
      "2,2": [ln(0.55), ln(0.42), ln(0.03)],
      "2,2,1": [ln(0.95), ln(0.03), ln(0.02)],
    });
    // Step 1: eos −0.6931 (rank 0: kept, score −0.6931), 2 −1.2040, 1 −1.6094: beams [2], [1].
    // Step 2: 2,2 = −1.2040 + ln 0.88 = −1.3318 (beam); 1,eos = −1.6094 + ln 0.9 = −1.7148
    //   (rank 1: kept, score −0.8574); 2,eos = −3.8633 (rank 2: dropped); 2,1 = −4.1997 (beam).
    //   Two kept: `true` stops here; the best is [eos], −0.6931.
    //   Best live beam −1.3318 / 2 = −0.6659 > worst kept −0.8574: false and "never" go on.
    // Step 3: 2,2,eos = −1.3318 + ln 0.55 = −1.9296 (rank 0: kept, score −0.6432, and
    //   [1, eos] leaves: worst kept −0.6931); 2,2,1 = −2.1993 and 2,2,2 = −4.8384 (beams).
    //   false: −2.1993 / 3 = −0.7331 ≤ −0.6931, done; the best is [2, 2, eos], −0.6432.
    //   "never": −2.1993 / 4 = −0.5498 > −0.6931, go on. (The old BeamSearchScorer
    //   bounded by the best candidate, 2,2,eos: −1.9296 / 3 = −0.6432 > −0.6931, and
    //   would have gone on too: this step tells the two rules apart.)
    // Step 4, the last: 2,2,1,eos = −2.1993 + ln 0.95 = −2.2506 (score −0.5627, kept);
    //   2,2,1,1 = −2.1993 + ln 0.03 = −5.7059 (rank 1, ends at max length: −1.4265, not kept).
    //   "never" returns [2, 2, 1, eos], −0.5627.
    const run = (earlyStopping: boolean | "never") =>
      beamSearch(model, [], { numBeams: 2, maxNewTokens: 4, eos: EOS, earlyStopping, numReturnSequences: 2 });
    const t = run(true);
    expect(t.map((h) => h.tokens)).toEqual([[EOS], [1, EOS]]);
    expect(t[0].score).toBeCloseTo(ln(0.5), 6);
    expect(t[1].score).toBeCloseTo(ln(0.2 * 0.9) / 2, 6);
    const f = run(false);
    expect(f.map((h) => h.tokens)).toEqual([[2, 2, EOS], [EOS]]);
    expect(f[0].score).toBeCloseTo(ln(0.3 * 0.88 * 0.55) / 3, 6);
    const n = run("never");
    expect(n.map((h) => h.tokens)).toEqual([
      [2, 2, 1, EOS],
      [2, 2, EOS],
    ]);
    expect(n[0].score).toBeCloseTo(ln(0.3 * 0.88 * 0.42 * 0.95) / 4, 6);
  });

  it("refuses bad options with one line", () => {
    const model = tableModel(3, 1);
    expect(() => beamSearch(model, [], { numBeams: 0, maxNewTokens: 2, eos: 0 })).toThrow(/numBeams must be/);
    expect(() =>
      beamSearch(model, [], { numBeams: 2, maxNewTokens: 2, eos: 0, numReturnSequences: 3 }),
    ).toThrow(/numReturnSequences/);
  });
});
