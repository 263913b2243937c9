import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpointDir } from "@llm-labs/model";
import { CHAT_TEMPLATE, renderChat, tokenizeChat } from "../src/chat.ts";
import { SFT_SEED, sftExamples } from "../src/task.ts";
import { loadTokenizer } from "../src/tokenizer.ts";

type Tok = Awaited<ReturnType<typeof loadTokenizer>>;

describe("the chat template", () => {
  let tok: Tok;
  let dir: string;
  beforeAll(async () => {
    // a checkpoint folder's tokenizer files, with our template in tokenizer_config.json
    dir = mkdtempSync(join(tmpdir(), "llm-labs-chat-"));
    const from = checkpointDir("target");
    copyFileSync(join(from, "tokenizer.json"), join(dir, "tokenizer.json"));
    const config = JSON.parse(readFileSync(join(from, "tokenizer_config.json"), "utf8"));
    writeFileSync(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ ...config, chat_template: CHAT_TEMPLATE }),
    );
    tok = await loadTokenizer(dir);
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it("renders the layout written in chat.ts", () => {
    const text = renderChat(
      [
        { role: "user", content: "Hi." },
        { role: "assistant", content: "Hello." },
      ],
      false,
    );
    expect(text).toBe("<|user|>\nHi.<|endoftext|>\n<|assistant|>\nHello.<|endoftext|>\n");
    expect(renderChat([{ role: "user", content: "Hi." }], true)).toBe(
      "<|user|>\nHi.<|endoftext|>\n<|assistant|>\n",
    );
  });

  it("equals transformers.js's apply_chat_template on the saved folder", () => {
    for (const { messages } of sftExamples(SFT_SEED, 20)) {
      expect(renderChat(messages, false)).toBe(tok.applyChatTemplate(messages, false));
      expect(renderChat(messages.slice(0, 1), true)).toBe(tok.applyChatTemplate(messages.slice(0, 1), true));
    }
  });

  it("tokenizing piece by piece gives the ids of the whole rendered chat, and masks the answer", () => {
    for (const { messages } of sftExamples(SFT_SEED + 1, 30)) {
      const { ids, assistantMask, promptLength } = tokenizeChat(messages, tok.encode, tok.eosId);
      // the whole conversation rendered and encoded at once, less its final "\n"
      const whole = tok.encode(renderChat(messages, false).replace(/\n$/, ""));
      expect(ids).toEqual(whole);
      const answer = tok.encode(messages[1].content);
      expect(assistantMask.reduce((a, b) => a + b, 0)).toBe(answer.length + 1); // the answer and its end-of-text
      expect(ids.slice(promptLength)).toEqual([...answer, tok.eosId]);
      expect(assistantMask.slice(0, promptLength).every((m) => m === 0)).toBe(true);
    }
  });

  it("refuses a malformed conversation with one line", () => {
    expect(() => renderChat([{ role: "robot", content: "x" } as never], true)).toThrow(/messages\[0\]\.role/);
    expect(() => tokenizeChat([{ role: "user", content: "x" }], tok.encode, tok.eosId)).toThrow(
      "chat: the last message must be the assistant's, the turn to learn",
    );
  });
});
