import { checkpointDir, loadSpecimen } from "@llm-labs/model";
import { describe, expect, it } from "vitest";
import { makeBenchmark } from "../src/benchmark.ts";
import { evaluateTask } from "../src/harness.ts";
import { SpecimenLM, specimenTokenizer } from "../src/lm.ts";
import { harnessResults, parseResults } from "../src/results.ts";
import { template } from "../src/templates.ts";

describe("a task through the harness", () => {
  it("scores every question, and the letters template scores letters", async () => {
    const lm = new SpecimenLM("draft", loadSpecimen(checkpointDir("draft")));
    const tok = await specimenTokenizer();
    const items = makeBenchmark("held-out", "test", 1);
    const dev = makeBenchmark("held-out", "dev", 3);
    for (const id of ["cloze", "cloze-2shot", "letters"]) {
      const r = evaluateTask(lm, tok, items, template(id), dev);
      expect(r.length).toBe(items.length);
      for (const x of r) {
        expect(x.lls.every((l) => l < 0 && Number.isFinite(l))).toBe(true);
        expect(x.confidence).toBeGreaterThanOrEqual(0.25);
        expect(x.acc).toBe(x.pred === x.gold ? 1 : 0);
      }
    }
    // a template's shots come from the dev split, never the question itself
    const two = template("cloze-2shot").render(
      items[0],
      dev.filter((d) => d.subject === items[0].subject).slice(0, 2),
    );
    expect(two.context.split("\n\n").length).toBe(3);
  });
});

describe("results in lm-evaluation-harness's shape", () => {
  it("writes metric,filter keys with the stderr beside them, and reads them back", () => {
    const json = harnessResults("target", [
      { task: "world_mc", shots: 0, n: 4, outputType: "multiple_choice", metrics: { acc: [1, 0, 1, 0] } },
    ]);
    expect(json.results.world_mc["acc,none"]).toBe(0.5);
    expect(json.results.world_mc["acc_stderr,none"]).toBeCloseTo(Math.sqrt(1 / 3) / 2, 10);
    expect(json["n-shot"]).toEqual({ world_mc: 0 });
    expect(parseResults(JSON.parse(JSON.stringify(json)), "r.json").results.world_mc.alias).toBe("world_mc");
  });

  it("refuses a file that is not a results file, in one line", () => {
    expect(() => parseResults({ results: { x: { alias: "x" } } }, "r.json")).toThrow(
      /^r\.json: results\.x: .*acc,none/,
    );
    expect(() => parseResults([], "r.json")).toThrow(/^r\.json: \(root\)/);
  });
});
