// npm run lab peft            (or: npx tsx src/demo.ts [--steps N])
//
// The lab's story in one run, about a minute and a half: what each method of the family
// trains and what it costs at inference; five of them trained on lab 05's Q&A task with the
// same data, steps and seed; the trained P-tuning v2 prefix handed to ONNX Runtime as
// past_key_values, answering a question the base model cannot; and the adapters written in
// Hugging Face PEFT's format and read back. The whole table (ten methods, learning rates
// tried, the budget sweep) is bench/methods.bench.ts.

import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAdapter,
  DEMO_TRAIN,
  ORIGINAL_EVAL_TOKENS,
  qaText,
  qaTokens,
  TASK_EVAL_TOKENS,
  TASK_HELDOUT_SEED,
  TASK_TRAIN_SEED,
  TASK_TRAIN_TOKENS,
  trainPeft,
  type Peft,
} from "@llm-labs/lab-lora";
import { intFlag, parseFlags, progressBar, runScript, sparkline, table } from "@llm-labs/kit";
import {
  checkpointDir,
  forwardPass,
  generate,
  heldoutTokens,
  loadCheckpoint,
  loadTransformersTokenizer,
  OrtGPT,
  type Floats,
  type GPT,
} from "@llm-labs/model";
import { maxAbsDiff } from "@llm-labs/tensor";
import { effectiveModel, methodPerplexity } from "./evaluate.ts";
import { loadPeftAdapter, savePeftAdapter } from "./peft-format.ts";
import { prefixCache } from "./prefix.ts";
import { ortLogitsWithPrefix } from "./prefix-production.ts";
import { baseMacs, EVAL_WINDOW, RECIPES, recipe } from "./recipe.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const int = (n: number) => n.toLocaleString("en-US");
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(2)} %`;

// Greedy continuation of `ids`, behind a learned prefix when there is one (the prefix is a
// cache the model never computed: generate simply starts after it).
function greedy(model: GPT, ids: number[], n: number, prefix?: { prefix: Floats; P: number }): number[] {
  const cache = prefix ? prefixCache(model, prefix.prefix, prefix.P, 1, ids.length + n) : undefined;
  return generate(model, ids, { maxNewTokens: n, stopAtEos: false, cache });
}

runScript(async () => {
  const direct = process.argv[1]?.endsWith("demo.ts");
  const { values } = direct
    ? parseFlags(process.argv.slice(2), { steps: { type: "string" } }, "npx tsx src/demo.ts [--steps N]")
    : { values: {} as { steps?: string } };
  const steps = intFlag("steps", values.steps, { min: 1 }) ?? DEMO_TRAIN.steps;
  const base = loadCheckpoint(checkpointDir("target"));
  const total = base.params.flat.length;
  const taskTrain = await qaTokens(TASK_TRAIN_SEED, TASK_TRAIN_TOKENS);
  const taskEval = await qaTokens(TASK_HELDOUT_SEED, TASK_EVAL_TOKENS);
  const origEval = await heldoutTokens(ORIGINAL_EVAL_TOKENS);

  heading("1. One frozen model, ten ways to adapt it");
  {
    const macs0 = baseMacs(base.config, EVAL_WINDOW);
    const touches: Record<string, string> = {
      "full fine-tuning": "every weight",
      BitFit: "the biases",
      "prompt tuning": "the input: P virtual tokens",
      "prefix tuning": "every layer's KV cache, through an MLP",
      "P-tuning v2": "every layer's KV cache, directly",
      "serial adapter": "new layers after attention and MLP",
      "parallel adapter": "a new layer beside the MLP",
      IA3: "rescales k, v and the MLP",
      LoRA: "a low-rank ΔW per linear",
      AdaLoRA: "an SVD-form ΔW, ranks pruned",
    };
    const rows = RECIPES.map((r) => {
      const n = r.make(base, r.size).params.length;
      const extra = r.extraMacs(base.config, r.size);
      return [
        r.key + (r.sizeName ? ` (${r.sizeName} = ${r.size})` : ""),
        touches[r.key] ?? "",
        int(n),
        pct(n, total),
        extra === 0 ? "0 (merges)" : `+${pct(extra, macs0)}`,
      ];
    });
    console.log(table(["method", "what it trains", "trainable", "of model", "extra compute / token"], rows));
    console.log(
      `(the base: ${int(total)} parameters, ${int(macs0)} multiply-adds per token at context ${EVAL_WINDOW})`,
    );
  }

  heading(
    `2. Five of them on lab 05's Q&A task: ${steps} steps of ${DEMO_TRAIN.batchSize}×${DEMO_TRAIN.seqLen} tokens each, seed ${DEMO_TRAIN.seed}`,
  );
  console.log(qaText(TASK_HELDOUT_SEED, 1).split("<|endoftext|>")[0].replace(/^/gm, "    "));
  const trained = new Map<string, Peft>();
  {
    const none = recipe("full fine-tuning").make(base, 0);
    const rows: (string | number)[][] = [
      [
        "base",
        "0",
        "—",
        methodPerplexity(base, none, taskEval, EVAL_WINDOW).toFixed(2),
        methodPerplexity(base, none, origEval, EVAL_WINDOW).toFixed(3),
        "",
      ],
    ];
    for (const key of ["BitFit", "prompt tuning", "P-tuning v2", "LoRA", "full fine-tuning"]) {
      const r = recipe(key);
      const peft = r.make(base, r.size);
      const bar = progressBar({ total: steps, label: key.padEnd(16) });
      const losses = trainPeft(base, peft, taskTrain, { ...DEMO_TRAIN, steps, lr: r.lr }, (_s, loss) =>
        bar.tick(1, `loss ${loss.toFixed(2)}`),
      );
      bar.done();
      trained.set(key, peft);
      rows.push([
        key,
        int(peft.params.length),
        r.lr,
        methodPerplexity(base, peft, taskEval, EVAL_WINDOW).toFixed(2),
        methodPerplexity(base, peft, origEval, EVAL_WINDOW).toFixed(3),
        sparkline(losses),
      ]);
    }
    console.log(
      table(
        [
          "method",
          "trainable",
          "lr",
          `task ppl (${TASK_EVAL_TOKENS} tok)`,
          `stories ppl (${ORIGINAL_EVAL_TOKENS} tok)`,
          "training loss",
        ],
        rows,
      ),
    );
  }

  heading("3. The trained prefix is a KV cache: ONNX Runtime runs it as past_key_values");
  {
    const r = recipe("P-tuning v2");
    const prefix = trained.get("P-tuning v2")?.params as Float32Array;
    const P = r.size;
    const tok = await loadTransformersTokenizer(checkpointDir("target"));
    const question = qaText(TASK_HELDOUT_SEED + 7, 1).split("<|endoftext|>")[0];
    const prompt = question.slice(0, question.lastIndexOf("A:") + 2);
    const ids = tok.encode(prompt, { add_special_tokens: false }) as number[];
    const ort = await OrtGPT.load(base.config, join(checkpointDir("target"), "onnx", "model.onnx"));
    const fromOrt = await ortLogitsWithPrefix(ort, prefix, P, ids);
    const ours = forwardPass(base, ids, 1, ids.length, {
      cache: prefixCache(base, prefix, P, 1, ids.length),
    });
    await ort.release();
    console.log(
      `${P} learned positions × ${base.config.n_layer} layers × keys and values, fed to the unmodified model.onnx:`,
    );
    console.log(
      `  max |logits TS − logits ONNX Runtime| = ${maxAbsDiff(ours, fromOrt).toExponential(1)} over ${int(ours.length)} logits`,
    );
    const say = (out: number[]) => JSON.stringify(tok.decode(out).split("\n")[0]);
    console.log(`  ${JSON.stringify(prompt.split("\n").slice(-2).join(" ⏎ "))}`);
    console.log(`  base model, greedy:     ${say(greedy(base, ids, 6))}`);
    console.log(`  behind the prefix:      ${say(greedy(base, ids, 6, { prefix, P }))}`);
    console.log(
      `  the answer:             ${JSON.stringify(question.slice(question.lastIndexOf("A:") + 2))}`,
    );
    // 40 held-out questions: is the first word of the greedy answer the right one?
    const models: [string, GPT, { prefix: Floats; P: number } | undefined][] = [
      ["base", base, undefined],
      ["behind the prefix", base, { prefix, P }],
      ["LoRA (merged)", effectiveModel(base, trained.get("LoRA") as Peft), undefined],
      ["full fine-tuning", effectiveModel(base, trained.get("full fine-tuning") as Peft), undefined],
    ];
    const right = models.map(() => 0);
    const Q = 40;
    for (let q = 0; q < Q; q++) {
      const text = qaText(TASK_HELDOUT_SEED + 100 + q, 1).split("<|endoftext|>")[0];
      const at = text.lastIndexOf("A:") + 2;
      const qids = tok.encode(text.slice(0, at), { add_special_tokens: false }) as number[];
      const want = text.slice(at).trim().replace(/\.$/, "");
      models.forEach(([, m, pre], k) => {
        if (
          tok
            .decode(greedy(m, qids, 4, pre))
            .trim()
            .split(/[\s.]/)[0] === want
        )
          right[k]++;
      });
    }
    console.log(`  the right answer word, greedy, on ${Q} held-out questions:`);
    for (const [k, [name]] of models.entries()) console.log(`    ${name.padEnd(20)} ${right[k]} of ${Q}`);
  }

  heading("4. Saved as Hugging Face PEFT adapters, and read back");
  {
    const dir = mkdtempSync(join(tmpdir(), "llm-labs-peft-"));
    try {
      const lora = trained.get("LoRA") as Peft;
      const adapter = createAdapter(
        base,
        { r: 8, alpha: 16, targets: ["c_attn", "attn_c_proj", "c_fc", "mlp_c_proj"] },
        1,
      );
      adapter.flat.set(lora.params);
      const prompt = trained.get("prompt tuning")?.params as Float32Array;
      const rows: string[][] = [];
      for (const [name, a] of [
        ["lora", { type: "lora", adapter }],
        ["prompt", { type: "prompt", P: recipe("prompt tuning").size, prompt }],
      ] as const) {
        const at = join(dir, name);
        savePeftAdapter(at, base, a, checkpointDir("target"));
        const back = loadPeftAdapter(at, base);
        const same =
          back.type === "lora" && a.type === "lora"
            ? maxAbsDiff(back.adapter.flat, a.adapter.flat) === 0
            : back.type === "prompt" && a.type === "prompt" && maxAbsDiff(back.prompt, a.prompt) === 0;
        for (const f of readdirSync(at).sort())
          rows.push([`${name}/${f}`, int(statSync(join(at, f)).size), same ? "bit-exact" : "DIFFERS"]);
      }
      console.log(table(["file", "bytes", "read back"], rows));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    "\nThe full table — ten methods, each at the best of three or four learning rates — and the budget sweep: npx tsx bench/methods.bench.ts",
  );
});
