import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrtGPT, checkpointDir } from "@llm-labs/model";
import type { TensorData } from "@llm-labs/onnx";
import { join } from "node:path";
import { ModelDrafter } from "../src/drafters.ts";
import { TsLM, contextLength } from "../src/lm.ts";
import { OrtLM, keepPositions } from "../src/ort-lm.ts";
import { speculativeGenerate } from "../src/speculative.ts";
import { draftModel, PROMPTS } from "./util.ts";

// The target in ONNX Runtime. The reference is the model package's own
// OrtGPT.generateGreedy: the same onnx/model.onnx, one token per session.run,
// its cache passed straight from `present` to `past` and never cut. Our
// speculative loop feeds γ+1 tokens per call and cuts the cache after every
// rejection; the tokens must still come out the same.
describe("exercise: ort-rollback", () => {
  it("keepPositions cuts [1, H, P, d] to [1, H, L, d] per head: H = 2, P = 3, d = 2, L = 2", () => {
    // head 0 holds positions (0,1) (2,3) (4,5); head 1 holds (10,11) (12,13) (14,15)
    const t: TensorData = {
      type: "float32",
      data: Float32Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]),
      dims: [1, 2, 3, 2],
    };
    const cut = keepPositions(t, 2);
    expect(cut.dims).toEqual([1, 2, 2, 2]);
    expect(Array.from(cut.data as Float32Array)).toEqual([0, 1, 2, 3, 10, 11, 12, 13]);
    expect(Array.from(keepPositions(t, 0).data as Float32Array)).toEqual([]);
  });

  let reference: OrtGPT;
  let target: OrtLM;
  let ortDraft: OrtLM;
  beforeAll(async () => {
    target = await OrtLM.named("target");
    ortDraft = await OrtLM.named("draft");
    reference = await OrtGPT.load(target.config, join(checkpointDir("target"), "onnx", "model.onnx"));
  });
  afterAll(async () => {
    await Promise.all([target.release(), ortDraft.release(), reference.release()]);
  });

  PROMPTS.forEach((prompt, n) => {
    it(`ORT target, γ = 3: speculative greedy equals ORT target-only greedy, token for token (prompt ${n}, TS and ORT drafts)`, async () => {
      const ref = await reference.generateGreedy(prompt, 40);
      for (const drafter of [new ModelDrafter(new TsLM(draftModel())), new ModelDrafter(ortDraft)]) {
        const { tokens, stats } = await speculativeGenerate(target, drafter, prompt, {
          maxNewTokens: 40,
          gamma: 3,
          temperature: 0,
        });
        expect(tokens).toEqual(ref);
        expect(stats.accepted).toBeLessThan(stats.drafted); // rejections happened: the ORT cache was cut
      }
    });
  });

  it("ORT target with γ = 6 up to the end of the context", async () => {
    const room = contextLength(target.config) - PROMPTS[0].length; // generateGreedy does not stop at the context's end by itself
    const ref = await reference.generateGreedy(PROMPTS[0], room, false);
    const { tokens } = await speculativeGenerate(target, new ModelDrafter(ortDraft), PROMPTS[0], {
      maxNewTokens: 200,
      gamma: 6,
      temperature: 0,
      stopAtEos: false,
    });
    expect(tokens).toEqual(ref);
  });
});
