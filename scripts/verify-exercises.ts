// npm run verify:exercises [-- --lab <id>]... [--no-cache]
//
// Proves, for every lab, that the tests bite: the solution passes, and stubbing
// any one exercise region makes that exercise's own tests fail. See
// packages/kit/src/exercise/verify.ts for the rules and how one vitest
// process does it for every lab.
import { parseArgs } from "node:util";
import {
  type Lab,
  type LabVerdict,
  UserError,
  defaultCourse,
  discoverLabs,
  findLab,
  verifyLabs,
} from "@llm-labs/kit";

export async function verifyAll(
  labIds: string[] = [],
  opts: { solutionAlreadyPassed?: boolean; cache?: boolean } = {},
): Promise<{ verdicts: LabVerdict[]; caught: number; uncaught: number; labs: Lab[] }> {
  const course = defaultCourse();
  const all = discoverLabs(course);
  const labs = labIds.length ? labIds.map((id) => findLab(all, id)) : all;
  const solution = !opts.solutionAlreadyPassed;
  const regions = labs.reduce((n, lab) => n + lab.manifest.exercises.length, 0);
  if (labs.length)
    console.log(
      `verifying ${labs.length === 1 ? labs[0].id : `${labs.length} labs`} (${regions} exercises${solution ? ", and the solution" : ""}) in one vitest run …`,
    );
  const verdicts = await verifyLabs(course, labs, { solution, cache: opts.cache ?? true });
  for (const [i, lab] of labs.entries()) {
    const v = verdicts[i];
    const how = v.cached
      ? "unchanged since its last green run (cached; CI verifies every region)"
      : "every region stubbed";
    console.log(`verify ${lab.id}: ${lab.manifest.exercises.length} exercises, ${how}`);
    for (const r of v.regions)
      console.log(`  ${r.caught ? "✓" : "✗"} ${r.exercise.padEnd(24)} ${r.where.padEnd(28)} ${r.detail}`);
    for (const p of v.problems) console.log(`  ✗ ${p}`);
    // The first failing test's message, without vitest's own stack frames.
    const first = v.solutionFailures[0];
    if (first?.message)
      for (const line of first.message
        .split("\n")
        .filter((l) => !/node_modules|node:internal/.test(l))
        .slice(0, 8))
        console.log(`      ${line}`);
    if (solution) console.log(`  solution: ${v.solutionPassed} tests pass, ${v.solutionFailed} fail`);
  }
  const all_ = verdicts.flatMap((v) => v.regions);
  const caught = all_.filter((r) => r.caught).length;
  const uncaught = all_.length - caught + verdicts.reduce((n, v) => n + v.problems.length, 0);
  if (labs.length === 0) console.log("verify: no labs yet, nothing to verify");
  return { verdicts, caught, uncaught, labs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { values } = parseArgs({
      options: { lab: { type: "string", multiple: true }, "no-cache": { type: "boolean" } },
      strict: true,
    });
    const { caught, uncaught } = await verifyAll(values.lab ?? [], { cache: !values["no-cache"] });
    console.log(`exercises: ${caught} passed, ${uncaught} failed`);
    process.exitCode = uncaught === 0 ? 0 : 1;
  } catch (e) {
    if (!(e instanceof UserError) && !(e instanceof TypeError)) throw e;
    console.error(`error: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
