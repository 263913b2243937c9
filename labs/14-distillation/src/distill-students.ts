// npm run distill -w labs/14-distillation [-- --only fkl,rkl] [--steps N]
//
// Trains every student of students.ts from the draft and writes
// checkpoints/<name>/ (config.json, generation_config.json, model.safetensors,
// training.json). The teacher is the target in ONNX Runtime. One to three
// minutes a student on a laptop core; sft first waits while the teacher writes
// its 1,200 samples (training.json's sampling_seconds). Nothing in `npm test`
// needs this: the students are committed.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { progressBar, runScript, parseFlags, intFlag, UserError } from "@llm-labs/kit";
import { copyModel, heldoutLoss, heldoutTokens, saveCheckpoint, trainTokens } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";
import { distill, DistillConfigSchema, scoredPositions } from "./distill.ts";
import { samplePrompts, teacherRollouts } from "./rollout.ts";
import { keepLayers, loadDraft, STUDENT_BUDGET, STUDENTS, studentDir } from "./students.ts";
import { Teacher } from "./teacher.ts";

export const TRAIN_TOKENS = 200_000;
export const HELDOUT_TOKENS = 4096;

runScript(async () => {
  if (!process.argv[1]?.endsWith("distill-students.ts")) return;
  const { values } = parseFlags(
    process.argv.slice(2),
    { only: { type: "string" }, steps: { type: "string" } },
    "npm run distill -w labs/14-distillation [-- --only ce,fkl] [--steps N]",
  );
  const names = values.only?.split(",") ?? STUDENTS.map((s) => s.name);
  for (const n of names)
    if (!STUDENTS.some((s) => s.name === n))
      throw new UserError(
        `--only: no student named "${n}" (students: ${STUDENTS.map((s) => s.name).join(", ")})`,
      );
  const steps = intFlag("steps", values.steps, { min: 1, max: 100_000 }) ?? STUDENT_BUDGET.steps;

  const teacher = await Teacher.load();
  const train = Uint16Array.from(await trainTokens(TRAIN_TOKENS));
  const heldout = await heldoutTokens(HELDOUT_TOKENS);
  const draft = loadDraft();
  let teacherSamples: Int32Array | undefined;
  let samplingSeconds: number | undefined;

  for (const spec of STUDENTS.filter((s) => names.includes(s.name))) {
    const cfg = DistillConfigSchema.parse({ ...STUDENT_BUDGET, steps, method: spec.method });
    if (spec.method === "sft" && !teacherSamples) {
      // Sequence-level KD's data: the teacher continues one prompt per row the
      // student will see (B · steps rows), at temperature 1, before training starts.
      const rows = cfg.batchSize * cfg.steps;
      const prompts = samplePrompts(new Rng(cfg.seed + 7), train, rows, cfg.promptLen);
      const bar = progressBar({ total: rows, label: "teacher writes" });
      const s0 = performance.now();
      const parts: Int32Array[] = [];
      for (let i = 0; i < rows; i += 64) {
        parts.push(
          await teacherRollouts(teacher, prompts.slice(i, i + 64), cfg.seqLen + 1, new Rng(cfg.seed + i)),
        );
        bar.tick(Math.min(64, rows - i));
      }
      bar.done();
      samplingSeconds = (performance.now() - s0) / 1000;
      teacherSamples = new Int32Array(rows * (cfg.seqLen + 1));
      let at = 0;
      for (const p of parts) teacherSamples.set(p, (at += p.length) - p.length);
    }
    const student =
      spec.layers.length === draft.config.n_layer ? copyModel(draft) : keepLayers(draft, spec.layers);
    const before = heldoutLoss(student, heldout);
    const bar = progressBar({ total: cfg.steps, label: spec.name });
    const t0 = performance.now();
    const losses = await distill(student, teacher, { train, teacherSamples }, cfg, (s) =>
      bar.tick(1, `${spec.method} loss ${s.loss.toFixed(3)}`),
    );
    bar.done();
    const seconds = (performance.now() - t0) / 1000;
    const after = heldoutLoss(student, heldout);
    const dir = studentDir(spec.name);
    saveCheckpoint(dir, student, { student: spec.name, method: spec.method });
    const last = losses.slice(-10);
    writeFileSync(
      join(dir, "training.json"),
      JSON.stringify(
        {
          student: spec.name,
          note: spec.note,
          from: "draft",
          layers: spec.layers,
          ...cfg,
          tokens: cfg.steps * cfg.batchSize * cfg.seqLen,
          // on-policy rows score only the student's own tokens (distill.ts)
          positions: scoredPositions(cfg),
          seconds: Math.round(seconds),
          // the teacher writing sft's data, before its training starts
          ...(spec.method === "sft" && samplingSeconds !== undefined
            ? { sampling_seconds: Math.round(samplingSeconds) }
            : {}),
          final_loss: last.reduce((a, b) => a + b, 0) / last.length,
          heldout_loss_before: before,
          heldout_loss: after,
          node: process.version,
        },
        null,
        2,
      ) + "\n",
    );
    console.log(
      `${spec.name}: held-out loss ${before.toFixed(4)} → ${after.toFixed(4)} in ${seconds.toFixed(0)} s, wrote ${dir}`,
    );
  }
  await teacher.release();
});
