// The reading list's data: docs/readings.json, made from the two seed lists.
import { rmSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { checkReadings } from "../check-readings.ts";
import { loadReadings, parseSeedList, parseSeeds, rawSeedUrls, readSeedFiles } from "../docs/seeds.ts";
import { alpha, writeLabs } from "./docs-fixtures.ts";
import { defaultCourse, discoverLabs } from "@llm-labs/kit";

const data = loadReadings();
const seeds = readSeedFiles(); // undefined where ../shared/seeds is not there (CI)

describe("docs/readings.json", () => {
  it("names both seed lists as its source", () => {
    expect(data.lists.map((l) => l.name)).toEqual(["llm-resource", "llm-action"]);
    expect(data.about).toMatch(/llm-resource[\s\S]*llm-action/);
    for (const l of data.lists) expect(data.entries.some((e) => e.list === l.id)).toBe(true);
  });

  it.skipIf(!seeds)("has every link of both seed lists (found without the parser), in its list", () => {
    for (const f of seeds!) {
      const have = new Set(data.entries.filter((e) => e.list === f.id).map((e) => e.url));
      const missing = rawSeedUrls(f.text).filter((u) => !have.has(u));
      expect(missing, `${f.file}: links missing from docs/readings.json`).toEqual([]);
    }
  });

  it.skipIf(!seeds)(
    "is what the importer makes from the seed lists today (npm run docs -- --import-readings)",
    () => {
      expect(data).toEqual(parseSeeds(seeds!));
    },
  );
});

describe("the seed list parser", () => {
  const md = [
    "# a list",
    "## 目录",
    "- [训练](#训练)",
    "## 训练",
    "原理：",
    "- [[源码解析] 分布式](https://example.org/a) @ 某人",
    "- 心法：https://example.org/b",
    "- 父条目",
    "\t- https://example.org/c",
    "### [量化](https://example.org/d)",
    "- [还没写]()",
    "| 模型 | 教程 | 代码 |",
    "| --- | --- | --- |",
    "| Alpaca | [从0到1](https://example.org/e) | [配套代码](https://example.org/f) |",
    '<p align="center"><img src="https://example.org/banner.png"></p>',
    "![图](https://example.org/pic.png)",
    "[![chart](https://example.org/chart.svg)](https://example.org/g)",
  ].join("\n");
  const entries = parseSeedList(md, "seed:llm-action");

  it("reads links, bare URLs, heading links, empty links and table rows, with their section", () => {
    expect(entries).toEqual([
      {
        list: "seed:llm-action",
        section: ["训练"],
        context: "原理",
        title: "[源码解析] 分布式",
        url: "https://example.org/a",
      },
      {
        list: "seed:llm-action",
        section: ["训练"],
        context: "原理",
        title: "心法",
        url: "https://example.org/b",
      },
      {
        list: "seed:llm-action",
        section: ["训练"],
        context: "父条目",
        title: "https://example.org/c",
        url: "https://example.org/c",
      },
      { list: "seed:llm-action", section: ["训练", "量化"], title: "量化", url: "https://example.org/d" },
      { list: "seed:llm-action", section: ["训练", "量化"], title: "还没写", url: null },
      {
        list: "seed:llm-action",
        section: ["训练", "量化"],
        context: "Alpaca",
        title: "从0到1",
        url: "https://example.org/e",
      },
      {
        list: "seed:llm-action",
        section: ["训练", "量化"],
        context: "Alpaca",
        title: "配套代码",
        url: "https://example.org/f",
      },
    ]);
  });

  it("the independent URL scan finds the same links (and skips images, banners and the chart)", () => {
    expect(rawSeedUrls(md)).toEqual([
      "https://example.org/a",
      "https://example.org/b",
      "https://example.org/c",
      "https://example.org/d",
      "https://example.org/e",
      "https://example.org/f",
    ]);
  });
});

describe("check:readings against the data file", () => {
  it("accepts a real entry and names the list's own title when a lab's differs", () => {
    const labsDir = writeLabs([alpha()]);
    onTestFinished(() => rmSync(labsDir, { recursive: true, force: true }));
    const labs = discoverLabs({ ...defaultCourse(), labsDir });
    expect(checkReadings(labs, data.entries)).toEqual([]);
    const renamed = {
      ...labs[0],
      manifest: { ...labs[0].manifest, readings: [{ ...labs[0].manifest.readings[0], title: "量化概述" }] },
    };
    expect(checkReadings([renamed], data.entries)).toEqual([
      'alpha: https://www.zhihu.com/question/627484732/answer/3261671478 is in the llm-action list, but not with the title "量化概述" (the list writes "大模型量化概述")',
    ]);
  });
});
