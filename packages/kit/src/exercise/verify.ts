import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { Course } from "../course.ts";
import type { Lab } from "../labs.ts";
import type { ReportedFile } from "./reporter.ts";
import {
  type RunResult,
  type TestOutcome,
  exerciseResults,
  killGroup,
  parseReport,
  testFiles,
  testFilesNaming,
} from "./run-tests.ts";
import type { RunnerPlan } from "./verify-runner.ts";
import { type Variant, variantFolder, variantImport } from "./variants.ts";
import { type RegionAt, labRegions } from "./workspace.ts";

export { testFiles, testFilesNaming };

// The verifier proves the tests bite, both ways (as rustlings' CI does):
//  1. the untouched solution passes every test of the lab, and every exercise
//     has at least one test named "exercise: <id>";
//  2. for every region, the lab with that region alone stubbed makes at least
//     one of that exercise's own tests fail.
// (2) is stricter than "some test fails": it is what lets `exercise check`
// say which exercise is done.
//
// How: ONE vitest process for every lab asked for. Each region is a variant
// of its lab, a second copy of the lab's modules with that region stubbed,
// loaded beside the solution's in the same process (variants.ts); each test
// file that names the region's exercise runs once more as that variant, with
// only that exercise's tests selected, and stops at its first failing test
// (test-runner.ts): that failure is the proof. Workers load the packages,
// ONNX Runtime and the checkpoints once, not once per stubbed copy, and no
// copy is written to disk. Six labs, 51 regions, on 2 cores: one run of
// ~8 s (13 CPU-s) where one vitest process per stubbed copy took ~50 s
// (71 CPU-s).

export interface RegionVerdict {
  lab: string;
  exercise: string;
  where: string; // "src/pairs.ts:12"
  caught: boolean;
  detail: string;
}

export interface LabVerdict {
  lab: string;
  solutionPassed: number;
  solutionFailed: number;
  // The solution's failing tests, for a reader of `npm test -- --lab`.
  solutionFailures: TestOutcome[];
  problems: string[];
  regions: RegionVerdict[];
  ok: boolean;
  // Every region's verdict came from the cache (a green run of this same code).
  cached: boolean;
}

export interface VerifyOptions {
  // Run the lab's whole test suite unstubbed too (rule 1). `npm test` has just
  // run every test of every lab, and passes false.
  solution?: boolean;
  // Reuse the regions' verdicts of an earlier green run when nothing they
  // depend on changed (the lab, the labs it imports, every package, the
  // lockfile). Never on CI: there, every region is verified every time.
  cache?: boolean;
  workers?: number;
  // Wall-clock bound of the whole run; past it every unsettled region fails.
  limitMs?: number;
}

export const isCI = (): boolean => !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

// Generous: six labs take ~10 s on two cores; a laptop with a video call
// may be five times slower, and sixteen labs three times more work.
const DEFAULT_LIMIT_MS = 15 * 60_000;

export async function verifyLab(course: Course, lab: Lab, opts: VerifyOptions = {}): Promise<LabVerdict> {
  return (await verifyLabs(course, [lab], opts))[0];
}

interface Spec {
  wrapper: string;
  pattern?: string;
  lab: number; // index into labs
  region?: number; // index into that lab's regions; undefined for the solution
  test: string; // the lab's test file, relative to the lab: "test/encode.test.ts"
}

export async function verifyLabs(
  course: Course,
  labs: Lab[],
  opts: VerifyOptions = {},
): Promise<LabVerdict[]> {
  const solution = opts.solution ?? true;
  const useCache = (opts.cache ?? false) && !isCI();
  const regions = labs.map((lab) => labRegions(lab));
  const keys = labs.map((lab) => (useCache ? fingerprint(course, lab) : ""));
  const cache = useCache ? readCache(course) : {};
  const cached = labs.map((lab, i) => {
    const hit = cache[lab.folder];
    return hit && hit.key === keys[i] && hit.regions.length === regions[i].length ? hit.regions : undefined;
  });

  // Its own folder per process: two runs at once (a helper checking one lab
  // while `npm test` runs) must not remove each other's wrappers.
  const dir = join(course.scratchDir, "verify", String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  const variants: Variant[] = [];
  const specs: Spec[] = [];
  const wrap = (spec: Omit<Spec, "wrapper">, name: string, target: string) => {
    const wrapper = join(dir, labs[spec.lab].folder, name, spec.test.replaceAll("/", "--"));
    mkdirSync(dirname(wrapper), { recursive: true });
    writeFileSync(
      wrapper,
      `// written by the exercise verifier (verify.ts)\nimport ${JSON.stringify(target)};\n`,
    );
    specs.push({ ...spec, wrapper });
  };
  labs.forEach((lab, li) => {
    if (solution) for (const test of testFiles(lab)) wrap({ lab: li, test }, "solution", join(lab.dir, test));
    if (cached[li]) return;
    const stubLab = {
      id: lab.id,
      manifest: { exercises: lab.manifest.exercises.map((e) => ({ id: e.id, hints: e.hints })) },
    };
    regions[li].forEach((r, ri) => {
      const id = `${lab.folder}-${ri}`;
      variants.push({ id, lab: stubLab, labDir: lab.dir, stub: [{ file: r.file, start: r.start }] });
      // Only the files that name the exercise are loaded, and in them only
      // its tests run: the trailing space keeps "encode" from also selecting
      // "encode-bytes".
      for (const test of testFilesNaming(lab, r.id))
        wrap(
          { lab: li, region: ri, test, pattern: `^exercise: ${r.id} ` },
          variantFolder(ri),
          variantImport(join(lab.dir, test), id),
        );
    });
  });

  // Longest first (by the last run's times, kept locally), so that two
  // workers finish together instead of one waiting on a slow file at the end.
  const times = readJson<Record<string, number>>(timesFile(course), {});
  const timeKey = (s: Spec) => `${labs[s.lab].folder} ${s.region ?? "solution"} ${s.test}`;
  const order = [...specs].sort((a, b) => (times[timeKey(b)] ?? 1e9) - (times[timeKey(a)] ?? 1e9));
  const run = specs.length ? await runVerifier(course, dir, variants, order, opts) : { files: [] };
  rmSync(dir, { recursive: true, force: true });
  for (const s of specs) {
    const ms = run.files.find((f) => f.file === s.wrapper)?.ms;
    if (ms !== undefined) times[timeKey(s)] = ms;
  }
  writeJson(timesFile(course), times);

  const verdicts = labs.map((lab, li): LabVerdict => {
    const problems: string[] = [];
    const resultOf = (region: number | undefined): RunResult => {
      const mine = specs.filter((s) => s.lab === li && s.region === region);
      const files: ReportedFile[] = mine.map((s) => {
        const got = run.files.find((f) => f.file === s.wrapper);
        const file = join(lab.dir, s.test);
        return got
          ? { ...got, file }
          : { file, loadError: run.error ?? "the verifier's run did not report it", tests: [] };
      });
      return parseReport({ files }, lab.dir);
    };
    const sol = solution ? resultOf(undefined) : undefined;
    for (const t of sol?.tests.filter((t) => t.status === "failed") ?? [])
      problems.push(`solution fails ${t.file}: ${t.name}`);
    for (const e of sol?.fileErrors ?? [])
      problems.push(`solution cannot load ${e.file}: ${firstLine(e.message)}`);
    for (const ex of sol ? exerciseResults(lab, sol) : []) {
      if (ex.total === 0)
        problems.push(`exercise "${ex.id}" has no test inside describe("exercise: ${ex.id}")`);
    }
    const mine = cached[li] ?? regions[li].map((r, ri) => regionVerdict(lab, r, resultOf(ri)));
    return {
      lab: lab.id,
      solutionPassed: sol?.passed ?? 0,
      solutionFailed: sol?.failed ?? 0,
      solutionFailures: sol?.tests.filter((t) => t.status === "failed") ?? [],
      problems,
      regions: mine,
      ok: problems.length === 0 && mine.every((v) => v.caught),
      cached: !!cached[li],
    };
  });

  if (useCache) {
    verdicts.forEach((v, i) => {
      // Only a green lab is remembered: a red one is verified again next time.
      if (v.regions.every((r) => r.caught)) cache[labs[i].folder] = { key: keys[i], regions: v.regions };
      else delete cache[labs[i].folder];
    });
    writeCache(course, cache);
  }
  return verdicts;
}

// The message a stub throws names its exercise (see not-implemented.ts).
const stubMark = (lab: Lab, id: string) => `exercise ${lab.id}/${id} is not implemented yet`;

function regionVerdict(lab: Lab, region: RegionAt, run: RunResult): RegionVerdict {
  const own = run.tests.filter((t) => t.exercise === region.id);
  const failing = own.filter((t) => t.status === "failed");
  const verdict = (caught: boolean, detail: string): RegionVerdict => ({
    lab: lab.id,
    exercise: region.id,
    where: `${region.file}:${region.start + 1}`,
    caught,
    detail,
  });
  // A test file that cannot even load proves nothing about this region (a
  // broken lab fails every region alike), unless what stopped it is the stub.
  const stubbed = run.fileErrors.find((e) => e.message.includes(stubMark(lab, region.id)));
  if (stubbed) return verdict(true, `${stubbed.file} stops at the stub as it loads`);
  if (run.fileErrors.length > 0)
    return verdict(
      false,
      `a test file fails to load, so nothing is proven: ${firstLine(run.fileErrors[0].message)}`,
    );
  if (failing.length > 0) return verdict(true, `${failing.length} of ${own.length} tests fail`);
  return verdict(
    false,
    own.length
      ? `all ${own.length} "exercise: ${region.id}" tests still pass with the region stubbed`
      : `no test is named "exercise: ${region.id}"`,
  );
}

async function runVerifier(
  course: Course,
  dir: string,
  variants: Variant[],
  specs: Spec[],
  opts: VerifyOptions,
): Promise<{ files: ReportedFile[]; error?: string }> {
  const report = join(dir, "report.json");
  const plan: RunnerPlan = {
    root: course.root,
    dir,
    report,
    // A worker is a process to start: no more of them than files to run.
    maxWorkers: Math.max(1, Math.min(opts.workers ?? cpus().length, specs.length)),
    // The labs' own configs are not read here, so these are generous
    // backstops (the lab's own run in `npm test` holds its tests to its
    // timeouts; a stubbed test fails fast). The whole run has a limit below.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    variants,
    specs: specs.map((s) => ({ wrapper: s.wrapper, pattern: s.pattern })),
  };
  const planFile = join(dir, "plan.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const require = createRequire(join(course.root, "package.json"));
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const runner = join(import.meta.dirname, "verify-runner.ts");
  const limitMs = opts.limitMs ?? DEFAULT_LIMIT_MS;
  const { output, timedOut } = await new Promise<{ output: string; timedOut: boolean }>((done) => {
    // Its own process group, so that the limit stops vitest's workers too.
    const child = spawn(process.execPath, ["--import", tsx, runner, planFile], {
      cwd: course.root,
      env: { ...process.env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let text = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, limitMs);
    child.on("close", () => {
      clearTimeout(timer);
      killGroup(child.pid); // a worker left behind
      done({ output: text, timedOut });
    });
  });
  if (timedOut)
    return {
      files: [],
      error: `the verifier's vitest run passed its limit of ${limitMs / 1000} s and was stopped`,
    };
  if (!existsSync(report))
    return { files: [], error: `the verifier's vitest run wrote no report:\n${output.slice(-2000)}` };
  return JSON.parse(readFileSync(report, "utf8")) as { files: ReportedFile[] };
}

// What a region's verdict depends on: every file of the lab, of each lab it
// imports by package name, of every package, and the lockfile.
function fingerprint(course: Course, lab: Lab): string {
  const hash = createHash("sha256");
  const pkg = JSON.parse(readFileSync(join(lab.dir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const names = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  const labsDir = join(lab.dir, "..");
  const others = readdirSync(labsDir)
    .map((f) => join(labsDir, f))
    .filter((d) => d !== lab.dir && existsSync(join(d, "package.json")))
    .filter((d) =>
      names.has((JSON.parse(readFileSync(join(d, "package.json"), "utf8")) as { name: string }).name),
    );
  const roots = [
    lab.dir,
    ...others.sort(),
    join(course.root, "packages"),
    join(course.root, "package-lock.json"),
  ];
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort())
        if (!["node_modules", ".turbo", "dist"].includes(name)) walk(join(path, name));
      return;
    }
    hash.update(relative(course.root, path)).update("\0").update(readFileSync(path)).update("\0");
  };
  for (const r of roots) walk(r);
  return hash.digest("hex");
}

type Cache = Record<string, { key: string; regions: RegionVerdict[] }>;
const cacheFile = (course: Course) => join(course.scratchDir, "cache", "verify.json");
const timesFile = (course: Course) => join(course.scratchDir, "cache", "verify-times.json");
const readCache = (course: Course): Cache => readJson<Cache>(cacheFile(course), {});
const writeCache = (course: Course, cache: Cache) => writeJson(cacheFile(course), cache);

function readJson<T>(path: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return fallback;
  }
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 1));
}

const firstLine = (s: string) => s.split("\n").find((l) => l.trim()) ?? s;
