// The demo's small task: all-reduce a gradient-sized vector and check the sum.
import { allReduce } from "./collectives.ts";
import type { Comm } from "./comm.ts";

// x_r[i] = r + 1 on every entry, so every entry of Σ_r x_r is N(N + 1)/2.
export async function allReduceGradient(comm: Comm, S: number): Promise<{ bytes: number; ok: boolean }> {
  const x = new Float32Array(S).fill(comm.rank + 1);
  await allReduce(comm, x);
  const want = (comm.size * (comm.size + 1)) / 2;
  return { bytes: comm.bytesSent, ok: x.every((v) => v === want) };
}
