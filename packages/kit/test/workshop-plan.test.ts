import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../src/errors.ts";
import { REPO_ROOT } from "../src/course.ts";
import { type Lab, discoverLabs, readLab } from "../src/labs.ts";
import { instructorNotes } from "../src/workshop/notes.ts";
import { agendaHtml, agendaMarkdown, clock, planDay, splitMinutes } from "../src/workshop/plan.ts";
import { selectLabs } from "../src/workshop/select.ts";
import { fixtureCourse, mainInProcess, runCli } from "./helpers.ts";

// The fixture course: arith (10 minutes, no prerequisites) and words (5
// minutes, needs arith).
const course = fixtureCourse("good", "plan");
afterAll(() => rmSync(dirname(course.scratchDir), { recursive: true, force: true }));
const labs = discoverLabs(course);

const cli = (args: string[]) => mainInProcess(course, args);

const withMinutes = (lab: Lab, minutes: number): Lab => ({ ...lab, manifest: { ...lab.manifest, minutes } });

describe("workshop plan", () => {
  it("pulls in prerequisites, in order, and says which it added", () => {
    const s = selectLabs(labs, ["words"]);
    expect(s.labs.map((l) => l.id)).toEqual(["arith", "words"]);
    expect(s.added.map((a) => [a.lab.id, a.neededBy.id])).toEqual([["arith", "words"]]);
    expect(selectLabs(labs, ["words"], { only: true }).labs.map((l) => l.id)).toEqual(["words"]);
    // Named in the wrong order, taught in the right one.
    expect(selectLabs(labs, ["2", "1"]).labs.map((l) => l.id)).toEqual(["arith", "words"]);
  });

  it("times the day from the manifests: setup, labs with breaks between, wrap-up", () => {
    const md = agendaMarkdown(planDay(selectLabs(labs, ["words"])));
    // 09:00 + 15 setup = 09:15; arith 10 → 09:25; break 15 → 09:40; words 5 → 09:45; wrap-up 15 → 10:00.
    const rows = md
      .split("\n")
      .filter((l) => /^\| \d\d:\d\d–/.test(l))
      .map((l) => l.split(" | ").slice(0, 2).join(" "));
    expect(rows).toEqual([
      "| 09:00–09:15 setup",
      "| 09:15–09:25 lab 1",
      "| 09:25–09:40 break",
      "| 09:40–09:45 lab 2",
      "| 09:45–10:00 wrap-up",
    ]);
    expect(md).toContain("2 labs, 15 min of lab time (from the labs' manifests), 09:00–10:00.");
    expect(md).toContain("- Arithmetic (a fixture lab) (arith), a prerequisite of words");
    expect(md).toContain("npm run workshop -- handout --labs arith,words --out ../handout");
    // Readings to assign, per lab.
    expect(md).toMatch(
      /## Readings to assign before the day\n\n### Arithmetic \(a fixture lab\)\n\n- \[Fixture reading\]\(https:\/\/example\.org\/fixture\) \(docs\)/,
    );
    expect(md).toContain("- `dot`: Dot product (src/dot.ts)");
    expect(md).toContain(
      "Teacher notes: labs/01-arith/INSTRUCTOR.md (common mistakes, the figure for the board).",
    );
    expect(md).toContain("Teacher notes: none yet (labs/02-words/INSTRUCTOR.md does not exist).");
  });

  it("the teacher notes of labs 01, 02 and 03 have both sections a workshop needs", () => {
    for (const folder of ["01-tokenizers", "02-attention-kv-cache", "03-speculative-decoding"]) {
      const lab = readLab(join(REPO_ROOT, "labs", folder), folder);
      expect(instructorNotes(lab), folder).toEqual({
        file: "INSTRUCTOR.md",
        exists: true,
        mistakes: true,
        figure: true,
      });
    }
  });

  it("splits long labs, puts lunch after noon, and moves to a second day", () => {
    // 150 minutes in two halves of 75 (not 90 + 60); 120 in two of 60.
    expect(splitMinutes(150, 90)).toEqual([75, 75]);
    expect(splitMinutes(91, 90)).toEqual([46, 45]);
    const [arith, words] = labs;
    const agenda = planDay({ labs: [withMinutes(arith, 150), withMinutes(words, 300)], added: [] });
    const days = agenda.days.map((d) =>
      d.map(
        (s) =>
          `${clock(s.start)} ${s.kind}${s.kind === "lab" ? ` ${s.lab.id} ${s.part}/${s.parts} ${s.minutes}` : ""}`,
      ),
    );
    // Day 1: 09:15 + 75 = 10:30, break to 10:45, + 75 = 12:00, lunch (first break at or after 12:00) to 13:00,
    // words 300 = 4 × 75: 13:00–14:15, break, 14:30–15:45, break, 16:00–17:15; the next block would end
    // after 17:30, so the day wraps up at 17:15 and the last block is on day 2.
    expect(days).toEqual([
      [
        "09:00 setup",
        "09:15 lab arith 1/2 75",
        "10:30 break",
        "10:45 lab arith 2/2 75",
        "12:00 lunch",
        "13:00 lab words 1/4 75",
        "14:15 break",
        "14:30 lab words 2/4 75",
        "15:45 break",
        "16:00 lab words 3/4 75",
        "17:15 wrap-up",
      ],
      ["09:00 setup", "09:15 lab words 4/4 75", "10:30 wrap-up"],
    ]);
  });

  it("renders the same agenda as a printable HTML page", () => {
    const md = agendaMarkdown(planDay(selectLabs(labs, ["arith"])));
    const html = agendaHtml(md);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("<title>Workshop: Arithmetic (a fixture lab)</title>");
    expect(html).toContain("<td>09:15–09:25</td>");
    expect(html).toContain("@media print");
  });

  it("writes agenda.md and agenda.html with --out, and never over an existing plan without --force", async () => {
    const out = join(course.scratchDir, "plan");
    const r = await cli(["workshop", "plan", "--labs", "words", "--out", out, "--start", "13:30"]);
    expect(r.err).toBeUndefined();
    expect(readdirSync(out).sort()).toEqual(["agenda.html", "agenda.md"]);
    expect(readFileSync(join(out, "agenda.md"), "utf8")).toContain("| 13:30–13:45 | setup |");
    writeFileSync(join(out, "notes.txt"), "the teacher's own notes\n");
    const again = await cli(["workshop", "plan", "--labs", "words", "--out", out]);
    expect(again.err).toBeInstanceOf(UserError);
    expect((again.err as Error).message).toMatch(
      /already exists and is not empty; choose another folder, or add --force to move it aside to .*plan\.backup-/,
    );
    const forced = await cli(["workshop", "plan", "--labs", "words", "--out", out, "--force"]);
    const backup = /Moved the old .* aside to (\S+)\//.exec(forced.out)![1];
    expect(readFileSync(join(process.cwd(), backup, "notes.txt"), "utf8")).toBe("the teacher's own notes\n");
    expect(existsSync(join(out, "notes.txt"))).toBe(false);
  });

  const mistakes: [string, string[], RegExp][] = [
    [
      "an unknown lab",
      ["workshop", "plan", "--labs", "arth"],
      /^unknown lab "arth"; did you mean "arith"\? \(labs: arith, words\)$/,
    ],
    [
      "no --labs",
      ["workshop", "plan"],
      /^--labs needs at least one lab id; usage: npm run workshop -- plan --labs <ids>/,
    ],
    [
      "a bad start time",
      ["workshop", "plan", "--labs", "arith", "--start", "9am"],
      /^--start must be a time like 09:00, got "9am"$/,
    ],
    [
      "a missing subcommand",
      ["workshop"],
      /^missing subcommand; usage: npm run workshop -- <plan\|handout\|summary>/,
    ],
    ["an unknown subcommand", ["workshop", "agenda"], /^unknown subcommand "agenda"; usage:/],
    ["summary without files", ["workshop", "summary"], /^no progress files given; usage:/],
    [
      "an --out inside the labs",
      ["workshop", "plan", "--labs", "arith", "--out", join(course.labsDir, "01-arith", "plan")],
      /is inside or around the course's own files/,
    ],
  ];
  for (const [what, args, message] of mistakes) {
    it(`${what}: a UserError that says what is wrong`, async () => {
      const r = await cli(args);
      expect(r.err).toBeInstanceOf(UserError);
      expect((r.err as Error).message).toMatch(message);
    });
  }

  it("from a real process: one line on stderr, exit code 2", () => {
    mkdirSync(course.scratchDir, { recursive: true });
    const r = runCli(course, [
      "workshop",
      "handout",
      "--labs",
      "arith,wrds",
      "--out",
      join(course.scratchDir, "h"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: unknown lab "wrds"; did you mean "words"? (labs: arith, words)');
  });
});
