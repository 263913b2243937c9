// npm run lab decoding
//
// The lab's story in one run (about 3 seconds): one prompt under every sampler;
// beam search against greedy on the specimen; a JSON object with and without the
// grammar; what the mask allows at each step and what jump-forward writes; and
// XGrammar's masks beside ours on the same generation.

import { table } from "@llm-labs/kit";
import { checkpointDir, forwardPass, loadTransformersTokenizer } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { beamSearch } from "./beam-search.ts";
import { generateConstrained } from "./constrained.ts";
import { forcedBytes } from "./jump-forward.ts";
import { compileJsonSchema } from "./json-schema.ts";
import { SpecimenLM } from "./lm.ts";
import { CompiledGrammar } from "./mask-cache.ts";
import { type Frame, feed, startFrame } from "./pushdown.ts";
import { generate, parseSamplingConfig, processLogits } from "./sampler.ts";
import { isValidStory, STORY_PROMPT, STORY_SCHEMA } from "./schemas.ts";
import { countBits, hasBit } from "./token-mask.ts";
import { specimenVocab, tokensToBytes } from "./vocab.ts";
import { xgCompiler, xgCompileJson } from "./xgrammar.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const t00 = performance.now();
const v = specimenVocab();
const tok = await loadTransformersTokenizer(checkpointDir("target"));
const encode = (s: string) => tok.encode(s, { add_special_tokens: false }) as number[];
const text = (ids: number[]) => new TextDecoder().decode(tokensToBytes(v, ids));
const lm = SpecimenLM.target();
const EOS = v.stop[0];

// ------------------------------------------------------------------ 1. samplers
heading('1. One prompt, nine ways to choose the next token ("One day,", seed 3, at most 28 new tokens)');
const prompt = encode("One day,");
const samplers: [string, Record<string, unknown>][] = [
  ["greedy", { do_sample: false }],
  ["temperature 1", {}],
  ["temperature 0.7", { temperature: 0.7 }],
  ["top-k 20", { top_k: 20 }],
  ["top-p 0.9", { top_p: 0.9 }],
  ["min-p 0.1", { min_p: 0.1 }],
  ["typical-p 0.9", { typical_p: 0.9 }],
  ["greedy, repetition penalty 1.3", { do_sample: false, repetition_penalty: 1.3 }],
  ["greedy, no repeated 3-gram", { do_sample: false, no_repeat_ngram_size: 3 }],
];
const first = lm.feed(prompt);
const rows: string[][] = [];
for (const [name, cfg] of samplers) {
  const c = parseSamplingConfig({ max_new_tokens: 28, ...cfg });
  const kept = [...processLogits(first, prompt, prompt.length, c, [EOS])].filter((x) => x > -Infinity).length;
  lm.reset();
  const out = generate((ids) => lm.feed(ids), prompt, c, [EOS], new Rng(3));
  rows.push([name, String(kept), String(out.ids.length), JSON.stringify(text(out.ids)).slice(0, 96)]);
}
console.log(table(["sampler", "tokens kept at step 1", "new tokens", "continuation"], rows));

// ------------------------------------------------------------------ 2. beam search
heading("2. Beam search on the specimen (12 new tokens, length penalty 1)");
const V = v.size;
const next = (seq: readonly number[]) => {
  const l = forwardPass(lm.model, [...seq], 1, seq.length);
  return Float32Array.from(l.subarray((seq.length - 1) * V, seq.length * V));
};
const short = encode("Once upon a time,");
const beamRows: (string | number)[][] = [];
const beamSums = new Map<number, number>();
for (const B of [1, 2, 4]) {
  const [h] = beamSearch(next, short, { numBeams: B, maxNewTokens: 12, eos: EOS, earlyStopping: true });
  beamSums.set(B, h.sumLogProbs);
  beamRows.push([
    B,
    Number(h.sumLogProbs.toFixed(3)),
    Number(h.score.toFixed(3)),
    JSON.stringify(text(h.tokens)),
  ]);
}
console.log(table(["beams", "Σ log p", "score Σ/L", "output"], beamRows));
const greedySum = beamSums.get(1) as number;
const wider = [2, 4].filter((B) => (beamSums.get(B) as number) > greedySum + 1e-9);
console.log(
  wider.length > 0
    ? `${wider.join(" and ")} beams find a sequence the model finds more likely than greedy's (a higher Σ log p).`
    : "No wider beam finds a higher Σ log p than greedy here (beams rank finished outputs by Σ/L, not Σ).",
);

// ------------------------------------------------------------------ 3. JSON with and without
heading("3. A JSON object of the story schema, with and without the grammar");
const storyPrompt = encode(STORY_PROMPT);
const cg = new CompiledGrammar(compileJsonSchema(STORY_SCHEMA), v);
const valid = isValidStory;
const free = generateConstrained(lm, v, storyPrompt, null, { maxNewTokens: 40, seed: 5 });
console.log(`no grammar:   ${JSON.stringify(free.text)}  → valid: ${valid(free.text)}`);
const bound = generateConstrained(lm, v, storyPrompt, cg, { maxNewTokens: 110, seed: 5 });
console.log(`grammar:      ${bound.text}  → valid: ${valid(bound.text)}`);
const jumped = generateConstrained(lm, v, storyPrompt, cg, { maxNewTokens: 110, seed: 5, jumpForward: true });
console.log(`+ jump-fwd:   ${jumped.text}  → valid: ${valid(jumped.text)}`);
console.log(
  `model calls: ${bound.modelCalls} for ${bound.ids.length} tokens without jump-forward, ` +
    `${jumped.modelCalls} for ${jumped.ids.length} with it (${jumped.forcedTokens} tokens forced)`,
);

// ------------------------------------------------------------------ 4. masks step by step
heading("4. What the mask allows, step by step (the jump-forward run above)");
let f: Frame | null = startFrame();
let pos = 0;
const stepRows: (string | number)[][] = [];
const bytesOf = (id: number) => v.bytes[id] as Uint8Array;
const jumpIds = jumped.ids;
while (f !== null && pos < jumpIds.length && stepRows.length < 14) {
  const forced = new TextDecoder().decode(forcedBytes(cg.grammar, f));
  const mask = cg.mask(f);
  stepRows.push([
    JSON.stringify(text(jumpIds.slice(0, pos))).slice(-28),
    countBits(mask),
    forced ? JSON.stringify(forced) : "",
    JSON.stringify(text([jumpIds[pos]])),
  ]);
  f = feed(cg.grammar, f, bytesOf(jumpIds[pos]));
  pos++;
}
console.log(table(["text so far (end)", "allowed of 1,024", "forced", "next token"], stepRows));

// ------------------------------------------------------------------ 5. XGrammar beside us
heading("5. XGrammar's masks on the same output, and the time per mask");
const { xg, compiler } = await xgCompiler(v);
const xcg = await xgCompileJson(compiler, STORY_SCHEMA);
const m = await xg.GrammarMatcher.createGrammarMatcher(xcg);
let same = 0;
let steps = 0;
let oursMs = 0;
let xgMs = 0;
f = startFrame();
for (const id of bound.ids) {
  let t = performance.now();
  const a = cg.mask(f as Frame);
  oursMs += performance.now() - t;
  t = performance.now();
  const b = await m.getNextTokenBitmask();
  xgMs += performance.now() - t;
  let eq = true;
  for (let k = 0; k < V && eq; k++) eq = hasBit(a, k) === hasBit(b, k);
  same += eq ? 1 : 0;
  steps++;
  m.acceptToken(id);
  f = feed(cg.grammar, f as Frame, bytesOf(id));
}
console.log(`${same} of ${steps} masks equal XGrammar's, bit for bit.`);
console.log(
  `µs per mask: ours ${((1000 * oursMs) / steps).toFixed(1)}, XGrammar ${((1000 * xgMs) / steps).toFixed(1)}; ` +
    `compile: ours ${cg.compileMs.toFixed(1)} ms. (bench/decoding.bench.ts measures Qwen3's 151k vocabulary too.)`,
);
console.log(`\nDemo done in ${((performance.now() - t00) / 1000).toFixed(1)} s.`);
