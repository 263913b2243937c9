// `npm run generate -- --model target --prompt "Once upon a time" [--max-new-tokens 100]
//                      [--temperature 0.8 --top-p 0.9 --seed 1]`
//
// Streams a continuation from a specimen checkpoint, token by token, with our
// TypeScript forward pass and KV cache. Greedy unless --temperature > 0.

import { UserError, intFlag, numberFlag, parseFlags, runScript } from "@llm-labs/kit";
import { generate, loadCheckpoint, loadTransformersTokenizer, namedCheckpoint } from "@llm-labs/model";

const USAGE =
  'npm run generate -- --model target --prompt "…" [--max-new-tokens 100] [--temperature 0.8 --top-p 0.9 --seed 1]';

runScript(async () => {
  const { values, positionals } = parseFlags(
    process.argv.slice(2),
    {
      model: { type: "string", default: "target" },
      prompt: { type: "string", default: "Once upon a time" },
      "max-new-tokens": { type: "string", default: "100" },
      temperature: { type: "string", default: "0" },
      "top-p": { type: "string" },
      seed: { type: "string", default: "1" },
    },
    USAGE,
  );
  if (positionals.length)
    throw new UserError(
      `unexpected argument "${positionals[0]}" (quote a prompt with spaces); usage: ${USAGE}`,
    );
  const maxNewTokens = intFlag("max-new-tokens", values["max-new-tokens"], { min: 1 })!;
  const temperature = numberFlag("temperature", values.temperature, { min: 0 })!;
  const topP = numberFlag("top-p", values["top-p"], { min: 0, max: 1 });
  const seed = intFlag("seed", values.seed)!;
  const dir = namedCheckpoint(values.model);
  const model = loadCheckpoint(dir);
  const tok = await loadTransformersTokenizer(dir);
  const prompt: number[] = tok.encode(values.prompt, { add_special_tokens: false });
  if (prompt.length === 0) prompt.push(model.config.bos_token_id); // an empty prompt starts a new story

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
});
