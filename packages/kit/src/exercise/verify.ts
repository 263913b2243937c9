import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Course } from "../course.ts";
import type { Lab } from "../labs.ts";
import { exerciseResults, runLabTests } from "./run-tests.ts";
import { type RegionAt, labRegions, writeStubbedCopy } from "./workspace.ts";

// The verifier proves the tests bite, both ways (as rustlings' CI does):
//  1. the untouched solution passes every test of the lab, and every exercise
//     has at least one test named "exercise: <id>";
//  2. for every region, a copy of the lab with that region alone stubbed makes
//     at least one of that exercise's own tests fail.
// (2) is stricter than "some test fails": it is what lets `exercise check`
// say which exercise is done.

export interface RegionVerdict {
  lab: string;
  exercise: string;
  where: string; // "src/pairs.ts:12"
  caught: boolean;
  detail: string;
  // Proven in a copy with other exercises' regions stubbed too (see verifyLab).
  batched?: boolean;
}

export interface LabVerdict {
  lab: string;
  solutionPassed: number;
  solutionFailed: number;
  problems: string[];
  regions: RegionVerdict[];
  ok: boolean;
}

// How many vitest runs may go at once, shared by every lab being verified.
export type Limit = <T>(job: () => Promise<T>) => Promise<T>;

export function makeLimit(concurrency: number): Limit {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (active >= concurrency) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

// `solutionAlreadyPassed`: `npm test` has just run every test of every lab,
// so running the solution again would prove nothing new. (A region whose
// exercise has no test is still caught below: its stubbed run finds none.)
export async function verifyLab(
  course: Course,
  lab: Lab,
  opts: {
    concurrency?: number;
    limit?: Limit;
    solutionAlreadyPassed?: boolean;
    onRegion?: (v: RegionVerdict) => void;
  } = {},
): Promise<LabVerdict> {
  const regions = labRegions(lab);
  const problems: string[] = [];
  const limit = opts.limit ?? makeLimit(Math.max(1, opts.concurrency ?? 2));

  const solution = opts.solutionAlreadyPassed
    ? { tests: [], fileErrors: [], passed: 0, failed: 0 }
    : await limit(() => runLabTests(course, lab, { tag: "solution" }));
  for (const t of solution.tests.filter((t) => t.status === "failed"))
    problems.push(`solution fails ${t.file}: ${t.name}`);
  for (const e of solution.fileErrors)
    problems.push(`solution cannot load ${e.file}: ${firstLine(e.message)}`);
  for (const ex of opts.solutionAlreadyPassed ? [] : exerciseResults(lab, solution)) {
    if (ex.total === 0)
      problems.push(`exercise "${ex.id}" has no test inside describe("exercise: ${ex.id}")`);
  }

  // One vitest run per region is the plain way, and it is slow: most of a run
  // is starting vitest and loading models. So regions of *different*
  // exercises are stubbed together in one copy (round k stubs the k-th region
  // of every exercise), and a region counts as caught there only on evidence
  // that cannot come from its neighbours: one of its exercise's own tests
  // fails with its own NotImplemented and no other. Anything less (its test
  // failed on a neighbour's stub, or on an assertion) is settled the plain
  // way, with that region stubbed alone.
  const verdicts: RegionVerdict[] = new Array(regions.length);
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  regions.forEach((r, i) => {
    const k = seen.get(r.id) ?? 0;
    seen.set(r.id, k + 1);
    (rounds[k] ??= []).push(i);
  });
  const alone: number[] = [];
  await Promise.all(
    rounds.map(async (round, k) => {
      if (round.length === 1) return alone.push(round[0]);
      const found = await limit(() =>
        verifyTogether(
          course,
          lab,
          round.map((i) => regions[i]),
          `round-${k}`,
        ),
      );
      round.forEach((i, j) => {
        if (found[j]) verdicts[i] = found[j];
        else alone.push(i);
      });
    }),
  );
  await Promise.all(
    alone.map(async (i) => (verdicts[i] = await limit(() => verifyRegion(course, lab, regions[i], i)))),
  );
  verdicts.forEach((v) => opts.onRegion?.(v));

  const ok = problems.length === 0 && verdicts.every((v) => v.caught);
  return {
    lab: lab.id,
    solutionPassed: solution.passed,
    solutionFailed: solution.failed,
    problems,
    regions: verdicts,
    ok,
  };
}

// The message a stub throws names its exercise (see not-implemented.ts).
const stubMark = (lab: Lab, id: string) => `exercise ${lab.id}/${id} is not implemented yet`;

// Regions of distinct exercises, stubbed in one copy, tested in one run.
// Returns a verdict for each region proven caught, undefined for the rest.
async function verifyTogether(
  course: Course,
  lab: Lab,
  group: RegionAt[],
  tag: string,
): Promise<(RegionVerdict | undefined)[]> {
  const dir = join(course.scratchDir, "verify", `${lab.folder}-${tag}`);
  rmSync(dir, { recursive: true, force: true });
  writeStubbedCopy(lab, dir, (r) => group.some((g) => g.file === r.file && g.start === r.start));
  const ids = group.map((r) => r.id);
  const files = [...new Set(ids.flatMap((id) => testFilesNaming(lab, id)))].sort();
  const run = await runLabTests(course, lab, {
    srcDir: join(dir, "src"),
    testNamePattern: `^exercise: (${ids.join("|")}) `,
    files,
    tag,
  });
  rmSync(dir, { recursive: true, force: true });
  // Only the region's own stub, and nobody else's, in the message.
  const onlyMine = (message: string | undefined, id: string) =>
    !!message &&
    message.includes(stubMark(lab, id)) &&
    ids.every((other) => other === id || !message.includes(stubMark(lab, other)));
  return group.map((region) => {
    const where = `${region.file}:${region.start + 1}`;
    const own = run.tests.filter((t) => t.exercise === region.id);
    const failing = own.filter((t) => t.status === "failed" && onlyMine(t.message, region.id));
    if (failing.length > 0)
      return {
        lab: lab.id,
        exercise: region.id,
        where,
        caught: true,
        detail: `${failing.length} of ${own.length} tests fail`,
        batched: true,
      };
    const stopped = run.fileErrors.find((e) => onlyMine(e.message, region.id));
    if (stopped)
      return {
        lab: lab.id,
        exercise: region.id,
        where,
        caught: true,
        detail: `${stopped.file} stops at the stub as it loads`,
        batched: true,
      };
    return undefined;
  });
}

// One region stubbed alone: the plain proof.
async function verifyRegion(
  course: Course,
  lab: Lab,
  region: RegionAt,
  index: number,
): Promise<RegionVerdict> {
  const dir = join(course.scratchDir, "verify", `${lab.folder}-${index}`);
  rmSync(dir, { recursive: true, force: true });
  writeStubbedCopy(lab, dir, (r) => r.file === region.file && r.start === region.start);
  // Only this exercise's tests run: the trailing space keeps "encode" from
  // also selecting "encode-bytes".
  // Only the files that name the exercise are even loaded: collecting every
  // test file of a lab (and the big vocabularies some of them read) for each
  // region would make the verifier several times slower.
  const files = testFilesNaming(lab, region.id);
  const run = await runLabTests(course, lab, {
    srcDir: join(dir, "src"),
    testNamePattern: `^exercise: ${region.id} `,
    files,
    tag: `region-${index}`,
  });
  rmSync(dir, { recursive: true, force: true });
  const own = run.tests.filter((t) => t.exercise === region.id);
  const failing = own.filter((t) => t.status === "failed");
  const where = `${region.file}:${region.start + 1}`;
  // A test file that cannot even load proves nothing about this region (a
  // broken copy fails every region alike), unless what stopped it is the stub.
  const stubbed = run.fileErrors.find((e) => e.message.includes("NotImplemented"));
  if (run.fileErrors.length > 0 && !stubbed) {
    return {
      lab: lab.id,
      exercise: region.id,
      where,
      caught: false,
      detail: `a test file fails to load, so nothing is proven: ${firstLine(run.fileErrors[0].message)}`,
    };
  }
  if (stubbed) {
    return {
      lab: lab.id,
      exercise: region.id,
      where,
      caught: true,
      detail: `${stubbed.file} stops at the stub as it loads`,
    };
  }
  if (failing.length > 0) {
    return {
      lab: lab.id,
      exercise: region.id,
      where,
      caught: true,
      detail: `${failing.length} of ${own.length} tests fail`,
    };
  }
  return {
    lab: lab.id,
    exercise: region.id,
    where,
    caught: false,
    detail: own.length
      ? `all ${own.length} "exercise: ${region.id}" tests still pass with the region stubbed`
      : `no test is named "exercise: ${region.id}"`,
  };
}

export function testFilesNaming(lab: Lab, exercise: string): string[] {
  const dir = join(lab.dir, "test");
  if (!existsSync(dir)) return [];
  const title = new RegExp(`["'\`]exercise: ${exercise}["'\`]`);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts") && title.test(readFileSync(join(dir, f), "utf8")))
    .map((f) => join("test", f))
    .sort();
}

const firstLine = (s: string) => s.split("\n").find((l) => l.trim()) ?? s;
