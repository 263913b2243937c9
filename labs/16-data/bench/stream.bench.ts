// npx tsx bench/stream.bench.ts [--mb 200] [--workers 2]
//
// The whole pipeline over a generated corpus of at least --mb MB of text (written
// once to the OS temp folder, reused after), streamed through --workers analysis
// threads: throughput, peak RSS and every stage's precision and recall.

import { intFlag, parseFlags, runScript, table } from "@llm-labs/kit";
import { STAGES } from "../src/pipeline.ts";
import { precision, recall } from "../src/score.ts";
import { runStream, writeDirtyCorpus } from "../src/stream.ts";

runScript(async () => {
  const { values } = parseFlags(
    process.argv.slice(2),
    { mb: { type: "string" }, workers: { type: "string" } },
    "npx tsx bench/stream.bench.ts [--mb N] [--workers W]",
  );
  const mb = intFlag("mb", values.mb, { min: 1, max: 2_000 }) ?? 200;
  const workers = intFlag("workers", values.workers, { min: 0, max: 16 }) ?? 2;
  const path = await writeDirtyCorpus(mb, 1);
  const r = await runStream(path, { workers });
  const rows = [
    ...STAGES.map((s) => [
      s,
      precision(r.scorer.stages[s]).toFixed(3),
      recall(r.scorer.stages[s]).toFixed(3),
    ]),
    ["C4 lines", precision(r.scorer.lines).toFixed(3), recall(r.scorer.lines).toFixed(3)],
    ["PII", precision(r.scorer.pii).toFixed(3), recall(r.scorer.pii).toFixed(3)],
  ];
  console.log(table(["stage", "precision", "recall"], rows));
  console.log(
    `${r.docs.toLocaleString("en-US")} documents, ${(r.textBytes / 1e6).toFixed(1)} MB of text, ${workers} workers`,
  );
  console.log(`throughput ${r.mbPerSecond.toFixed(1)} MB/s (${r.seconds.toFixed(1)} s)`);
  console.log(`peak RSS ${r.peakRssMb.toFixed(0)} MiB; LSH index + signatures ${r.indexMb.toFixed(0)} MiB`);
  console.log(`kept ${(r.keptBytes / 1e6).toFixed(1)} MB → ${r.outPath}`);
});
