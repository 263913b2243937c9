import { beforeAll, describe, expect, it } from "vitest";
import { checkpointDir, generateCorpus, TRAIN_SEED } from "@llm-labs/model";
import { Detokenizer } from "../src/detokenizer.ts";
import { loadTokenizer, type Tokenizer } from "../src/models.ts";

let tok: Tokenizer;
let ids: number[]; // a Chinese paragraph of the corpus, encoded
let split: number; // a token of it that ends inside a character
beforeAll(async () => {
  tok = await loadTokenizer(checkpointDir("llama"));
  // every story is an English paragraph, then a Chinese one
  const zh = generateCorpus(TRAIN_SEED, 2000).split("<|endoftext|>")[0].split("\n")[1];
  ids = tok.encode(zh);
  // found by search, not assumed: the first prefix that decodes to a partial character
  split = ids.findIndex((_, i) => tok.decode(ids.slice(0, i + 1)).endsWith("\uFFFD"));
});

describe("incremental detokenization", () => {
  it("the corpus has a token that ends inside a character (what the detokenizer is for)", () => {
    expect(split).toBeGreaterThan(0);
    expect(tok.decode(ids.slice(0, split + 1)).endsWith("\uFFFD")).toBe(true);
    // a CJK character is 3 bytes of UTF-8: the whole paragraph decodes cleanly
    expect(tok.decode(ids)).not.toContain("\uFFFD");
  });

  it("holds back a partial character, then sends it whole", () => {
    const d = new Detokenizer(tok.decode);
    const before = ids
      .slice(0, split)
      .map((id) => d.push(id))
      .join("");
    expect(before).toBe(tok.decode(ids.slice(0, split)));
    expect(d.push(ids[split])).toBe(""); // the first bytes of a character: nothing to send yet
    // the token(s) that complete it bring the whole character at once
    let next = "";
    for (let i = split + 1; next === ""; i++) next = d.push(ids[i]);
    expect(next).not.toContain("\uFFFD");
    expect(next.length).toBeGreaterThan(0);
  });

  it("the pieces, joined, are the decoded text, without a U+FFFD anywhere", () => {
    const d = new Detokenizer(tok.decode);
    const pieces = ids.map((id) => d.push(id));
    pieces.push(d.flush());
    expect(pieces.join("")).toBe(tok.decode(ids));
    expect(pieces.some((p) => p.includes("\uFFFD"))).toBe(false);
    expect(pieces.filter((p) => p === "").length).toBeGreaterThan(0); // something was held back
  });

  it("flush() sends what is held when the stream ends inside a character", () => {
    const d = new Detokenizer(tok.decode);
    const cut = ids.slice(0, split + 1);
    const sent = cut.map((id) => d.push(id)).join("");
    const rest = d.flush();
    expect(rest.endsWith("\uFFFD")).toBe(true);
    expect(sent + rest).toBe(tok.decode(cut));
    expect(d.flush()).toBe(""); // nothing is sent twice
  });

  it("English streams token by token, nothing held", () => {
    const en = tok.encode("Once upon a time, there was a cat.");
    const d = new Detokenizer(tok.decode);
    const pieces = en.map((id) => d.push(id));
    expect(pieces).toEqual(en.map((id) => tok.decode([id])));
  });

  it("leaves the end-of-text token out, as the server's answers do", () => {
    const d = new Detokenizer(tok.decode);
    const cat = tok.encode(" cat");
    expect(cat.map((id) => d.push(id)).join("") + d.push(tok.eosId) + d.flush()).toBe(" cat");
  });
});
