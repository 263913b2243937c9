// The chat template: how a conversation becomes the one string a language model reads.
//
// A chat model is still a next-token predictor; the template lays the turns out with
// markers it learns to expect, and tells the model where its own turn starts. Ours, in the
// Zephyr style (the specimen's tokenizer has one special token, <|endoftext|>, so the role
// markers are plain text that BPE splits into pieces):
//
//   <|user|>
//   Tell me a story in two sentences.<|endoftext|>
//   <|assistant|>
//   In a quiet village, there lived a shy cat called Mia. Mia found a red ball.<|endoftext|>
//
// It is a Jinja template stored in the checkpoint's tokenizer_config.json under
// `chat_template`, as Hugging Face does, and rendered here with @huggingface/jinja — the
// library transformers.js renders it with, so `tokenizer.apply_chat_template` on the saved
// folder gives the same string (test/chat.test.ts). The assistant's turn ends with the
// end-of-text token: that is how a generation knows to stop.

import { Template } from "@huggingface/jinja";
import { UserError } from "@llm-labs/kit";
import { END_OF_TEXT } from "@llm-labs/model";
import { z } from "zod";
import type { Message } from "./task.ts";

export const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

const MessagesSchema = z.array(
  z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }).strict(),
);

export function renderChat(
  messages: readonly Message[],
  addGenerationPrompt: boolean,
  template = CHAT_TEMPLATE,
): string {
  const parsed = MessagesSchema.safeParse(messages);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`chat: messages[${issue.path.join("].")}: ${issue.message}`);
  }
  return new Template(template).render({
    messages: parsed.data,
    add_generation_prompt: addGenerationPrompt,
    eos_token: END_OF_TEXT,
  });
}

// What a tokenizer must do for us: text → ids, special tokens in the text recognised.
export type Encode = (text: string) => number[];

// A conversation ending in an assistant turn, as token ids and the mask of the assistant's
// own tokens (its content and the end-of-text that closes it): the tokens SFT learns.
//   ids  = encode(render(all but the last turn, add_generation_prompt)) ++ encode(answer) ++ [eos]
//   mask = 0 … 0                                                            1 … 1              1
// Encoding the pieces separately keeps the boundary exact; test/chat.test.ts checks that it
// gives the same ids as encoding the whole rendered conversation.
export function tokenizeChat(
  messages: readonly Message[],
  encode: Encode,
  eosId: number,
): { ids: number[]; assistantMask: number[]; promptLength: number } {
  const last = messages[messages.length - 1];
  if (!last || last.role !== "assistant")
    throw new UserError("chat: the last message must be the assistant's, the turn to learn");
  const prompt = encode(renderChat(messages.slice(0, -1), true));
  const answer = [...encode(last.content), eosId];
  return {
    ids: [...prompt, ...answer],
    assistantMask: [...prompt.map(() => 0), ...answer.map(() => 1)],
    promptLength: prompt.length,
  };
}
