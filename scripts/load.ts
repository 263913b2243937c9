// npx tsx scripts/load.ts [--seconds N] [--threads K]
//
// Keeps the machine busy the way a workshop laptop is (a browser, a video
// call): K worker threads (default 2, one per core here) spin on arithmetic
// for N seconds (default 60), then stop by themselves. Run `npm test` beside
// it to prove that no test depends on the machine's speed:
//   npx tsx scripts/load.ts --seconds 900 & npm test
import { Worker } from "node:worker_threads";
import { UserError, intFlag, parseFlags, runScript } from "@llm-labs/kit";

// Each thread spins until its deadline, looking at the clock only every
// million iterations so that almost all of its time is arithmetic.
const SPIN = `
const { workerData, parentPort } = require("node:worker_threads");
let x = 0;
while (Date.now() < workerData.until) {
  for (let i = 0; i < 1e6; i++) x = (x * 1.000001 + i) % 1e9;
}
parentPort.postMessage(x);
`;

const USAGE = "npx tsx scripts/load.ts [--seconds N] [--threads K]";

runScript(async () => {
  const { values, positionals } = parseFlags(
    process.argv.slice(2),
    { seconds: { type: "string" }, threads: { type: "string" } },
    USAGE,
  );
  if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
  const seconds = intFlag("seconds", values.seconds, { min: 1, max: 24 * 3600 }) ?? 60;
  const threads = intFlag("threads", values.threads, { min: 1, max: 64 }) ?? 2;
  const until = Date.now() + seconds * 1000;
  console.log(`load: ${threads} threads spinning for ${seconds} s (until ${new Date(until).toISOString()})`);
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((done, fail) => {
          const w = new Worker(SPIN, { eval: true, workerData: { until } });
          w.on("message", () => done());
          w.on("error", fail);
        }),
    ),
  );
  console.log("load: done");
});
