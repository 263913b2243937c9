import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.ts";
import { UserError } from "../src/errors.ts";
import { fixtureCourse, runCli } from "./helpers.ts";

// The CLI as a learner meets it: a real process, its output and exit code.
describe("the course CLI", () => {
  const course = fixtureCourse("good", "cli");

  it("home lists every lab and the next step", () => {
    const r = runCli(course, ["home"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\s+arith\s+Arithmetic \(a fixture lab\)\s+2\s+not started/);
    expect(r.stdout).toContain("npm run exercise -- start arith");
  });

  it("home says so when there are no labs", () => {
    const r = runCli({ ...course, labsDir: join(course.scratchDir, "nothing-here") }, ["home"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No labs yet");
  });

  const mistakes: [string, string[], RegExp][] = [
    [
      "an unknown lab",
      ["exercise", "start", "arithh"],
      /^error: unknown lab "arithh"; did you mean "arith"\? \(labs: arith, words\)$/,
    ],
    [
      "an unknown subcommand",
      ["exercise", "begin", "arith"],
      /^error: unknown subcommand "begin"; usage: npm run exercise -- <start\|check\|watch\|hint\|reset\|status> <lab>$/,
    ],
    ["a missing subcommand", ["exercise"], /^error: missing subcommand; usage:/],
    [
      "a missing lab",
      ["exercise", "check"],
      /^error: missing lab id; usage: npm run exercise -- check <lab> \(labs: arith, words\)$/,
    ],
    [
      "an unknown flag",
      ["exercise", "status", "--jsn"],
      /^error: Unknown option '--jsn'; usage: npm run exercise -- status/,
    ],
    ["an unknown command", ["frobnicate"], /^error: unknown command "frobnicate"; usage:/],
    ["a lab demo that is missing", ["lab", "arith"], /^error: lab arith has no src\/demo\.ts$/],
    [
      "checking before starting",
      ["exercise", "check", "words"],
      /^error: words is not started yet; run: npm run exercise -- start words$/,
    ],
  ];
  // The messages are checked in-process (a process start costs half a second);
  // two real processes below prove how any UserError reaches the terminal.
  for (const [what, args, message] of mistakes) {
    it(`${what}: a UserError that says what is wrong`, async () => {
      const err = await main(args, course).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect(`error: ${(err as Error).message}`).toMatch(message);
    });
  }

  for (const [what, args, message] of [mistakes[0], mistakes[4]]) {
    it(`${what}, from a real process: one line on stderr, exit code 2, no stack trace`, () => {
      const r = runCli(course, args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    });
  }

  it("start, check, hint and status walk a learner through a lab", () => {
    const start = runCli(course, ["exercise", "start", "arith"]);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain("2 exercises to write");

    const check = runCli(course, ["exercise", "check", "arith"]);
    expect(check.code).toBe(1); // not everything passes yet
    expect(check.stdout).toMatch(/· add .* 0\/1 tests\s+not written yet/);
    expect(check.stdout).toContain("0/2 exercises passing");

    const h1 = runCli(course, ["exercise", "hint", "arith"]);
    expect(h1.stdout).toContain("hint 1/2: a + b");
    expect(h1.stdout).not.toContain("hint 2/2");
    const h2 = runCli(course, ["exercise", "hint", "arith"]);
    expect(h2.stdout).toContain("hint 2/2: numbers, not strings");

    const ws = join(course.workspaceDir, "01-arith", "src");
    for (const [file, stub, code] of [
      ["arith.ts", 'throw new NotImplemented("arith/add");', "return a + b;"],
      [
        "dot.ts",
        'throw new NotImplemented("arith/dot");',
        "for (let i = 0; i < a.length; i++) s += a[i] * b[i];",
      ],
    ]) {
      writeFileSync(join(ws, file), readFileSync(join(ws, file), "utf8").replace(stub, code));
    }
    const done = runCli(course, ["exercise", "check", "arith"]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("2/2 exercises passing");

    const json = JSON.parse(runCli(course, ["exercise", "status", "--json", "--name", "ada"]).stdout);
    expect(json.name).toBe("ada");
    expect(json.labs[0]).toMatchObject({
      id: "arith",
      started: true,
      exercises: [
        { id: "add", state: "pass", hintsShown: 2 },
        { id: "dot", state: "pass" },
      ],
    });
    expect(json.labs[1]).toMatchObject({ id: "words", started: false, checkedAt: null });

    expect(runCli(course, ["home"]).stdout).toMatch(/arith .* done/);
  });

  it("start on a started lab writes nothing; reset keeps a backup", () => {
    const file = join(course.workspaceDir, "01-arith", "src", "arith.ts");
    writeFileSync(file, "// my precious work\n");
    const again = runCli(course, ["exercise", "start", "arith"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already started");
    expect(readFileSync(file, "utf8")).toBe("// my precious work\n");

    const reset = runCli(course, ["exercise", "reset", "arith"]);
    expect(reset.code).toBe(0);
    const backup = /Backed up your work to (\S+)\//.exec(reset.stdout)![1];
    expect(readFileSync(join(course.root, backup, "src", "arith.ts"), "utf8")).toBe("// my precious work\n");
    expect(existsSync(file) && readFileSync(file, "utf8")).toContain("NotImplemented");
  });
});
