// npm run lab lora            (or: npx tsx src/demo.ts [--steps N] [--save])
//
// The lab's story in one run: the LoRA layer and its merge, the memory
// arithmetic (specimen, LLaMA-7B/65B, QLoRA's 65B on 48 GB), an adapter trained
// on a new Q&A format with its loss curve and perplexities (new task and
// forgetting), a rank sweep, NF4 + double quantization checked against ONNX
// Runtime's MatMulBnb4 and QLoRA trained on that base, multi-LoRA serving in
// one batch, and IA3 on the same task. --save writes the r = 8 adapter to data/.

import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkpointDir,
  countParams,
  forward,
  forwardWithLinears,
  heldoutLoss,
  heldoutTokens,
  LINEAR_NAMES,
  linearShape,
  loadCheckpoint,
  type GPT,
} from "@llm-labs/model";
import { Rng, maxAbsDiff } from "@llm-labs/tensor";
import {
  intFlag,
  parseFlags,
  runScript,
  sparkline,
  svgBarChart,
  svgLinePlot,
  table,
  writeSvg,
} from "@llm-labs/kit";
import {
  adapterToSafetensors,
  createAdapter,
  mergeAdapter,
  unmergeAdapter,
  copyModel,
  type Adapter,
} from "./adapter.ts";
import { loraForward } from "./lora.ts";
import { loraPeft, trainPeft, type PeftTrainConfig } from "./train.ts";
import { ia3Peft } from "./ia3.ts";
import { qaText, qaTokens, TASK_HELDOUT_SEED, TASK_TRAIN_SEED } from "./task.ts";
import {
  ADAPTER_FILE,
  DEMO_LORA,
  DEMO_TRAIN,
  ORIGINAL_EVAL_TOKENS,
  TASK_EVAL_TOKENS,
  TASK_TRAIN_TOKENS,
} from "./recipe.ts";
import {
  BF16_ADAM,
  FP32_ADAM,
  GPT3_175B,
  LLAMA_65B,
  LLAMA_7B,
  fullFinetune,
  linearParams,
  loraMemory,
  loraParams,
  specimenShape,
  totalParams,
  type MemoryRow,
} from "./memory.ts";
import { NF4, quantizeNf4Linear, dequantizeNf4Linear } from "./nf4.ts";
import { packBnb4 } from "./bnb4.ts";
import { doubleDequantize, doubleQuantize, nf4Bytes, scaleBitsPerWeight } from "./double-quant.ts";
import { ortMatMulBnb4 } from "./ort-reference.ts";
import { nf4Base } from "./qlora.ts";
import { multiLoraLogits } from "./multi-lora.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);
const plot = (name: string) => fileURLToPath(new URL(`../plots/${name}`, import.meta.url));
const GB = (b: number) => (b / 1e9).toFixed(1);
const size = (b: number) =>
  b === 0 ? "0" : b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${(b / 1e6).toFixed(2)} MB`;
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const int = (n: number) => n.toLocaleString("en-US");
const linearWeights65 = linearParams(LLAMA_65B);

runScript(async () => {
  const direct = process.argv[1]?.endsWith("demo.ts");
  const { values } = direct
    ? parseFlags(
        process.argv.slice(2),
        { steps: { type: "string" }, save: { type: "boolean" } },
        "npx tsx src/demo.ts [--steps N] [--save]",
      )
    : { values: {} as { steps?: string; save?: boolean } };
  const steps = intFlag("steps", values.steps, { min: 1 }) ?? DEMO_TRAIN.steps;
  const cfg: PeftTrainConfig = { ...DEMO_TRAIN, steps };
  const t00 = performance.now();
  const base = loadCheckpoint(checkpointDir("target"));
  const C = base.config.n_embd;
  const P = countParams(base.config);
  const taskTrain = await qaTokens(TASK_TRAIN_SEED, TASK_TRAIN_TOKENS);
  const taskEval = await qaTokens(TASK_HELDOUT_SEED, TASK_EVAL_TOKENS);
  const origEval = await heldoutTokens(ORIGINAL_EVAL_TOKENS);
  const W = cfg.seqLen; // task perplexity is scored in windows as long as the training windows
  const taskPpl = (m: GPT) => Math.exp(heldoutLoss(m, taskEval, W));
  const origPpl = (m: GPT) => Math.exp(heldoutLoss(m, origEval));

  // ---------------------------------------------------------------- 1. the layer
  heading("1. The LoRA layer on the target: h = W₀x + (α/r)·B·A·x");
  {
    const rows = LINEAR_NAMES.map((t) => {
      const [IN, OUT] = linearShape(base, t);
      return [
        t,
        `[${IN}, ${OUT}]`,
        int(IN * OUT),
        `[${DEMO_LORA.r}, ${IN}]`,
        `[${OUT}, ${DEMO_LORA.r}]`,
        int(DEMO_LORA.r * (IN + OUT)),
        pct((DEMO_LORA.r * (IN + OUT)) / (IN * OUT)),
      ];
    });
    console.log(
      table(["linear", "W₀ [in, out]", "W₀ params", "A [r, in]", "B [out, r]", "A + B", "of W₀"], rows),
    );
    console.log(
      "one example of the new task (the base model has never seen this format):\n" +
        qaText(TASK_HELDOUT_SEED, 1).split("<|endoftext|>")[0].replace(/^/gm, "    "),
    );
  }

  // ---------------------------------------------------------------- 2. memory
  heading("2. Trainable parameters and training memory (weights + grads + Adam; no activations)");
  {
    const spec = specimenShape(base.config);
    const show = (rows: MemoryRow[], total: number) =>
      console.log(
        table(
          ["method", "trainable", "of model", "frozen weights", "trainable + grads + Adam", "total"],
          rows.map((r) => [
            r.method,
            int(r.trainable),
            pct(r.trainable / total),
            size(r.frozenBytes),
            size(r.trainableBytes),
            size(r.total),
          ]),
        ),
      );
    console.log(
      `${spec.name}: ${int(totalParams(spec))} parameters (the checkpoint has ${int(P)}), trained in fp32 (16 bytes per trainable parameter)`,
    );
    show(
      [
        fullFinetune(spec, FP32_ADAM),
        ...[1, 2, 4, 8, 16].map((r) => loraMemory(spec, r, "all", 32, FP32_ADAM, 32)),
      ],
      totalParams(spec),
    );
    for (const s of [LLAMA_7B, LLAMA_65B]) {
      console.log(
        `\n${s.name}: ${int(totalParams(s))} parameters; bf16 weights and grads, fp32 Adam (12 bytes per trainable parameter)`,
      );
      show(
        [
          fullFinetune(s, BF16_ADAM),
          loraMemory(s, 8, ["q_proj", "v_proj"], 16, BF16_ADAM),
          loraMemory(s, 64, "all", 16, BF16_ADAM),
          loraMemory(
            s,
            64,
            "all",
            4 + scaleBitsPerWeight(64, true),
            BF16_ADAM,
            16,
            "QLoRA: r=64 all linears, NF4 + double quant",
          ),
        ],
        totalParams(s),
      );
    }
    const q = loraMemory(LLAMA_65B, 64, "all", 4 + scaleBitsPerWeight(64, true), BF16_ADAM, 16);
    console.log(
      `\nQLoRA's 65B on one 48 GB card: ${GB(fullFinetune(LLAMA_65B, BF16_ADAM).total)} GB for 16-bit full fine-tuning (the paper's "more than 780 GB"),`,
    );
    console.log(
      `  vs NF4 linears at 4 + ${scaleBitsPerWeight(64, true).toFixed(3)} bits (${GB((linearWeights65 * (4 + scaleBitsPerWeight(64, true))) / 8)} GB) + bf16 embeddings ${GB(LLAMA_65B.other * 2)} GB + adapter ${GB(q.trainableBytes)} GB = ${GB(q.total)} GB,`,
    );
    console.log(
      `  leaving ${(48 - q.total / 1e9).toFixed(1)} GB for activations (QLoRA checkpoints them and pages optimizer spikes to CPU memory).`,
    );
    console.log(
      `  Double quantization alone: ${(scaleBitsPerWeight(64, false) - scaleBitsPerWeight(64, true)).toFixed(3)} bits per weight × ${int(linearWeights65)} = ${GB((linearWeights65 * (scaleBitsPerWeight(64, false) - scaleBitsPerWeight(64, true))) / 8)} GB saved.`,
    );
    const g3 = loraParams(GPT3_175B, 4, ["q", "v"]);
    console.log(
      `LoRA paper §4.2, GPT-3 175B with r = 4 on W_q, W_v: ${int(g3)} trainable (${(totalParams(GPT3_175B) / g3).toFixed(0)}× fewer), a ${((g3 * 2) / 2 ** 20).toFixed(0)} MiB fp16 checkpoint instead of ${GB(totalParams(GPT3_175B) * 2)} GB.`,
    );
  }

  // ---------------------------------------------------------------- 3. training
  heading(
    `3. Training a LoRA adapter (r=${DEMO_LORA.r}, α=${DEMO_LORA.alpha}, every linear) on the Q&A format: ${cfg.steps} steps × ${cfg.batchSize}×${cfg.seqLen} tokens`,
  );
  const train = (b: GPT, spec = DEMO_LORA, seed = 1) => {
    const a = createAdapter(b, spec, seed);
    const t0 = performance.now();
    const losses = trainPeft(b, loraPeft(b, a), taskTrain, cfg);
    return { a, losses, seconds: (performance.now() - t0) / 1000 };
  };
  const main = train(base);
  const adapted = mergeAdapter(base, main.a);
  const basePpl = { task: taskPpl(base), orig: origPpl(base) };
  const mainPpl = { task: taskPpl(adapted), orig: origPpl(adapted) };
  {
    console.log(
      `loss ${main.losses[0].toFixed(2)} → ${main.losses.at(-1)!.toFixed(2)}  ${sparkline(main.losses)}   (${main.seconds.toFixed(1)} s, ${((1000 * main.seconds) / cfg.steps).toFixed(0)} ms/step)`,
    );
    console.log(
      `trainable: ${int(main.a.flat.length)} of ${int(P)} parameters = ${pct(main.a.flat.length / P)}; the optimizer holds 2 × ${int(main.a.flat.length)} floats instead of 2 × ${int(P)}`,
    );
    console.log(
      table(
        [
          "model",
          `new task perplexity (${TASK_EVAL_TOKENS} held-out tokens)`,
          `original stories perplexity (${ORIGINAL_EVAL_TOKENS} tokens)`,
        ],
        [
          ["base", basePpl.task.toFixed(2), basePpl.orig.toFixed(4)],
          [`base + LoRA r=${DEMO_LORA.r}`, mainPpl.task.toFixed(2), mainPpl.orig.toFixed(4)],
        ],
      ),
    );
    console.log(
      `new task: ${(basePpl.task / mainPpl.task).toFixed(0)}× lower perplexity. Forgetting: the stories got ${(mainPpl.orig / basePpl.orig).toFixed(2)}× worse — the adapter was trained on Q&A only.`,
    );
    if (values.save) {
      mkdirSync(dirname(ADAPTER_FILE), { recursive: true });
      writeFileSync(
        ADAPTER_FILE,
        adapterToSafetensors(main.a, {
          task: "qa",
          steps: String(cfg.steps),
          losses: main.losses.map((l) => l.toFixed(4)).join(","),
        }),
      );
      console.log(`saved ${ADAPTER_FILE}`);
    }
  }

  // ---------------------------------------------------------------- merge check
  heading("4. Merge, unmerge: no extra cost at inference");
  {
    const ids = taskEval.slice(0, W);
    const merged = forward(adapted, ids, 1, W).logits;
    const lookup = new Map(main.a.entries.map((e) => [`${e.layer}.${e.target}`, e.lora]));
    const unmerged = forwardWithLinears(base, ids, 1, W, (l, t, X, N, _IN, OUT, w) => {
      const Y = new Float32Array(N * OUT);
      loraForward(Y, X, w.weight, w.bias, lookup.get(`${l}.${t}`)!, N);
      return Y;
    });
    const back = copyModel(adapted);
    unmergeAdapter(back, main.a);
    console.log(
      `max |logits merged − unmerged| = ${maxAbsDiff(merged, unmerged).toExponential(2)} (goal ≤ 1e-5 … for logits of size ~10, float32)`,
    );
    console.log(
      `max |W₀ − unmerge(merge(W₀))| = ${maxAbsDiff(back.params.flat, base.params.flat).toExponential(2)} (goal ≤ 1e-6)`,
    );
    const flops =
      LINEAR_NAMES.reduce((n, t) => {
        const [IN, OUT] = linearShape(base, t);
        return n + IN * OUT;
      }, 0) * base.config.n_layer;
    console.log(
      `per token: merged linears ${int(flops)} multiply-adds; unmerged adds r·(in+out) = ${int(main.a.flat.length)} (+${pct(main.a.flat.length / flops)}) and two extra small matmuls per linear`,
    );
  }

  // ---------------------------------------------------------------- rank sweep
  heading("5. Rank sweep: r = 1, 2, 4, 8, 16 (α = 16, same steps and data)");
  const sweep: { r: number; a: Adapter; losses: number[]; task: number }[] = [];
  {
    for (const r of [1, 2, 4, 8, 16]) {
      const run = r === DEMO_LORA.r ? main : train(base, { ...DEMO_LORA, r });
      sweep.push({
        r,
        a: run.a,
        losses: run.losses,
        task: r === DEMO_LORA.r ? mainPpl.task : taskPpl(mergeAdapter(base, run.a)),
      });
    }
    const tail = (l: number[]) => l.slice(-20).reduce((s, v) => s + v, 0) / Math.min(20, l.length);
    console.log(
      table(
        ["r", "trainable", "of model", "train loss (last 20 steps)", "new-task perplexity"],
        sweep.map((s) => [
          s.r,
          int(s.a.flat.length),
          pct(s.a.flat.length / P),
          tail(s.losses).toFixed(3),
          s.task.toFixed(2),
        ]),
      ),
    );
    writeSvg(
      plot("rank-sweep.svg"),
      svgBarChart({
        title: "New-task perplexity after LoRA training, by rank",
        yLabel: "perplexity",
        bars: sweep.map((s) => ({ label: `r=${s.r}`, value: Number(s.task.toFixed(3)) })),
      }),
    );
  }

  // ---------------------------------------------------------------- QLoRA
  heading("6. QLoRA: NF4 (block 64) + double-quantized scales (block 256), checked in ORT MatMulBnb4");
  let qlora: { a: Adapter; losses: number[] };
  {
    console.log(`NF4 codebook: ${Array.from(NF4, (v) => v.toFixed(4)).join(" ")}`);
    const w = base.params.h[0].c_fc.weight;
    const K = C;
    const N = 4 * C;
    const q = quantizeNf4Linear(w, K, N, 64);
    const dq = doubleQuantize(q.absmax, 256);
    const absmax = doubleDequantize(dq);
    const Wd = dequantizeNf4Linear(q, K, N, absmax);
    const M = 16;
    const rng = new Rng(5);
    const a = Float32Array.from({ length: M * K }, () => rng.normal());
    const ours = new Float32Array(M * N);
    for (let m = 0; m < M; m++)
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) ours[m * N + n] += a[m * K + k] * Wd[k * N + n];
    const ort = await ortMatMulBnb4(a, M, K, N, 64, packBnb4(q.codes), absmax);
    console.log(
      `layer 0 c_fc [${K}, ${N}]: ${int(q.codes.length / 2)} packed bytes, ${q.absmax.length} absmax → max |ours − ORT MatMulBnb4| = ${maxAbsDiff(ours, ort).toExponential(2)}`,
    );
    let rms = 0;
    let rmsAbs = 0;
    for (let i = 0; i < w.length; i++) rms += (w[i] - Wd[i]) ** 2;
    for (let i = 0; i < absmax.length; i++)
      rmsAbs = Math.max(rmsAbs, Math.abs(absmax[i] - q.absmax[i]) / q.absmax[i]);
    console.log(
      `weight RMS error ${Math.sqrt(rms / w.length).toExponential(2)}; double quantization moves an absmax by at most ${pct(rmsAbs)}`,
    );
    const nb = nf4Base(base);
    const nbNoDq = nf4Base(base, { doubleQuant: false });
    console.log(
      table(
        ["linear weights", "bytes", "bits per weight", "× fp32"],
        [
          ["fp32", int(nb.fp32Bytes), "32", "1.000"],
          [
            "NF4, fp32 absmax",
            int(nbNoDq.bytes),
            ((8 * nbNoDq.bytes) / (nb.fp32Bytes / 4)).toFixed(3),
            (nbNoDq.bytes / nb.fp32Bytes).toFixed(3),
          ],
          [
            "NF4 + double quant",
            int(nb.bytes),
            ((8 * nb.bytes) / (nb.fp32Bytes / 4)).toFixed(3),
            (nb.bytes / nb.fp32Bytes).toFixed(3),
          ],
        ],
      ),
    );
    console.log(
      `double quantization saves ${int(nbNoDq.bytes - nb.bytes)} bytes here (${nf4Bytes(64 * 256, 64, false) - nf4Bytes(64 * 256, 64, true)} per 16,384 weights)`,
    );
    const t0 = performance.now();
    const qa = createAdapter(nb.model, DEMO_LORA, 1);
    const ql = trainPeft(nb.model, loraPeft(nb.model, qa), taskTrain, cfg);
    qlora = { a: qa, losses: ql };
    const qAdapted = mergeAdapter(nb.model, qa);
    console.log(
      `QLoRA training: ${((performance.now() - t0) / 1000).toFixed(1)} s, loss ${ql[0].toFixed(2)} → ${ql.at(-1)!.toFixed(2)}  ${sparkline(ql)}`,
    );
    console.log(
      table(
        ["model", "new task perplexity", "original perplexity"],
        [
          ["fp32 base", basePpl.task.toFixed(2), basePpl.orig.toFixed(4)],
          ["NF4 base", taskPpl(nb.model).toFixed(2), origPpl(nb.model).toFixed(4)],
          [`fp32 base + LoRA r=${DEMO_LORA.r}`, mainPpl.task.toFixed(2), mainPpl.orig.toFixed(4)],
          [
            `NF4 base + LoRA r=${DEMO_LORA.r} (QLoRA)`,
            taskPpl(qAdapted).toFixed(2),
            origPpl(qAdapted).toFixed(4),
          ],
        ],
      ),
    );
  }

  // ---------------------------------------------------------------- multi-LoRA
  heading("7. Multi-LoRA serving: one base, four requests, four different adapters, one batch");
  {
    const adapters = [sweep[0].a, sweep[2].a, sweep[4].a];
    const names = ["base", "r=1", "r=4", "r=16"];
    const choice = [-1, 0, 1, 2];
    const T = 24;
    const batch = choice.map((_, b) => taskEval.slice(b * T, (b + 1) * T));
    const out = multiLoraLogits(base, adapters, batch, choice);
    const V = base.config.vocab_size;
    const rows = choice.map((c, b) => {
      const alone = forward(c < 0 ? base : mergeAdapter(base, adapters[c]), batch[b], 1, T).logits;
      return [b, names[b], maxAbsDiff(out.subarray(b * T * V, (b + 1) * T * V), alone).toExponential(2)];
    });
    console.log(table(["request", "adapter", "max |batched − that adapter merged, alone|"], rows));
  }

  // ---------------------------------------------------------------- IA3
  heading("8. Another PEFT method on the same task: IA3 (rescale k, v and the MLP's hidden units)");
  {
    const ia3 = ia3Peft(base);
    const t0 = performance.now();
    const losses = trainPeft(base, ia3, taskTrain, { ...cfg, lr: 3e-2 });
    const eff = copyModel(base);
    ia3.apply(base, eff);
    console.log(
      `IA3: ${((performance.now() - t0) / 1000).toFixed(1)} s, loss ${losses[0].toFixed(2)} → ${losses.at(-1)!.toFixed(2)}  ${sparkline(losses)}`,
    );
    console.log(
      table(
        ["method", "trainable", "of model", "new task perplexity", "original perplexity"],
        [
          ["base", 0, "0", basePpl.task.toFixed(2), basePpl.orig.toFixed(4)],
          [
            "IA3",
            int(ia3.params.length),
            pct(ia3.params.length / P),
            taskPpl(eff).toFixed(2),
            origPpl(eff).toFixed(4),
          ],
          [
            "LoRA r=1",
            int(sweep[0].a.flat.length),
            pct(sweep[0].a.flat.length / P),
            sweep[0].task.toFixed(2),
            "—",
          ],
          [
            `LoRA r=${DEMO_LORA.r}`,
            int(main.a.flat.length),
            pct(main.a.flat.length / P),
            mainPpl.task.toFixed(2),
            mainPpl.orig.toFixed(4),
          ],
        ],
      ),
    );
    writeSvg(
      plot("loss.svg"),
      svgLinePlot({
        title: "Training loss on the Q&A task",
        xLabel: "step",
        yLabel: "loss (nats/token)",
        series: [
          { name: `LoRA r=${DEMO_LORA.r}`, points: main.losses.map((l, i) => [i, l]) },
          { name: `QLoRA r=${DEMO_LORA.r}`, points: qlora.losses.map((l, i) => [i, l]) },
          { name: "LoRA r=1", points: sweep[0].losses.map((l, i) => [i, l]) },
          { name: "IA3", points: losses.map((l, i) => [i, l]) },
        ],
      }),
    );
  }
  console.log(
    `\nplots: plots/loss.svg, plots/rank-sweep.svg · total ${((performance.now() - t00) / 1000).toFixed(1)} s`,
  );
});
