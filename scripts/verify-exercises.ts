// npm run verify:exercises [-- --lab <id>]
//
// Proves, for every lab, that the tests bite: the solution passes, and stubbing
// any one exercise region makes that exercise's own tests fail. See
// packages/kit/src/exercise/verify.ts for the rules.
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import {
  UserError,
  defaultCourse,
  discoverLabs,
  findLab,
  makeLimit,
  verifyLab,
  type LabVerdict,
} from "@llm-labs/kit";

export async function verifyAll(
  labIds: string[] = [],
  opts: { solutionAlreadyPassed?: boolean } = {},
): Promise<{ verdicts: LabVerdict[]; caught: number; uncaught: number }> {
  const course = defaultCourse();
  const all = discoverLabs(course);
  const labs = labIds.length ? labIds.map((id) => findLab(all, id)) : all;
  // Labs are verified side by side, sharing one budget of vitest runs: one per
  // core plus one, because a run spends part of its time starting up rather
  // than computing (on 2 cores: 89 s with two at a time, 63 s with three, 64
  // with four). Each lab's lines are printed as a block, in order.
  const limit = makeLimit(cpus().length + 1);
  const running = labs.map((lab) =>
    verifyLab(course, lab, { limit, solutionAlreadyPassed: opts.solutionAlreadyPassed }),
  );
  // A lab that throws is reported when its turn to print comes, not before.
  for (const r of running) r.catch(() => {});
  const verdicts: LabVerdict[] = [];
  for (const [i, lab] of labs.entries()) {
    const v = await running[i];
    console.log(
      `verify ${lab.id}: ${opts.solutionAlreadyPassed ? "" : "solution, then "}${lab.manifest.exercises.length} exercises, every region stubbed`,
    );
    for (const r of v.regions)
      console.log(
        `  ${r.caught ? "✓" : "✗"} ${r.exercise.padEnd(24)} ${r.where.padEnd(28)} ${r.detail}${r.batched ? "" : " (alone)"}`,
      );
    for (const p of v.problems) console.log(`  ✗ ${p}`);
    if (!opts.solutionAlreadyPassed)
      console.log(`  solution: ${v.solutionPassed} tests pass, ${v.solutionFailed} fail`);
    verdicts.push(v);
  }
  const regions = verdicts.flatMap((v) => v.regions);
  const caught = regions.filter((r) => r.caught).length;
  const uncaught = regions.length - caught + verdicts.reduce((n, v) => n + v.problems.length, 0);
  if (labs.length === 0) console.log("verify: no labs yet, nothing to verify");
  return { verdicts, caught, uncaught };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { values } = parseArgs({ options: { lab: { type: "string", multiple: true } }, strict: true });
    const { caught, uncaught } = await verifyAll(values.lab ?? []);
    console.log(`exercises: ${caught} passed, ${uncaught} failed`);
    process.exitCode = uncaught === 0 ? 0 : 1;
  } catch (e) {
    if (!(e instanceof UserError) && !(e instanceof TypeError)) throw e;
    console.error(`error: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
