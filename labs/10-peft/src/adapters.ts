// Adapters: small bottleneck networks inserted into a frozen model.
//
//   adapter(y) = relu(y·W_down + b_down)·W_up + b_up       W_down [C, r], W_up [r, C], r ≪ C
//
// Serial (Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP", §2.1): after
// the attention's output projection and after the MLP's, before each residual add,
//
//   z = y + adapter(y)                 y = the sublayer's output
//
// Pfeiffer et al. 2020 keep only the one after the MLP; `targets` picks. W_up starts at 0, so
// every adapter starts as the identity and training starts at the base model (Houlsby §2.1's
// near-identity initialisation).
//
// Parallel (He et al. 2022, "Towards a Unified View of Parameter-Efficient Transfer
// Learning", §3): beside the MLP, reading the MLP's input x (ln_2's output),
//
//   z = MLP(x) + s·adapter(x)          s = 4, as in He et al.'s parallel adapter
//
// which is what LoRA looks like with a nonlinearity in the middle. Either kind adds 2·C·r
// multiply-adds per token per adapter that cannot be merged into the weights: the extra
// inference cost the table counts, and the reason LoRA displaced adapters in serving.
//
// Both plug into the one forward through the linear hook (the serial adapter wraps a linear's
// output; the parallel one reads c_fc's input and adds at mlp.c_proj's output) and into the
// backward through its linear hook.

import type { Peft } from "@llm-labs/lab-lora";
import {
  linearBackward,
  linearForward,
  type Floats,
  type GPT,
  type LinearBackwardHook,
  type LinearHook,
  type LinearName,
  type TrainHooks,
} from "@llm-labs/model";
import { matmulAccumulate, matmulTransAAccumulate, matmulTransBAccumulate, Rng } from "@llm-labs/tensor";

export interface AdapterWeights {
  C: number;
  r: number;
  Wd: Floats; // [C, r]
  bd: Floats; // [r]
  Wu: Floats; // [r, C]
  bu: Floats; // [C]
}
export const adapterSize = (C: number, r: number): number => 2 * C * r + r + C;

// What the forward keeps for the backward: the adapter's input and its hidden layer.
export interface AdapterActs {
  y: Floats; // [N, C] input
  a: Floats; // [N, r] y·W_down + b_down, before relu
  h: Floats; // [N, r] relu(a)
}

// z [N, C] += s·adapter(y): the adapter's output, scaled, added to what z holds.
export function adapterForward(z: Floats, y: Floats, w: AdapterWeights, N: number, s: number): AdapterActs {
  const { C, r } = w;
  const F = (n: number) => (y instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  const a = F(N * r);
  const h = F(N * r);
  // #region exercise adapter-forward
  for (let n = 0; n < N; n++) a.set(w.bd, n * r);
  matmulAccumulate(a, y, w.Wd, N, C, r); // a = y·W_down + b_down
  for (let i = 0; i < N * r; i++) h[i] = a[i] > 0 ? a[i] : 0;
  const up = F(N * C);
  for (let n = 0; n < N; n++) up.set(w.bu, n * C);
  matmulAccumulate(up, h, w.Wu, N, r, C); // relu(a)·W_up + b_up
  for (let i = 0; i < N * C; i++) z[i] += s * up[i];
  // #endregion
  return { y, a, h };
}

// The backward of z += s·adapter(y), given dz [N, C]: ADDS into dy [N, C] (the adapter's
// path only) and into g (the adapter's gradients, laid out like w).
//   dW_up += s·hᵀ·dz     db_up += s·Σ_n dz
//   da = s·(dz·W_upᵀ) ⊙ [a > 0]
//   dW_down += yᵀ·da     db_down += Σ_n da     dy += da·W_downᵀ
export function adapterBackward(
  dy: Floats,
  g: AdapterWeights,
  dz: Floats,
  w: AdapterWeights,
  acts: AdapterActs,
  N: number,
  s: number,
): void {
  const { C, r } = w;
  const F = (n: number) => (dz instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  const sdz = F(N * C);
  const da = F(N * r);
  // #region exercise adapter-backward
  for (let i = 0; i < N * C; i++) sdz[i] = s * dz[i];
  matmulTransAAccumulate(g.Wu, acts.h, sdz, r, N, C); // dW_up += hᵀ·(s·dz)
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) g.bu[c] += sdz[n * C + c];
  matmulTransBAccumulate(da, sdz, w.Wu, N, C, r); // (s·dz)·W_upᵀ
  for (let i = 0; i < N * r; i++) if (!(acts.a[i] > 0)) da[i] = 0;
  matmulTransAAccumulate(g.Wd, acts.y, da, C, N, r); // dW_down += yᵀ·da
  for (let n = 0; n < N; n++) for (let j = 0; j < r; j++) g.bd[j] += da[n * r + j];
  matmulTransBAccumulate(dy, da, w.Wd, N, r, C); // dy += da·W_downᵀ
  // #endregion
}

// Adapter k's weights as views into a flat θ, adapters laid out one after another.
function adapterView(flat: Floats, k: number, C: number, r: number): AdapterWeights {
  const o = k * adapterSize(C, r);
  return {
    C,
    r,
    Wd: flat.subarray(o, o + C * r),
    bd: flat.subarray(o + C * r, o + C * r + r),
    Wu: flat.subarray(o + C * r + r, o + 2 * C * r + r),
    bu: flat.subarray(o + 2 * C * r + r, o + adapterSize(C, r)),
  };
}

export type AdapterKind = "serial" | "parallel";
export interface AdapterSpec {
  kind: AdapterKind;
  r: number;
  // serial: after which sublayers (Houlsby: both; Pfeiffer: the MLP's only)
  targets?: readonly ("attn_c_proj" | "mlp_c_proj")[];
  scale?: number; // parallel: s (default 4)
  seed?: number;
}

export function adapterPeft(model: GPT, spec: AdapterSpec): Peft {
  const { n_layer: L, n_embd: C } = model.config;
  const { r, kind } = spec;
  const targets: readonly LinearName[] =
    kind === "parallel" ? ["mlp_c_proj"] : (spec.targets ?? ["attn_c_proj", "mlp_c_proj"]);
  const s = kind === "parallel" ? (spec.scale ?? 4) : 1;
  const Ctor = model.params.flat instanceof Float64Array ? Float64Array : Float32Array;
  const params = new Ctor(L * targets.length * adapterSize(C, r));
  const at = (l: number, name: LinearName) => l * targets.length + targets.indexOf(name);
  const rng = new Rng(spec.seed ?? 1);
  for (let k = 0; k < L * targets.length; k++) {
    const w = adapterView(params, k, C, r);
    for (let i = 0; i < w.Wd.length; i++) w.Wd[i] = rng.normal(0, 1 / Math.sqrt(C)); // W_up = 0: identity
  }
  const label = kind === "parallel" ? `parallel adapter r=${r}` : `serial adapter r=${r}`;

  return {
    name: label,
    params,
    apply(base, eff) {
      eff.params.flat.set(base.params.flat);
    },
    backward() {}, // the linear hooks give θ's gradient
    hooks(_B, _T, dparams): TrainHooks {
      const kept = new Map<number, AdapterActs>(); // adapter index → its forward's acts
      const mlpInput = new Map<number, Floats>(); // parallel: layer → c_fc's input (ln_2(x))
      const dMlpInput = new Map<number, Floats>(); // parallel: the adapter's ∂L/∂(ln_2(x))
      const linear: LinearHook = (l, name, x, rows, K, M, W) => {
        const y = new Ctor(rows * M);
        linearForward(y, x, W.weight, W.bias, rows, K, M);
        if (kind === "parallel" && name === "c_fc") mlpInput.set(l, x);
        if (targets.includes(name as LinearName)) {
          const k = at(l, name as LinearName);
          const input = kind === "parallel" ? (mlpInput.get(l) as Floats) : y; // what the adapter reads
          const z = Ctor.from(y);
          kept.set(k, adapterForward(z, input, adapterView(params, k, C, r), rows, s));
          return z as Float32Array;
        }
        return y as Float32Array;
      };
      if (!dparams) return { forward: { linear } };
      const linearBack: LinearBackwardHook = (l, name, dX, g, dY, X, W, N, K, M) => {
        if (targets.includes(name)) {
          const k = at(l, name);
          const acts = kept.get(k) as AdapterActs;
          const w = adapterView(params, k, C, r);
          const gw = adapterView(dparams, k, C, r);
          if (kind === "parallel") {
            // the MLP's own path sees dz unchanged; the adapter's ∂L/∂x waits for c_fc's backward
            const dx = new Ctor(N * C);
            adapterBackward(dx, gw, dY, w, acts, N, s);
            dMlpInput.set(l, dx);
            linearBackward(dX, g.weight, g.bias, dY, X, W.weight, N, K, M);
          } else {
            // z = y + adapter(y): dy = dz + the adapter's path
            const dy = Ctor.from(dY);
            adapterBackward(dy, gw, dY, w, acts, N, s);
            linearBackward(dX, g.weight, g.bias, dy, X, W.weight, N, K, M);
          }
          return;
        }
        linearBackward(dX, g.weight, g.bias, dY, X, W.weight, N, K, M);
        const extra = name === "c_fc" ? dMlpInput.get(l) : undefined;
        if (extra) for (let i = 0; i < extra.length; i++) dX[i] += extra[i];
      };
      return { forward: { linear }, backward: { linear: linearBack } };
    },
  };
}
