import { join } from "node:path";
import { checkpointDir, heldoutTokens, loadSpecimen, OrtGPT } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { SpecimenLM } from "../src/lm.ts";
import { ortTokenNll } from "../src/ort-reference.ts";
import { slidingWindowNll } from "../src/sliding-window.ts";

// A toy model whose confidence grows with the context it has: at row t of a window
// (t tokens before it in that window) it gives token 1 the probability (t + 1)/(t + 2),
// logits [0, ln(t + 1)]. The text is six 1s, so every score is by hand.
const toy = (ids: number[]) => Float32Array.from(ids.flatMap((_, t) => [0, Math.log(t + 1)]));
const ones = [1, 1, 1, 1, 1, 1];

describe("exercise: sliding-window", () => {
  it("non-overlapping windows of 3 (hand calculation)", () => {
    // window 1 reads x0 x1 x2 and scores x1 x2 x3 at 1/2, 2/3, 3/4; window 2 reads x3 x4 and
    // scores x4 x5 at 1/2, 2/3. NLL = −ln(1/2 · 2/3 · 3/4 · 1/2 · 2/3) = ln 12.
    const w = slidingWindowNll(toy, ones, 2, 3, 3);
    expect(w.nll).toBeCloseTo(Math.log(12), 6);
    expect(w).toMatchObject({ count: 5, windows: 2, forwardTokens: 5 });
  });

  it("stride 2 and stride 1: more context, lower loss, more passes (hand calculation)", () => {
    // stride 2: x1 x2 x3 as above (1/4), then a window x2 x3 x4 scores only x4, x5 at
    // rows 1 and 2: 2/3 · 3/4 = 1/2. NLL = ln 8.
    const s2 = slidingWindowNll(toy, ones, 2, 3, 2);
    expect(s2.nll).toBeCloseTo(Math.log(8), 6);
    expect(s2).toMatchObject({ count: 5, windows: 2, forwardTokens: 6 });
    // stride 1: 1/4, then x4 and x5 each at row 2 (3/4): NLL = ln(4 · 16/9) = ln(64/9).
    const s1 = slidingWindowNll(toy, ones, 2, 3, 1);
    expect(s1.nll).toBeCloseTo(Math.log(64 / 9), 6);
    expect(s1).toMatchObject({ count: 5, windows: 3, forwardTokens: 9 });
  });

  it("the target's loss equals ONNX Runtime's: ORT logits, ORT SoftmaxCrossEntropyLoss", async () => {
    const dir = checkpointDir("target");
    const model = loadSpecimen(dir);
    const lm = new SpecimenLM("target", model);
    const V = model.config.vocab_size;
    const tokens = await heldoutTokens(300);
    const ort = await OrtGPT.load(model.config, join(dir, "onnx", "model.onnx"));
    try {
      for (const stride of [128, 64]) {
        // The Hugging Face recipe, written out independently: each window's labels are the
        // next tokens, −100 where an earlier window has scored that position already.
        let expected = 0;
        let done = 0; // positions 1 … done are scored
        for (let b = 0; done < tokens.length - 1; b += stride) {
          const e = Math.min(tokens.length - 1, b + 128);
          const input = tokens.slice(b, e);
          const labels = input.map((_, i) => (b + i + 1 > done ? tokens[b + i + 1] : -100));
          const { logits } = await ort.step(input, 1, ort.emptyCache(1));
          expected += await ortTokenNll(logits, labels, V);
          done = e;
        }
        const ours = slidingWindowNll((ids) => lm.logits(ids), tokens, V, 128, stride);
        expect(ours.count).toBe(299);
        expect(Math.abs(ours.nll - expected) / expected, `stride ${stride}`).toBeLessThan(1e-4);
      }
    } finally {
      await ort.release();
    }
  });
});
