import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LabManifest, describeZodError } from "../src/manifest.ts";
import { FIXTURES } from "./helpers.ts";

const good = JSON.parse(readFileSync(join(FIXTURES, "good/labs/01-arith/package.json"), "utf8")).lab;

function problems(m: unknown): string {
  const r = LabManifest.safeParse(m);
  return r.success ? "" : describeZodError(r.error);
}

describe("lab manifest", () => {
  it("accepts a complete manifest", () => {
    expect(problems(good)).toBe("");
  });

  it("says which field is wrong, by path", () => {
    expect(problems({ ...good, id: "Bad Id" })).toMatch(/^id: lab ids are kebab-case/);
    expect(problems({ ...good, exercises: [{ ...good.exercises[0], hints: [] }] })).toMatch(
      /exercises\.0\.hints: every exercise needs at least one hint/,
    );
    expect(problems({ ...good, readings: [{ title: "x", url: "not a url", source: "paper" }] })).toMatch(
      /readings\.0\.url/,
    );
    expect(problems({ ...good, readings: [{ title: "x", url: "https://a.b", source: "blog" }] })).toMatch(
      /readings\.0\.source/,
    );
    expect(problems({ ...good, exercises: [{ ...good.exercises[0], file: "lib/a.js" }] })).toMatch(
      /exercises\.0\.file: exercise files live under src\//,
    );
  });

  it("rejects duplicate exercise ids and unknown keys", () => {
    expect(problems({ ...good, exercises: [good.exercises[0], good.exercises[0]] })).toMatch(
      /exercises\.1\.id: duplicate exercise id "add"/,
    );
    expect(problems({ ...good, colour: "red" })).toMatch(/colour/);
  });
});
