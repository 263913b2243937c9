import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/course.ts";

// scripts/doctor.mjs is plain Node, run here as a learner runs it. The broken
// machines are small folders with a package.json (and a lockfile, a
// node_modules) made for the test, pointed at with --root.
const DOCTOR = join(REPO_ROOT, "scripts", "doctor.mjs");
const doctor = (args: string[]) => {
  const r = spawnSync(process.execPath, [DOCTOR, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, lines: r.stdout.trim().split("\n").slice(1), stderr: r.stderr };
};

const temps: string[] = [];
function machine(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), "llm-labs-doctor-"));
  temps.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), typeof content === "string" ? content : JSON.stringify(content));
  }
  return root;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const node = process.versions.node;

describe("npm run doctor", () => {
  it("on this course: every line is green", () => {
    const r = doctor([]);
    expect(r.stderr).toBe("");
    expect(r.lines.filter((l) => /^[✗]/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    const text = r.lines.join("\n");
    expect(text).toMatch(/^✓ Node \S+ \(the course needs >=20\.19\)$/m);
    expect(text).toMatch(/^✓ node_modules matches package-lock\.json \(\d+ packages\)$/m);
    expect(text).toMatch(/^✓ ONNX Runtime \S+ loads and runs a MatMul/m);
    expect(text).toMatch(/^✓ model "target" loads \(4 layers, .* and ONNX Runtime agrees/m);
    expect(text).toMatch(/^✓ lab attention-kv-cache: its code and dependencies load/m);
    expect(text).toMatch(/all green: this machine is ready for the course/);
  });

  it("without node_modules: names the fix", () => {
    // A fresh copy of this course before `npm install`: its own manifest and lockfile, nothing installed.
    const fresh = machine({
      "package.json": readFileSync(join(REPO_ROOT, "package.json"), "utf8"),
      "package-lock.json": readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"),
    });
    const r = doctor(["--root", fresh]);
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, 3)).toEqual([
      `✓ Node ${node} (the course needs >=20.19)`,
      "✗ node_modules is missing: run `npm install`",
      "· the other checks wait until `npm install` has run",
    ]);
    expect(r.lines.at(-1)).toMatch(/^1 problem: fix the ✗ lines above, then run `npm run doctor` again/);
  });

  it("on an old Node: says which version the course needs", () => {
    const r = doctor([
      "--root",
      machine({ "package.json": { name: "x", engines: { node: ">=99.1" } }, "node_modules/.keep": "" }),
    ]);
    expect(r.lines[0]).toBe(
      `✗ Node ${node} is too old for the course (it needs >=99.1): install a newer Node from https://nodejs.org/ (or \`nvm install 20\`), then run \`npm install\` again`,
    );
    // Ranges as npm writes them: this Node satisfies both.
    for (const range of [`^${node.split(".")[0]}.0.0 || >=99`, `${node.split(".")[0]}.x`, `>=18 <99`]) {
      expect(
        doctor(["--root", machine({ "package.json": { name: "x", engines: { node: range } } })]).lines[0],
      ).toBe(`✓ Node ${node} (the course needs ${range})`);
    }
  });

  it("on a half-finished install: names the missing and the wrong packages", () => {
    const root = machine({
      "package.json": { name: "x" },
      "package-lock.json": {
        packages: {
          "": { name: "x" },
          "node_modules/left-pad": { version: "1.3.0" },
          "node_modules/zod": { version: "4.6.7" },
          "node_modules/@esbuild/darwin-arm64": { version: "0.25.0", optional: true }, // another platform's binary
        },
      },
      "node_modules/zod/package.json": { name: "zod", version: "4.1.0" },
    });
    const r = doctor(["--root", root]);
    expect(r.code).toBe(1);
    expect(r.lines.slice(1, 4)).toEqual([
      "✗ the install is incomplete: 1 of 2 packages are missing (left-pad): run `npm install`",
      "✗ node_modules does not match package-lock.json: zod 4.1.0 instead of 4.6.7: run `npm install` (or `npm ci` for an exact copy of the lockfile)",
      "· the deeper checks wait until the lines above are fixed",
    ]);
  });

  it("a bad flag: one line, exit code 2", () => {
    const r = doctor(["--rot", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^error: Unknown option '--rot'.*; usage: npm run doctor \[-- --root <course folder>\] \[--quick\]$/,
    );
  });
});
