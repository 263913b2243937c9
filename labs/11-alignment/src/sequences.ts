// Prompt + completion sequences in a batch, and which positions are the completion's.
//
// Every preference method scores a completion y given its prompt x by the policy's
// log-probability, log π(y | x) = Σ_t log π(y_t | x, y_<t): the sum runs over the
// completion's tokens only — never over the prompt (it is given, not generated) and never
// over padding (it is not there). Rows are right-padded to the batch's longest:
//
//   ids      x x x y y y y ⌀ ⌀        promptLength 3, length 7
//   targets  · · y y y y ⌀ · ·        position t predicts ids[t + 1]; −1 where it does not count
//
// so position t counts when promptLength − 1 ≤ t < length − 1. For SFT the completion is the
// assistant's turn (chat.ts), and this mask is the whole difference between SFT on a chat and
// plain language modelling on the rendered text (unmaskedTargets, below).

export interface SeqBatch {
  B: number;
  T: number; // the longest row
  ids: Int32Array; // [B, T], padded with padId
  targets: Int32Array; // [B, T], the next token where it is the completion's, else −1
  promptLength: Int32Array; // [B]
  length: Int32Array; // [B] prompt + completion tokens
}

export function packBatch(
  rows: readonly { prompt: readonly number[]; completion: readonly number[] }[],
  padId: number,
): SeqBatch {
  const B = rows.length;
  if (B === 0) throw new Error("packBatch: no rows");
  const T = Math.max(...rows.map((r) => r.prompt.length + r.completion.length));
  const ids = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(-1);
  const promptLength = new Int32Array(B);
  const length = new Int32Array(B);
  rows.forEach((r, b) => {
    if (r.prompt.length === 0) throw new Error(`packBatch: row ${b} has an empty prompt`);
    const seq = [...r.prompt, ...r.completion];
    ids.set(seq, b * T);
    promptLength[b] = r.prompt.length;
    length[b] = seq.length;
    // #region exercise masked-sft-loss
    for (let t = r.prompt.length - 1; t < seq.length - 1; t++) targets[b * T + t] = seq[t + 1];
    // #endregion
  });
  return { B, T, ids, targets, promptLength, length };
}

// Every real next token, prompt included: what plain language modelling on the rendered
// conversation would learn from (the comparison of README §2).
export function unmaskedTargets(batch: SeqBatch): Int32Array {
  const { B, T, ids, length } = batch;
  const targets = new Int32Array(B * T).fill(-1);
  for (let b = 0; b < B; b++) for (let t = 0; t + 1 < length[b]; t++) targets[b * T + t] = ids[b * T + t + 1];
  return targets;
}
