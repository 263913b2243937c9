// npx tsx src/train-sft.ts   — writes data/sft/, the SFT checkpoint every later stage starts from
//
// 1,024 conversations (seed 21), 240 steps of 8, lr 1e-3, on the target specimen.

import { checkpointDir, loadCheckpoint } from "@llm-labs/model";
import { progressBar, runScript } from "@llm-labs/kit";
import { chatRows, SFT_DIR, saveSftCheckpoint, trainSft, type SftConfig } from "./sft.ts";
import { SFT_SEED, sftExamples } from "./task.ts";
import { loadTokenizer } from "./tokenizer.ts";

export const SFT_CONFIG: SftConfig = { steps: 240, batchSize: 8, lr: 1e-3, warmup: 20, seed: 1 };
export const SFT_CONVERSATIONS = 1024;

runScript(async () => {
  if (!process.argv[1]?.endsWith("train-sft.ts")) return;
  const tok = await loadTokenizer(checkpointDir("target"));
  const model = loadCheckpoint(checkpointDir("target"));
  const rows = chatRows(sftExamples(SFT_SEED, SFT_CONVERSATIONS), tok.encode, tok.eosId);
  const bar = progressBar({ total: SFT_CONFIG.steps, label: "SFT" });
  const losses = trainSft(model, rows, SFT_CONFIG, tok.eosId, (_s, l) => bar.tick(1, `loss ${l.toFixed(3)}`));
  bar.done();
  saveSftCheckpoint(SFT_DIR, model, {
    sft_loss_last20: (losses.slice(-20).reduce((a, b) => a + b, 0) / 20).toFixed(4),
  });
  console.log(`wrote ${SFT_DIR}`);
});
