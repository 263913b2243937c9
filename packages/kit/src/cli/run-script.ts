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
        if (err instanceof UserError) {
          console.error(red(`error: ${err.message}`));
          process.exitCode = 2;
        } else {
          console.error(err);
          process.exitCode = 1;
        }
      },
    );
}

// Flags for a script: node:util's parser with its errors made UserErrors.
export const parseFlags = parse;

// "--steps 12" → 12; "--steps twelve" → one clear line naming the flag.
export function intFlag(
  name: string,
  value: string | undefined,
  opts: { min?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const min = opts.min ?? 0;
  if (!Number.isInteger(n) || n < min)
    throw new UserError(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export function numberFlag(
  name: string,
  value: string | undefined,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const lo = opts.min ?? -Infinity;
  const hi = opts.max ?? Infinity;
  if (!Number.isFinite(n) || n < lo || n > hi)
    throw new UserError(`--${name} must be a number in [${lo}, ${hi}], got "${value}"`);
  return n;
}
