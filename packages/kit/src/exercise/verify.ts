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
}

export interface LabVerdict {
  lab: string;
  solutionPassed: number;
  solutionFailed: number;
  problems: string[];
  regions: RegionVerdict[];
  ok: boolean;
}

// `solutionAlreadyPassed`: `npm test` has just run every test of every lab,
// so running the solution again would prove nothing new. (A region whose
// exercise has no test is still caught below: its stubbed run finds none.)
export async function verifyLab(
  course: Course,
  lab: Lab,
  opts: { concurrency?: number; solutionAlreadyPassed?: boolean; onRegion?: (v: RegionVerdict) => void } = {},
): Promise<LabVerdict> {
  const regions = labRegions(lab);
  const problems: string[] = [];

  const solution = opts.solutionAlreadyPassed ? { tests: [], fileErrors: [], passed: 0, failed: 0 } : await runLabTests(course, lab, { tag: "solution" });
  for (const t of solution.tests.filter((t) => t.status === "failed")) problems.push(`solution fails ${t.file}: ${t.name}`);
  for (const e of solution.fileErrors) problems.push(`solution cannot load ${e.file}: ${firstLine(e.message)}`);
  for (const ex of opts.solutionAlreadyPassed ? [] : exerciseResults(lab, solution)) {
    if (ex.total === 0) problems.push(`exercise "${ex.id}" has no test inside describe("exercise: ${ex.id}")`);
  }

  const verdicts: RegionVerdict[] = new Array(regions.length);
  let next = 0;
  const worker = async () => {
    while (next < regions.length) {
      const i = next++;
      verdicts[i] = await verifyRegion(course, lab, regions[i], i);
      opts.onRegion?.(verdicts[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));

  const ok = problems.length === 0 && verdicts.every((v) => v.caught);
  return { lab: lab.id, solutionPassed: solution.passed, solutionFailed: solution.failed, problems, regions: verdicts, ok };
}

async function verifyRegion(course: Course, lab: Lab, region: RegionAt, index: number): Promise<RegionVerdict> {
  const dir = join(course.scratchDir, "verify", `${lab.folder}-${index}`);
  rmSync(dir, { recursive: true, force: true });
  writeStubbedCopy(lab, dir, (r) => r.file === region.file && r.start === region.start);
  // Only this exercise's tests run: the trailing space keeps "encode" from
  // also selecting "encode-bytes".
  // Only the files that name the exercise are even loaded: collecting every
  // test file of a lab (and the big vocabularies some of them read) for each
  // region would make the verifier several times slower.
  const files = testFilesNaming(lab, region.id);
  const run = await runLabTests(course, lab, { srcDir: join(dir, "src"), testNamePattern: `^exercise: ${region.id} `, files, tag: `region-${index}` });
  rmSync(dir, { recursive: true, force: true });
  const own = run.tests.filter((t) => t.exercise === region.id);
  const failing = own.filter((t) => t.status === "failed");
  const where = `${region.file}:${region.start + 1}`;
  // A test file that cannot even load proves nothing about this region (a
  // broken copy fails every region alike), unless what stopped it is the stub.
  const stubbed = run.fileErrors.find((e) => e.message.includes("NotImplemented"));
  if (run.fileErrors.length > 0 && !stubbed) {
    return { lab: lab.id, exercise: region.id, where, caught: false, detail: `a test file fails to load, so nothing is proven: ${firstLine(run.fileErrors[0].message)}` };
  }
  if (stubbed) {
    return { lab: lab.id, exercise: region.id, where, caught: true, detail: `${stubbed.file} stops at the stub as it loads` };
  }
  if (failing.length > 0) {
    return { lab: lab.id, exercise: region.id, where, caught: true, detail: `${failing.length} of ${own.length} tests fail` };
  }
  return { lab: lab.id, exercise: region.id, where, caught: false, detail: own.length ? `all ${own.length} "exercise: ${region.id}" tests still pass with the region stubbed` : `no test is named "exercise: ${region.id}"` };
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
