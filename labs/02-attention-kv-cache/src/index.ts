// Lab 02's public API: attention and the KV cache, written from the papers.
export { causalMask, scaledDotProductAttention } from "./attention.ts";
export {
  attendEachHead,
  attendHeads,
  multiHeadAttention,
  columns,
  headDimOf,
  type HeadKV,
} from "./multi-head.ts";
export { KVCache, cachedAttention, forwardWithCache } from "./kv-cache.ts";
export {
  kvBytesPerToken,
  kvCacheBytes,
  kvShapeOf,
  KV_SHAPES,
  formatBytes,
  type KVShape,
} from "./kv-bytes.ts";
export {
  onlineSoftmaxUpdate,
  newRowState,
  tiledAttention,
  scoreBytes,
  type RowState,
} from "./online-softmax.ts";
export { groupedQueryAttention, meanPoolKVHeads, groupSize } from "./gqa.ts";
export { ortAttention, ortMultiHeadAttention } from "./ort-reference.ts";
export { PagedKVCache, type PagedOptions } from "./paged-kv-cache.ts";
