// The checks of `npm run doctor` that need TypeScript and the installed
// packages: scripts/doctor.mjs (plain Node, so it works before `npm install`)
// runs this file with tsx once the install looks complete, and prints what it
// reports. One JSON line per check on stdout:
//   {"ok": true | false | null, "text": "...", "fix": "..."}   (null: skipped)
// Every check catches its own failure, so one broken piece never hides the rest.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultCourse, handoutCourse, type Lab, readHandoutInfo, readLab } from "@llm-labs/kit";

interface Line {
  ok: boolean | null;
  text: string;
  fix?: string;
}

const emit = (l: Line) => process.stdout.write(JSON.stringify(l) + "\n");
const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];
const REINSTALL = "delete node_modules and run `npm install` again";

async function timed<T>(f: () => Promise<T>): Promise<[T, string]> {
  const t0 = performance.now();
  const v = await f();
  return [v, `${((performance.now() - t0) / 1000).toFixed(1)} s`];
}

export async function deepChecks(root: string): Promise<void> {
  const given = defaultCourse(root);
  // Each lab on its own, so one broken manifest does not hide the others.
  const handout = readHandoutInfo(root);
  const course = handout ? handoutCourse(given) : given;
  const labs: Lab[] = [];
  for (const folder of existsSync(course.labsDir) ? readdirSync(course.labsDir).sort() : []) {
    if (!existsSync(join(course.labsDir, folder, "package.json"))) continue;
    try {
      const lab = readLab(join(course.labsDir, folder), folder);
      if (!handout || handout.labs.includes(lab.id)) labs.push(lab);
    } catch (e) {
      emit({
        ok: false,
        text: `labs/${folder} cannot be read: ${msg(e)}`,
        fix: "the course's files are damaged here: `git status` shows what changed, `git checkout -- <file>` (or a fresh copy) restores it",
      });
    }
  }
  emit({
    ok: labs.length > 0 ? true : null,
    text: labs.length
      ? `${labs.length} labs: ${labs.map((l) => l.id).join(", ")}`
      : "no labs in this folder yet",
  });

  const require = createRequire(join(root, "package.json"));
  const has = (pkg: string) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  };
  if (!has("@llm-labs/onnx")) emit({ ok: null, text: "ONNX Runtime: no lab here uses it" });
  else
    try {
      const ortVersion = (
        JSON.parse(readFileSync(require.resolve("onnxruntime-node/package.json"), "utf8")) as {
          version: string;
        }
      ).version;
      const { GraphBuilder, f32, runModel } = await import("@llm-labs/onnx");
      // [[1,2],[3,4]]·[[5,6],[7,8]] = [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]] = [[19,22],[43,50]]
      const g = new GraphBuilder("doctor")
        .input("A", "float32", [2, 2])
        .input("B", "float32", [2, 2])
        .node("MatMul", ["A", "B"], ["C"])
        .output("C", "float32", [2, 2]);
      const [{ C }, took] = await timed(() =>
        runModel(g.toModel(), { A: f32([1, 2, 3, 4], [2, 2]), B: f32([5, 6, 7, 8], [2, 2]) }),
      );
      const got = Array.from(C.data as Float32Array);
      if (got.join() !== "19,22,43,50")
        throw new Error(`a 2×2 MatMul gave [${got.join(", ")}], not [19, 22, 43, 50]`);
      emit({ ok: true, text: `ONNX Runtime ${ortVersion} loads and runs a MatMul (${took})` });
    } catch (e) {
      emit({
        ok: false,
        text: `ONNX Runtime does not run: ${msg(e)}`,
        fix: `run \`npm rebuild onnxruntime-node\`; if that does not help, ${REINSTALL} (its native library must match this machine: ${process.platform}-${process.arch})`,
      });
    }

  const checkpoints = join(root, "packages", "model", "checkpoints");
  if (existsSync(checkpoints)) {
    try {
      const model = await import("@llm-labs/model");
      const names = model.trainedCheckpoints();
      if (names.length === 0) throw new Error(`no checkpoint in ${checkpoints}`);
      for (const name of names) await checkModel(model, name);
    } catch (e) {
      emit({
        ok: false,
        text: `the course's models do not load: ${msg(e)}`,
        fix: "restore packages/model/checkpoints from the course (`git checkout -- packages/model/checkpoints`, or a fresh copy)",
      });
    }
  }

  try {
    const vitest = JSON.parse(readFileSync(require.resolve("vitest/package.json"), "utf8")) as {
      version: string;
    };
    for (const f of ["packages/kit/vitest.exercise.config.ts", "packages/kit/src/exercise/reporter.ts"])
      if (!existsSync(join(root, f))) throw new Error(`${f} is missing`);
    emit({ ok: true, text: `vitest ${vitest.version} and the exercise checker are in place` });
  } catch (e) {
    emit({ ok: false, text: `the test runner is not ready: ${msg(e)}`, fix: REINSTALL });
  }
  for (const lab of labs) await checkLab(lab);
}

type ModelModule = typeof import("@llm-labs/model");

// The specimen in our TypeScript forward and in ONNX Runtime, on eight tokens:
// both must load and give the same logits.
async function checkModel(m: ModelModule, name: string): Promise<void> {
  try {
    const [gpt, took] = await timed(async () => m.loadSpecimen(m.namedCheckpoint(name)));
    const ids = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => i % gpt.config.vocab_size);
    const ours = m.forwardPass(gpt, ids, 1, ids.length);
    const ort = await m.OrtGPT.load(gpt.config, join(m.checkpointDir(name), "onnx", "model.onnx"));
    const { logits } = await ort.step(ids, 1, ort.emptyCache(1));
    await ort.release();
    let diff = 0;
    for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - logits[i]));
    if (!(diff < 1e-3)) throw new Error(`our forward and ONNX Runtime differ by ${diff} on the same tokens`);
    emit({
      ok: true,
      text: `model "${name}" loads (${m.specimenSize(gpt).layers} layers, ${m.specimenSize(gpt).parameters.toLocaleString("en-US")} parameters, ${took}) and ONNX Runtime agrees (max |Δlogit| ${diff.toExponential(1)})`,
    });
  } catch (e) {
    emit({
      ok: false,
      text: `model "${name}" does not load: ${msg(e)}`,
      fix: `restore packages/model/checkpoints/${name} from the course (\`git checkout -- packages/model/checkpoints/${name}\`)`,
    });
  }
}

// A lab's tests start by importing its code and what that code imports; a
// missing or broken dependency fails here, in a second, instead of in the
// middle of a workshop.
async function checkLab(lab: Lab): Promise<void> {
  const index = join(lab.dir, "src", "index.ts");
  if (!existsSync(index)) {
    emit({ ok: null, text: `lab ${lab.id}: no src/index.ts yet, nothing to load` });
    return;
  }
  try {
    const [, took] = await timed(() => import(pathToFileURL(index).href));
    emit({ ok: true, text: `lab ${lab.id}: its code and dependencies load (${took})` });
  } catch (e) {
    // A stubbed exercise that runs at import time is the learner's to write, not a broken machine.
    if (e instanceof Error && e.name === "NotImplemented") {
      emit({ ok: true, text: `lab ${lab.id}: loads (exercises not written yet)` });
      return;
    }
    emit({
      ok: false,
      text: `lab ${lab.id}: its code does not load: ${msg(e)}`,
      fix: `run \`npm install\`; if the error names a file you edited, look there (\`npm run exercise -- check ${lab.id}\` shows more)`,
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await deepChecks(resolve(process.argv[2] ?? "."));
}
