// Lab 04's public API.
export { roundHalfEven } from "./round.ts";
export {
  INT8,
  UINT8,
  uintN,
  intN,
  affineParams,
  symmetricParams,
  quantizeValue,
  dequantizeValue,
  checkBits,
  checkFinite,
  type IntType,
  type QParams,
} from "./quantize.ts";
export {
  groupIndex,
  numGroups,
  quantizeTensor,
  quantizeWith,
  dequantizeTensor,
  roundTripError,
  type Granularity,
  type QTensor,
} from "./granularity.ts";
export { int8Matmul, int8Linear, quantizeRows, quantizeColumns } from "./int8-linear.ts";
export {
  quantizeRtn,
  packNibbles,
  unpackNibbles,
  toMatMulNBits,
  dequantizeInt4,
  int4Bytes,
  checkGroup,
  type Int4Weight,
} from "./int4.ts";
export { gptqQuantize, outputError } from "./gptq.ts";
export { ortQuantizeLinear, ortDequantizeLinear, ortMatMulInteger, ortMatMulNBits } from "./ort-reference.ts";
export { dynamicQuantizeLinear } from "./quantize.ts";
export { ortDynamicQuantizeLinear } from "./ort-reference.ts";
export { exportInt4Onnx, dequantizedModel } from "./ort-int4-model.ts";
export { awqScales, awqQuantize, awqDequantize, scaleRows, type AwqResult } from "./awq.ts";
export { foldInputScale } from "./fold.ts";
export { perplexityWith, floatLinear, meanNll } from "./linear-forward.ts";
export { outlierColumns, fakeQuantRows, fakeQuantColumns, w8a8Matmul, w8a8Linear } from "./w8a8.ts";
export { channelAbsMax, smoothScales, smoothModel } from "./smoothquant.ts";
export {
  QuantizedKVCache,
  fakeQuantizeSpan,
  kvQuantBytesPerElement,
  type KVQuantOptions,
} from "./kv-quant.ts";
