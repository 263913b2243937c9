// Seeded mutation fuzzing of the two loaders that read files from outside:
// the safetensors reader (and the checkpoint loader on top of it) and the
// tokenizer.json loader. Each iteration mutates a real file from the repo and
// loads it; the load may succeed (most mutations of the weights are still
// valid weights) or fail, but a failure must be a UserError: one line that
// says what is wrong, never a TypeError or a RangeError from deep inside.
//
// Bounded: by default each fuzzer stops after FUZZ_SECONDS (5) seconds or
// FUZZ_ITERATIONS iterations, whichever comes first, so `npm test` spends
// about 10 s here. For a longer run:
//   FUZZ_ITERATIONS=200000 FUZZ_SECONDS=600 npx vitest run --project scripts test/fuzz-loaders.test.ts
// Every iteration has its own seed, printed with a failure, to replay it.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "@llm-labs/kit";
import { tokenizerFromJsonText } from "@llm-labs/lab-tokenizers";
import { checkpointDir, modelFromSafetensors, parseConfig, readSafetensors } from "@llm-labs/model";
import { Rng } from "@llm-labs/tensor";

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 5);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 19);

interface Outcome {
  iterations: number;
  loaded: number;
  userErrors: number;
  other: { iteration: number; error: unknown }[];
}

function fuzz(mutate: (rng: Rng) => () => unknown): Outcome {
  const out: Outcome = { iterations: 0, loaded: 0, userErrors: 0, other: [] };
  const t0 = performance.now();
  while (out.iterations < ITERATIONS && performance.now() - t0 < SECONDS * 1000) {
    const i = out.iterations++;
    const load = mutate(new Rng(SEED * 1_000_003 + i));
    try {
      load();
      out.loaded++;
    } catch (error) {
      if (error instanceof UserError && !error.message.includes("\n")) out.userErrors++;
      else if (out.other.length < 5) out.other.push({ iteration: i, error });
      else out.other.length++;
    }
  }
  return out;
}

function report(name: string, o: Outcome): string {
  const line = `${name}: ${o.iterations} iterations (seed ${SEED}), ${o.loaded} loaded, ${o.userErrors} UserErrors, ${o.other.length} other errors`;
  console.log(line);
  return line;
}

const explain = (o: Outcome) =>
  o.other.map(
    ({ iteration, error }) => `iteration ${iteration}: ${(error as Error)?.stack ?? String(error)}`,
  );

// ── mutations ────────────────────────────────────────────────────────────────

const JSON_BITS = [
  '"',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "\\",
  "-",
  "0",
  "1e400",
  "null",
  " ",
  "\u00ff",
  "\ud800",
];

// A few characters of `text` replaced, deleted, inserted or duplicated.
function mutateText(text: string, rng: Rng, from = 0, to = text.length): string {
  let s = text;
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = from + rng.int(Math.max(1, Math.min(to, s.length) - from));
    const op = rng.int(5);
    const bit = JSON_BITS[rng.int(JSON_BITS.length)];
    if (op === 0) s = s.slice(0, at) + bit + s.slice(at + 1);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + rng.int(8));
    else if (op === 2) s = s.slice(0, at) + bit + s.slice(at);
    else if (op === 3)
      s = s.slice(0, at); // cut short
    else {
      const len = 1 + rng.int(40);
      s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at); // a stretch twice: duplicate keys
    }
  }
  return s;
}

// Values that break assumptions: wrong types, huge, negative, fractional, deep.
function strangeValue(rng: Rng): unknown {
  const pick = [
    null,
    -1,
    1.5,
    1e8,
    2 ** 20,
    2 ** 53,
    1e308,
    "",
    "x",
    "__proto__",
    [],
    {},
    [1, 2, 3],
    { type: "Sequence", normalizers: [{ type: "Sequence", normalizers: [] }] },
    { Regex: "(a+)+$" },
    { Regex: String.raw`\s*\s*\s*\s*\s*\s*\s*\s*!` },
    { Regex: "(" },
    true,
  ];
  return pick[rng.int(pick.length)];
}

// Change one value somewhere inside a parsed JSON value, in place.
function mutateJson(root: unknown, rng: Rng): void {
  let node = root as Record<string, unknown> | unknown[];
  for (let depth = 0; depth < 6; depth++) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) return;
    const key = keys[rng.int(keys.length)] as never;
    const child = (node as Record<string, unknown>)[key];
    const descend = child !== null && typeof child === "object" && rng.next() < 0.7;
    if (descend) {
      node = child as Record<string, unknown>;
      continue;
    }
    const op = rng.int(4);
    if (op === 0) (node as Record<string, unknown>)[key] = strangeValue(rng);
    else if (op === 1 && !Array.isArray(node)) delete (node as Record<string, unknown>)[key];
    else if (op === 2 && typeof child === "number")
      (node as Record<string, unknown>)[key] = child + rng.int(3) - 1;
    else if (Array.isArray(node)) node.push(strangeValue(rng));
    else (node as Record<string, unknown>)[`${String(key)}${rng.int(2) ? "" : "x"}`] = child;
    return;
  }
}

// ── safetensors ──────────────────────────────────────────────────────────────

describe("fuzzing the safetensors reader and the checkpoint loader", () => {
  it(
    "every failure on a mutated model.safetensors is a one-line UserError",
    () => {
      const dir = checkpointDir("draft");
      const original = new Uint8Array(readFileSync(join(dir, "model.safetensors")));
      const config = parseConfig(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")));
      const headerLen = Number(new DataView(original.buffer).getBigUint64(0, true));
      const header = new TextDecoder().decode(original.subarray(8, 8 + headerLen));
      const data = original.subarray(8 + headerLen);
      const enc = new TextEncoder();
      const file = (h: Uint8Array, len: bigint, body: Uint8Array) => {
        const out = new Uint8Array(8 + h.length + body.length);
        new DataView(out.buffer).setBigUint64(0, len, true);
        out.set(h, 8);
        out.set(body, 8 + h.length);
        return out;
      };
      const o = fuzz((rng) => {
        const kind = rng.int(6);
        let bytes: Uint8Array;
        if (kind === 0) {
          // bytes anywhere (the length prefix and the header most of the time)
          bytes = original.slice();
          for (let k = 1 + rng.int(6); k > 0; k--) {
            const at = rng.next() < 0.8 ? rng.int(8 + headerLen) : rng.int(bytes.length);
            bytes[at] = rng.int(256);
          }
        } else if (kind === 1) {
          // the header's text, with its length prefix kept consistent (or not)
          const h = enc.encode(mutateText(header, rng));
          const len = rng.next() < 0.8 ? BigInt(h.length) : BigInt(h.length + rng.int(17) - 8);
          bytes = file(h, len < 0n ? 0n : len, data);
        } else if (kind === 2) {
          // the header's structure: a value changed, a key dropped or renamed
          const json = JSON.parse(header) as Record<string, unknown>;
          mutateJson(json, rng);
          const h = enc.encode(JSON.stringify(json));
          bytes = file(h, BigInt(h.length), data);
        } else if (kind === 3) {
          // cut short, or zero bytes added at the end
          if (rng.next() < 0.5) bytes = original.slice(0, rng.int(original.length));
          else {
            bytes = new Uint8Array(original.length + 1 + rng.int(8));
            bytes.set(original);
          }
        } else if (kind === 4) {
          // a length prefix from far away
          bytes = original.slice();
          new DataView(bytes.buffer).setBigUint64(
            0,
            BigInt(rng.int(2 ** 31)) * BigInt(1 + rng.int(2 ** 21)),
            true,
          );
        } else {
          // not a safetensors file at all
          bytes = Uint8Array.from({ length: rng.int(64) }, () => rng.int(256));
        }
        return () => modelFromSafetensors(config, bytes, "model.safetensors");
      });
      report("safetensors", o);
      expect(explain(o)).toEqual([]);
      expect(o.userErrors).toBeGreaterThan(0);
      // And the reader alone, on the unmutated file: it loads.
      expect(readSafetensors(original).tensors.size).toBeGreaterThan(0);
    },
    (SECONDS + 60) * 1000,
  );
});

// ── tokenizer.json ───────────────────────────────────────────────────────────

describe("fuzzing the tokenizer.json loader", () => {
  it(
    "every failure on a mutated tokenizer.json is a one-line UserError, and what loads can encode",
    () => {
      const text = readFileSync(join(checkpointDir("tokenizer"), "tokenizer.json"), "utf8");
      const sample = "Once upon a time, 小明 said <|endoftext|> 42!\n";
      const o = fuzz((rng) => {
        let mutated: string;
        const kind = rng.int(3);
        if (kind === 0) mutated = mutateText(text, rng);
        else if (kind === 1) {
          // the short parts around the vocabulary: added tokens, pre-tokenizer, model flags
          const vocabAt = text.indexOf('"vocab"');
          mutated = mutateText(text, rng, 0, vocabAt > 0 ? vocabAt : text.length);
        } else {
          const json = JSON.parse(text) as Record<string, unknown>;
          for (let k = 1 + rng.int(3); k > 0; k--) mutateJson(json, rng);
          mutated = JSON.stringify(json);
        }
        return () => {
          const tok = tokenizerFromJsonText(mutated, "tokenizer.json");
          const ids = tok.encode(sample);
          tok.decode(ids, { errors: "replace" });
        };
      });
      report("tokenizer.json", o);
      expect(explain(o)).toEqual([]);
      expect(o.userErrors).toBeGreaterThan(0);
    },
    (SECONDS + 60) * 1000,
  );
});
