// Colour only for a person at a terminal; logs and pipes get plain text.
// FORCE_COLOR and NO_COLOR (https://no-color.org) decide first, as Node's own
// tty does: FORCE_COLOR "", "1", "2", "3" or "true" turns colour on anywhere,
// any other value turns it off; else a non-empty NO_COLOR turns it off.
export function colorEnabled(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return ["", "1", "2", "3", "true"].includes(force);
  if (env.NO_COLOR) return false;
  return !!isTTY;
}

const on = colorEnabled(process.stdout.isTTY);
const wrap = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = wrap(1);
export const dim = wrap(2);
export const green = wrap(32);
export const red = wrap(31);
export const yellow = wrap(33);
export const cyan = wrap(36);
