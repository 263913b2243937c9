// Trains the specimen models' tokenizer with lab 01's byte-level BPE trainer and
// saves it as a Hugging Face tokenizer.json (plus tokenizer_config.json), in
// packages/model/checkpoints/tokenizer/. Run by `npm run train -- --model tokenizer`
// (or `npx tsx scripts/train-tokenizer.ts`); the model checkpoints copy these files.
//
// Scripts may import labs (packages may not): this is how lab 01's code makes
// the tokenizer that every later lab's models use.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { trainBpe, tokenizerToHfJson } from "@llm-labs/lab-tokenizers";
import { progressBar } from "@llm-labs/kit";
import { TOKENIZER_DIR, VOCAB_SIZE, TOKENIZER_TRAIN_CHARS, tokenizerConfig } from "./corpus-data.ts";
import {
  END_OF_TEXT,
  generateCorpus,
  HELDOUT_SEED,
  loadTransformersTokenizer,
  TRAIN_SEED,
} from "@llm-labs/model";

export async function trainTokenizer(): Promise<void> {
  const text = generateCorpus(TRAIN_SEED, TOKENIZER_TRAIN_CHARS);
  console.log(
    `training byte-level BPE on ${text.length.toLocaleString()} characters of the train split, vocab ${VOCAB_SIZE}`,
  );
  const bar = progressBar({ total: VOCAB_SIZE - 257, label: "merges" });
  const { tokenizer } = trainBpe(text, {
    vocabSize: VOCAB_SIZE,
    specialTokens: [END_OF_TEXT],
    name: "llm-labs-stories",
    onMerge: () => bar.tick(),
  });
  bar.done();
  mkdirSync(TOKENIZER_DIR, { recursive: true });
  writeFileSync(
    join(TOKENIZER_DIR, "tokenizer.json"),
    JSON.stringify(tokenizerToHfJson(tokenizer), null, 1) + "\n",
  );
  writeFileSync(
    join(TOKENIZER_DIR, "tokenizer_config.json"),
    JSON.stringify(tokenizerConfig(), null, 2) + "\n",
  );
  console.log(
    `wrote ${TOKENIZER_DIR}/tokenizer.json (${tokenizer.vocabSize} tokens, "${END_OF_TEXT}" = ${VOCAB_SIZE - 1})`,
  );

  // The file must mean the same thing to an independent implementation: encode
  // the held-out split with lab 01's tokenizer and with transformers.js's.
  const held = generateCorpus(HELDOUT_SEED, 200_000);
  const ours = tokenizer.encode(held, { special: "allow" });
  const tf = await loadTransformersTokenizer(TOKENIZER_DIR);
  const theirs: number[] = tf.encode(held, { add_special_tokens: false });
  const same = ours.length === theirs.length && ours.every((id, i) => id === theirs[i]);
  console.log(
    `held-out split (${held.length.toLocaleString()} chars): lab 01 → ${ours.length.toLocaleString()} tokens, transformers.js → ${theirs.length.toLocaleString()}, identical: ${same}`,
  );
  if (!same) throw new Error("lab 01's tokenizer and transformers.js disagree on the held-out split");
}

if (import.meta.url === `file://${process.argv[1]}`) await trainTokenizer();
