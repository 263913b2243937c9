import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.ts";
import { UserError } from "../src/errors.ts";
import { ProgressReport, readProgressFile, roomReport, roomSvg, summarize } from "../src/workshop/summary.ts";
import { FIXTURES, fixtureCourse } from "./helpers.ts";

// A room of five learners, written by hand (test/fixtures/room/): Ada and
// Barbara fail multi-head, Linus fails scaled-dot-product, Grace finished
// attention and fails residual-distribution in the next lab, Edsger has not
// started. Barbara's file was saved without `npm run -s`, so npm's own lines
// come first, as they would on a real laptop.
const ROOM = join(FIXTURES, "room");
const files = readdirSync(ROOM)
  .sort()
  .map((f) => join(ROOM, f));
const course = fixtureCourse("good", "summary");
const svgCourse = fixtureCourse("good", "summary-svg");
afterAll(() =>
  [course, svgCourse].forEach((c) => rmSync(dirname(c.scratchDir), { recursive: true, force: true })),
);

async function run(args: string[]): Promise<{ code?: number; out: string; err?: unknown }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  try {
    const code = await main(args, course);
    return { code, out: lines.join("\n") };
  } catch (err) {
    return { out: lines.join("\n"), err };
  } finally {
    spy.mockRestore();
  }
}

describe("workshop summary", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reads the five progress files of the fixture room", () => {
    expect(files).toHaveLength(5);
    expect(files.map(readProgressFile).map((r) => r.name)).toEqual([
      "Ada",
      "Barbara",
      "Edsger",
      "Grace",
      "Linus",
    ]);
  });

  it("prints who is stuck where", async () => {
    const r = await run(["workshop", "summary", ...files]);
    expect(r.err).toBeUndefined();
    expect(r.code).toBe(0);
    const rows = r.out.split("\n").filter((l) => /^(Ada|Barbara|Edsger|Grace|Linus) /.test(l));
    expect(rows.map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      ["Ada", "attention-kv-cache", "2/9", "multi-head (failing)", "2"],
      ["Barbara", "attention-kv-cache", "2/9", "multi-head (failing)", "3"],
      ["Edsger", "—", "0/0", "not started", "0"],
      // Grace finished attention (9/9), so she is on the next lab she began.
      ["Grace", "speculative-decoding", "1/6", "residual-distribution (failing)", "1"],
      ["Linus", "attention-kv-cache", "1/9", "scaled-dot-product (failing)", "0"],
    ]);
    // Four learners began attention-kv-cache (Edsger did not); two fail multi-head.
    expect(r.out).toContain(
      "Fails most: attention-kv-cache/multi-head, failing for 2 of the 4 learners who started attention-kv-cache (2 stuck there).",
    );
    expect(r.out).toMatch(/attention-kv-cache\/multi-head\s+│█{30} 2\n/);
    expect(r.out).toMatch(/attention-kv-cache\/scaled-dot-product\s+│█{15} 1\n/);
    expect(r.out).toMatch(/attention-kv-cache\/causal-mask\s+│ 0\n/);
  });

  it("narrows to one lab, and draws the same counts as SVG", () => {
    const room = summarize(files.map(readProgressFile), { lab: "speculative-decoding" });
    expect(room.learners.find((l) => l.name === "Ada")).toMatchObject({
      lab: "speculative-decoding",
      begun: false,
    });
    expect(room.failsMost).toMatchObject({ exercise: "residual-distribution", fail: 1, started: 1 });
    const svg = roomSvg(summarize(files.map(readProgressFile)), "room");
    // 15 exercises, 3 of them failing for someone: 3 bars, 15 labels.
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain(">attention-kv-cache/multi-head</text>");
    expect(roomSvg(summarize(files.map(readProgressFile)), "room")).toBe(svg); // same data, same bytes
  });

  it("reads a file saved by Windows PowerShell (UTF-16 with a byte-order mark) or with a UTF-8 one", () => {
    const json = readFileSync(join(ROOM, "ada.json"), "utf8");
    const dir = join(svgCourse.scratchDir, "encodings");
    mkdirSync(dir, { recursive: true });
    const utf16 = join(dir, "utf16.json");
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, "utf16le")]));
    const utf8bom = join(dir, "utf8-bom.json");
    writeFileSync(utf8bom, "\ufeff" + json);
    const want = readProgressFile(join(ROOM, "ada.json"));
    expect(readProgressFile(utf16)).toEqual(want);
    expect(readProgressFile(utf8bom)).toEqual(want);
  });

  it("says so when no one has checked anything yet", () => {
    expect(roomReport(summarize([readProgressFile(join(ROOM, "edsger.json"))]), 1)).toContain(
      "No one has checked a lab yet (1 progress file).",
    );
  });

  const bad: [string, RegExp][] = [
    [
      "truncated.json",
      /^room-bad\/truncated\.json is not valid JSON \(.*\); it should be the output of: npm run -s exercise -- status --json$/,
    ],
    [
      "wrong-shape.json",
      /^room-bad\/wrong-shape\.json is not a progress file: labs\.0\.exercises\.0\.state: Invalid option/,
    ],
    ["empty.json", /^room-bad\/empty\.json is empty; the learner should save it again with/],
    ["missing.json", /^room-bad\/missing\.json: no such file$/],
  ];
  for (const [file, message] of bad) {
    it(`a corrupt progress file (${file}) is a UserError naming the file`, async () => {
      const cwd = process.cwd();
      process.chdir(FIXTURES);
      try {
        const r = await run(["workshop", "summary", join(ROOM, "ada.json"), join("room-bad", file)]);
        expect(r.err).toBeInstanceOf(UserError);
        expect((r.err as Error).message).toMatch(message);
      } finally {
        process.chdir(cwd);
      }
    });
  }

  it("reads what `exercise status --json` prints", async () => {
    const r = await run(["exercise", "status", "--json", "--name", "ada"]);
    const report = ProgressReport.parse(JSON.parse(r.out));
    expect(report).toMatchObject({
      name: "ada",
      labs: [{ id: "arith", started: false, checkedAt: null }, { id: "words" }],
    });
    expect(summarize([report]).learners[0]).toMatchObject({ name: "ada", begun: false });
  });

  it("refuses an unknown --lab with the labs it knows", async () => {
    const r = await run(["workshop", "summary", ...files, "--lab", "attention-kv-cach"]);
    expect((r.err as Error).message).toBe(
      'no progress file mentions lab "attention-kv-cach"; did you mean "attention-kv-cache"? (labs in these files: attention-kv-cache, speculative-decoding)',
    );
  });

  it("the SVG it writes with --svg is the one roomSvg draws", async () => {
    const out = join(svgCourse.scratchDir, "room.svg");
    const r = await run(["workshop", "summary", ...files, "--svg", out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(
      roomSvg(
        summarize(files.map(readProgressFile)),
        "Learners whose code fails each exercise (5 in the room)",
      ),
    );
  });
});
