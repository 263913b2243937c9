import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../labs.ts";

// The one page a learner needs on the day, written into every handout.

function usesLabs(lab: Lab, others: Lab[]): Lab[] {
  const pkg = JSON.parse(readFileSync(join(lab.dir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return others.filter((o) => o !== lab && pkg.dependencies?.[o.packageName] !== undefined);
}

export function howToCheck(chosen: Lab[], dependencies: Lab[]): string {
  const first = chosen[0].id;
  const out = [
    "# How to run the checks",
    "",
    `This folder is a workshop handout of LLM Labs with ${chosen.length === 1 ? "one lab" : `${chosen.length} labs`}. Each lab's exercises are cut out of its`,
    "source: you write them, and the lab's own tests tell you when they are right.",
    "",
    "## Once, before the workshop",
    "",
    "1. Install Node.js 20.19 or newer (`node --version` prints it).",
    "2. In this folder run `npm install`. It downloads the course's dependencies from the npm registry (a few minutes).",
    "3. Run `npm run doctor`. Every line should start with ✓; a ✗ line says exactly what to fix.",
    "",
    "## The labs",
    "",
    "| lab | read | write in | check |",
    "| --- | --- | --- | --- |",
    ...chosen.map(
      (l) =>
        `| ${l.manifest.title} | labs/${l.folder}/README.md | labs/${l.folder}/src/ | \`npm run exercise -- check ${l.id}\` |`,
    ),
    "",
    "## Working on a lab",
    "",
    `- \`npm run exercise -- start ${first}\` lists the exercises and the file each one is in. You edit those files in`,
    "  place: each exercise is a block between `// #region exercise <id>` and `// #endregion`, where",
    "  `throw new NotImplemented(…)` stands for your code and `// hint:` lines give a first push.",
    `- \`npm run exercise -- check ${first}\` runs the lab's tests and prints one line per exercise:`,
    "  `✓` passes, `·` not written yet, `✗` your code runs but gives a wrong answer (the first failing",
    '  check is printed under "Next").',
    `- \`npm run exercise -- watch ${first}\` checks again on every save; \`npm run exercise -- hint ${first}\``,
    "  prints the next hint for the first exercise that does not pass yet.",
    `- \`npm run lab ${first}\` runs the lab's demo on your code, once its exercises pass.`,
    `- To start a lab over: \`npm run exercise -- reset ${first}\`. Your src/ is first copied to backups/, then the`,
    "  starter is written back. Nothing you wrote is ever deleted.",
    "- The tests are in labs/<lab>/test/: read them, they are the specification. Do not edit them.",
  ];
  const links = chosen.flatMap((l) =>
    usesLabs(l, chosen).map(
      (u) => `- ${l.manifest.title} runs on your code of ${u.manifest.title}: finish that lab first.`,
    ),
  );
  if (links.length) out.push("", "## Labs that build on each other", "", ...links);
  if (dependencies.length) {
    out.push(
      "",
      `The folder also holds ${dependencies.map((d) => `labs/${d.folder}`).join(", ")}, finished code that a lab above imports; it is not an exercise here.`,
    );
  }
  out.push(
    "",
    "## At the end of the day",
    "",
    "Save your progress for the teacher and hand in the file:",
    "",
    "```",
    'npm run -s exercise -- status --json --name "Your Name" > progress.json',
    "```",
    "",
    "(`-s` keeps npm's own lines out of the file.)",
    "",
  );
  return out.join("\n");
}
