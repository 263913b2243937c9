import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseRegions } from "../src/exercise/regions.ts";
import type { Lab } from "../src/labs.ts";

// What `npm install` would give a handout, without the network: a
// node_modules whose third-party packages are links into the course's own,
// and whose @llm-labs/* packages are links to the handout's folders, so that
// every import of a lab resolves inside the handout (a link to the course's
// @llm-labs would quietly test the reference solution instead).
export function linkNodeModules(
  courseRoot: string,
  handout: string,
  workspaces: Record<string, string>,
): void {
  const from = join(courseRoot, "node_modules");
  const to = join(handout, "node_modules");
  mkdirSync(join(to, "@llm-labs"), { recursive: true });
  for (const name of readdirSync(from)) {
    if (name === "@llm-labs" || name === ".package-lock.json") continue;
    symlinkSync(join(from, name), join(to, name));
  }
  for (const [pkg, dir] of Object.entries(workspaces)) {
    symlinkSync(
      relative(join(to, "@llm-labs"), join(handout, dir)),
      join(to, "@llm-labs", pkg.replace("@llm-labs/", "")),
    );
  }
}

// The learner's part: each stubbed region of the handout's copy gets the
// reference body back, taken from the lab's solution.
export function solveInHandout(lab: Lab, handoutLab: string): number {
  let solved = 0;
  for (const file of new Set(lab.manifest.exercises.map((e) => e.file))) {
    const solution = readFileSync(join(lab.dir, file), "utf8").split("\n");
    const stubbedPath = join(handoutLab, file);
    const stubbed = readFileSync(stubbedPath, "utf8").split("\n");
    const want = parseRegions(solution.join("\n"), file);
    const have = parseRegions(stubbed.join("\n"), file);
    // Back to front, so the line numbers of earlier regions stay valid.
    for (let i = have.length - 1; i >= 0; i--) {
      const body = solution.slice(want[i].start + 1, want[i].end);
      stubbed.splice(have[i].start + 1, have[i].end - have[i].start - 1, ...body);
      solved++;
    }
    writeFileSync(stubbedPath, stubbed.join("\n"));
  }
  return solved;
}
