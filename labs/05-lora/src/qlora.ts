// The QLoRA base: every linear weight of the specimen stored as NF4 (block 64),
// its absmax double-quantized (block 256), and dequantized back to float32 on
// the fly for the matmul — "storage type NF4, computation type 16/32-bit"
// (Dettmers et al. 2023, §3: Y = X · doubleDequant(c₁, c₂, W^NF4) + s·X·L₁·L₂).
// The embedding (tied with the LM head) and LayerNorms stay float32, as
// bitsandbytes quantizes only linear layers. The adapter is then trained on top
// of this frozen, quantized base (train.ts), exactly as on the float32 one.

import { mapLinears, type GPT } from "@llm-labs/model";
import { dequantizeNf4Linear, quantizeNf4Linear } from "./nf4.ts";
import { doubleDequantize, doubleQuantize, nf4Bytes } from "./double-quant.ts";

export interface Nf4BaseOptions {
  blockSize?: number; // 64
  doubleQuant?: boolean; // true
  dqBlockSize?: number; // 256
}

export function nf4Base(
  model: GPT,
  opts: Nf4BaseOptions = {},
): { model: GPT; bytes: number; fp32Bytes: number } {
  const B = opts.blockSize ?? 64;
  const dq = opts.doubleQuant ?? true;
  const B2 = opts.dqBlockSize ?? 256;
  let bytes = 0;
  let fp32Bytes = 0;
  const out = mapLinears(model, (w, IN, OUT) => {
    const q = quantizeNf4Linear(w, IN, OUT, B);
    const absmax = dq ? doubleDequantize(doubleQuantize(q.absmax, B2)) : q.absmax;
    bytes += nf4Bytes(w.length, B, dq, B2);
    fp32Bytes += 4 * w.length;
    return dequantizeNf4Linear(q, IN, OUT, absmax);
  });
  return { model: out, bytes, fp32Bytes };
}
