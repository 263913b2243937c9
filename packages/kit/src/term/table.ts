// A plain-text table: columns padded to their widest cell, numbers right-aligned
// so digits line up, text left-aligned.

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === "number"));
  // A loop, not Math.max(...spread): a spread of 150,000 rows overflows the stack.
  const widths = header.map((_, c) => cells.reduce((w, r) => Math.max(w, displayWidth(r[c] ?? "")), 0));
  const fmt = (r: string[]) =>
    r
      .map((cell, c) => (numeric[c] ? padStart(cell, widths[c]) : padEnd(cell, widths[c])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  return [fmt(cells[0]), rule, ...cells.slice(1).map(fmt)].join("\n");
}

// The largest (smallest) of many numbers. Math.max(...xs) passes every element
// as an argument and overflows the stack somewhere past 100,000 of them.
export const maxOf = (xs: readonly number[], init = -Infinity): number =>
  xs.reduce((m, x) => Math.max(m, x), init);
export const minOf = (xs: readonly number[], init = Infinity): number =>
  xs.reduce((m, x) => Math.min(m, x), init);

// East Asian wide characters take two terminal columns; without this a table of
// Chinese text comes out ragged.
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

export function padEnd(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - displayWidth(s)));
}

export function padStart(s: string, width: number): string {
  return " ".repeat(Math.max(0, width - displayWidth(s))) + s;
}
