// @llm-labs/tensor: the float32 math of a transformer, written to be read.
export { assertShape, formatShape, numel, rowsAndCols, shapeOf, tensor, zeros } from "./tensor.ts";
export type { Tensor } from "./tensor.ts";
export {
  matmul,
  matmulAccumulate,
  matmulNaive,
  matmulTransAAccumulate,
  matmulTransB,
  matmulTransBAccumulate,
  matmulKernels,
  setMatmulKernels,
} from "./matmul.ts";
export type { Floats, MatmulKernels } from "./matmul.ts";
export { compileSimdMatmul, SIMD_MIN_WORK, SimdMatmul } from "./matmul-simd.ts";
export { logSoftmax, softmax } from "./softmax.ts";
export { layerNorm, rmsNorm } from "./norm.ts";
export { erf, gelu, geluTanh, sigmoid, silu } from "./activations.ts";
export { rope } from "./rope.ts";
export type { RopeOptions } from "./rope.ts";
export { Rng, randn } from "./rng.ts";
export { argmax, probsAfterFilters, sample } from "./sampling.ts";
export type { SampleOptions } from "./sampling.ts";
export { centralDifference, maxAbsDiff } from "./compare.ts";
export { cholesky, inverseCholeskyUpper, spdInverse } from "./linalg.ts";
