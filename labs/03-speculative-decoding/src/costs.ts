// Measuring the two costs the speedup formula needs, on a machine that other
// jobs share:
//
//   c = (one draft call) / (one one-token target call)            Leviathan et al.'s cost ratio
//   v = (one target call over γ+1 tokens) / (one one-token target call)   1 in the paper's model
//
// A single timing of a sub-millisecond call says little when another process
// can take the core at any moment. So we time ten calls of one kind, then ten of
// the other, back to back, and take the median of the ratios over many rounds:
// a disturbance spoils a round, not the answer.

import { median } from "@llm-labs/kit";
import type { CachedLM } from "./lm.ts";

export type Timed = () => Promise<number>; // ms per call

// ms per forward over `fresh`, after `prefix` is cached. The cache is cut back
// to the prefix between calls; only the forward itself is timed.
export function forwardCost(
  lm: CachedLM,
  prefix: readonly number[],
  fresh: readonly number[],
  calls = 10,
): Timed {
  return async () => {
    if (lm.length < prefix.length) {
      lm.rollback(0);
      await lm.forward(prefix);
    }
    let ms = 0;
    for (let i = 0; i < calls; i++) {
      lm.rollback(prefix.length);
      const t0 = performance.now();
      await lm.forward(fresh);
      ms += performance.now() - t0;
    }
    return ms / calls;
  };
}

// { a, b: median ms of each; ratio: median of a/b over the rounds, after two warm-up rounds }
export async function pairedCost(
  a: Timed,
  b: Timed,
  rounds = 21,
): Promise<{ a: number; b: number; ratio: number }> {
  const as: number[] = [];
  const bs: number[] = [];
  const rs: number[] = [];
  for (let round = -2; round < rounds; round++) {
    const ta = await a();
    const tb = await b();
    if (round < 0) continue;
    as.push(ta);
    bs.push(tb);
    rs.push(ta / tb);
  }
  return { a: median(as), b: median(bs), ratio: median(rs) };
}
