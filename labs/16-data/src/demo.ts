// npm run lab data            (or: npx tsx src/demo.ts [--docs N])
//
// The lab's story in one run, a few seconds: a dirty corpus with known defects,
// the pipeline over it with every stage's precision and recall, and the LSH
// S-curve measured against its formula (written to plots/s-curve.svg). The
// 200 MB streaming run is bench/stream.bench.ts.

import { fileURLToPath } from "node:url";
import { intFlag, parseFlags, runScript, svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import { DEFAULT_MIX, take } from "./dirty-corpus.ts";
import { DEFAULT_PIPELINE, Pipeline, STAGES } from "./pipeline.ts";
import { measureSCurve } from "./s-curve.ts";
import { precision, recall, Scorer, type Counts } from "./score.ts";
import { threshold } from "./lsh.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const PLOT = fileURLToPath(new URL("../plots/s-curve.svg", import.meta.url));

runScript(async () => {
  const direct = process.argv[1]?.endsWith("demo.ts");
  const { values } = direct
    ? parseFlags(process.argv.slice(2), { docs: { type: "string" } }, "npx tsx src/demo.ts [--docs N]")
    : { values: {} as { docs?: string } };
  const n = intFlag("docs", values.docs, { min: 100, max: 200_000 }) ?? 5_000;

  heading(`1. A dirty corpus of ${n.toLocaleString("en-US")} documents, seed 7`);
  const docs = take(n, 7);
  const mix = Object.entries(DEFAULT_MIX)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k} ${(100 * (v as number)).toFixed(0)} %`);
  console.log(`injected: ${mix.join(", ")}`);

  heading("2. The pipeline, every stage scored against the truth");
  const p = new Pipeline();
  const s = new Scorer();
  let bytes = 0;
  for (const d of docs) {
    bytes += Buffer.byteLength(d.text);
    s.add(d.truth, p.process(d.text));
  }
  const row = (name: string, c: Counts, unit: string) => [
    name,
    unit,
    String(c.tp),
    String(c.fp),
    String(c.fn),
    precision(c).toFixed(3),
    recall(c).toFixed(3),
  ];
  console.log(
    table(
      ["stage", "scored on", "TP", "FP", "FN", "precision", "recall"],
      [
        ...STAGES.map((st) => row(st, s.stages[st], "documents")),
        row("C4 lines", s.lines, "lines"),
        row("PII", s.pii, "strings"),
      ],
    ),
  );
  console.log(
    `${(bytes / 1e6).toFixed(1)} MB in, ${s.kept} of ${s.docs} documents kept, ${s.defectiveKept} of them with a defect`,
  );
  console.log(`quality drops by rule: ${[...s.reasons].map(([k, v]) => `${k} ${v}`).join(", ")}`);

  const banding = DEFAULT_PIPELINE.banding;
  heading(
    `3. The S-curve: ${banding.bands} bands × ${banding.rows} rows, threshold ≈ ${threshold(banding).toFixed(3)}`,
  );
  const bins = measureSCurve(banding, 3_000, 21);
  console.log(
    table(
      ["true Jaccard", "pairs", "measured", "1 − (1 − s^r)^b"],
      bins.map((b) => [b.s.toFixed(3), String(b.pairs), b.measured.toFixed(3), b.formula.toFixed(3)]),
    ),
  );
  writeSvg(
    PLOT,
    svgLinePlot({
      title: `LSH candidate rate, ${banding.bands} bands × ${banding.rows} rows`,
      xLabel: "true Jaccard of the pair (5-shingles)",
      yLabel: "P[candidate]",
      series: [
        { name: "measured", points: bins.map((b) => [b.s, b.measured]) },
        {
          name: "1 − (1 − s^r)^b",
          points: Array.from({ length: 41 }, (_, i) => [
            i / 40,
            1 - (1 - (i / 40) ** banding.rows) ** banding.bands,
          ]),
        },
      ],
    }),
  );
  console.log(`wrote ${PLOT}`);
});
