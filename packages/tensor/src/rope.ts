// Rotary position embedding, RoPE (Su et al. 2021, "RoFormer", arXiv 2104.09864).
//
// Instead of adding a position vector, RoPE ROTATES pairs of coordinates of each
// query and key by an angle proportional to the token's position p. Pair i
// (i = 0 .. D/2 - 1 for head size D) turns at its own frequency:
//
//   θ_i = base^(-2i / D),   base = 10000 (the paper's value)
//   (u, v) -> (u·cos(pθ_i) - v·sin(pθ_i),  v·cos(pθ_i) + u·sin(pθ_i))
//
// A rotation by pθ for the query and qθ for the key leaves their dot product
// depending only on (p - q)θ: attention scores see RELATIVE positions.
//
// Which coordinates form a pair? The paper pairs neighbours (x_{2i}, x_{2i+1})
// ("interleaved", GPT-J and Meta's original LLaMA code). We use "rotate-half",
// pairing x_i with x_{i+D/2}, as GPT-NeoX and the Hugging Face LLaMA code do:
//
//   y_i       = x_i       · cos(pθ_i) - x_{i+D/2} · sin(pθ_i)
//   y_{i+D/2} = x_{i+D/2} · cos(pθ_i) + x_i       · sin(pθ_i)
//
// Both are the same rotations applied to a permuted set of coordinates, so
// they are equally good; they are NOT interchangeable for trained weights.
// We follow rotate-half because it is what Hugging Face checkpoints and ONNX
// exports of them expect (ORT's RotaryEmbedding with interleaved = 0).

import { formatShape } from "./tensor.ts";
import type { Tensor } from "./tensor.ts";

export interface RopeOptions {
  // Position of the first row. During generation with a KV cache, the new
  // token's position is the number of tokens already in the cache.
  offset?: number;
  base?: number;
}

// x has shape [..., T, D]: T positions (rows) of a D-dimensional head. Row t
// is at position offset + t. Returns a new tensor of the same shape.
export function rope(x: Tensor, opts: RopeOptions = {}): Tensor {
  const offset = opts.offset ?? 0;
  const base = opts.base ?? 10000;
  if (x.shape.length < 2) throw new Error(`rope: expected shape [..., T, D], got ${formatShape(x.shape)}`);
  const D = x.shape[x.shape.length - 1];
  const T = x.shape[x.shape.length - 2];
  if (D % 2 !== 0)
    throw new Error(`rope: head size D must be even to form pairs, got ${formatShape(x.shape)}`);
  const half = D / 2;

  // cos(pθ_i) and sin(pθ_i) for every row t and pair i, computed in float64.
  const cos = new Float64Array(T * half);
  const sin = new Float64Array(T * half);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (offset + t) * Math.pow(base, (-2 * i) / D);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }

  const y = new Float32Array(x.data.length);
  const rows = x.data.length / D;
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    const a = (r % T) * half; // the row's position among the T rows
    for (let i = 0; i < half; i++) {
      const u = x.data[o + i];
      const v = x.data[o + i + half];
      y[o + i] = u * cos[a + i] - v * sin[a + i];
      y[o + i + half] = v * cos[a + i] + u * sin[a + i];
    }
  }
  return { data: y, shape: [...x.shape] };
}
