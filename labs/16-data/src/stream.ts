// The pipeline over a file of any size, in bounded memory.
//
// The corpus is JSON lines, {"text": …, "truth": …}; only the scorer reads the
// truth. The file is read as a stream, cut into batches of documents, and each
// batch is analysed on one of W worker threads (pipeline.ts: the stateless half);
// the main thread takes the results back IN ORDER and runs the stateful half
// (exact set, band index), the scorer, and the writer of the cleaned corpus.
//
// Memory holds: the read-ahead (a few batches), the exact set (8 bytes a kept
// document, in a JS Set closer to 50), the band index (8 bytes a band), and the
// LID and MinHash tables each worker has. None of it grows with the bytes read,
// only with the count of distinct documents, and at most 2·W batches are in flight.
// Peak RSS is the process's (worker threads share it), from process.resourceUsage().

import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import { progressBar } from "@llm-labs/kit";
import { dirtyDocuments, type Truth } from "./dirty-corpus.ts";
import { Analyzer, Decider, DEFAULT_PIPELINE, type Analysis, type PipelineConfig } from "./pipeline.ts";
import { Scorer } from "./score.ts";

export const DATA_DIR = join(tmpdir(), "llm-labs-data");
const BATCH = 200;
const CORPUS_VERSION = 2; // 2: chance repeats labelled exact-dup

// Writes at least `mb` MB of document text from the dirty stream at `seed` (once:
// a file already there is reused). Returns its path. CORPUS_VERSION is in the
// name so that a file written by an older generator, with an older truth, is not.
export async function writeDirtyCorpus(mb: number, seed: number, quiet = false): Promise<string> {
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `dirty-v${CORPUS_VERSION}-s${seed}-${mb}mb.jsonl`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const target = mb * 1e6;
  const bar = quiet ? undefined : progressBar({ total: mb, label: "writing corpus  " });
  let bytes = 0;
  let ticked = 0;
  for (const doc of dirtyDocuments(seed)) {
    if (!out.write(`${JSON.stringify({ text: doc.text, truth: doc.truth })}\n`)) await once(out, "drain");
    bytes += Buffer.byteLength(doc.text);
    const mbNow = Math.floor(bytes / 1e6);
    if (mbNow > ticked) {
      bar?.tick(mbNow - ticked);
      ticked = mbNow;
    }
    if (bytes >= target) break;
  }
  out.end();
  await once(out, "finish");
  bar?.done();
  renameSync(partial, path);
  return path;
}

export interface StreamResult {
  scorer: Scorer;
  docs: number;
  textBytes: number; // UTF-8 bytes of document text read
  keptBytes: number;
  seconds: number;
  mbPerSecond: number;
  peakRssMb: number;
  indexMb: number;
  workers: number;
  outPath: string;
}

interface BatchOut {
  id: number;
  out: { analysis: Analysis; truth: Truth; bytes: number }[];
}

// Analyses batches: on W workers, or on this thread when W = 0.
class Pool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, (b: BatchOut) => void>();
  private readonly local?: Analyzer;
  private next = 0;
  constructor(W: number, cfg: PipelineConfig) {
    if (W === 0) this.local = new Analyzer(cfg);
    for (let i = 0; i < W; i++) {
      const w = new Worker(new URL("./analyze-worker.mjs", import.meta.url), {
        workerData: cfg,
        // a worker's heap is small (its state is two tables); a low ceiling makes its GC run early
        resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 },
      });
      w.on("message", (b: BatchOut) => {
        this.waiting.get(b.id)?.(b);
        this.waiting.delete(b.id);
      });
      w.on("error", (e) => {
        throw e;
      });
      this.workers.push(w);
    }
  }
  run(lines: string[]): Promise<BatchOut> {
    const id = this.next++;
    if (this.local) {
      const a = this.local;
      const out = lines.map((line) => {
        const { text, truth } = JSON.parse(line) as { text: string; truth: Truth };
        return { analysis: a.analyze(text), truth, bytes: Buffer.byteLength(text) };
      });
      return Promise.resolve({ id, out });
    }
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.workers[id % this.workers.length].postMessage({ id, lines });
    });
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export async function runStream(
  path: string,
  opts: { workers: number; cfg?: PipelineConfig; quiet?: boolean },
): Promise<StreamResult> {
  const cfg = opts.cfg ?? DEFAULT_PIPELINE;
  const pool = new Pool(opts.workers, cfg);
  const decider = new Decider(cfg);
  const scorer = new Scorer();
  const outPath = path.replace(/\.jsonl$/, ".clean.jsonl");
  const out = createWriteStream(outPath);
  const fileMb = Math.ceil(statSync(path).size / 1e6);
  const bar = opts.quiet ? undefined : progressBar({ total: fileMb, label: "cleaning corpus " });
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  const rl = createInterface({ input, crlfDelay: Infinity });
  const maxInFlight = Math.max(2, 2 * opts.workers);
  const pending: Promise<BatchOut>[] = [];
  let docs = 0;
  let textBytes = 0;
  let keptBytes = 0;
  let ticked = 0;

  const consume = async (b: BatchOut) => {
    for (const { analysis, truth, bytes } of b.out) {
      const v = decider.decide(analysis);
      scorer.add(truth, v);
      docs++;
      textBytes += bytes;
      if (v.dropped === null) {
        keptBytes += Buffer.byteLength(v.text);
        if (!out.write(`${JSON.stringify({ text: v.text })}\n`)) await once(out, "drain");
      }
    }
    const mbNow = Math.floor(input.bytesRead / 1e6);
    if (mbNow > ticked) {
      bar?.tick(mbNow - ticked);
      ticked = mbNow;
    }
  };

  const t0 = performance.now();
  try {
    let batch: string[] = [];
    for await (const line of rl) {
      if (line.length === 0) continue;
      batch.push(line);
      if (batch.length < BATCH) continue;
      pending.push(pool.run(batch));
      batch = [];
      while (pending.length >= maxInFlight) await consume(await (pending.shift() as Promise<BatchOut>));
    }
    if (batch.length > 0) pending.push(pool.run(batch));
    while (pending.length > 0) await consume(await (pending.shift() as Promise<BatchOut>));
    out.end();
    await once(out, "finish");
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  bar?.done();
  return {
    scorer,
    docs,
    textBytes,
    keptBytes,
    seconds,
    mbPerSecond: textBytes / 1e6 / seconds,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    indexMb: decider.indexBytes / 2 ** 20,
    workers: opts.workers,
    outPath,
  };
}
