// One BPE merge: wherever the pair (a, b) appears, write the new token instead.

// Replace every occurrence of the adjacent pair (a, b) in `ids` by `newId`,
// scanning left to right. Occurrences do not overlap: in a, a, a the pair
// (a, a) becomes newId, a, because the middle a is used up by the first
// match. Returns a new array; `ids` is left as it was.
//
// Sennrich et al. (2016), Algorithm 1, does the same thing with a regex over
// space-separated symbols; with integer ids it is a single scan.
export function merge(ids: readonly number[], a: number, b: number, newId: number): number[] {
  // #region exercise merge-pair
  const out: number[] = [];
  let i = 0;
  while (i < ids.length) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(newId);
      i += 2;
    } else {
      out.push(ids[i]);
      i += 1;
    }
  }
  return out;
  // #endregion
}
