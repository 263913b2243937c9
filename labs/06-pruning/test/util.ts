import { Rng, randn } from "@llm-labs/tensor";
import { checkpointDir, loadCheckpoint, type GPT } from "@llm-labs/model";
import { GraphBuilder, f32, runModel } from "@llm-labs/onnx";

export { maxAbsDiff } from "@llm-labs/tensor";

export const randomArray = (n: number, seed: number, std = 1): Float32Array =>
  randn(new Rng(seed), [n], std).data;

let target: GPT | undefined;
export const targetModel = (): GPT => (target ??= loadCheckpoint(checkpointDir("target")));

// ONNX Runtime's MatMul, the independent reference for our sparse kernels: Y = X[M, K] · W[K, N].
export async function ortMatMul(
  x: Float32Array,
  M: number,
  w: Float32Array,
  K: number,
  N: number,
): Promise<Float32Array> {
  const model = new GraphBuilder("matmul")
    .input("X", "float32", [M, K])
    .initializer("W", f32(w, [K, N]))
    .node("MatMul", ["X", "W"], ["Y"])
    .output("Y", "float32", [M, N])
    .toModel({ opset: 21 });
  const { Y } = await runModel(model, { X: f32(x, [M, K]) });
  return Float32Array.from(Y.data as Float32Array);
}

// ‖X·A − X·B‖² / ‖X·A‖²: the relative output error of a pruned layer B against A.
export function relOutputError(
  x: ArrayLike<number>,
  T: number,
  K: number,
  N: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  let se = 0;
  let ss = 0;
  const ya = new Float64Array(N);
  const yb = new Float64Array(N);
  for (let t = 0; t < T; t++) {
    ya.fill(0);
    yb.fill(0);
    for (let k = 0; k < K; k++) {
      const xv = x[t * K + k];
      for (let n = 0; n < N; n++) {
        ya[n] += xv * a[k * N + n];
        yb[n] += xv * b[k * N + n];
      }
    }
    for (let n = 0; n < N; n++) {
      se += (ya[n] - yb[n]) ** 2;
      ss += ya[n] ** 2;
    }
  }
  return se / ss;
}
