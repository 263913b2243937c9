// `npm run perplexity`: held-out perplexity of the specimen checkpoints and of the
// unigram baseline, on the held-out split of the generated corpus (seed 2).

import { existsSync } from "node:fs";
import { parseFlags, runScript, table, UserError } from "@llm-labs/kit";

const USAGE = "npm run perplexity (no flags: it scores the draft, target and llama checkpoints)";

runScript(() => {
  // It takes no flags; one meant for another script must not start a minutes-long run.
  const { positionals } = parseFlags(process.argv.slice(2), {}, USAGE);
  if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  return main();
});

async function main(): Promise<void> {
  // Loaded only once the flags are good: the model and the corpus take seconds to load.
  const { splitTokens, VOCAB_SIZE } = await import("./corpus-data.ts");
  const { checkpointDir, heldoutLoss, loadSpecimen, specimenSize, unigramLoss } = await import(
    "@llm-labs/model"
  );
  const heldout = splitTokens("heldout");
  const train = splitTokens("train");
  const rows: (string | number)[][] = [];
  const uni = unigramLoss(train, heldout, VOCAB_SIZE);
  rows.push(["unigram (train frequencies)", "-", "-", uni.toFixed(3), Math.exp(uni).toFixed(2)]);
  for (const name of ["draft", "target", "llama"]) {
    const dir = checkpointDir(name);
    if (!existsSync(dir)) continue;
    const model = loadSpecimen(dir);
    const c = model.config;
    const { layers, parameters, context } = specimenSize(model);
    // forward multiply-adds per token, without attention's scores: the weights of the blocks
    // (GPT-2: 12·D² per block, 4D² attention projections + 8D² MLP) plus the D·V head
    const D = c.model_type === "llama" ? c.hidden_size : c.n_embd;
    const macs =
      c.model_type === "llama"
        ? parameters - D * c.vocab_size - (2 * layers + 1) * D + D * c.vocab_size
        : c.n_layer * 12 * D ** 2 + D * c.vocab_size;
    const t0 = performance.now();
    const loss = heldoutLoss(model, heldout);
    console.error(
      `${name}: scored ${heldout.length.toLocaleString()} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    rows.push([
      `${name} (${layers}×${D}, ${(parameters / 1e6).toFixed(2)}M params)`,
      macs.toLocaleString(),
      context,
      loss.toFixed(3),
      Math.exp(loss).toFixed(2),
    ]);
  }
  console.log(
    `held-out split: ${heldout.length.toLocaleString()} tokens (corpus seed 2), vocabulary ${VOCAB_SIZE}\n`,
  );
  console.log(table(["model", "MACs/token", "context", "loss (nats/token)", "perplexity"], rows));
}
