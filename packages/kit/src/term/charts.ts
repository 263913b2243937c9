import { displayWidth, maxOf, minOf, padEnd } from "./table.ts";

// Eight block heights: a sparkline maps each value linearly onto them.
const SPARKS = "▁▂▃▄▅▆▇█";

export function sparkline(values: number[]): string {
  if (values.length === 0) return "";
  const lo = minOf(values);
  const hi = maxOf(values);
  const span = hi - lo || 1;
  return values.map((v) => SPARKS[Math.round(((v - lo) / span) * (SPARKS.length - 1))]).join("");
}

// Horizontal bars scaled to the largest value; the number is printed too,
// because a bar alone cannot be quoted in a README.
export function barChart(
  items: { label: string; value: number }[],
  opts: { width?: number; unit?: string } = {},
): string {
  const width = opts.width ?? 40;
  const unit = opts.unit ?? "";
  const max =
    maxOf(
      items.map((i) => i.value),
      0,
    ) || 1;
  const labelWidth = maxOf(
    items.map((i) => displayWidth(i.label)),
    0,
  );
  return items
    .map((i) => {
      const cells = (Math.max(0, i.value) / max) * width;
      const full = Math.floor(cells);
      // Eighth-blocks give the bar's end sub-character resolution.
      const part = " ▏▎▍▌▋▊▉"[Math.round((cells - full) * 7)] ?? "";
      const bar = "█".repeat(full) + (part.trim() ? part : "");
      return `${padEnd(i.label, labelWidth)} │${bar} ${formatNumber(i.value)}${unit}`;
    })
    .join("\n");
}

// A heatmap in shade characters, darkest for the largest value. Small on
// purpose: an attention pattern of 16 tokens fits one terminal screen.
const SHADES = " ░▒▓█";

export function heatmap(
  matrix: number[][],
  opts: { rowLabels?: string[]; colLabels?: string[] } = {},
): string {
  const flat = matrix.flat().filter((v) => Number.isFinite(v));
  const lo = minOf(flat);
  const hi = maxOf(flat);
  const span = hi - lo || 1;
  const rowLabels = opts.rowLabels ?? matrix.map((_, i) => String(i));
  const labelWidth = maxOf(rowLabels.map(displayWidth));
  const lines = matrix.map((row, i) => {
    const cells = row
      .map((v) =>
        (Number.isFinite(v) ? SHADES[Math.round(((v - lo) / span) * (SHADES.length - 1))] : "·").repeat(2),
      )
      .join("");
    return `${padEnd(rowLabels[i] ?? "", labelWidth)} │${cells}│`;
  });
  if (opts.colLabels) {
    const header = opts.colLabels.map((c) => padEnd(c.slice(0, 2), 2)).join("");
    lines.unshift(`${" ".repeat(labelWidth)}  ${header}`);
  }
  lines.push(
    `${" ".repeat(labelWidth)}  scale: "${SHADES[1]}" ${formatNumber(lo)} … "${SHADES[4]}" ${formatNumber(hi)}`,
  );
  return lines.join("\n");
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 3);
}
