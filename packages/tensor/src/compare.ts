// max_i |a_i − b_i|: the one number every "ours equals theirs" test in the
// course compares against a tolerance. Lengths must agree, or the comparison
// would silently look at only part of one array.
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
