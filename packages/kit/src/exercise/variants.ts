import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { Plugin } from "vitest/config";
import { type StubLab, stubSource } from "./regions.ts";

// A variant of a lab is its source with some exercise regions stubbed, loaded
// as a second copy of the lab's modules inside the same vitest process: the
// module id is the lab's file plus "?llm-labs-variant=<id>", so the module
// graph holds one instance per variant, next to the solution's own, while the
// packages every variant imports (tensor, model, ONNX Runtime) load once.
//
//   wrapper.test.ts        import "<lab>/test/encode.test.ts?llm-labs-variant=v3"
//   test/encode.test.ts?v3 imports ../src/encode.ts   → src/encode.ts?v3 (stubbed)
//                          imports @llm-labs/tensor   → the one shared instance
//
// Every file inside the lab's folder that a variant module imports is that
// variant's own copy (tests, helpers, sources), so nothing computed from one
// variant's code reaches another: it is the stubbed copy of the lab on disk
// that the verifier used to write, without the disk and without a process
// per copy. Other labs (a prerequisite imported by package name) are shared
// and never stubbed, as they were in the copy.

export const VARIANT_QUERY = "llm-labs-variant";

export interface Variant {
  id: string; // [a-z0-9-]+
  lab: StubLab; // its id names the stub in the message
  labDir: string; // absolute, no trailing slash
  stub: { file: string; start: number }[]; // regions to stub: file relative to labDir, line index
}

const CODE = /\.(m?ts|tsx|m?js)$/;

function splitQuery(id: string): { path: string; variant?: string } {
  const q = id.indexOf("?");
  if (q < 0) return { path: id };
  const params = new URLSearchParams(id.slice(q + 1));
  return { path: id.slice(0, q), variant: params.get(VARIANT_QUERY) ?? undefined };
}

// The verifier writes a variant's wrappers under a folder "region-<n>/"; the
// test runner (test-runner.ts) stops such a file at its first failing test.
export const variantFolder = (region: number): string => `region-${region}`;
export const isVariantWrapper = (path: string): boolean => /[\\/]region-\d+[\\/]/.test(path);

export const variantImport = (file: string, variant: string): string => `${file}?${VARIANT_QUERY}=${variant}`;

export function variantPlugin(variants: Variant[]): Plugin {
  const byId = new Map(variants.map((v) => [v.id, v]));
  const inside = (v: Variant, path: string) =>
    path.startsWith(`${v.labDir}/`) && !path.includes("/node_modules/");
  return {
    name: "llm-labs:variants",
    enforce: "pre",
    async resolveId(source, importer, options) {
      const asked = splitQuery(source);
      // A wrapper names its variant on the import of the test file itself.
      if (asked.variant && byId.has(asked.variant)) {
        const r = await this.resolve(asked.path, importer, { ...options, skipSelf: true });
        return r && !r.external ? { ...r, id: variantImport(r.id, asked.variant) } : r;
      }
      const from = importer ? splitQuery(importer) : undefined;
      const v = from?.variant ? byId.get(from.variant) : undefined;
      if (!v || !from) return null;
      const r = await this.resolve(source, from.path, { ...options, skipSelf: true });
      if (!r || r.external || r.id.includes("?") || !CODE.test(r.id) || !inside(v, r.id)) return r;
      return { ...r, id: variantImport(r.id, v.id) };
    },
    load(id) {
      const { path, variant } = splitQuery(id);
      const v = variant ? byId.get(variant) : undefined;
      if (!v || !inside(v, path)) return null;
      const code = readFileSync(path, "utf8");
      const file = relative(v.labDir, path);
      const mine = v.stub.filter((s) => s.file === file);
      if (mine.length === 0) return code;
      return stubSource(code, file, v.lab, (r) => mine.some((s) => s.start === r.start));
    },
  };
}
