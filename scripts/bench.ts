// npm run bench [-- --only <folder>]
//
// Runs every bench/*.bench.ts of every package and lab, one process each, and
// ends with the lines they printed that start with "ratio ", the numbers the
// READMEs quote. Benchmarks compare within one run; they never gate a test.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "@llm-labs/kit";

function benches(): string[] {
  const out: string[] = [];
  for (const group of ["packages", "labs"]) {
    const dir = join(REPO_ROOT, group);
    for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
      const bdir = join(dir, name, "bench");
      if (!existsSync(bdir)) continue;
      for (const f of readdirSync(bdir).sort()) if (f.endsWith(".bench.ts")) out.push(join(bdir, f));
    }
  }
  return out;
}

const { values } = (() => {
  try {
    return parseArgs({ options: { only: { type: "string" } }, strict: true });
  } catch (e) {
    console.error(`error: ${(e as Error).message.split("\n")[0]}; usage: npm run bench [-- --only <folder>]`);
    process.exit(2);
  }
})();
const only = values.only ? resolve(process.cwd(), values.only) : undefined;
const chosen = benches().filter((b) => !only || b.startsWith(only + "/"));
if (chosen.length === 0) {
  console.log(only ? `no bench/*.bench.ts under ${relative(REPO_ROOT, only) || "."}` : "no benchmarks yet");
  process.exit(0);
}

const tsx = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const ratios: string[] = [];
let failed = 0;
for (const file of chosen) {
  const rel = relative(REPO_ROOT, file);
  console.log(`\n── ${rel} ──`);
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [tsx, file], {
      cwd: join(file, "..", ".."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      process.stdout.write(d);
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith("ratio ")) ratios.push(`${l}   (${rel})`);
    });
    child.on("close", (c) => done(c ?? 1));
  });
  if (code !== 0) {
    failed++;
    console.log(`✗ ${rel} exited with code ${code}`);
  }
}
console.log(`\n── ratios ──\n${ratios.join("\n") || "(none printed)"}`);
process.exitCode = failed ? 1 : 0;
