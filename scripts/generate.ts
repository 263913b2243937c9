// `npm run generate -- --model target --prompt "Once upon a time" [--max-new-tokens 100]
//                      [--temperature 0.8 --top-p 0.9 --seed 1]`
//
// Streams a continuation from a specimen checkpoint, token by token, with our
// TypeScript forward pass and KV cache. Greedy unless --temperature > 0.
// --model is a committed checkpoint's name or the path of a checkpoint folder.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError, intFlag, numberFlag, parseFlags, runScript } from "@llm-labs/kit";
import { readTokenizerJson } from "@llm-labs/lab-tokenizers";
import { checkpointFromFlag, generate, loadSpecimen, loadTransformersTokenizer } from "@llm-labs/model";

const USAGE =
  'npm run generate -- --model <target|draft|llama|folder> --prompt "…" [--max-new-tokens 100] [--temperature 0.8 --top-p 0.9 --seed 1]';

// Far above anything sensible, low enough that a typo cannot pass as a temperature.
const MAX_TEMPERATURE = 100;

// The whole command, exported so that the malformed-input tests
// (scripts/test/malformed-inputs.test.ts) can run it in-process.
export async function generateCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseFlags(
    argv,
    {
      model: { type: "string", default: "target" },
      prompt: { type: "string", default: "Once upon a time" },
      "max-new-tokens": { type: "string" },
      temperature: { type: "string", default: "0" },
      "top-p": { type: "string" },
      seed: { type: "string", default: "1" },
    },
    USAGE,
    { allowEmpty: ["prompt"] }, // an empty prompt starts a new story
  );
  if (positionals.length)
    throw new UserError(
      `unexpected argument "${positionals[0]}" (quote a prompt with spaces); usage: ${USAGE}`,
    );
  const requested = intFlag("max-new-tokens", values["max-new-tokens"], { min: 1, max: 1_000_000 });
  const temperature = numberFlag("temperature", values.temperature, { min: 0, max: MAX_TEMPERATURE }) ?? 0;
  const topP = numberFlag("top-p", values["top-p"], { above: 0, max: 1 });
  const seed = intFlag("seed", values.seed, { max: 2 ** 32 - 1 }) ?? 1;
  if (topP !== undefined && temperature === 0)
    throw new UserError(
      "--top-p only applies when sampling: add --temperature (e.g. 0.8); at temperature 0 decoding is greedy",
    );
  const dir = checkpointFromFlag(values.model);
  const model = loadSpecimen(dir);
  const c = model.config;
  // Our own loader checks the file first and says where it is wrong;
  // transformers.js would fail on a damaged one with a TypeError deep inside.
  const ours = readTokenizerJson(join(dir, "tokenizer.json"));
  if (ours.vocabSize > c.vocab_size)
    throw new UserError(
      `${join(dir, "tokenizer.json")} has ids up to ${ours.vocabSize - 1}, but config.json's vocab_size is ${c.vocab_size}: the tokenizer and the weights come from different checkpoints`,
    );
  let tok: Awaited<ReturnType<typeof loadTransformersTokenizer>>;
  try {
    tok = await loadTransformersTokenizer(dir);
  } catch (e) {
    throw new UserError(`transformers.js cannot load the tokenizer in ${dir}: ${(e as Error).message}`);
  }
  const prompt: number[] = tok.encode(values.prompt, { add_special_tokens: false });
  if (prompt.length === 0) prompt.push(c.bos_token_id ?? c.vocab_size - 1); // an empty prompt starts a new story
  // A GPT-2 has one position embedding per token of context, n_positions of them; a Llama
  // was trained on max_position_embeddings and generate() keeps to it.
  const [context, field] =
    c.model_type === "llama"
      ? [c.max_position_embeddings, "max_position_embeddings"]
      : [c.n_positions, "n_positions"];
  if (prompt.length >= context)
    throw new UserError(
      `the prompt is ${prompt.length} tokens, but ${values.model} reads at most ${context} (${field}) and needs room for one new token; shorten the prompt to ${context - 1} tokens or fewer`,
    );
  const room = context - prompt.length;
  const maxNewTokens = Math.min(requested ?? 100, room);
  if (requested !== undefined && requested > room)
    console.error(
      `[note: ${values.model}'s context is ${context} tokens and the prompt takes ${prompt.length}, so at most ${room} new tokens]`,
    );

  process.stdout.write(values.prompt);
  // Stream: decode everything generated so far and print what is new. A Chinese
  // character is 3 UTF-8 bytes and may be split across tokens; until its last
  // byte arrives the decoder shows U+FFFD, so we wait for it.
  const generated: number[] = [];
  let printed = 0;
  const t0 = performance.now();
  generate(model, prompt, {
    maxNewTokens,
    sampling: temperature > 0 ? { temperature, topP, seed } : undefined,
    onToken: (id) => {
      generated.push(id);
      const text = tok.decode(generated, { skip_special_tokens: true });
      if (!text.endsWith("\uFFFD")) {
        process.stdout.write(text.slice(printed));
        printed = text.length;
      }
    },
  });
  const secs = (performance.now() - t0) / 1000;
  process.stdout.write("\n");
  console.error(
    `[${values.model}: ${generated.length} tokens in ${secs.toFixed(2)} s, ${(generated.length / secs).toFixed(0)} tok/s]`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  runScript(() => generateCommand(process.argv.slice(2)));
