import { performance } from "node:perf_hooks";

// Benchmarks report ratios measured in one run: the absolute speed of a laptop
// varies by 3x, the ratio between two kernels on the same laptop much less.

// Median of `repeat` timed calls after `warmup` untimed ones; the median
// ignores the one run the garbage collector or the other core spoiled.
export function timeIt(fn: () => unknown, opts: { repeat?: number; warmup?: number } = {}): number {
  const repeat = opts.repeat ?? 5;
  for (let i = 0; i < (opts.warmup ?? 1); i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function timeItAsync(
  fn: () => Promise<unknown>,
  opts: { repeat?: number; warmup?: number } = {},
): Promise<number> {
  const repeat = opts.repeat ?? 5;
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// The one line format `npm run bench` collects: "ratio <name> = 3.21x".
export function ratioLine(name: string, ratio: number): string {
  return `ratio ${name} = ${ratio.toFixed(2)}x`;
}
