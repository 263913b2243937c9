import { describe, expect, it } from "vitest";
import { ratioLine, median } from "../src/bench.ts";
import { barChart, formatNumber, heatmap, sparkline } from "../src/term/charts.ts";
import { displayWidth, table } from "../src/term/table.ts";
import { svgBarChart, svgHeatmap, svgLinePlot, ticks } from "../src/svg/plot.ts";

describe("terminal helpers", () => {
  it("tables pad to the widest cell and right-align numbers", () => {
    expect(
      table(
        ["name", "n"],
        [
          ["a", 5],
          ["bbb", 12],
        ],
      ),
    ).toBe(["name   n", "────  ──", "a      5", "bbb   12"].join("\n"));
  });

  it("counts a Chinese character as two columns", () => {
    expect(displayWidth("词表")).toBe(4);
    expect(displayWidth("ab")).toBe(2);
    expect(
      table(["w"], [["词"], ["abc"]])
        .split("\n")
        .map(displayWidth),
    ).toEqual([1, 3, 2, 3]);
  });

  it("sparklines map the minimum to the lowest block and the maximum to the highest", () => {
    expect(sparkline([0, 7, 3.5])).toBe("▁█▅");
    expect(sparkline([])).toBe("");
  });

  it("bar charts scale to the largest value and print the number", () => {
    const lines = barChart(
      [
        { label: "a", value: 10 },
        { label: "bb", value: 5 },
      ],
      { width: 10 },
    ).split("\n");
    expect(lines[0]).toBe("a  │██████████ 10");
    expect(lines[1]).toBe("bb │█████ 5");
  });

  it("heatmaps shade the largest cell darkest", () => {
    const out = heatmap(
      [
        [0, 1],
        [1, 0],
      ],
      { rowLabels: ["x", "y"] },
    );
    expect(out.split("\n")[0]).toBe("x │  ██│");
  });

  it("formats numbers for people", () => {
    expect([
      formatNumber(3),
      formatNumber(3.14159),
      formatNumber(0.5),
      formatNumber(1234.56),
      formatNumber(1e-5),
    ]).toEqual(["3", "3.14", "0.500", "1234.6", "1.00e-5"]);
  });
});

describe("SVG plots", () => {
  it("ticks fall on 1-2-5 steps", () => {
    expect(ticks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0.1, 0.95)).toEqual([0.2, 0.4, 0.6, 0.8]);
  });

  it("a line plot has one path per series, a legend, and escapes text", () => {
    const svg = svgLinePlot({
      title: "loss <train>",
      xLabel: "step",
      yLabel: "loss",
      series: [
        {
          name: "a",
          points: [
            [0, 1],
            [1, 0.5],
          ],
        },
        {
          name: "b",
          points: [
            [0, 2],
            [1, 1],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("loss &lt;train&gt;");
    expect(svg).toBe(
      svgLinePlot({
        title: "loss <train>",
        xLabel: "step",
        yLabel: "loss",
        series: [
          {
            name: "a",
            points: [
              [0, 1],
              [1, 0.5],
            ],
          },
          {
            name: "b",
            points: [
              [0, 2],
              [1, 1],
            ],
          },
        ],
      }),
    );
  });

  it("a bar chart has one bar per value and the tallest bar reaches the top margin", () => {
    const svg = svgBarChart({
      title: "t",
      yLabel: "y",
      bars: [
        { label: "a", value: 1 },
        { label: "b", value: 4 },
      ],
    });
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g)].map(
      (m) => Number(m[2]),
    );
    expect(heights).toHaveLength(2);
    expect(heights[1] / heights[0]).toBeCloseTo(4, 1);
    expect(() => svgBarChart({ title: "empty", yLabel: "y", bars: [] })).toThrow(
      'svgBarChart "empty": no bars to plot',
    );
  });

  it("a heatmap draws one cell per entry", () => {
    expect(
      svgHeatmap({
        title: "h",
        matrix: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      }).match(/<rect x="[\d.]+" y="[\d.]+" width/g),
    ).toHaveLength(6);
  });
});

describe("bench helpers", () => {
  it("median and the ratio line format `npm run bench` collects", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(ratioLine("matmul-256 ours/naive", 3.14159)).toBe("ratio matmul-256 ours/naive = 3.14x");
  });
});
