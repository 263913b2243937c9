// npm run lab evaluation [-- --items N] [--out DIR] [--results FILE]
//
// The lab's story in one run (about two minutes): perplexity with windows and a stride,
// in bits per byte; the benchmark and its answer key; every course model scored like the
// harness, with standard errors and calibration; the same questions under other
// templates; generation tasks; contamination by n-gram overlap and by a leaked copy.
// Writes the README's plots into plots/ and the harness-shaped results JSON into --out.

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDirs } from "@llm-labs/errors";
import { intFlag, parseFlags, runScript, svgLinePlot, table, writeSvg } from "@llm-labs/kit";
import {
  type AnySpecimen,
  generateCorpus,
  heldoutTokens,
  type GPT,
  TRAIN_SEED,
  trainTokens,
  unigramLoss,
} from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { bitsPerByte, byteBigramNll, bytesOf, specimenByteLengths } from "./bits-per-byte.ts";
import { bootstrapStderr, mean, meanStderr } from "./bootstrap.ts";
import { LETTERS, makeBenchmark, type McItem, options } from "./benchmark.ts";
import { calibration } from "./calibration.ts";
import { answeredText, contaminatedCopy } from "./contamination.ts";
import { exactMatch, generateUntil } from "./generation.ts";
import { evaluateTask, type ItemResult } from "./harness.ts";
import { checkResponse, ifevalMetrics } from "./ifeval.ts";
import { SpecimenLM, specimenTokenizer } from "./lm.ts";
import { COURSE_MODELS, parameterCount } from "./models.ts";
import { ngramIndex, ngramOverlap } from "./ngram.ts";
import { harnessResults, readResults, type TaskMetrics } from "./results.ts";
import { slidingWindowNll } from "./sliding-window.ts";
import { genItems, ifevalPrompts } from "./tasks.ts";
import { template, TEMPLATES } from "./templates.ts";

const USAGE = "npm run lab evaluation [-- --items N] [--out DIR] [--results FILE]";
const plot = (name: string) => fileURLToPath(new URL(`../plots/${name}`, import.meta.url));
const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const f = (x: number, d = 3) => x.toFixed(d);
const pm = (x: number, se: number) => `${f(x)} ± ${f(se)}`;
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

runScript(async () => {
  const { values } = parseFlags(
    process.argv.slice(2),
    { items: { type: "string" }, out: { type: "string" }, results: { type: "string" } },
    USAGE,
  );
  if (values.results) {
    // a results file, the harness's or ours: checked, then shown as a table
    const r = readResults(values.results);
    const rows = Object.entries(r.results).flatMap(([task, m]) =>
      Object.entries(m)
        .filter(([k]) => k.includes(",") && !k.includes("_stderr"))
        .map(([k, v]) => [task, k, String(v), String(m[k.replace(",", "_stderr,")] ?? "")]),
    );
    console.log(table(["task", "metric", "value", "stderr"], rows));
    return;
  }
  const perSubject = intFlag("items", values.items, { min: 2, max: 200 }) ?? 20;
  const outDir = values.out ?? join(tmpdir(), "llm-labs-evaluation");
  // before the minutes of work, so that a folder that cannot be made is one line at once
  makeDirs(outDir);
  const t00 = performance.now();
  const tok = await specimenTokenizer();
  const byteLengths = specimenByteLengths();
  const models = new Map<string, AnySpecimen>();
  for (const m of COURSE_MODELS) models.set(m.id, await m.build());
  const lmOf = (id: string) => new SpecimenLM(id, models.get(id)!);

  // ---------------------------------------------------------------- 1. perplexity
  heading("1. Perplexity of fixed-length models: the stride curve (1,024 held-out tokens)");
  const heldout = await heldoutTokens(1024);
  const bytes = bytesOf(heldout, byteLengths);
  const curve: { name: string; points: [number, number][] }[] = [];
  const pplRows: (string | number)[][] = [];
  const windowed = (id: string, W: number, s: number) => {
    const lm = lmOf(id);
    return slidingWindowNll((ids) => lm.logits(ids), heldout, lm.vocabSize, W, s);
  };
  for (const [id, W, strides] of [
    ["target", 128, [128, 64, 32, 16]],
    ["llama", 128, [128, 64, 32, 16]],
    ["llama", 512, [512, 256, 128, 64]],
  ] as const) {
    const points: [number, number][] = [];
    for (const s of strides) {
      const w = windowed(id, W, s);
      const ppl = Math.exp(w.nll / w.count);
      points.push([s, ppl]);
      pplRows.push([
        id,
        W,
        s,
        w.windows,
        w.forwardTokens,
        f(w.nll / w.count, 4),
        f(ppl, 4),
        f(bitsPerByte(w.nll, bytes), 4),
      ]);
    }
    curve.push({ name: `${id}, window ${W}`, points });
  }
  console.log(
    table(
      ["model", "window", "stride", "passes", "tokens run", "loss (nats)", "perplexity", "bits/byte"],
      pplRows,
    ),
  );
  writeSvg(
    plot("stride.svg"),
    svgLinePlot({
      title: "Held-out perplexity against the stride",
      xLabel: "stride (tokens)",
      yLabel: "perplexity",
      series: curve,
    }),
  );
  // the same text under other "tokenizers": a unigram over tokens and a bigram over bytes
  const trainIds = await trainTokens(50_000);
  const uni = unigramLoss(trainIds, heldout, 1024) * (heldout.length - 1);
  const enc = new TextEncoder();
  const heldText = enc.encode(tok.decode(heldout.slice(1)));
  const bb = byteBigramNll(enc.encode(generateCorpus(TRAIN_SEED, 400_000)), heldText);
  const t64 = windowed("target", 128, 64);
  console.log(
    table(
      ["model", "unit", "per-unit perplexity", "bits/byte"],
      [
        ["target, stride 64", "token", f(Math.exp(t64.nll / t64.count)), f(bitsPerByte(t64.nll, bytes))],
        ["unigram over tokens", "token", f(Math.exp(uni / (heldout.length - 1))), f(bitsPerByte(uni, bytes))],
        ["bigram over bytes", "byte", f(Math.exp(bb.nll / bb.count)), f(bitsPerByte(bb.nll, bb.count))],
      ],
    ),
  );
  console.log(
    `(${bytes} bytes in ${heldout.length - 1} scored tokens: ${f(bytes / (heldout.length - 1), 2)} bytes per token)`,
  );

  // ---------------------------------------------------------------- 2. the benchmark
  heading(`2. The benchmark: 6 subjects × ${perSubject} questions × 2 variants, C-Eval's row format`);
  const test = {
    "train-like": makeBenchmark("train-like", "test", perSubject),
    "held-out": makeBenchmark("held-out", "test", perSubject),
  };
  const dev = {
    "train-like": makeBenchmark("train-like", "dev", 5),
    "held-out": makeBenchmark("held-out", "dev", 5),
  };
  for (const item of [test["train-like"][0], test["held-out"][perSubject * 4]])
    console.log(JSON.stringify(item));

  // ---------------------------------------------------------------- 3. scoring like the harness
  heading("3. One question scored like the harness (target, cloze, 0-shot)");
  const example = evaluateTask(lmOf("target"), tok, [test["train-like"][0]], template("cloze"))[0];
  console.log(
    table(
      ["option", "ℓ = log p(option | question)", "characters", "ℓ / characters"],
      options(test["train-like"][0]).map((o, i) => [
        `${LETTERS[i]}. ${o}${i === example.gold ? " (gold)" : ""}`,
        f(example.lls[i], 4),
        [...o].length,
        f(example.lls[i] / [...o].length, 4),
      ]),
    ),
  );
  console.log(
    `acc ${example.acc}, acc_norm ${example.accNorm}, confidence softmax(ℓ)[pred] = ${f(example.confidence)}`,
  );

  // ---------------------------------------------------------------- 4 + 5. every model
  heading("4. Every course model on the same questions (held-out variant, cloze 0-shot), with stderr");
  const tableRows: string[][] = [];
  const reliability: { name: string; points: [number, number][] }[] = [
    {
      name: "perfect calibration",
      points: [
        [0.25, 0.25],
        [1, 1],
      ],
    },
  ];
  const mcByModel = new Map<string, Record<string, ItemResult[]>>();
  for (const m of COURSE_MODELS) {
    const t0 = performance.now();
    const lm = lmOf(m.id);
    const res = {
      "train-like": evaluateTask(lm, tok, test["train-like"], template("cloze")),
      "held-out": evaluateTask(lm, tok, test["held-out"], template("cloze")),
    };
    mcByModel.set(m.id, res);
    const ho = res["held-out"];
    const acc = ho.map((r) => r.acc);
    const accNorm = ho.map((r) => r.accNorm);
    const cal = calibration(
      ho.map((r) => r.confidence),
      acc,
    );
    const eceSe = bootstrapStderr(
      ho,
      (s) =>
        calibration(
          s.map((r) => r.confidence),
          s.map((r) => r.acc),
        ).ece,
      500,
      new Rng(5),
    );
    // generation: exact match on the Chinese questions, IFEval rules on story openings
    const gen = genItems(test["held-out"]);
    const em = gen.map((g) => exactMatch(generateUntil(lm, tok, g.context, g.until, 8), g.answer));
    const prompts = ifevalPrompts(20);
    const ife = ifevalMetrics(
      prompts.map((p) => checkResponse(generateUntil(lm, tok, p.prompt, [], 40), p.instructions)),
    );
    const w = slidingWindowNll((ids) => lm.logits(ids), heldout, lm.vocabSize, 128, 64);
    tableRows.push([
      m.id,
      m.from,
      (parameterCount(models.get(m.id)!) / 1e6).toFixed(2) + " M",
      f(Math.exp(w.nll / w.count)),
      f(bitsPerByte(w.nll, bytes)),
      pm(mean(res["train-like"].map((r) => r.acc)), meanStderr(res["train-like"].map((r) => r.acc))),
      pm(mean(acc), meanStderr(acc)),
      pm(mean(accNorm), meanStderr(accNorm)),
      pm(cal.ece, eceSe),
      pm(mean(em), meanStderr(em)),
      f(mean(ife.prompt_level_strict_acc), 2),
      secs(t0),
    ]);
    if (m.id === "target" || m.id === "llama" || m.id === "draft")
      reliability.push({
        name: m.id,
        points: cal.bins
          .filter((b) => b.count > 0)
          .map((b) => [b.confidence, b.accuracy] as [number, number]),
      });
    const tasks: TaskMetrics[] = [
      {
        task: "world_mc_train_like",
        shots: 0,
        n: perSubject * 6,
        outputType: "multiple_choice",
        metrics: {
          acc: res["train-like"].map((r) => r.acc),
          acc_norm: res["train-like"].map((r) => r.accNorm),
        },
      },
      {
        task: "world_mc_held_out",
        shots: 0,
        n: ho.length,
        outputType: "multiple_choice",
        metrics: { acc, acc_norm: accNorm },
      },
      {
        task: "world_gen",
        shots: 0,
        n: gen.length,
        outputType: "generate_until",
        metrics: { exact_match: em },
      },
      { task: "world_ifeval", shots: 0, n: prompts.length, outputType: "generate_until", metrics: ife },
    ];
    writeFileSync(
      join(outDir, `results-${m.id}.json`),
      JSON.stringify(harnessResults(m.id, tasks), null, 2) + "\n",
    );
  }
  console.log(
    table(
      [
        "model",
        "from",
        "params",
        "ppl (W128 s64)",
        "bits/byte",
        "acc train-like",
        "acc held-out",
        "acc_norm held-out",
        "ECE",
        "exact match",
        "IFEval strict",
        "time",
      ],
      tableRows,
    ),
  );
  console.log(
    `chance is 0.250; results JSON (lm-evaluation-harness's shape) in ${outDir}/results-<model>.json`,
  );
  const ho = mcByModel.get("target")!["held-out"].map((r) => r.acc);
  console.log(
    `stderr of the target's held-out acc: closed form s/√n = ${f(meanStderr(ho), 4)}, bootstrap (2,000 resamples) = ${f(bootstrapStderr(ho, mean, 2000, new Rng(9)), 4)}`,
  );
  const subjects = [...new Set(test["held-out"].map((i) => i.subject))];
  console.log(
    table(
      ["subject", ...COURSE_MODELS.map((m) => m.id)],
      subjects.map((s) => [
        s,
        ...COURSE_MODELS.map((m) =>
          f(
            mean(
              mcByModel
                .get(m.id)!
                ["held-out"].filter((r) => r.subject === s)
                .map((r) => r.acc),
            ),
            2,
          ),
        ),
      ]),
    ),
  );
  writeSvg(
    plot("reliability.svg"),
    svgLinePlot({
      title: "Reliability diagram (held-out, 10 bins; empty bins left out)",
      xLabel: "mean confidence in the bin",
      yLabel: "accuracy in the bin",
      series: reliability,
    }),
  );

  // ---------------------------------------------------------------- 5. prompt sensitivity
  heading("5. Prompt sensitivity: the held-out questions under five templates");
  const sensRows: string[][] = [];
  const spread = new Map<string, number[]>();
  for (const t of TEMPLATES) {
    const row = [t.label];
    for (const id of ["target", "llama"]) {
      const r = evaluateTask(lmOf(id), tok, test["held-out"], t, dev["held-out"]);
      const acc = r.map((x) => x.acc);
      row.push(pm(mean(acc), meanStderr(acc)), f(mean(r.map((x) => x.accNorm))));
      spread.set(id, [...(spread.get(id) ?? []), mean(acc)]);
      if (t.id.startsWith("letters") && id === "target")
        row.push(LETTERS.map((l, i) => `${l} ${r.filter((x) => x.pred === i).length}`).join(" "));
    }
    sensRows.push(row);
  }
  console.log(
    table(
      ["template", "target acc", "acc_norm", "llama acc", "acc_norm", "target's letters"],
      sensRows.map((r) => (r.length === 5 ? [...r, ""] : [r[0], r[1], r[2], r[4], r[5], r[3]])),
    ),
  );
  for (const [id, xs] of spread)
    console.log(`${id}: acc moves by ${f(Math.max(...xs) - Math.min(...xs))} between templates`);
  const answerLetters = LETTERS.map(
    (l) => `${l} ${test["held-out"].filter((i) => i.answer === l).length}`,
  ).join(" ");
  console.log(`the answer key's letters: ${answerLetters}`);

  // ---------------------------------------------------------------- 6. contamination
  heading("6. Contamination: n-gram overlap with the training text, and a copy that read the test");
  const t6 = performance.now();
  const n = 8;
  const index = ngramIndex(generateCorpus(TRAIN_SEED, 4_000_000), n);
  const overlapRows: string[][] = [];
  for (const v of ["train-like", "held-out"] as const) {
    const ov = test[v].map((i) => ngramOverlap(answeredText([i]), index, n).fraction);
    const dirty = ov.map((x) => (x > 0 ? 1 : 0));
    const acc = mcByModel.get("target")![v].map((r) => r.acc);
    const sub = (flag: number) => acc.filter((_, i) => dirty[i] === flag);
    overlapRows.push([
      v,
      f(mean(ov)),
      `${dirty.filter(Boolean).length} / ${ov.length}`,
      `${f(mean(ov.map((x) => (x === 1 ? 1 : 0))))}`,
      sub(1).length ? f(mean(sub(1))) : "–",
      sub(0).length ? f(mean(sub(0))) : "–",
    ]);
  }
  console.log(
    `(${index.size.toLocaleString("en-US")} distinct ${n}-grams in the 4,000,000-character train split; ${secs(t6)})`,
  );
  console.log(
    table(
      [
        "variant",
        `mean ${n}-gram overlap`,
        "any n-gram found (GPT-3's flag)",
        "fully found",
        "target acc, flagged",
        "target acc, clean",
      ],
      overlapRows,
    ),
  );
  // the leaked copy: the draft fine-tuned on the held-out test with its answers
  const t7 = performance.now();
  const steps = 40;
  const draft = models.get("draft") as GPT;
  const { model: leaked, losses } = contaminatedCopy(draft, tok, test["held-out"], steps);
  const fresh = makeBenchmark("held-out", "fresh", perSubject);
  const leakedLm = new SpecimenLM("draft-leaked", leaked);
  const accOf = (lm: SpecimenLM, items: McItem[]) =>
    evaluateTask(lm, tok, items, template("cloze")).map((r) => r.acc);
  const rows7: string[][] = [];
  const gains: number[] = [];
  for (const [name, items] of [
    ["held-out test (leaked)", test["held-out"]],
    ["held-out fresh (same kind, unseen)", fresh],
    ["train-like test", test["train-like"]],
  ] as const) {
    const a = accOf(lmOf("draft"), [...items]);
    const b = accOf(leakedLm, [...items]);
    gains.push(mean(b) - mean(a));
    rows7.push([name, pm(mean(a), meanStderr(a)), pm(mean(b), meanStderr(b)), f(mean(b) - mean(a))]);
  }
  const wl = slidingWindowNll((ids) => leakedLm.logits(ids), heldout, 1024, 128, 64);
  const wd = slidingWindowNll((ids) => lmOf("draft").logits(ids), heldout, 1024, 128, 64);
  console.log(
    `draft fine-tuned ${steps} steps (8 × 64 tokens) on the ${test["held-out"].length} answered questions: loss ${f(losses[0])} → ${f(losses[losses.length - 1])} (${secs(t7)})`,
  );
  console.log(table(["questions", "draft acc", "leaked copy acc", "gain"], rows7));
  console.log(
    `contamination is worth ${f(gains[0] - gains[1])} of acc (the gain on the leaked questions minus the gain on fresh ones); held-out perplexity ${f(Math.exp(wd.nll / wd.count))} → ${f(Math.exp(wl.nll / wl.count))}`,
  );
  writeSvg(
    plot("contamination.svg"),
    svgLinePlot({
      title: "Fine-tuning on the test: its loss",
      xLabel: "step",
      yLabel: "training loss (nats)",
      series: [
        {
          name: "draft on the leaked questions",
          points: losses.map((l, i) => [i + 1, l] as [number, number]),
        },
      ],
    }),
  );
  console.log(
    `\nplots: plots/stride.svg, plots/reliability.svg, plots/contamination.svg · total ${secs(t00)}`,
  );
});
