// npx tsx bench/decoding.bench.ts   (or: npm run bench -- --only labs/13-decoding)
//
// One run of the lab's measurements (about 1.5 minutes on 2 quiet cores):
//   1. set-up and compile times, ours and XGrammar's, on the specimen's 1,024 tokens
//      and Qwen3's 151,669, for the story schema and the sentence regex
//   2. microseconds per token mask along the same walks (random tokens drawn from the
//      mask, seeded), ours and XGrammar's getNextTokenBitmask; both return a fresh
//      Int32Array each step, and the bench counts the steps where the two are equal
//   3. 200 seeded generations with the specimen under the story schema, with and
//      without jump-forward, every output checked by JSON.parse and ajv, and 200
//      without the grammar: the share that is valid JSON of the schema

import { table, ratioLine } from "@llm-labs/kit";
import { checkpointDir, loadTransformersTokenizer } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import type * as XG from "@mlc-ai/web-xgrammar";
import { generateConstrained } from "../src/constrained.ts";
import { compileRegex, type Grammar } from "../src/grammar.ts";
import { compileJsonSchema } from "../src/json-schema.ts";
import { SpecimenLM } from "../src/lm.ts";
import { CompiledGrammar } from "../src/mask-cache.ts";
import { feed, type Frame, startFrame } from "../src/pushdown.ts";
import { isValidStory, SENTENCE_REGEX, STORY_PROMPT, STORY_SCHEMA } from "../src/schemas.ts";
import { maskToIds } from "../src/token-mask.ts";
import { buildTrie } from "../src/trie.ts";
import { qwen3Vocab, specimenVocab, type Vocab } from "../src/vocab.ts";
import { loadXGrammar, xgCompileJson } from "../src/xgrammar.ts";

const log = (s: string) => process.stderr.write(`${s}\n`);
const ms = (t0: number) => performance.now() - t0;
const xg = await loadXGrammar();

const speedRows: (string | number)[][] = [];
const ratios: string[] = [];
for (const load of [specimenVocab, qwen3Vocab]) {
  let t0 = performance.now();
  const v: Vocab = load();
  const trie = buildTrie(v);
  const oursSetup = ms(t0);
  t0 = performance.now();
  const info = await xg.TokenizerInfo.createTokenizerInfo(v.strings, "byte_level", false, v.size, v.stop);
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info, false); // no cache: time each compile
  const xgSetup = ms(t0);
  log(`${v.name}: set-up ours ${oursSetup.toFixed(0)} ms (vocab + trie), XGrammar ${xgSetup.toFixed(0)} ms`);
  const cases: [string, () => Grammar, () => Promise<XG.CompiledGrammar>][] = [
    ["story schema", () => compileJsonSchema(STORY_SCHEMA), () => xgCompileJson(compiler, STORY_SCHEMA)],
    [
      "sentence regex",
      () => compileRegex(SENTENCE_REGEX),
      () => compiler.compileStructuralTag({ type: "regex", pattern: SENTENCE_REGEX }),
    ],
  ];
  for (const [name, ours, theirs] of cases) {
    t0 = performance.now();
    const cg = new CompiledGrammar(ours(), v, trie);
    const oursCompile = ms(t0);
    t0 = performance.now();
    const xcg = await theirs();
    const xgCompile = ms(t0);
    // The same walks for both: 20 runs, tokens drawn from XGrammar's mask.
    const rng = new Rng(7);
    let oursMs = 0;
    let xgMs = 0;
    let steps = 0;
    let equal = 0;
    for (let run = 0; run < 20; run++) {
      const m = await xg.GrammarMatcher.createGrammarMatcher(xcg);
      let f: Frame | null = startFrame();
      for (let step = 0; step < 120 && f !== null; step++) {
        let t1 = performance.now();
        const a = cg.mask(f);
        oursMs += ms(t1);
        t1 = performance.now();
        const b = await m.getNextTokenBitmask();
        xgMs += ms(t1);
        steps++;
        if (a.length === b.length && a.every((w, i) => w === b[i])) equal++;
        const ids = maskToIds(b, v.size);
        const id = ids[Math.floor(rng.next() * ids.length)];
        if (v.stop.includes(id) || !m.acceptToken(id)) break;
        f = feed(cg.grammar, f, v.bytes[id] as Uint8Array);
      }
      m.dispose();
    }
    const us = (x: number) => (1000 * x) / steps;
    speedRows.push([
      v.name,
      name,
      Number(oursCompile.toFixed(1)),
      Number(xgCompile.toFixed(1)),
      Number(us(oursMs).toFixed(1)),
      Number(us(xgMs).toFixed(1)),
      Number((oursMs / xgMs).toFixed(2)),
      steps,
      `${equal}/${steps}`,
    ]);
    ratios.push(ratioLine(`mask-ours-over-xgrammar-${v.name}-${name.replace(/ /g, "-")}`, oursMs / xgMs));
    log(`  ${name}: ${speedRows[speedRows.length - 1].join("  ")}`);
  }
  speedRows.push([
    v.name,
    "(set-up: vocab + trie / TokenizerInfo + compiler)",
    Number(oursSetup.toFixed(0)),
    Number(xgSetup.toFixed(0)),
    "",
    "",
    "",
    "",
    "",
  ]);
}
console.log("\nSpeed: compile in ms, masks in µs per step (mean over the walks, one run)\n");
console.log(
  table(
    [
      "vocabulary",
      "grammar",
      "compile ours",
      "compile XGrammar",
      "µs/mask ours",
      "µs/mask XGrammar",
      "ours ÷ XGrammar",
      "steps",
      "masks equal",
    ],
    speedRows,
  ),
);

// 3. generations
const v = specimenVocab();
const tok = await loadTransformersTokenizer(checkpointDir("target"));
const prompt = tok.encode(STORY_PROMPT, { add_special_tokens: false }) as number[];
const cg = new CompiledGrammar(compileJsonSchema(STORY_SCHEMA), v);
const lm = SpecimenLM.target();
const isValid = isValidStory;
const N = 200;
const genRows: (string | number)[][] = [];
const samples: string[] = [];
for (const [name, grammar, jf] of [
  ["no grammar", null, false],
  ["grammar", cg, false],
  ["grammar + jump-forward", cg, true],
] as const) {
  const t0 = performance.now();
  let valid = 0;
  let calls = 0;
  let tokens = 0;
  let forced = 0;
  for (let seed = 0; seed < N; seed++) {
    const r = generateConstrained(lm, v, prompt, grammar, {
      maxNewTokens: grammar ? 110 : 60,
      seed,
      jumpForward: jf,
    });
    if (r.finished && isValid(r.text)) valid++;
    calls += r.modelCalls;
    tokens += r.ids.length;
    forced += r.forcedTokens;
    if (seed < 2) samples.push(`${name}, seed ${seed}: ${JSON.stringify(r.text)}`);
  }
  genRows.push([
    name,
    `${valid}/${N}`,
    Number((tokens / N).toFixed(1)),
    Number((calls / N).toFixed(1)),
    Number((forced / N).toFixed(1)),
    Number((ms(t0) / N).toFixed(0)),
  ]);
  log(`generations ${name}: ${genRows[genRows.length - 1].join("  ")}`);
}
console.log(`\n${N} seeded generations with the specimen (temperature 1), story schema\n`);
console.log(
  table(
    [
      "decoding",
      "valid (JSON.parse + ajv)",
      "tokens/output",
      "model calls/output",
      "forced tokens/output",
      "ms/output",
    ],
    genRows,
  ),
);
console.log(`\n${samples.join("\n")}\n`);
for (const r of ratios) console.log(r);
