// Exercise swiglu: src/swiglu.ts.
import { forwardPass } from "@llm-labs/model";
import { matmul } from "@llm-labs/tensor";
import { describe, expect, it } from "vitest";
import { ortSwigluMlp } from "../src/ort-reference.ts";
import { mlpWeights, swiglu } from "../src/swiglu.ts";
import { llamaSpecimen, maxAbsDiff, promptIds, randomArray } from "./util.ts";

const mm = (a: Float32Array, b: Float32Array, M: number, K: number, N: number) =>
  matmul({ data: a, shape: [M, K] }, { data: b, shape: [K, N] }).data;

describe("exercise: swiglu", () => {
  it("gates up = [3, 1, 1] by Swish([0, 2, −2]) by hand", () => {
    // Swish(0) = 0;  Swish(2) = 2/(1 + e^−2) = 2·0.8807971 = 1.7615942;
    // Swish(−2) = −2/(1 + e²) = −2·0.1192029 = −0.2384058
    // h = [0·3, 1.7615942·1, −0.2384058·1]
    const h = swiglu(Float32Array.of(0, 2, -2), Float32Array.of(3, 1, 1));
    [0, 1.7615942, -0.2384058].forEach((v, i) => expect(h[i]).toBeCloseTo(v, 6));
  });

  it("the whole MLP, (Swish(x·W_gate) ⊙ x·W_up)·W_down, equals an ONNX Runtime graph on random weights", async () => {
    const [rows, C, I] = [5, 32, 96];
    const x = randomArray(rows * C, 1);
    const Wg = randomArray(C * I, 2, 0.2);
    const Wu = randomArray(C * I, 3, 0.2);
    const Wd = randomArray(I * C, 4, 0.2);
    const h = swiglu(mm(x, Wg, rows, C, I), mm(x, Wu, rows, C, I));
    const ours = mm(h, Wd, rows, I, C);
    // three float32 matmuls with sums of 32 and 96 terms on |y| ~ 3: 1e-4 is ~30 roundings
    expect(maxAbsDiff(ours, await ortSwigluMlp(x, Wg, Wu, Wd, rows, C, I))).toBeLessThan(1e-4);
  });

  it("plugged into the Llama specimen (all 4 MLPs), gives the specimen's own logits", () => {
    const model = llamaSpecimen();
    const ids = promptIds(24);
    const ref = forwardPass(model, ids, 1, ids.length);
    const ours = forwardPass(model, ids, 1, ids.length, { swiglu: (_l, gate, up) => swiglu(gate, up) });
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-4);
  });

  it("counts an MLP's weights: a SwiGLU with I = 8C/3 costs what GPT-2's 4C MLP does", () => {
    // GPT-2, C = 128, 4C = 512: 2·128·512 = 131,072.   SwiGLU, I = 384: 3·128·384 = 147,456.
    // I = 8·C/3 makes them equal: 3·C·(8C/3) = 8·C² = 2·C·4C. (C = 3 keeps it whole: I = 8, 72 = 72.)
    expect(mlpWeights(128, 512, "gelu")).toBe(131_072);
    expect(mlpWeights(128, 384, "swiglu")).toBe(147_456);
    expect(mlpWeights(3, 8, "swiglu")).toBe(mlpWeights(3, 12, "gelu"));
  });
});
