#!/usr/bin/env node
// npm run doctor: is this machine ready for the course? One line per check,
// ✓ or ✗, and every ✗ says what to do about it. Exit code 1 if anything fails.
//
//   node scripts/doctor.mjs [--root <course folder>] [--quick]
//
// Plain JavaScript with no dependencies, because its first job is to notice
// that the dependencies are missing. Once the install looks complete it runs
// the deeper checks (ONNX Runtime, the models, each lab's code) in TypeScript
// through tsx: scripts/doctor-deep.ts.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const [green, red, dim] = [paint(32), paint(31), paint(2)];

let failures = 0;
function report(ok, text, fix) {
  if (ok === false) failures++;
  const mark = ok === true ? green("✓") : ok === false ? red("✗") : dim("·");
  console.log(`${mark} ${text}${ok === false && fix ? `: ${fix}` : ""}`);
}

// ---- semver, as much as an "engines" field needs: ">=20.19", "^20.19.0 || >=22", "20.x"
const parseVersion = (v) =>
  v
    .replace(/^v/, "")
    .split(".")
    .map((p) => (/^\d+$/.test(p) ? Number(p) : 0))
    .concat([0, 0, 0])
    .slice(0, 3);
const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function satisfies(version, range) {
  const v = parseVersion(version);
  return range.split("||").some((alt) =>
    alt
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => {
        const m = /^(>=|<=|>|<|=|\^|~)?v?([\dx*]+(?:\.[\dx*]+){0,2})$/.exec(c);
        if (!m) return false;
        const parts = m[2].split(".");
        const given = parts.filter((p) => /^\d+$/.test(p)).length;
        const w = parseVersion(m[2].replace(/[x*]/g, "0"));
        const d = compare(v, w);
        switch (m[1]) {
          case ">=":
            return d >= 0;
          case ">":
            return d > 0;
          case "<=":
            return d <= 0;
          case "<":
            return d < 0;
          case "^":
            return (
              d >= 0 &&
              (w[0] > 0
                ? v[0] === w[0]
                : w[1] > 0
                  ? v[0] === 0 && v[1] === w[1]
                  : v[0] === 0 && v[1] === 0 && v[2] === w[2])
            );
          case "~":
            return d >= 0 && v[0] === w[0] && (given < 2 || v[1] === w[1]);
          default:
            return v.slice(0, given).every((x, i) => x === w[i]); // "20", "20.19", "=20.19.1", "20.x"
        }
      }),
  );
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

// Every package the lockfile places in node_modules must be there, at the
// version the lockfile names. Platform-specific optional packages are skipped.
function checkInstall(root) {
  const lock = readJson(join(root, "package-lock.json"));
  if (!lock?.packages) {
    report(
      false,
      "package-lock.json is missing or unreadable",
      "restore it (`git checkout -- package-lock.json`, or a fresh copy of the course), then run `npm install`",
    );
    return;
  }
  const missing = [];
  const wrong = [];
  let total = 0;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.includes("node_modules/") || entry.optional || entry.devOptional || entry.extraneous) continue;
    total++;
    const where = join(root, key);
    const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    if (!existsSync(where)) {
      missing.push(name);
      continue;
    }
    if (entry.link || !entry.version) continue;
    const got = readJson(join(where, "package.json"))?.version;
    if (got !== entry.version) wrong.push(`${name} ${got ?? "(unreadable)"} instead of ${entry.version}`);
  }
  const list = (xs) => xs.slice(0, 3).join(", ") + (xs.length > 3 ? ` and ${xs.length - 3} more` : "");
  if (missing.length)
    report(
      false,
      `the install is incomplete: ${missing.length} of ${total} packages are missing (${list(missing)})`,
      "run `npm install`",
    );
  if (wrong.length)
    report(
      false,
      `node_modules does not match package-lock.json: ${list(wrong)}`,
      "run `npm install` (or `npm ci` for an exact copy of the lockfile)",
    );
  if (!missing.length && !wrong.length)
    report(true, `node_modules matches package-lock.json (${total} packages)`);
}

// The deeper checks print one JSON line each; show them as they come.
function deepChecks(root) {
  const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
  const deep = join(root, "scripts", "doctor-deep.ts");
  if (!existsSync(tsx)) return report(false, "tsx is missing from node_modules", "run `npm install`");
  if (!existsSync(deep))
    return report(
      false,
      `${deep} is missing`,
      "restore packages/kit from the course (`git checkout -- packages/kit`)",
    );
  return new Promise((done) => {
    const child = spawn(process.execPath, [tsx, deep, root], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const timer = setTimeout(() => child.kill(), 120_000);
    let stderr = "";
    let lines = 0;
    child.stderr.on("data", (d) => (stderr += d));
    createInterface({ input: child.stdout }).on("line", (line) => {
      let l;
      try {
        l = JSON.parse(line);
      } catch {
        return; // a stray console.log of some library
      }
      lines++;
      report(l.ok, l.text, l.fix);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || lines === 0) {
        const why = signal
          ? `stopped after 120 s (${signal})`
          : (stderr
              .trim()
              .split("\n")
              .find((x) => /Error|error/.test(x)) ?? `exit code ${code}`);
        report(
          false,
          `the deeper checks did not finish: ${why}`,
          "run `npm install`; if this stays, send this output to your teacher",
        );
      }
      done();
    });
  });
}

async function main() {
  const { values } = parseArgs({
    options: { root: { type: "string" }, quick: { type: "boolean" } },
    strict: true,
  });
  const root = resolve(
    values.root ?? process.env.LLM_LABS_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), ".."),
  );
  const t0 = Date.now();
  console.log(dim(`checking ${root}`));

  const pkg = readJson(join(root, "package.json"));
  if (!pkg) {
    report(false, `no readable package.json in ${root}`, "run `npm run doctor` inside the course folder");
    return;
  }
  const range = pkg.engines?.node;
  const node = process.versions.node;
  if (!range) report(true, `Node ${node}`);
  else if (satisfies(node, range)) report(true, `Node ${node} (the course needs ${range})`);
  else
    report(
      false,
      `Node ${node} is too old for the course (it needs ${range})`,
      `install a newer Node from https://nodejs.org/ (or \`nvm install 20\`), then run \`npm install\` again`,
    );

  if (!existsSync(join(root, "node_modules"))) {
    report(false, "node_modules is missing", "run `npm install`");
    report(null, "the other checks wait until `npm install` has run");
  } else {
    checkInstall(root);
    if (failures > 0) report(null, "the deeper checks wait until the lines above are fixed");
    else if (values.quick) report(null, "deeper checks skipped (--quick)");
    else await deepChecks(root);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    failures
      ? red(
          `\n${failures} problem${failures === 1 ? "" : "s"}: fix the ✗ lines above, then run \`npm run doctor\` again (${secs} s)`,
        )
      : green(`\nall green: this machine is ready for the course (${secs} s)`),
  );
}

main().then(
  () => (process.exitCode = failures ? 1 : 0),
  (e) => {
    // A bad flag is the user's mistake: one line, exit code 2.
    if (e?.code?.startsWith?.("ERR_PARSE_ARGS")) {
      console.error(red(`error: ${e.message}; usage: npm run doctor [-- --root <course folder>] [--quick]`));
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
