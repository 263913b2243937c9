import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.ts";
import { UserError } from "../src/errors.ts";
import { colorEnabled } from "../src/term/paint.ts";
import { fixtureCourse, mainInProcess, runCli } from "./helpers.ts";

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

// What `check` says when the learner's code never ends or cannot even load.
describe("exercise check on broken code", () => {
  const course = fixtureCourse("good", "cli-broken");
  const arith = join(course.workspaceDir, "01-arith", "src", "arith.ts");
  let stubbed = "";
  const write = (code: string) =>
    writeFileSync(arith, stubbed.replace('throw new NotImplemented("arith/add");', code));

  it("an endless loop: the run is stopped past the test's limit, naming the exercise", async () => {
    expect((await mainInProcess(course, ["exercise", "start", "arith"])).code).toBe(0);
    stubbed = readFileSync(arith, "utf8");
    write("while (true) {}");
    const r = await mainInProcess(course, ["exercise", "check", "arith"]);
    expect(r.code).toBe(1);
    // The fixture's add test gives itself 2 s; the watchdog's grace is 2 s more.
    expect(r.out).toMatch(
      /✗ exercise add: stopped, test "exercise: add › adds" was still running after \d+ s \(its limit is 2 s\)/,
    );
    expect(r.out).toMatch(
      /Next: Add two numbers, in \S*01-arith\/src\/arith\.ts: is there a loop that never ends/,
    );
  });

  it("a syntax error: the file and line, once, and Next points there", async () => {
    write("return a + ;");
    const r = await mainInProcess(course, ["exercise", "check", "arith"]);
    expect(r.code).toBe(1);
    const line = /✗ \S*01-arith\/src\/arith\.ts:(\d+):\d+: Unexpected token/.exec(r.out)?.[1];
    expect(line).toBeDefined();
    expect(r.out.match(/arith\.ts:\d+/g)).toHaveLength(1);
    expect(r.out).toContain(`Next: fix the syntax error in `);
    expect(r.out).toMatch(new RegExp(`01-arith/src/arith\\.ts at line ${line}, then check again\\.`));
    // add and dot (which imports add) are "not checked", not "0/0 tests failing".
    expect(r.out).not.toMatch(/failing/);
    expect(r.out.match(/not checked \(see above\)/g)).toHaveLength(2);
  });
});

describe("colours", () => {
  it("only on a terminal, unless FORCE_COLOR or NO_COLOR says otherwise", () => {
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(undefined, {})).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: "" })).toBe(true); // an empty NO_COLOR is no NO_COLOR
    expect(colorEnabled(false, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled(false, { FORCE_COLOR: "" })).toBe(true);
    expect(colorEnabled(true, { FORCE_COLOR: "0" })).toBe(false);
    expect(colorEnabled(false, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true); // as Node's tty decides
  });

  it("a real process: plain text into a pipe, colour when FORCE_COLOR asks", () => {
    const course = fixtureCourse("good", "cli-colour");
    expect(runCli(course, ["home"]).stdout).not.toContain("\x1b[");
    expect(runCli(course, ["home"], { FORCE_COLOR: "1" }).stdout).toContain("\x1b[");
  });
});
