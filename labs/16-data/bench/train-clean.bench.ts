// npx tsx bench/train-clean.bench.ts [--docs 4000] [--steps 200]
//
// The draft's architecture (2 layers, 64 wide), trained from the same random
// initialisation for the same number of steps on the raw dirty corpus and on what
// the pipeline keeps of it; held-out perplexity on clean stories the corpus never
// held (the specimen's held-out split).

import { intFlag, parseFlags, progressBar, runScript, table } from "@llm-labs/kit";
import {
  END_OF_TEXT,
  checkpointDir,
  createGPT,
  heldoutLoss,
  heldoutTokens,
  loadCheckpoint,
  loadTransformersTokenizer,
  train,
} from "@llm-labs/model";
import { take } from "../src/dirty-corpus.ts";
import { Pipeline } from "../src/pipeline.ts";

runScript(async () => {
  const { values } = parseFlags(
    process.argv.slice(2),
    { docs: { type: "string" }, steps: { type: "string" } },
    "npx tsx bench/train-clean.bench.ts [--docs N] [--steps N]",
  );
  const n = intFlag("docs", values.docs, { min: 100, max: 100_000 }) ?? 4_000;
  const steps = intFlag("steps", values.steps, { min: 1, max: 100_000 }) ?? 200;
  const docs = take(n, 5);
  const p = new Pipeline();
  const kept: string[] = [];
  for (const d of docs) {
    const v = p.process(d.text);
    if (v.dropped === null) kept.push(v.text);
  }
  const tok = await loadTransformersTokenizer(checkpointDir("target"));
  const encode = (texts: string[]) =>
    tok.encode(texts.join(END_OF_TEXT), { add_special_tokens: false }) as number[];
  const raw = encode(docs.map((d) => d.text));
  const clean = encode(kept);
  const held = await heldoutTokens(8_192);
  const config = loadCheckpoint(checkpointDir("draft")).config;
  const cfg = {
    seed: 1,
    batchSize: 8,
    seqLen: 64,
    accum: 1,
    steps,
    maxLr: 3e-3,
    minLr: 3e-4,
    warmup: 20,
    weightDecay: 0.1,
    gradClip: 1,
  };
  const rows: string[][] = [];
  for (const [name, tokens, ndocs] of [
    ["raw", raw, docs.length],
    ["cleaned", clean, kept.length],
  ] as const) {
    const model = createGPT(config, 42);
    const bar = progressBar({ total: steps, label: `${name.padEnd(8)}` });
    const losses = train(model, tokens, cfg, () => bar.tick());
    bar.done();
    const loss = heldoutLoss(model, held);
    rows.push([
      name,
      ndocs.toLocaleString("en-US"),
      tokens.length.toLocaleString("en-US"),
      losses.at(-1)?.toFixed(3) ?? "",
      loss.toFixed(3),
      Math.exp(loss).toFixed(2),
    ]);
  }
  console.log(
    `${steps} steps of ${cfg.batchSize}×${cfg.seqLen} tokens, same init, same seed; held-out: ${held.length} tokens`,
  );
  console.log(
    table(["corpus", "documents", "tokens", "last train loss", "held-out loss", "perplexity"], rows),
  );
});
