import { describe, expect, it } from "vitest";
import { errorText } from "../src/exercise/reporter.ts";
import { exerciseResults, parseReport } from "../src/exercise/run-tests.ts";
import type { Lab } from "../src/labs.ts";

const lab = {
  id: "t",
  manifest: { exercises: [{ id: "a" }, { id: "b" }, { id: "c" }] },
} as unknown as Lab;

describe("grouping test results by exercise", () => {
  const report = {
    files: [
      {
        file: "/lab/test/x.test.ts",
        tests: [
          { ancestors: ["exercise: a"], name: "one", status: "passed" as const },
          { ancestors: ["exercise: a", "inner"], name: "two", status: "passed" as const },
          {
            ancestors: ["exercise: b"],
            name: "three",
            status: "failed" as const,
            message: "NotImplemented: exercise t/b is not implemented yet",
          },
          {
            ancestors: ["exercise: c"],
            name: "four",
            status: "failed" as const,
            message: "AssertionError: expected 1 to be 2",
          },
          { ancestors: ["other"], name: "five", status: "passed" as const },
        ],
      },
    ],
  };
  const run = parseReport(report, "/lab");

  it("names files relative to the lab and finds the exercise in any ancestor", () => {
    expect(run.tests.map((t) => [t.file, t.exercise ?? null])).toEqual([
      ["test/x.test.ts", "a"],
      ["test/x.test.ts", "a"],
      ["test/x.test.ts", "b"],
      ["test/x.test.ts", "c"],
      ["test/x.test.ts", null],
    ]);
    expect([run.passed, run.failed]).toEqual([3, 2]);
  });

  it("pass when all pass; todo while only the stub fails; fail when the code is wrong", () => {
    expect(exerciseResults(lab, run).map((r) => [r.id, r.state, r.passed, r.total])).toEqual([
      ["a", "pass", 2, 2],
      ["b", "todo", 0, 1],
      ["c", "fail", 0, 1],
    ]);
  });

  it("a file that cannot load fails every exercise, with its error", () => {
    const broken = parseReport(
      { files: [{ file: "/lab/test/y.test.ts", loadError: "SyntaxError: Unexpected token", tests: [] }] },
      "/lab",
    );
    expect(broken.failed).toBe(1);
    const r = exerciseResults(lab, broken);
    expect(r.every((x) => x.state === "fail")).toBe(true);
    expect(r[0].firstFailure).toBe("test/y.test.ts: SyntaxError: Unexpected token");
  });
});

describe("a test that expects an error and meets a stub", () => {
  // What vitest hands the reporter for expect(() => pack(…)).toThrow(UserError)
  // when pack is still a stub: the message does not name the stub, `actual` does.
  const stubbed = {
    name: "AssertionError",
    message: "expected error to be instance of UserError",
    actual:
      'NotImplemented {\n  "message": "exercise t/b is not implemented yet: open the file, find \\"#region exercise\\", and write it",\n}',
  };

  it("keeps the stub's words, so the exercise reads as not written yet", () => {
    const message = errorText(stubbed);
    expect(message).toContain("exercise t/b is not implemented yet");
    const run = parseReport(
      {
        files: [
          {
            file: "/lab/test/x.test.ts",
            tests: [{ ancestors: ["exercise: b"], name: "bad input", status: "failed" as const, message }],
          },
        ],
      },
      "/lab",
    );
    expect(exerciseResults(lab, run).find((r) => r.id === "b")!.state).toBe("todo");
  });

  it("leaves other assertion errors as they are", () => {
    const wrong = {
      name: "AssertionError",
      message: "expected error to be instance of UserError",
      actual: "RangeError {}",
    };
    expect(errorText(wrong)).not.toContain("threw");
    const run = parseReport(
      {
        files: [
          {
            file: "/lab/test/x.test.ts",
            tests: [
              {
                ancestors: ["exercise: b"],
                name: "bad input",
                status: "failed" as const,
                message: errorText(wrong),
              },
            ],
          },
        ],
      },
      "/lab",
    );
    expect(exerciseResults(lab, run).find((r) => r.id === "b")!.state).toBe("fail");
  });
});
