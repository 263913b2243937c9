// `npm run train -- --model <target|draft|llama|tokenizer> [--steps N] [--seed S] [--out DIR]`
//
// Trains one of the specimen GPTs in TypeScript on this machine's CPU and writes
// its checkpoint folder, packages/model/checkpoints/<name>/ (or DIR), with a loss curve
// (loss.svg) and a training log (training.json). It trains on both cores with the
// SIMD matmul (FAST_TRAINING, lab 08 §8): about 3.5-4× the tokens/s of one thread
// running the JS loops. `--model tokenizer` retrains the
// tokenizer with lab 01's BPE instead (scripts/train-tokenizer.ts); do that first
// on a fresh clone if checkpoints/tokenizer/ is missing.

import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  UserError,
  intFlag,
  parseFlags,
  progressBar,
  runScript,
  sparkline,
  svgLinePlot,
  writeSvg,
} from "@llm-labs/kit";
import {
  type TrainConfig,
  checkpointDir,
  countParams,
  createGPT,
  createLlama,
  heldoutLoss,
  type Llama,
  llamaParamTotal,
  makeConfig,
  parseLlamaConfig,
  saveCheckpoint,
  saveLlamaCheckpoint,
  FAST_TRAINING,
  trainParallel,
  type GPT,
} from "@llm-labs/model";
import { splitTokens, TOKENIZER_DIR, VOCAB_SIZE } from "./corpus-data.ts";
import { trainTokenizer } from "./train-tokenizer.ts";

// The two specimens. Sizes were chosen from measured throughput on the 2-core
// development machine (see packages/model/README.md): the target took about 28
// minutes on one thread with the JS loops (≈ 365 tok/s; 6.5 minutes now), the draft 6; the draft is ~5.6× cheaper per token (forward multiply-adds:
// target 4·12·128² + 128·1024 ≈ 918k, draft 2·12·64² + 64·1024 ≈ 164k).
export const PRESETS: Record<
  string,
  { model: { n_layer: number; n_head: number; n_embd: number }; train: TrainConfig }
> = {
  target: {
    model: { n_layer: 4, n_head: 4, n_embd: 128 },
    train: {
      seed: 1234,
      batchSize: 4,
      seqLen: 128,
      accum: 2,
      steps: 600,
      maxLr: 3e-3,
      minLr: 3e-4,
      warmup: 30,
      weightDecay: 0.1,
      gradClip: 1,
    },
  },
  draft: {
    model: { n_layer: 2, n_head: 2, n_embd: 64 },
    train: {
      seed: 1234,
      batchSize: 4,
      seqLen: 128,
      accum: 2,
      steps: 420,
      maxLr: 4e-3,
      minLr: 4e-4,
      warmup: 30,
      weightDecay: 0.1,
      gradClip: 1,
    },
  },
};

const N_POSITIONS = 128;

// The Llama specimen (lab 07): the target's width and depth and about its parameter count
// (886k vs 941k), with Llama's block: RMSNorm, RoPE, SwiGLU with I = 3·D (so three MLP
// matrices hold what GPT-2's two 4·D ones do, Shazeer 2020), 8 query heads sharing 2 KV heads,
// no biases, the head tied to the embedding. It trains on as many tokens as the target
// (600 steps × 1024), but in windows of 512, its context: measured 1,782 s ≈ 30 minutes at
// 345 tok/s on the 2-core machine (checkpoints/llama/training.json).
export const LLAMA_PRESET = {
  model: {
    model_type: "llama",
    architectures: ["LlamaForCausalLM"],
    hidden_size: 128,
    intermediate_size: 384,
    num_hidden_layers: 4,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    head_dim: 16,
    max_position_embeddings: 512,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    rope_scaling: null,
    tie_word_embeddings: true,
    hidden_act: "silu",
    attention_bias: false,
    mlp_bias: false,
    torch_dtype: "float32",
  },
  train: { ...PRESETS.target.train, batchSize: 1, seqLen: 512 } as TrainConfig,
};

async function main(): Promise<void> {
  const usage = `npm run train -- --model <tokenizer|${Object.keys(PRESETS).join("|")}|llama> [--steps N] [--seed N] [--out DIR]`;
  const { values } = parseFlags(
    process.argv.slice(2),
    {
      model: { type: "string" },
      steps: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
    },
    usage,
  );
  const name = values.model;
  if (name === "tokenizer") return await trainTokenizer();
  const preset = name ? (name === "llama" ? LLAMA_PRESET : PRESETS[name]) : undefined;
  if (!name || !preset)
    throw new UserError(
      `--model must be one of tokenizer, ${[...Object.keys(PRESETS), "llama"].join(", ")}; got ${JSON.stringify(name ?? "nothing")}; usage: ${usage}`,
    );
  const cfg: TrainConfig = { ...preset.train };
  cfg.steps = intFlag("steps", values.steps, { min: 1, max: 1_000_000 }) ?? cfg.steps;
  cfg.seed = intFlag("seed", values.seed, { max: 2 ** 32 - 1 }) ?? cfg.seed; // the Rng takes 32 bits

  const trainIds = splitTokens("train");
  const heldout = splitTokens("heldout");
  let model: GPT | Llama;
  let parameters: number;
  let window: number;
  let shape: string;
  if (name === "llama") {
    const config = parseLlamaConfig({
      ...LLAMA_PRESET.model,
      vocab_size: VOCAB_SIZE,
      bos_token_id: VOCAB_SIZE - 1,
      eos_token_id: VOCAB_SIZE - 1,
    });
    model = createLlama(config, cfg.seed);
    parameters = llamaParamTotal(config);
    window = config.max_position_embeddings;
    shape = `${config.num_hidden_layers} layers × ${config.hidden_size} wide, ${config.num_attention_heads} query heads sharing ${config.num_key_value_heads} KV heads, context ${window}`;
  } else {
    const config = makeConfig({ ...PRESETS[name].model, n_positions: N_POSITIONS, vocab_size: VOCAB_SIZE });
    model = createGPT(config, cfg.seed);
    parameters = countParams(config);
    window = N_POSITIONS;
    shape = `${config.n_layer} layers × ${config.n_embd} wide, ${config.n_head} heads`;
  }
  const save = (meta: Record<string, string> = {}) =>
    model.config.model_type === "llama"
      ? saveLlamaCheckpoint(dir, model as Llama, meta)
      : saveCheckpoint(dir, model as GPT, meta);
  const perStep = cfg.batchSize * cfg.seqLen * cfg.accum;
  console.log(
    `training "${name}": ${shape}, ${parameters.toLocaleString()} parameters; ${cfg.steps} steps × ${perStep} tokens ` +
      `(${trainIds.length.toLocaleString()} train tokens)`,
  );

  // --out writes the checkpoint elsewhere: retrain and compare without replacing the committed one
  const dir = values.out ?? checkpointDir(name);
  mkdirSync(dir, { recursive: true });
  for (const f of ["tokenizer.json", "tokenizer_config.json"])
    copyFileSync(join(TOKENIZER_DIR, f), join(dir, f));
  const bar = progressBar({ total: cfg.steps, label: name });
  const t0 = performance.now();
  const points: [number, number][] = [];
  let smooth = NaN;
  await trainParallel(model, trainIds, cfg, FAST_TRAINING, (s) => {
    smooth = Number.isNaN(smooth) ? s.loss : 0.9 * smooth + 0.1 * s.loss;
    points.push([s.step + 1, s.loss]);
    const secs = (performance.now() - t0) / 1000;
    bar.tick(
      1,
      `loss ${smooth.toFixed(3)}  lr ${s.lr.toExponential(1)}  ${Math.round(s.tokens / secs)} tok/s`,
    );
    if (!process.stderr.isTTY && (s.step + 1) % 20 === 0) {
      console.log(
        `step ${s.step + 1}/${cfg.steps} loss ${smooth.toFixed(3)} lr ${s.lr.toExponential(2)} ${Math.round(s.tokens / secs)} tok/s ${secs.toFixed(0)} s`,
      );
    }
    if ((s.step + 1) % 100 === 0) save(); // survive an interrupted run
  });
  const seconds = (performance.now() - t0) / 1000;
  bar.done();
  const tokens = cfg.steps * perStep;

  save({
    trained_by: "scripts/train.ts",
    steps: String(cfg.steps),
    seed: String(cfg.seed),
  });
  writeSvg(
    join(dir, "loss.svg"),
    svgLinePlot({
      title: `training loss, ${name}`,
      xLabel: "step",
      yLabel: "cross-entropy (nats)",
      series: [{ name, points }],
    }),
  );

  const evalLoss = heldoutLoss(model, heldout, window);
  const log = {
    model: name,
    parameters,
    ...cfg,
    tokens,
    seconds: Math.round(seconds),
    tokens_per_second: Math.round(tokens / seconds),
    final_train_loss: points.slice(-20).reduce((a, p) => a + p[1], 0) / Math.min(20, points.length),
    heldout_loss: evalLoss,
    heldout_perplexity: Math.exp(evalLoss),
    node: process.version,
  };
  writeFileSync(join(dir, "training.json"), JSON.stringify(log, null, 2) + "\n");
  const every = Math.max(1, Math.ceil(points.length / 60)); // one character per `every` steps
  console.log(sparkline(points.filter((_, i) => i % every === 0).map((p) => p[1])));
  console.log(
    `${name}: ${tokens.toLocaleString()} tokens in ${seconds.toFixed(0)} s (${log.tokens_per_second} tok/s); held-out loss ${evalLoss.toFixed(3)}, perplexity ${Math.exp(evalLoss).toFixed(2)}`,
  );

  // The ONNX graph (written by scripts/export-onnx.ts, which also runs alone), for the course's own folders.
  if (values.out) return;
  const { exportCheckpoint } = await import("./export-onnx.ts");
  await exportCheckpoint(name);
}

runScript(main);
