import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import type { PreTrainedTokenizer } from "@huggingface/transformers";
import { tokenizerFromHfJson } from "../src/hf-tokenizer-json.ts";
import { LENML_NAMES, type LenmlModel } from "../src/references.ts";
import type { Tokenizer } from "../src/tokenizer.ts";
import { MIXED_TEXT } from "../src/samples.ts";
import gpt2 from "js-tiktoken/ranks/gpt2";
import { Buffer } from "node:buffer";
import { bytesToTokenString } from "../src/bytes.ts";
import { parseJsTiktokenRanks } from "../src/tiktoken-ranks.ts";
import { hfEncode, hfReference } from "./hf-reference.ts";
import { firstDifference, randomUnicode } from "./util.ts";

// For each model, our loader and transformers.js read the same
// tokenizer.json from @lenml/tokenizer-<model>/models; both encode without
// adding special tokens (add_special_tokens: false), since BOS/EOS are the
// post-processor's business, not the tokenizer's.
const ADDED: Record<LenmlModel, string> = {
  qwen3: "x<|im_start|>user<think>y",
  llama3: "x<|start_header_id|>user<|end_header_id|>y",
  gpt4o: "x<|endoftext|>hi<|endofprompt|>y",
};

const loaded = new Map<LenmlModel, { json: any; reference: PreTrainedTokenizer; ours: Tokenizer }>();

// Parse each tokenizer.json once, and build both tokenizers from it (on first use, see `once` in util.ts).
function load(model: LenmlModel) {
  let entry = loaded.get(model);
  if (!entry) {
    const { json, reference } = hfReference(model);
    entry = { json, reference, ours: tokenizerFromHfJson(json, LENML_NAMES[model]) };
    loaded.set(model, entry);
  }
  return entry;
}

describe("exercise: byte-map", () => {
  it("writes bytes exactly as a real vocabulary does (GPT-2's first 256 ids, as Qwen3's tokenizer.json spells them)", () => {
    // js-tiktoken's GPT-2 ranks give the bytes of ids 0..255; Qwen3 kept
    // GPT-2's byte order, so its vocab file writes id i with the stand-in of
    // those same bytes. Two independent files, one map.
    const bytesOfId = new Map<number, Uint8Array>();
    for (const [b64, rank] of parseJsTiktokenRanks(gpt2.bpe_ranks))
      if (rank < 256) bytesOfId.set(rank, new Uint8Array(Buffer.from(b64, "base64")));
    const tokenOfId = new Map<number, string>();
    for (const [token, id] of Object.entries(load("qwen3").json.model.vocab as Record<string, number>))
      if (id < 256) tokenOfId.set(id, token);
    for (let id = 0; id < 256; id++)
      expect(bytesToTokenString(bytesOfId.get(id)!), `id ${id}`).toBe(tokenOfId.get(id));
  });
});

describe("exercise: encode-piece", () => {
  for (const model of ["qwen3", "llama3", "gpt4o"] as const) {
    describe(`${LENML_NAMES[model]} tokenizer.json vs transformers.js`, () => {
      it("gives 100% identical ids on the mixed test text", () => {
        const { ours, reference } = load(model);
        const got = ours.encode(MIXED_TEXT);
        const want = hfEncode(reference, MIXED_TEXT);
        expect(firstDifference(got, want)).toBe(-1);
        expect(got.length).toBeGreaterThan(100);
      });

      it("gives identical ids on 30 random Unicode strings", () => {
        const { ours, reference } = load(model);
        const rng = new Rng(21);
        for (let i = 0; i < 30; i++) {
          const s = randomUnicode(rng, 30);
          expect(ours.encode(s), JSON.stringify(s)).toEqual(hfEncode(reference, s));
        }
      });

      it("cuts added tokens out of the text first", () => {
        const { ours, reference } = load(model);
        expect(ours.encode(ADDED[model])).toEqual(hfEncode(reference, ADDED[model]));
      });
    });
  }
});
