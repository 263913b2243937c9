// One worker of the stream: JSON lines in, analyses out, batch by batch.
// The worker's Analyzer is built from the same seed as every other one, so
// which thread analyses a document never changes its verdict.

import { parentPort, workerData } from "node:worker_threads";
import { Analyzer, type PipelineConfig } from "./pipeline.ts";
import type { Truth } from "./dirty-corpus.ts";

const analyzer = new Analyzer(workerData as PipelineConfig);
parentPort?.on("message", (m: { id: number; lines: string[] }) => {
  const out = m.lines.map((line) => {
    const { text, truth } = JSON.parse(line) as { text: string; truth: Truth };
    return { analysis: analyzer.analyze(text), truth, bytes: Buffer.byteLength(text) };
  });
  parentPort?.postMessage({ id: m.id, out });
});
