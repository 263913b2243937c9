import { describe, expect, it } from "vitest";
import { PreTrainedTokenizer } from "@huggingface/transformers";
import { bytesToTokenString } from "../src/bytes.ts";
import { tokenizerFromHfJson, tokenizerToHfJson } from "../src/hf-tokenizer-json.ts";
import { trainBpe } from "../src/train.ts";
import { corpus } from "../src/corpus.ts";
import { MIXED_TEXT } from "../src/samples.ts";
import { hfEncode } from "./hf-reference.ts";

// A tiny but valid byte-level tokenizer.json: the 256 bytes, then "Ġt" and "Ġth".
function tiny(): any {
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[bytesToTokenString([b])] = b;
  vocab["Ġt"] = 256;
  vocab["Ġth"] = 257;
  return {
    added_tokens: [
      {
        id: 258,
        content: "<|end|>",
        special: true,
        lstrip: false,
        rstrip: false,
        single_word: false,
        normalized: false,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, use_regex: true },
    model: { type: "BPE", vocab, merges: ["Ġ t", ["Ġt", "h"]] },
  };
}

describe("loading tokenizer.json", () => {
  it("reads a tiny file: both merge spellings, added tokens", () => {
    const tok = tokenizerFromHfJson(tiny());
    expect(tok.encode(" the<|end|>")).toEqual([257, 101, 258]);
    expect(tok.decode([257, 101, 258])).toBe(" the<|end|>");
  });

  it("explains a missing model", () => {
    const json = tiny();
    delete json.model;
    expect(() => tokenizerFromHfJson(json)).toThrow('tokenizer.json: model: the "model" section is missing');
  });

  it("explains an unknown model type", () => {
    const json = tiny();
    json.model.type = "WordPiece";
    expect(() => tokenizerFromHfJson(json)).toThrow(
      'tokenizer.json: model type "WordPiece" is not supported; this loader reads byte-level BPE models ("type": "BPE") only',
    );
  });

  it("explains a merge that refers to a token not in the vocabulary", () => {
    const json = tiny();
    json.model.merges.push("Ġth zz");
    expect(() => tokenizerFromHfJson(json)).toThrow(
      'tokenizer.json: model.merges[2] "Ġth zz" refers to "zz", which is not in model.vocab',
    );
  });

  it("explains a merge whose result is not in the vocabulary", () => {
    const json = tiny();
    json.model.merges.push(["a", "b"]);
    expect(() => tokenizerFromHfJson(json)).toThrow(
      'model.merges[2] "a b" makes "ab", which is not in model.vocab',
    );
  });

  it("explains a merge written neither way", () => {
    const json = tiny();
    json.model.merges.push("abc");
    expect(() => tokenizerFromHfJson(json)).toThrow(
      'model.merges[2]: "abc" is not two tokens separated by one space',
    );
  });

  it("explains a vocabulary that is not byte-level", () => {
    const json = tiny();
    json.model.vocab["你好"] = 300;
    expect(() => tokenizerFromHfJson(json)).toThrow(
      /token "你好" \(id 300\) contains "你" \(U\+4F60\), which is not one of GPT-2's 256 byte characters/,
    );
  });

  it("explains bad ids, unsupported normalizers and pre-tokenizers, and a non-object", () => {
    const badId = tiny();
    badId.model.vocab["Ġt"] = -1;
    expect(() => tokenizerFromHfJson(badId)).toThrow(
      'model.vocab: token "Ġt" has id -1; ids are integers >= 0',
    );
    const norm = tiny();
    norm.normalizer = { type: "BertNormalizer" };
    expect(() => tokenizerFromHfJson(norm)).toThrow(
      'normalizer: normalizer type "BertNormalizer" is not supported',
    );
    const pre = tiny();
    pre.pre_tokenizer = { type: "Whitespace" };
    expect(() => tokenizerFromHfJson(pre)).toThrow(
      'pre_tokenizer: pre-tokenizer type "Whitespace" is not supported',
    );
    const noByteLevel = tiny();
    noByteLevel.pre_tokenizer = { type: "Split", pattern: { Regex: "\\s+" }, behavior: "Isolated" };
    expect(() => tokenizerFromHfJson(noByteLevel)).toThrow("pre_tokenizer has no ByteLevel step");
    const fallback = tiny();
    fallback.model.byte_fallback = true;
    expect(() => tokenizerFromHfJson(fallback)).toThrow(/byte_fallback is true/);
    expect(() => tokenizerFromHfJson([])).toThrow("tokenizer.json: expected a JSON object at the top level");
    expect(() => tokenizerFromHfJson({ model: "BPE" })).toThrow('model: "model" must be an object');
  });
});

describe("saving tokenizer.json", () => {
  it("writes a trained tokenizer that transformers.js reads back to the same ids", () => {
    const { tokenizer } = trainBpe(corpus(8, 30_000, "mixed"), {
      vocabSize: 350,
      specialTokens: ["<|endoftext|>"],
    });
    const json = tokenizerToHfJson(tokenizer);
    const reference = new PreTrainedTokenizer(json, {});
    const text = MIXED_TEXT + "<|endoftext|>";
    const ids = tokenizer.encode(text);
    expect(hfEncode(reference, text)).toEqual(ids);
    expect(tokenizerFromHfJson(JSON.parse(JSON.stringify(json))).encode(text)).toEqual(ids);
    expect(reference.decode(ids)).toBe(text);
  });
});
