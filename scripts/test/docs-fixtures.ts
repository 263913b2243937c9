// Fixture labs for the site's rule tests, written to a temporary folder so each
// test can break exactly one thing.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FixtureLab {
  folder: string; // "01-alpha"
  id: string;
  order: number;
  readme?: string; // undefined: no README.md
  readings?: { title: string; url: string; source: string; note?: string }[];
  files?: Record<string, string>; // path in the lab → content
}

// A real llm-action entry (docs/readings.json), so coverage has something to find.
export const SEED_READING = {
  title: "大模型量化概述",
  url: "https://www.zhihu.com/question/627484732/answer/3261671478",
  source: "seed:llm-action",
};

const PLOT = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60"><rect width="120" height="60" fill="#eef"/><polyline points="0,50 40,30 80,20 120,5" fill="none" stroke="#13a" stroke-width="2"/></svg>\n`;

export function alpha(over: Partial<FixtureLab> = {}): FixtureLab {
  return {
    folder: "01-alpha",
    id: "alpha",
    order: 1,
    readme: [
      "# Lab 01 · Alpha",
      "",
      "The loss falls, see [the plot](plots/loss.svg), and the code in [src/alpha.ts](src/alpha.ts).",
      "",
      "![loss curve](plots/loss.svg)",
      "",
      `Read [${SEED_READING.title}](${SEED_READING.url}) and [the paper](https://arxiv.org/abs/1706.03762).`,
      "",
      "## Next",
      "",
      "Then [lab beta's second part](../02-beta/README.md#part-two).",
      "",
    ].join("\n"),
    readings: [
      SEED_READING,
      { title: "Attention Is All You Need", url: "https://arxiv.org/abs/1706.03762", source: "paper" },
    ],
    files: {
      "src/alpha.ts": "// the whole lab\nexport const alpha = 1;\n",
      "plots/loss.svg": PLOT,
      "plots/extra.svg": PLOT,
    },
    ...over,
  };
}

export function beta(over: Partial<FixtureLab> = {}): FixtureLab {
  return {
    folder: "02-beta",
    id: "beta",
    order: 2,
    readme: "# Lab 02 · Beta\n\n## Part one\n\nFirst.\n\n## Part two\n\nSecond.\n",
    readings: [{ title: "Fixture docs", url: "https://example.org/beta", source: "docs" }],
    files: { "src/beta.ts": "export const beta = 2;\n" },
    ...over,
  };
}

export function writeLabs(labs: FixtureLab[]): string {
  const dir = mkdtempSync(join(tmpdir(), "llm-labs-site-"));
  for (const lab of labs) {
    const d = join(dir, lab.folder);
    mkdirSync(d, { recursive: true });
    const manifest = {
      id: lab.id,
      title: `${lab.id[0].toUpperCase()}${lab.id.slice(1)} (a fixture lab)`,
      order: lab.order,
      summary: `The ${lab.id} fixture.`,
      concepts: ["fixtures"],
      prerequisites: [],
      minutes: 5,
      readings: lab.readings ?? [
        { title: "Fixture docs", url: "https://example.org/fixture", source: "docs" },
      ],
      exercises: [],
    };
    writeFileSync(
      join(d, "package.json"),
      JSON.stringify(
        { name: `@llm-labs/fixture-${lab.id}`, private: true, type: "module", lab: manifest },
        null,
        2,
      ),
    );
    if (lab.readme !== undefined) writeFileSync(join(d, "README.md"), lab.readme);
    for (const [p, text] of Object.entries(lab.files ?? {})) {
      mkdirSync(join(d, p, ".."), { recursive: true });
      writeFileSync(join(d, p), text);
    }
  }
  return dir;
}
