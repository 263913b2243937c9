// The specimen's tokenizer through transformers.js, as the three functions this lab needs.

import { loadTransformersTokenizer } from "@llm-labs/model";
import type { Tokenizer } from "./rollouts.ts";

export async function loadTokenizer(
  dir: string,
): Promise<Tokenizer & { applyChatTemplate: (messages: unknown[], addGenerationPrompt: boolean) => string }> {
  const tok = await loadTransformersTokenizer(dir);
  const eosId = (tok.encode("<|endoftext|>", { add_special_tokens: false }) as number[])[0];
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }) as number[],
    decode: (ids) => tok.decode([...ids], { skip_special_tokens: false }),
    eosId,
    applyChatTemplate: (messages, addGenerationPrompt) =>
      tok.apply_chat_template(messages as never, {
        tokenize: false,
        add_generation_prompt: addGenerationPrompt,
      }) as string,
  };
}
