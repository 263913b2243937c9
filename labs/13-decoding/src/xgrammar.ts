// XGrammar (Dong et al. 2024), the independent implementation this lab's masks are
// checked against: @mlc-ai/web-xgrammar, its C++ compiled to WebAssembly.
//
// The package is a browser bundle (UMD). Under Node's ESM loader it finds no
// `exports` object and no `require`, so we hand it `require` and `__filename` (it
// uses them to locate itself) and read the module from `globalThis.xgrammar`,
// where a UMD bundle puts itself when it has nowhere else to go.

import { createRequire } from "node:module";
import type * as XG from "@mlc-ai/web-xgrammar";
import type { Vocab } from "./vocab.ts";

export type XGrammar = typeof XG;

let loaded: XGrammar | undefined;

export async function loadXGrammar(): Promise<XGrammar> {
  if (loaded) return loaded;
  const g = globalThis as Record<string, unknown>;
  const require = createRequire(import.meta.url);
  g.require ??= require;
  g.__filename ??= require.resolve("@mlc-ai/web-xgrammar");
  await import("@mlc-ai/web-xgrammar");
  loaded = g.xgrammar as XGrammar;
  return loaded;
}

// XGrammar's JSON options that give this lab's language (json-schema.ts): no
// whitespace, one line, "," and ":" as separators, only the schema's properties.
export const XGRAMMAR_JSON_OPTIONS = {
  anyWhitespace: false,
  indent: -1,
  separators: [",", ":"] as [string, string],
  strictMode: true,
};

export async function xgCompiler(
  v: Vocab,
): Promise<{ xg: XGrammar; compiler: XG.GrammarCompiler; info: XG.TokenizerInfo }> {
  const xg = await loadXGrammar();
  const info = await xg.TokenizerInfo.createTokenizerInfo(v.strings, "byte_level", false, v.size, v.stop);
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info);
  return { xg, compiler, info };
}

export async function xgCompileJson(
  compiler: XG.GrammarCompiler,
  schema: unknown,
): Promise<XG.CompiledGrammar> {
  const o = XGRAMMAR_JSON_OPTIONS;
  return compiler.compileJSONSchema(
    JSON.stringify(schema),
    o.anyWhitespace,
    o.indent,
    o.separators,
    o.strictMode,
  );
}

export async function xgCompileRegex(
  compiler: XG.GrammarCompiler,
  pattern: string,
): Promise<XG.CompiledGrammar> {
  return compiler.compileStructuralTag({ type: "regex", pattern });
}
