import { writeFileSync } from "node:fs";
import { fsUserError, makeDirs } from "@llm-labs/errors";
import { dirname } from "node:path";
import { formatNumber } from "../term/charts.ts";
import { maxOf } from "../term/table.ts";

// Hand-written SVG: a few hundred bytes of text per plot, diffable in git,
// shown as-is by the docs site. The same data always gives the same bytes.

const W = 640;
const H = 400;
const M = { left: 64, right: 160, top: 40, bottom: 52 };
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#db2777"];

export interface Series {
  name: string;
  points: [number, number][];
}

export function svgLinePlot(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
}): string {
  const all = opts.series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`svgLinePlot "${opts.title}": no points to plot`);
  const ty = (v: number) => (opts.logY ? Math.log10(v) : v);
  const [x0, x1] = extent(all.map((p) => p[0]));
  const [y0, y1] = extent(all.map((p) => ty(p[1])));
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (y: number) => H - M.bottom - ((ty(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);

  const parts: string[] = [frame(opts.title, opts.xLabel, opts.yLabel)];
  for (const t of ticks(x0, x1)) parts.push(text(sx(t), H - M.bottom + 18, formatNumber(t), "middle", 11));
  for (const t of ticks(y0, y1)) {
    const label = opts.logY ? formatNumber(10 ** t) : formatNumber(t);
    const y = H - M.bottom - ((t - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
    parts.push(`<line x1="${M.left}" y1="${r(y)}" x2="${W - M.right}" y2="${r(y)}" stroke="#e5e7eb"/>`);
    parts.push(text(M.left - 6, y + 4, label, "end", 11));
  }
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${r(sx(p[0]))},${r(sy(p[1]))}`).join("");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (s.points.length <= 40)
      for (const p of s.points)
        parts.push(`<circle cx="${r(sx(p[0]))}" cy="${r(sy(p[1]))}" r="3" fill="${color}"/>`);
    parts.push(
      `<rect x="${W - M.right + 12}" y="${M.top + i * 20}" width="12" height="12" fill="${color}"/>`,
    );
    parts.push(text(W - M.right + 30, M.top + i * 20 + 10, s.name, "start", 12));
  });
  return svg(parts);
}

export function svgBarChart(opts: {
  title: string;
  yLabel: string;
  bars: { label: string; value: number }[];
}): string {
  if (opts.bars.length === 0) throw new Error(`svgBarChart "${opts.title}": no bars to plot`);
  const max =
    maxOf(
      opts.bars.map((b) => b.value),
      0,
    ) || 1;
  const plotW = W - M.left - 24;
  const slot = plotW / opts.bars.length;
  const sy = (v: number) => H - M.bottom - (v / max) * (H - M.top - M.bottom);
  const parts: string[] = [frame(opts.title, "", opts.yLabel, 24)];
  opts.bars.forEach((b, i) => {
    const x = M.left + i * slot + slot * 0.15;
    const y = sy(Math.max(0, b.value));
    parts.push(
      `<rect x="${r(x)}" y="${r(y)}" width="${r(slot * 0.7)}" height="${r(H - M.bottom - y)}" fill="${COLORS[0]}"/>`,
    );
    parts.push(text(x + slot * 0.35, y - 5, formatNumber(b.value), "middle", 11));
    parts.push(text(x + slot * 0.35, H - M.bottom + 18, b.label, "middle", 11));
  });
  return svg(parts);
}

export function svgHeatmap(opts: {
  title: string;
  matrix: number[][];
  rowLabels?: string[];
  colLabels?: string[];
}): string {
  const rows = opts.matrix.length;
  const cols = maxOf(opts.matrix.map((r) => r.length));
  const flat = opts.matrix.flat().filter(Number.isFinite);
  const [lo, hi] = extent(flat);
  const cell = Math.min((W - 120) / cols, (H - 100) / rows);
  const parts: string[] = [text(W / 2, 24, opts.title, "middle", 15)];
  opts.matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      // White for the smallest value, deep blue for the largest; masked cells grey.
      const t = Number.isFinite(v) ? (v - lo) / (hi - lo || 1) : -1;
      const fill = t < 0 ? "#f3f4f6" : `rgb(${r(255 - 218 * t)},${r(255 - 156 * t)},${r(255 - 20 * t)})`;
      parts.push(
        `<rect x="${r(100 + j * cell)}" y="${r(48 + i * cell)}" width="${r(cell)}" height="${r(cell)}" fill="${fill}"/>`,
      );
    }),
  );
  opts.rowLabels?.forEach((l, i) => parts.push(text(94, 48 + (i + 0.6) * cell, l, "end", 10)));
  opts.colLabels?.forEach((l, j) =>
    parts.push(
      `<text x="${r(100 + (j + 0.5) * cell)}" y="44" font-size="10" text-anchor="start" transform="rotate(-60 ${r(100 + (j + 0.5) * cell)} 44)">${esc(l)}</text>`,
    ),
  );
  return svg(parts);
}

export function writeSvg(path: string, content: string): void {
  makeDirs(dirname(path)); // one clear line if a parent is a file, no hang under /proc
  try {
    writeFileSync(path, content);
  } catch (e) {
    throw fsUserError(e, { path, doing: "write the chart to" }) ?? e;
  }
}

function frame(title: string, xLabel: string, yLabel: string, right = M.right): string {
  return [
    text(W / 2, 24, title, "middle", 15),
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - right}" y2="${H - M.bottom}" stroke="#111827"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#111827"/>`,
    text((M.left + W - right) / 2, H - 12, xLabel, "middle", 12),
    `<text x="16" y="${(M.top + H - M.bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})">${esc(yLabel)}</text>`,
  ].join("\n");
}

function svg(parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">\n<rect width="${W}" height="${H}" fill="white"/>\n${parts.join("\n")}\n</svg>\n`;
}

function text(x: number, y: number, s: string, anchor: string, size: number): string {
  return `<text x="${r(x)}" y="${r(y)}" font-size="${size}" text-anchor="${anchor}">${esc(s)}</text>`;
}

// "Nice" tick positions: steps of 1, 2 or 5 times a power of ten, about five of them.
export function ticks(lo: number, hi: number, target = 5): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

function extent(xs: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

const r = (v: number) => Math.round(v * 10) / 10;
const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
