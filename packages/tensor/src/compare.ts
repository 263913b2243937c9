// max_i |a_i − b_i|: the one number every "ours equals theirs" test in the
// course compares against a tolerance. Lengths must agree, or the comparison
// would silently look at only part of one array.
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// ∂f/∂θ_i by central differences, (f(θ + h·e_i) − f(θ − h·e_i)) / 2h: the independent check of
// every hand-written gradient in the course. In float64 the error is h²·f'''/6 from the
// truncation plus about ε_64·|f|/h from rounding, so h = 1e-5 gives ~1e-10: far below any real
// mistake in a formula. θ_i is put back afterwards.
export function centralDifference(
  theta: { [i: number]: number },
  i: number,
  f: () => number,
  h = 1e-5,
): number {
  const keep = theta[i];
  theta[i] = keep + h;
  const up = f();
  theta[i] = keep - h;
  const down = f();
  theta[i] = keep;
  return (up - down) / (2 * h);
}
