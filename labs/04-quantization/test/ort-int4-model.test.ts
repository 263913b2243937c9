import { describe, expect, it } from "vitest";
import { LINEAR_NAMES, OrtGPT, forward, linearShape } from "@llm-labs/model";
import { dequantizedModel, exportInt4Onnx } from "../src/ort-int4-model.ts";
import { quantizeRtn, type Int4Weight } from "../src/int4.ts";
import { maxAbsDiff, targetModel } from "./util.ts";

describe("the whole INT4 specimen in ONNX Runtime (MatMulNBits in every linear layer)", () => {
  it("gives the logits of the TypeScript dequantized model (g32, 12 tokens; tolerance 1e-3)", async () => {
    const model = targetModel();
    const weights = new Map<string, Int4Weight>();
    model.params.h.forEach((b, i) => {
      for (const name of LINEAR_NAMES) {
        const [K, N] = linearShape(model, name);
        weights.set(`${i}.${name}`, quantizeRtn(b[name].weight, K, N, 32));
      }
    });
    const ort = await OrtGPT.load(model.config, exportInt4Onnx(model, weights));
    const ids = [5, 17, 300, 2, 9, 44, 101, 7, 8, 12, 600, 33];
    const { logits } = await ort.step(ids, 1, ort.emptyCache(1));
    await ort.release();
    const ts = forward(dequantizedModel(model, weights), ids, 1, ids.length).logits;
    const fp32 = forward(model, ids, 1, ids.length).logits;
    // float tolerance: both sum the same products in different orders
    expect(maxAbsDiff(logits, ts)).toBeLessThan(1e-3);
    // and the comparison can tell INT4 from fp32: they differ by far more than the tolerance
    expect(maxAbsDiff(logits, fp32)).toBeGreaterThan(0.05);
  });
  it("refuses a missing or mis-shaped layer", () => {
    const model = targetModel();
    expect(() => exportInt4Onnx(model, new Map())).toThrow(/no INT4 weight for 0.c_attn/);
  });
});
