import { writeFileSync } from "node:fs";
import type { Reporter, TestCase, TestModule, TestSuite } from "vitest/node";

// A vitest reporter for `exercise check` and the verifier. vitest's own JSON
// report loses one thing the course needs: when a beforeAll hook throws (say,
// it calls a stubbed function), its tests are reported "skipped" and the
// error is dropped. Here such tests count as failed, with the hook's error,
// because the learner's code is what stopped them.

export interface ReportedTest {
  ancestors: string[]; // describe titles, outermost first
  name: string;
  status: "passed" | "failed" | "skipped";
  message?: string;
}

export interface ReportedFile {
  file: string;
  loadError?: string; // the file could not be collected at all
  tests: ReportedTest[];
  ms?: number; // how long the file took, hooks and all (the verifier orders its next run by it)
}

type SerializedError = { message?: string; name?: string; stack?: string; actual?: unknown };

// A test that expects an error (`toThrow(UserError)`, `toThrow(/group 0/)`) and
// meets a stub gets an assertion error whose message cuts the stub's words
// short or leaves them out; the thrown error is in `actual`. Keep it when it is
// a stub's, so that the test counts as "not written yet", not as failing.
// (The parser's code frame is coloured whatever FORCE_COLOR says: the colours
// are taken out, so that no escape code reaches a pipe or a log.)
export const errorText = (e: SerializedError): string => {
  const head = `${e.name ?? "Error"}: ${e.message ?? ""}`;
  const body = (e.stack?.startsWith(head) ? e.stack : [head, e.stack ?? ""].join("\n")).replace(
    /\x1b\[[0-9;]*m/g,
    "",
  );
  const stub = typeof e.actual === "string" ? /exercise \S+ is not implemented yet/.exec(e.actual) : null;
  return stub ? `${body}\n(the code under test threw: ${stub[0]})` : body;
};

// The errors a suite's hooks threw, however vitest chose to expose them.
function suiteErrors(s: TestSuite | TestModule): SerializedError[] {
  const task = (s as unknown as { task?: { result?: { errors?: SerializedError[] } } }).task;
  return [...s.errors(), ...(task?.result?.errors ?? [])];
}

function reportTest(t: TestCase): ReportedTest {
  const ancestors: string[] = [];
  let inherited: SerializedError | undefined;
  for (let p: TestCase["parent"] = t.parent; p.type === "suite"; p = p.parent) {
    ancestors.unshift(p.name);
    inherited ??= suiteErrors(p)[0];
  }
  const r = t.result();
  if (r.state === "failed")
    return {
      ancestors,
      name: t.name,
      status: "failed",
      message: r.errors?.[0] ? errorText(r.errors[0]) : "failed",
    };
  if (r.state === "passed") return { ancestors, name: t.name, status: "passed" };
  if (inherited) return { ancestors, name: t.name, status: "failed", message: errorText(inherited) };
  return { ancestors, name: t.name, status: "skipped" };
}

export default class ExerciseReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const out = process.env.LLM_LABS_REPORT;
    if (!out) throw new Error("ExerciseReporter needs LLM_LABS_REPORT, the path of the report to write");
    const files: ReportedFile[] = modules.map((m) => {
      const tests = [...m.children.allTests()].map(reportTest);
      const moduleError = suiteErrors(m)[0];
      // A module-level error with tests collected is a top-level beforeAll.
      if (moduleError && tests.length > 0) {
        for (const t of tests)
          if (t.status === "skipped") Object.assign(t, { status: "failed", message: errorText(moduleError) });
      }
      return {
        file: m.moduleId,
        loadError: moduleError && tests.length === 0 ? errorText(moduleError) : undefined,
        tests,
        ms: Math.round(m.diagnostic().collectDuration + m.diagnostic().duration),
      };
    });
    writeFileSync(out, JSON.stringify({ files }));
  }
}
