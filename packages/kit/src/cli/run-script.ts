import { fsUserError } from "@llm-labs/errors";
import { UserError } from "../errors.ts";
import { red } from "../term/paint.ts";
import { parse } from "./args.ts";

// Every script a learner runs by hand (`npm run train`, `npm run generate` …)
// goes through runScript: a UserError or a bad flag is one red line and exit
// code 2; a bug keeps its stack trace, because then the course is at fault.
export function runScript(main: () => Promise<unknown> | unknown): void {
  Promise.resolve()
    .then(main)
    .then(
      () => {},
      (err: unknown) => {
        const line = userErrorLine(err);
        if (line !== undefined) {
          console.error(red(line));
          process.exitCode = 2;
        } else {
          console.error(err);
          process.exitCode = 1;
        }
      },
    );
}

// What runScript prints for an error the user can fix, or undefined for a bug.
// A file-system error that reached this far (a folder that cannot be written,
// a disk that is full) is the user's to fix too: one line with the path.
export function userErrorLine(err: unknown): string | undefined {
  const user = err instanceof UserError ? err : fsUserError(err);
  return user && `error: ${user.message}`;
}

// Flags for a script: node:util's parser with its errors made UserErrors.
export const parseFlags = parse;

// "--steps 12" → 12; "--steps twelve", "--steps ''", "--steps 1e3" → one clear
// line naming the flag and the range it takes.
export function intFlag(
  name: string,
  value: string | undefined,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const range = opts.max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UserError(`--${name} must be a whole number ${range}, got ${JSON.stringify(value)}`);
  return n;
}

// "--top-p 0.9" → 0.9. `above` is an open lower bound: top-p must be > 0.
export function numberFlag(
  name: string,
  value: string | undefined,
  opts: { min?: number; above?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const hi = opts.max ?? Infinity;
  const lo = opts.above ?? opts.min ?? -Infinity;
  const range = `${opts.above !== undefined ? "(" : "["}${lo}, ${hi}${Number.isFinite(hi) ? "]" : ")"}`;
  // Number("") and Number(" ") are 0, Number("0x10") is 16: only decimals here.
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim()) ? Number(value) : NaN;
  const inRange = opts.above !== undefined ? n > lo : n >= lo;
  if (!Number.isFinite(n) || !inRange || n > hi)
    throw new UserError(`--${name} must be a number in ${range}, got ${JSON.stringify(value)}`);
  return n;
}
