// npm run bench -- --only labs/01-tokenizers   (or: npx tsx bench/train.bench.ts)
//
// How long BPE training takes on ~1 MB of the course text (src/corpus.ts,
// seed 1) with a 2,000-token vocabulary, and what the incremental pair-count
// update buys over recounting every pair after every merge. Both trainers
// work on the same (piece, count) list and share countPairs and merge; only
// the bookkeeping differs, and both must learn the same merges.

import { progressBar, ratioLine, table } from "@llm-labs/kit";
import { corpus } from "../src/corpus.ts";
import { countPairs } from "../src/pairs.ts";
import { merge } from "../src/merge.ts";
import { O200K_PATTERN } from "../src/pretokenize.ts";
import { learnMerges, mostFrequentPair, trainBpe, wordsFromText, type Word } from "../src/train.ts";
import { unpairKey } from "../src/pairs.ts";

const text = corpus(1, 1_000_000, "mixed");
const bytes = Buffer.byteLength(text);

// Full training run, as the demo does it.
const bar = progressBar({ total: 2000 - 256, label: "train" });
let t0 = performance.now();
const { merges } = trainBpe(text, { vocabSize: 2000, onMerge: (done) => done % 25 === 0 && bar.tick(25) });
const fullSeconds = (performance.now() - t0) / 1000;
bar.done();

// Incremental vs naive, same words, same number of merges.
const N = merges.length;
const fresh = (): Word[] => wordsFromText(text, O200K_PATTERN);
const wordsA = fresh();
t0 = performance.now();
const incremental = learnMerges(wordsA, N, 256);
const incrementalMs = performance.now() - t0;

const wordsB = fresh();
t0 = performance.now();
const naive: [number, number][] = [];
const naiveBar = progressBar({ total: N, label: "naive" });
for (let step = 0; step < N; step++) {
  if (step % 25 === 24) naiveBar.tick(25);
  const counts = new Map<number, number>();
  for (const w of wordsB) countPairs(w.ids, counts, w.count);
  const [a, b] = unpairKey(mostFrequentPair(counts)!.key);
  for (const w of wordsB) w.ids = merge(w.ids, a, b, 256 + step);
  naive.push([a, b]);
}
const naiveMs = performance.now() - t0;
naiveBar.done();
if (naive.some(([a, b], i) => incremental[i].a !== a || incremental[i].b !== b))
  throw new Error("the naive and the incremental trainer learned different merges");

console.log(
  table(
    ["run", "text", "merges", "seconds"],
    [
      [
        "trainBpe, vocab 2000",
        `${(bytes / 1e6).toFixed(2)} MB`,
        merges.length,
        Number(fullSeconds.toFixed(2)),
      ],
      [
        "learnMerges (incremental counts)",
        `${(bytes / 1e6).toFixed(2)} MB`,
        N,
        Number((incrementalMs / 1000).toFixed(2)),
      ],
      [
        "recount every pair after every merge",
        `${(bytes / 1e6).toFixed(2)} MB`,
        N,
        Number((naiveMs / 1000).toFixed(2)),
      ],
    ],
  ),
);
console.log(
  `\ntraining ${(bytes / 1e6).toFixed(2)} MB to a 2,000-token vocabulary: ${fullSeconds.toFixed(2)} s`,
);
console.log(ratioLine("train incremental/naive", naiveMs / incrementalMs));
