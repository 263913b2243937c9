// The committed checkpoints (checkpoints/target, checkpoints/draft): they load,
// their three runtimes agree on real text, and the tokenizer is lab 01's
// byte-level BPE as transformers.js reads it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkpointDir, loadCheckpoint } from "../src/checkpoints.ts";
import { generate } from "../src/generate.ts";
import { logits, type GPT } from "../src/gpt.ts";
import { OrtGPT } from "../src/ort-runner.ts";
import { loadTextGeneration, loadTransformersTokenizer } from "../src/transformers-runner.ts";
import { countParams } from "../src/params.ts";
import { maxAbsDiff } from "./helpers.ts";

const have = ["target", "draft"].every((n) => existsSync(join(checkpointDir(n), "onnx", "model.onnx")));

describe.skipIf(!have)("committed checkpoints", () => {
  let target: GPT;
  let draft: GPT;
  let tok: Awaited<ReturnType<typeof loadTransformersTokenizer>>;
  beforeAll(async () => {
    target = loadCheckpoint(checkpointDir("target"));
    draft = loadCheckpoint(checkpointDir("draft"));
    tok = await loadTransformersTokenizer(checkpointDir("target"));
  });

  it("share one tokenizer; the draft is at least 4× cheaper per token", () => {
    expect(draft.config.vocab_size).toBe(target.config.vocab_size);
    // forward multiply-adds per token: 12·D² per block + D·V for the tied head
    const macs = (g: GPT) =>
      g.config.n_layer * 12 * g.config.n_embd ** 2 + g.config.n_embd * g.config.vocab_size;
    expect(macs(target) / macs(draft)).toBeGreaterThanOrEqual(4);
    expect(countParams(target.config)).toBeGreaterThan(4 * countParams(draft.config));
  });

  it("tokenizer: byte-level round trip of mixed English and Chinese, <|endoftext|> is the last id", () => {
    const text = "Lily found a golden key. 莉莉在门边发现了一把金色的钥匙！ 🙂";
    const ids: number[] = tok.encode(text, { add_special_tokens: false });
    expect(ids.every((i) => i >= 0 && i < 1023)).toBe(true);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode("<|endoftext|>", { add_special_tokens: false })).toEqual([target.config.eos_token_id]);
    expect(target.config.eos_token_id).toBe(target.config.vocab_size - 1);
  });

  for (const name of ["target", "draft"]) {
    it(`${name}: ORT logits match the TypeScript forward within 1e-4 on a real prompt`, async () => {
      const model = name === "target" ? target : draft;
      const prompt: number[] = tok.encode(
        "Once upon a time, there was a shy rabbit named Tom. 从前，有一只害羞的兔子",
        { add_special_tokens: false },
      );
      const ort = await OrtGPT.load(model.config, join(checkpointDir(name), "onnx", "model.onnx"));
      const o = (await ort.step(prompt, 1, ort.emptyCache(1))).logits;
      await ort.release();
      expect(maxAbsDiff(logits(model, [prompt]), o)).toBeLessThan(1e-4);
    });
  }

  it("target: the transformers.js text-generation pipeline writes what our greedy generation writes", async () => {
    const prompt = "Once upon a time, there was a brave panda named";
    const gen = await loadTextGeneration(checkpointDir("target"));
    const out = (await gen(prompt, { max_new_tokens: 40, do_sample: false })) as { generated_text: string }[];
    await gen.dispose();
    const ids: number[] = tok.encode(prompt, { add_special_tokens: false });
    const ours = tok.decode([...ids, ...generate(target, ids, { maxNewTokens: 40 })], {
      skip_special_tokens: true,
    });
    expect(out[0].generated_text).toBe(ours);
    expect(ours.length).toBeGreaterThan(prompt.length + 40); // it did continue the story
  });
});
