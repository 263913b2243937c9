// The malformed-input corpus: every way a learner or a workshop teacher can
// hand the course a bad input (flags, files, folders, configs, prompts), and
// the one line the course must answer with. Each case asserts
//   - the error is the user's (a UserError, or a file-system error the runner
//     translates), so the CLI prints one red line and exits with code 2;
//   - that line is one line and matches the case's regex (it names the input
//     and says what is wrong).
// A few cases are accepted inputs that used to go wrong silently (a
// "__proto__" metadata key, 150,000 exercises, --temperature 1e-320).
// Almost everything runs in-process; the last group starts a handful of real
// processes to check the exit codes end to end.

import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type Course,
  REPO_ROOT,
  UserError,
  defaultCourse,
  discoverLabs,
  intFlag,
  numberFlag,
  parseFlags,
  readProgressFile,
  roomReport,
  roomSvg,
  summarize,
  startLab,
  resetLab,
  loadProgress,
  type ProgressReport,
} from "@llm-labs/kit";
import { userErrorLine } from "../../packages/kit/src/cli/run-script.ts";
import { main } from "../../packages/kit/src/cli/main.ts";
import { prepareOutDir } from "../../packages/kit/src/workshop/output.ts";
import {
  bytesToTokenString,
  parseJsTiktokenRanks,
  parseTiktokenFile,
  readTokenizerJson,
  tokenizerFromHfJson,
  tokenizerFromJsonText,
  tokenizerFromTiktoken,
} from "@llm-labs/lab-tokenizers";
import {
  checkpointDir,
  checkpointFromFlag,
  loadCheckpoint,
  parseConfig,
  readSafetensors,
  writeSafetensors,
} from "@llm-labs/model";
import { generateCommand } from "../generate.ts";

// ── the assertion every case makes ───────────────────────────────────────────

let cases = 0;

// What the course CLI prints and the exit code it sets (cli/run-script.ts).
function answer(err: unknown): { code: number; line: string | undefined } {
  const line = userErrorLine(err);
  return { code: line === undefined ? 1 : 2, line };
}

async function refused(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("expected the input to be refused, but it was accepted");
}

// Register one case: `run` must be refused with one line matching `message`, exit code 2.
function refuses(name: string, run: () => unknown, message: RegExp): void {
  cases++;
  it(name, async () => {
    const err = await refused(run);
    const { code, line } = answer(err);
    expect(line, `not a user error: ${(err as Error)?.stack ?? String(err)}`).toBeDefined();
    expect(err instanceof UserError || (err as { code?: unknown }).code !== undefined).toBe(true);
    expect(code).toBe(2);
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toMatch(message);
  });
}

// Register one case that must be accepted (and `check` what came out).
function accepts(name: string, run: () => unknown, check: (result: unknown) => void = () => {}): void {
  cases++;
  it(name, async () => check(await run()));
}

// ── fixtures ─────────────────────────────────────────────────────────────────

const tmp = mkdtempSync(join(tmpdir(), "llm-labs-malformed-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (...p: string[]) => join(tmp, ...p);
const course = defaultCourse();
const cli = (...argv: string[]) => main(argv, course);
const quietly = async <T>(run: () => T | Promise<T>): Promise<T> => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const err = vi.spyOn(console, "error").mockImplementation(() => {});
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    return await run();
  } finally {
    log.mockRestore();
    err.mockRestore();
    out.mockRestore();
  }
};

const DRAFT = checkpointDir("draft");
const draftConfig = JSON.parse(readFileSync(join(DRAFT, "config.json"), "utf8"));
const draftWeights = new Uint8Array(readFileSync(join(DRAFT, "model.safetensors")));
const draftTokenizer = JSON.parse(readFileSync(join(DRAFT, "tokenizer.json"), "utf8"));

// A checkpoint folder: the draft's files, then `change` applied to the copy.
function checkpoint(name: string, change: (dir: string) => void = () => {}): string {
  const dir = at("ckpt", name);
  mkdirSync(dir, { recursive: true });
  for (const f of [
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
  ])
    cpSync(join(DRAFT, f), join(dir, f));
  change(dir);
  return dir;
}
const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));

// A safetensors file by hand: an 8-byte length (or `len`), the header text, the data.
function st(header: unknown, data: Uint8Array = new Uint8Array(0), len?: bigint): Uint8Array {
  const h = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const f32 = (n: number) => new Uint8Array(4 * n);
const one = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
// Header bytes spliced in raw (not valid UTF-8).
function rawHeader(bytes: number[]): Uint8Array {
  const out = new Uint8Array(8 + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(bytes.length), true);
  out.set(bytes, 8);
  return out;
}

// A tiny but valid byte-level tokenizer.json: the 256 bytes, then "Ġt" and "Ġth".
function tiny(): any {
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[bytesToTokenString([b])] = b;
  vocab["Ġt"] = 256;
  vocab["Ġth"] = 257;
  return {
    added_tokens: [{ id: 258, content: "<|end|>", special: true }],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, use_regex: true },
    model: { type: "BPE", vocab, merges: ["Ġ t", ["Ġt", "h"]] },
  };
}
const withTiny = (change: (j: any) => void) => () => {
  const j = tiny();
  change(j);
  return tokenizerFromHfJson(j);
};
const split = (regex: string) =>
  withTiny((j) => {
    j.pre_tokenizer = {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: regex }, behavior: "Isolated" },
        { type: "ByteLevel", use_regex: false },
      ],
    };
  });

// A progress file as `exercise status --json` writes it.
function progress(over: Partial<ProgressReport> = {}): ProgressReport {
  return {
    name: "Ada",
    host: "laptop",
    labs: [
      {
        id: "tokenizers",
        started: true,
        checkedAt: "2026-01-01T10:00:00.000Z",
        exercises: [
          { id: "byte-map", state: "pass", hintsShown: 0 },
          { id: "count-pairs", state: "fail", hintsShown: 1 },
        ],
      },
    ],
    ...over,
  };
}
const progressFile = (name: string, content: unknown) => {
  const p = at("progress", name);
  mkdirSync(at("progress"), { recursive: true });
  writeFileSync(
    p,
    typeof content === "string" || content instanceof Uint8Array ? content : JSON.stringify(content),
  );
  return p;
};

// A course over fixture labs written here, for the manifest and workspace cases.
function labsCourse(name: string, labs: Record<string, unknown>): Course {
  const labsDir = at("courses", name, "labs");
  for (const [folder, pkg] of Object.entries(labs)) {
    mkdirSync(join(labsDir, folder, "src"), { recursive: true });
    if (pkg === "folder") mkdirSync(join(labsDir, folder, "package.json"), { recursive: true });
    else
      writeFileSync(
        join(labsDir, folder, "package.json"),
        typeof pkg === "string" ? pkg : JSON.stringify(pkg),
      );
  }
  return {
    ...course,
    labsDir,
    workspaceDir: at("courses", name, "workspace"),
    scratchDir: at("courses", name, "scratch"),
  };
}
const manifest = (over: Record<string, unknown> = {}) => ({
  name: "@llm-labs/fixture",
  lab: {
    id: "fixture",
    title: "A fixture",
    order: 1,
    summary: "s",
    concepts: ["c"],
    prerequisites: [],
    minutes: 10,
    readings: [{ title: "t", url: "https://example.org", source: "docs" }],
    exercises: [{ id: "one", title: "One", file: "src/one.ts", hints: ["h"] }],
    ...over,
  },
});

// A course over the kit's own fixture labs, with its workspace here.
function fixtureCourse(name: string): Course {
  return {
    ...course,
    labsDir: join(REPO_ROOT, "packages/kit/test/fixtures/good/labs"),
    workspaceDir: at("ws", name),
    scratchDir: at("ws", `${name}-scratch`),
  };
}
const arith = (c: Course) => {
  const lab = discoverLabs(c).find((l) => l.id === "arith");
  if (!lab) throw new Error("fixture lab arith is missing");
  return lab;
};

beforeAll(() => {
  mkdirSync(at("afile-parent"), { recursive: true });
  writeFileSync(at("afile"), "not a folder");
});

// ── 1. command-line flags ────────────────────────────────────────────────────

describe("command-line flags", () => {
  refuses(
    "npm start with a flag",
    () => cli("home", "--bogus"),
    /Unknown option '--bogus'.*usage: npm start/,
  );
  refuses(
    "npm start with an argument",
    () => cli("home", "tokenizers"),
    /unexpected "tokenizers"; usage: npm start/,
  );
  refuses("an unknown command", () => cli("bogus"), /unknown command "bogus"/);
  refuses("no command", () => cli(), /unknown command ""/);
  refuses("lab without an id", () => cli("lab"), /missing lab id; usage: npm run lab <id>/);
  refuses("lab with two ids", () => cli("lab", "tokenizers", "lora"), /one lab at a time/);
  refuses(
    "lab with an unknown id",
    () => cli("lab", "tokenizer"),
    /unknown lab "tokenizer"; did you mean "tokenizers"/,
  );
  refuses("lab with an unknown flag", () => cli("lab", "tokenizers", "--mien"), /Unknown option '--mien'/);
  refuses(
    "exercise without a subcommand",
    () => cli("exercise"),
    /missing subcommand; usage: npm run exercise/,
  );
  refuses(
    "exercise with an unknown subcommand",
    () => cli("exercise", "begin", "tokenizers"),
    /unknown subcommand "begin"/,
  );
  refuses(
    "exercise start without a lab",
    () => cli("exercise", "start"),
    /missing lab id; usage: npm run exercise -- start/,
  );
  refuses(
    "exercise start with two labs",
    () => cli("exercise", "start", "1", "2"),
    /one lab at a time, got 2/,
  );
  refuses(
    "exercise start with a flag",
    () => cli("exercise", "start", "tokenizers", "--force"),
    /Unknown option '--force'/,
  );
  refuses("exercise check an unknown lab", () => cli("exercise", "check", "99"), /unknown lab "99"/);
  refuses("exercise status with two labs", () => cli("exercise", "status", "1", "2"), /at most one lab/);
  refuses(
    "exercise status --json --name ''",
    () => cli("exercise", "status", "--json", "--name", ""),
    /--name needs a value/,
  );
  refuses(
    "exercise status --json --name '  '",
    () => cli("exercise", "status", "--json", "--name", "  "),
    /--name needs a value/,
  );
  refuses(
    "exercise status --name without a value",
    () => cli("exercise", "status", "--name"),
    /--name.*argument missing/,
  );
  refuses(
    "workshop without a subcommand",
    () => cli("workshop"),
    /missing subcommand; usage: npm run workshop/,
  );
  refuses(
    "workshop with an unknown subcommand",
    () => cli("workshop", "agenda"),
    /unknown subcommand "agenda"/,
  );
  refuses("workshop plan without --labs", () => cli("workshop", "plan"), /--labs/);
  refuses("workshop plan --labs ''", () => cli("workshop", "plan", "--labs", ""), /--labs needs a value/);
  refuses("workshop plan an unknown lab", () => cli("workshop", "plan", "--labs", "tokenizer"), /tokenizer/);
  refuses(
    "workshop plan --start 25:00",
    () => cli("workshop", "plan", "--labs", "1", "--start", "25:00"),
    /--start must be a time like 09:00, got "25:00"/,
  );
  refuses(
    "workshop plan --start 9",
    () => cli("workshop", "plan", "--labs", "1", "--start", "9"),
    /--start must be a time/,
  );
  refuses(
    "workshop plan --day-end before --start",
    () => cli("workshop", "plan", "--labs", "1", "--start", "16:00", "--day-end", "10:00"),
    /the day must end well after it starts/,
  );
  refuses(
    "workshop plan with a positional",
    () => cli("workshop", "plan", "tokenizers"),
    /unexpected "tokenizers"; name labs with --labs/,
  );
  refuses(
    "workshop handout without --out",
    () => cli("workshop", "handout", "--labs", "1"),
    /--out <dir> is required/,
  );
  refuses("workshop summary with no files", () => cli("workshop", "summary"), /no progress files given/);
  refuses(
    "workshop summary --svg without a value",
    () => cli("workshop", "summary", "x.json", "--svg"),
    /--svg.*argument missing/,
  );

  const usage = "npm run generate -- …";
  refuses(
    "an int flag with letters",
    () => intFlag("max-new-tokens", "ten"),
    /--max-new-tokens must be a whole number ≥ 0, got "ten"/,
  );
  refuses("an int flag in hex", () => intFlag("seed", "0x10"), /--seed must be a whole number/);
  refuses("an int flag in exponent form", () => intFlag("steps", "1e3"), /--steps must be a whole number/);
  refuses("an int flag with a fraction", () => intFlag("steps", "1.5"), /--steps must be a whole number/);
  refuses("an int flag that is only spaces", () => intFlag("steps", "  "), /--steps must be a whole number/);
  refuses(
    "an int flag past 2^53",
    () => intFlag("seed", "99999999999999999999"),
    /--seed must be a whole number/,
  );
  refuses(
    "an int flag below its minimum",
    () => intFlag("steps", "0", { min: 1 }),
    /--steps must be a whole number ≥ 1, got "0"/,
  );
  refuses(
    "an int flag above its maximum",
    () => intFlag("seed", "4294967296", { max: 2 ** 32 - 1 }),
    /--seed must be a whole number from 0 to 4294967295/,
  );
  refuses(
    "a number flag that is NaN",
    () => numberFlag("temperature", "NaN", { min: 0 }),
    /--temperature must be a number in \[0, Infinity\)/,
  );
  refuses(
    "a number flag that is Infinity",
    () => numberFlag("temperature", "1e999", { min: 0 }),
    /--temperature must be a number/,
  );
  refuses(
    "a number flag in hex",
    () => numberFlag("temperature", "0x1", { min: 0 }),
    /--temperature must be a number/,
  );
  refuses(
    "a number flag at an open bound",
    () => numberFlag("top-p", "0", { above: 0, max: 1 }),
    /--top-p must be a number in \(0, 1\], got "0"/,
  );
  refuses(
    "a number flag above its maximum",
    () => numberFlag("top-p", "1.5", { above: 0, max: 1 }),
    /--top-p must be a number in \(0, 1\], got "1.5"/,
  );
  refuses(
    "a flag given an empty value",
    () => parseFlags(["--seed", ""], { seed: { type: "string" } }, usage),
    /--seed needs a value, got an empty one; usage: npm run generate/,
  );
  refuses(
    "a misspelt flag",
    () => parseFlags(["--modle", "x"], { model: { type: "string" } }, usage),
    /Unknown option '--modle'; usage/,
  );
  refuses(
    "a string flag at the end without its value",
    () => parseFlags(["--model"], { model: { type: "string" } }, usage),
    /Option '--model <value>' argument missing; usage/,
  );

  const gen = (...argv: string[]) => quietly(() => generateCommand(argv));
  refuses("generate --temperature ''", () => gen("--temperature", ""), /--temperature needs a value/);
  refuses("generate --seed ''", () => gen("--seed", ""), /--seed needs a value/);
  refuses(
    "generate --top-p 0",
    () => gen("--temperature", "0.8", "--top-p", "0"),
    /--top-p must be a number in \(0, 1\]/,
  );
  refuses(
    "generate --top-p without sampling",
    () => gen("--top-p", "0.9"),
    /--top-p only applies when sampling/,
  );
  refuses(
    "generate --temperature -1",
    () => gen("--temperature", "-1"),
    /--temperature must be a number in \[0, 100\]/,
  );
  refuses(
    "generate --temperature 1e6",
    () => gen("--temperature", "1e6"),
    /--temperature must be a number in \[0, 100\]/,
  );
  refuses(
    "generate --max-new-tokens 0",
    () => gen("--max-new-tokens", "0"),
    /--max-new-tokens must be a whole number from 1/,
  );
  refuses(
    "generate --max-new-tokens -3",
    () => gen("--max-new-tokens", "-3"),
    /--max-new-tokens must be a whole number/,
  );
  refuses(
    "generate --seed -1",
    () => gen("--seed", "-1"),
    /--seed must be a whole number from 0 to 4294967295/,
  );
  refuses("generate --model ''", () => gen("--model", ""), /--model needs a value/);
  refuses(
    "generate --model with an unknown name",
    () => gen("--model", "drfat"),
    /no checkpoint named "drfat" \(checkpoints: draft, llama, target\)/,
  );
  refuses(
    "generate --model with a missing folder",
    () => gen("--model", "./no/such/ckpt"),
    /--model \.\/no\/such\/ckpt: no such folder/,
  );
  refuses("generate with an unknown flag", () => gen("--temp", "1"), /Unknown option '--temp'/);
  refuses(
    "generate with an unquoted prompt",
    () => gen("--prompt", "Once", "upon"),
    /unexpected argument "upon" \(quote a prompt with spaces\)/,
  );
  refuses(
    "generate a prompt longer than the context",
    () => gen("--model", "draft", "--prompt", "word ".repeat(300)),
    /the prompt is \d+ tokens, but draft reads at most 128 \(n_positions\).*shorten the prompt to 127 tokens or fewer/,
  );
  // Its output: what it writes to stdout.
  const printed = async (argv: string[]) => {
    const chunks: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((c) => chunks.push(String(c)) > 0);
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await generateCommand(argv);
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
    return chunks.join("");
  };
  accepts(
    "generate --temperature 1e-320: the greedy text (it used to give NaN and stop at eos)",
    async () => [
      await printed(["--model", "draft", "--temperature", "1e-320", "--max-new-tokens", "6"]),
      await printed(["--model", "draft", "--max-new-tokens", "6"]),
    ],
    (texts) => {
      const [tiny, greedy] = texts as string[];
      expect(tiny).toBe(greedy);
      expect(tiny.length).toBeGreaterThan("Once upon a time".length + 6);
    },
  );
});

// ── 2. safetensors ───────────────────────────────────────────────────────────

describe("safetensors files", () => {
  const read = (bytes: Uint8Array) => () => readSafetensors(bytes, "m.safetensors");
  refuses("an empty file", read(new Uint8Array(0)), /m\.safetensors: truncated file: 0 bytes/);
  refuses("7 bytes", read(new Uint8Array(7)), /truncated file: 7 bytes/);
  refuses(
    "a header length beyond the file",
    read(st({}, new Uint8Array(0), 1000n)),
    /header length 1000 bytes goes beyond the file size/,
  );
  refuses(
    "a header length of 2^64 - 1",
    read(st({}, new Uint8Array(0), 2n ** 64n - 1n)),
    /header length 18446744073709551615 bytes goes beyond/,
  );
  refuses("a header of 0xff", read(rawHeader([0x7b, 0xff, 0x7d])), /the header is not UTF-8: file byte 9/);
  refuses(
    "a header with a lone continuation byte",
    read(rawHeader([0x7b, 0x80, 0x7d])),
    /not UTF-8: file byte 9/,
  );
  refuses(
    "a header with an overlong NUL",
    read(rawHeader([0x7b, 0xc0, 0x80, 0x7d])),
    /not UTF-8: file byte 9/,
  );
  refuses(
    "a header with a surrogate",
    read(rawHeader([0x7b, 0xed, 0xa0, 0x80, 0x7d])),
    /not UTF-8: file byte 9/,
  );
  refuses(
    "a header cut inside a character",
    read(rawHeader([0x7b, 0x7d, 0xe4, 0xb8])),
    /not UTF-8: file byte 10/,
  );
  refuses("a header that is an array", read(st([one])), /must be a JSON object starting with '\{', got "\[/);
  refuses("a header that is null", read(st("null")), /must be a JSON object starting with '\{', got "null"/);
  refuses("a header that starts with a space", read(st(" {}")), /starting with '\{'/);
  refuses(
    "a header that is cut short",
    read(st('{"a": {"dtype": "F32"')),
    /the header \(file bytes 8\.\.\d+\) is not valid JSON: .*position/,
  );
  refuses("a header with a trailing comma", read(st('{"a": 1,}')), /is not valid JSON/);
  refuses(
    "two tensors with one name",
    read(
      st(`{"w": ${JSON.stringify(one)}, "w": ${JSON.stringify({ ...one, data_offsets: [8, 16] })}}`, f32(4)),
    ),
    /the header has the key "w" twice \(the second at header character \d+\); tensor names must be unique/,
  );
  refuses(
    "two metadata keys with one name",
    read(st('{"__metadata__": {"a": "1", "a": "2"}}')),
    /__metadata__ has the key "a" twice/,
  );
  refuses(
    "a tensor with dtype given twice",
    read(st('{"w": {"dtype": "F32", "dtype": "F16", "shape": [2], "data_offsets": [0, 8]}}', f32(2))),
    /tensor "w" has the key "dtype" twice/,
  );
  refuses(
    "an escaped duplicate name",
    read(
      st(
        `{"w": ${JSON.stringify(one)}, "\\u0077": ${JSON.stringify({ ...one, data_offsets: [8, 16] })}}`,
        f32(4),
      ),
    ),
    /the key "w" twice/,
  );
  accepts(
    "a __proto__ metadata key is kept",
    () => readSafetensors(st({ __metadata__: JSON.parse('{"__proto__": "x", "format": "pt"}') })),
    (f) => {
      const { metadata } = f as ReturnType<typeof readSafetensors>;
      expect(Object.keys(metadata)).toEqual(["__proto__", "format"]);
      expect(metadata.__proto__).toBe("x");
    },
  );
  accepts(
    "a tensor named __proto__ is kept",
    () => readSafetensors(st(JSON.parse(`{"__proto__": ${JSON.stringify(one)}}`), f32(2))),
    (f) => {
      expect([...(f as ReturnType<typeof readSafetensors>).tensors.keys()]).toEqual(["__proto__"]);
    },
  );
  accepts(
    "a __proto__ metadata key survives a write and a read",
    () => readSafetensors(writeSafetensors([], JSON.parse('{"__proto__": "kept"}'))).metadata,
    (m) => expect(Object.keys(m as object)).toEqual(["__proto__"]),
  );
  refuses(
    "__metadata__ that is an array",
    read(st({ __metadata__: [] })),
    /__metadata__ must be an object of strings/,
  );
  refuses(
    "__metadata__ that is a string",
    read(st({ __metadata__: "pt" })),
    /__metadata__ must be an object of strings/,
  );
  refuses(
    "a metadata value that is a number",
    read(st({ __metadata__: { step: 3 } })),
    /__metadata__\.step must be a string, got 3/,
  );
  refuses(
    "a tensor that is a number",
    read(st({ w: 3 })),
    /tensor "w": expected \{dtype, shape, data_offsets\}, got 3/,
  );
  refuses(
    "a tensor that is an array",
    read(st({ w: [] })),
    /tensor "w": expected \{dtype, shape, data_offsets\}/,
  );
  refuses("a tensor that is null", read(st({ w: null })), /tensor "w": expected/);
  refuses(
    "an unknown dtype",
    read(st({ w: { ...one, dtype: "F48" } }, f32(2))),
    /tensor "w": unknown dtype "F48" \(known: BOOL/,
  );
  refuses("a lower-case dtype", read(st({ w: { ...one, dtype: "f32" } }, f32(2))), /unknown dtype "f32"/);
  refuses(
    "a missing dtype",
    read(st({ w: { shape: [2], data_offsets: [0, 8] } }, f32(2))),
    /unknown dtype undefined/,
  );
  refuses(
    "a shape that is a number",
    read(st({ w: { ...one, shape: 2 } }, f32(2))),
    /tensor "w": shape must be an array of non-negative integers, got 2/,
  );
  refuses(
    "a negative dimension",
    read(st({ w: { ...one, shape: [-2] } }, f32(2))),
    /shape must be an array of non-negative integers, got \[-2\]/,
  );
  refuses(
    "a fractional dimension",
    read(st({ w: { ...one, shape: [2.5] } }, f32(2))),
    /shape must be an array of non-negative integers/,
  );
  refuses(
    "a dimension written as a string",
    read(st({ w: { ...one, shape: ["2"] } }, f32(2))),
    /shape must be an array of non-negative integers/,
  );
  refuses(
    "dimensions whose product overflows",
    read(st({ w: { ...one, shape: [2 ** 40, 2 ** 40] } }, f32(2))),
    /tensor "w": shape \[\d+, \d+\] has more elements than a file can hold/,
  );
  refuses(
    "missing data_offsets",
    read(st({ w: { dtype: "F32", shape: [2] } }, f32(2))),
    /tensor "w": data_offsets must be \[begin, end\]/,
  );
  refuses(
    "data_offsets of one number",
    read(st({ w: { ...one, data_offsets: [8] } }, f32(2))),
    /data_offsets must be \[begin, end\].*got \[8\]/,
  );
  refuses(
    "data_offsets backwards",
    read(st({ w: { ...one, data_offsets: [8, 0] } }, f32(2))),
    /data_offsets must be \[begin, end\] with 0 ≤ begin ≤ end, got \[8,0\]/,
  );
  refuses(
    "negative data_offsets",
    read(st({ w: { ...one, data_offsets: [-8, 0] } }, f32(2))),
    /data_offsets must be/,
  );
  refuses(
    "a byte count that does not match the shape",
    read(st({ w: { ...one, data_offsets: [0, 4] } }, f32(1))),
    /tensor "w": shape \[2\] of F32 needs 8 bytes, but data_offsets \[0, 4\] hold 4/,
  );
  refuses(
    "two tensors on the same bytes",
    read(st({ a: one, b: one }, f32(2))),
    /overlapping offsets: tensor "b" \[0, 8\) overlaps tensor "a"/,
  );
  refuses(
    "a hole between tensors",
    read(st({ a: { ...one, data_offsets: [8, 16] } }, f32(4))),
    /hole in the data buffer: bytes \[0, 8\) belong to no tensor \(before "a"\)/,
  );
  refuses(
    "trailing bytes",
    read(st({ a: one }, f32(3))),
    /the data buffer has 12 bytes but the tensors cover only 8 \(trailing bytes\)/,
  );
  refuses(
    "a data buffer cut short",
    read(st({ a: one }, f32(1))),
    /truncated file: tensor "a" ends at data byte 8, but the data buffer has only 4 bytes/,
  );
  refuses("a tensor name with a newline stays one line", read(st({ "a\nb": 3 })), /tensor "a b": expected/);
});

// ── 3. tokenizer.json ────────────────────────────────────────────────────────

describe("tokenizer.json files", () => {
  const file = (name: string, content: string | Uint8Array) => {
    mkdirSync(at("tok"), { recursive: true });
    writeFileSync(at("tok", name), content);
    return at("tok", name);
  };
  const real = JSON.stringify(draftTokenizer);
  refuses(
    "a missing file",
    () => readTokenizerJson(at("tok", "nope.json")),
    /cannot read .*nope\.json: it does not exist \(ENOENT\); check the path/,
  );
  refuses(
    "a folder",
    () => (mkdirSync(at("tok", "dir.json"), { recursive: true }), readTokenizerJson(at("tok", "dir.json"))),
    /dir\.json: is a folder; give the path of the tokenizer\.json in it/,
  );
  refuses(
    "an empty file",
    () => readTokenizerJson(file("empty.json", "")),
    /empty\.json: is not valid JSON .*the file is empty/,
  );
  refuses(
    "a file cut in half",
    () => readTokenizerJson(file("half.json", real.slice(0, real.length / 2))),
    /half\.json: is not valid JSON .*was it cut short while copying\?/,
  );
  refuses(
    "a file that is not UTF-8",
    () => readTokenizerJson(file("latin1.json", new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x7d]))),
    /latin1\.json: is not UTF-8 text: byte \d: expected a continuation byte/,
  );
  refuses(
    "a file above the size limit",
    () => {
      const p = file("huge.json", "");
      truncateSync(p, 250_000_000); // sparse: no disk used
      return readTokenizerJson(p);
    },
    /huge\.json: is 250,000,000 bytes, above the 200,000,000-byte limit/,
  );
  refuses(
    "a file without a model",
    () => readTokenizerJson(file("nomodel.json", JSON.stringify({ ...draftTokenizer, model: undefined }))),
    /nomodel\.json: model: the "model" section is missing/,
  );
  refuses(
    "text that is not JSON",
    () => tokenizerFromJsonText("<html>", "t.json"),
    /t\.json: is not valid JSON/,
  );
  refuses("a top-level array", () => tokenizerFromHfJson([]), /expected a JSON object at the top level/);
  refuses("a top-level number", () => tokenizerFromHfJson(3), /expected a JSON object at the top level/);
  refuses(
    "a model that is a string",
    () => tokenizerFromHfJson({ model: "BPE" }),
    /model: "model" must be an object/,
  );
  refuses(
    "a model without a type",
    withTiny((j) => delete j.model.type),
    /model has no "type"/,
  );
  refuses(
    "a WordPiece model",
    withTiny((j) => (j.model.type = "WordPiece")),
    /model type "WordPiece" is not supported/,
  );
  refuses(
    "a vocab that is an array",
    withTiny((j) => (j.model.vocab = [])),
    /model\.vocab: expected an object mapping token strings to ids/,
  );
  refuses(
    "merges that are not a list",
    withTiny((j) => (j.model.merges = {})),
    /model\.merges/,
  );
  refuses(
    "byte_fallback",
    withTiny((j) => (j.model.byte_fallback = true)),
    /byte_fallback is true/,
  );
  refuses(
    "dropout",
    withTiny((j) => (j.model.dropout = 0.1)),
    /model\.dropout = 0\.1/,
  );
  refuses(
    "a continuing_subword_prefix",
    withTiny((j) => (j.model.continuing_subword_prefix = "##")),
    /continuing_subword_prefix/,
  );
  refuses(
    "a negative vocab id",
    withTiny((j) => (j.model.vocab["Ġt"] = -1)),
    /model\.vocab: token "Ġt" has id -1; ids are integers >= 0/,
  );
  refuses(
    "a fractional vocab id",
    withTiny((j) => (j.model.vocab["Ġt"] = 1.5)),
    /token "Ġt" has id 1\.5/,
  );
  refuses(
    "a vocab id written as a string",
    withTiny((j) => (j.model.vocab["Ġt"] = "256")),
    /token "Ġt" has id "256"/,
  );
  refuses(
    "a vocab id of 1e8",
    withTiny((j) => (j.model.vocab["Ġt"] = 1e8)),
    /token "Ġt" has id 100000000; this loader's ids must be at most 1048575/,
  );
  refuses(
    "a vocab id of 2^20",
    withTiny((j) => (j.model.vocab["Ġt"] = 2 ** 20)),
    /has id 1048576; .*at most 1048575/,
  );
  refuses(
    "two tokens with one id",
    withTiny((j) => (j.model.vocab["Ġth"] = 256)),
    /model\.vocab: id 256 is used by two tokens, "Ġt" and "Ġth"/,
  );
  refuses(
    "a token that is not byte-level",
    withTiny((j) => (j.model.vocab["你"] = 300)),
    /token "你" \(id 300\) contains "你" \(U\+4F60\)/,
  );
  refuses(
    "a merge written as one token",
    withTiny((j) => j.model.merges.push("abc")),
    /model\.merges\[2\]: "abc" is not two tokens separated by one space/,
  );
  refuses(
    "a merge with two spaces",
    withTiny((j) => j.model.merges.push("a  b")),
    /model\.merges\[2\]: "a  b" is not two tokens/,
  );
  refuses(
    "a merge of three tokens",
    withTiny((j) => j.model.merges.push(["a", "b", "c"])),
    /model\.merges\[2\]: expected "a b" or \["a", "b"\]/,
  );
  refuses(
    "a merge that is a number",
    withTiny((j) => j.model.merges.push(7)),
    /model\.merges\[2\]: expected "a b" or \["a", "b"\], got 7/,
  );
  refuses(
    "a merge of an unknown token",
    withTiny((j) => j.model.merges.push("Ġth zz")),
    /model\.merges\[2\] "Ġth zz" refers to "zz", which is not in model\.vocab/,
  );
  refuses(
    "a merge whose result is unknown",
    withTiny((j) => j.model.merges.push(["a", "b"])),
    /model\.merges\[2\] "a b" makes "ab", which is not in model\.vocab/,
  );
  refuses(
    "an added token on a vocabulary id",
    withTiny((j) => (j.added_tokens = [{ id: 256, content: "<|end|>" }])),
    /added_tokens\[0\] "<\|end\|>" has id 256, which model\.vocab gives to "Ġt"; an added token needs an id of its own/,
  );
  refuses(
    "one added token text with two ids",
    withTiny((j) => j.added_tokens.push({ id: 259, content: "<|end|>" })),
    /added_tokens\[1\] "<\|end\|>" has id 259, but an earlier added token gives it id 258/,
  );
  refuses(
    "two added tokens on one id",
    withTiny((j) => j.added_tokens.push({ id: 258, content: "<|other|>" })),
    /added_tokens\[1\] "<\|other\|>" has id 258, which is already the added token "<\|end\|>"/,
  );
  refuses(
    "an added token that is a vocabulary token with another id",
    withTiny((j) => (j.added_tokens = [{ id: 300, content: " t" }])),
    /added_tokens\[0\] " t" has id 300, but model\.vocab has the same token with id 256/,
  );
  refuses(
    "an added token id of 1e8",
    withTiny((j) => (j.added_tokens = [{ id: 1e8, content: "<x>" }])),
    /added_tokens\[0\] "<x>" has id 100000000; .*at most 1048575/,
  );
  refuses(
    "an added token with lstrip",
    withTiny((j) => (j.added_tokens[0].lstrip = true)),
    /added_tokens\[0\] "<\|end\|>" uses lstrip\/rstrip\/single_word/,
  );
  refuses(
    "an added token with empty content",
    withTiny((j) => (j.added_tokens[0].content = "")),
    /added_tokens\.0\.content/,
  );
  refuses(
    "an added token with a negative id",
    withTiny((j) => (j.added_tokens[0].id = -5)),
    /added_tokens\.0\.id/,
  );
  accepts(
    "an added token that is also the same vocabulary token (GPT-4o does this)",
    withTiny((j) => {
      j.model.vocab["<|end|>"] = 258;
    }),
    (tok) => expect((tok as ReturnType<typeof tokenizerFromHfJson>).encode("<|end|>")).toEqual([258]),
  );
  refuses(
    "a vocabulary without every byte",
    withTiny((j) => {
      delete j.model.vocab[bytesToTokenString([0x41])];
      j.model.vocab.Q = 300; // keep ids unique after the hole
    }),
    /a byte-level vocabulary needs a token for each of the 256 bytes; missing 0x41/,
  );
  refuses(
    "no pre_tokenizer",
    withTiny((j) => (j.pre_tokenizer = null)),
    /pre_tokenizer is missing/,
  );
  refuses(
    "a Whitespace pre_tokenizer",
    withTiny((j) => (j.pre_tokenizer = { type: "Whitespace" })),
    /pre-tokenizer type "Whitespace" is not supported/,
  );
  refuses(
    "a Split without ByteLevel",
    withTiny((j) => (j.pre_tokenizer = { type: "Split", pattern: { Regex: "\\s+" }, behavior: "Isolated" })),
    /pre_tokenizer has no ByteLevel step/,
  );
  refuses(
    "a Split after ByteLevel",
    withTiny(
      (j) =>
        (j.pre_tokenizer = {
          type: "Sequence",
          pretokenizers: [
            { type: "ByteLevel" },
            { type: "Split", pattern: { Regex: "x" }, behavior: "Isolated" },
          ],
        }),
    ),
    /pretokenizers\.1: "Split" comes after ByteLevel/,
  );
  refuses(
    "a Split with an unknown behavior",
    withTiny(
      (j) =>
        (j.pre_tokenizer = {
          type: "Sequence",
          pretokenizers: [
            { type: "Split", pattern: { Regex: "x" }, behavior: "Merged" },
            { type: "ByteLevel" },
          ],
        }),
    ),
    /Split behavior "Merged" is not supported/,
  );
  refuses("a Split with an empty pattern", split(""), /pretokenizers\.0: the Split pattern is empty/);
  refuses(
    "a pattern that nests quantifiers: (a+)+$",
    split("(a+)+$"),
    /pretokenizers\.0\.pattern: the split pattern "\(a\+\)\+\$" repeats the group at character 0 .*catastrophic backtracking/,
  );
  refuses(
    "a pattern that repeats an alternation: (?:a|aa)*b",
    split("(?:a|aa)*b"),
    /repeats the group at character 0 \("\(\?:a\|aa\)\*"\)/,
  );
  refuses(
    "a pattern that repeats a spaces group: (?:\\s+)+x",
    split("(?:\\s+)+x"),
    /catastrophic backtracking/,
  );
  refuses("a pattern with a backreference", split("(\\p{L})\\1"), /has a backreference at character \d+/);
  refuses(
    "a pattern that backtracks polynomially",
    split(String.raw`\s*\s*\s*\s*\s*\s*\s*\s*!`),
    /took \d+ ms to split \d+ characters of .* repeated \(the budget is 50 ms\)/,
  );
  refuses(
    "a pattern with a possessive quantifier",
    split("\\p{L}++"),
    /pretokenizers\.0\.pattern: unsupported regex: possessive quantifier/,
  );
  refuses(
    "a pattern with an unclosed \\p{",
    split("\\p{L+"),
    /unsupported regex: \\p\{ at character 0 is never closed/,
  );
  refuses(
    "a pattern that does not compile",
    split("(x"),
    /pretokenizers\.0\.pattern: cannot compile split pattern "\(x"/,
  );
  refuses("a pattern that ends in a backslash", split("x\\"), /regex ends with a lone backslash/);
  accepts("a simple pattern of one's own", split("\\s+|\\p{L}+|\\p{N}+|[^\\s\\p{L}\\p{N}]+"), (tok) =>
    expect((tok as ReturnType<typeof tokenizerFromHfJson>).encode(" the 12")).toBeDefined(),
  );
  refuses(
    "an unsupported normalizer",
    withTiny((j) => (j.normalizer = { type: "BertNormalizer" })),
    /normalizer type "BertNormalizer" is not supported/,
  );
  refuses(
    "normalizers nested 100 deep",
    withTiny((j) => {
      let n: any = { type: "NFC" };
      for (let i = 0; i < 100; i++) n = { type: "Sequence", normalizers: [n] };
      j.normalizer = n;
    }),
    /Sequences nested more than 16 deep/,
  );
});

// ── 4. tiktoken rank files ───────────────────────────────────────────────────

describe("tiktoken rank files", () => {
  const parse = (text: string) => () => parseTiktokenFile(text, "r.tiktoken");
  refuses(
    "two spaces between token and rank",
    parse("IQ==  0\n"),
    /r\.tiktoken line 1: expected "<base64> <rank>" with one space between, got "IQ==  0"/,
  );
  refuses("a tab between token and rank", parse("IQ== 0\nIg==\t1\n"), /line 2: expected "<base64> <rank>"/);
  refuses("a token without a rank", parse("IQ==\n"), /line 1: expected/);
  refuses("a rank that is a word", parse("IQ== one\n"), /line 1: expected/);
  refuses("a negative rank", parse("IQ== -1\n"), /line 1: expected/);
  refuses("a fractional rank", parse("IQ== 1.5\n"), /line 1: expected/);
  refuses("a rank in exponent form", parse("IQ== 1e3\n"), /line 1: expected/);
  refuses("a leading space", parse(" IQ== 0\n"), /line 1: expected/);
  refuses("a trailing space", parse("IQ== 0 \n"), /line 1: expected/);
  refuses("three fields", parse("IQ== 0 1\n"), /line 1: expected/);
  refuses("a rank above 2^20 - 1", parse("IQ== 1048576\n"), /line 1: rank 1048576 is above 1048575/);
  refuses("characters outside base64", parse("IQ== 0\n!!!! 1\n"), /line 2: "!!!!" is not base64/);
  refuses("base64 with bad padding", parse("IQ= 0\n"), /line 1: "IQ=" is not base64/);
  refuses("base64 of the wrong length", parse("IQA 0\n"), /line 1: "IQA" is not base64/);
  refuses("URL-safe base64", parse("_-== 0\n"), /is not base64/);
  refuses(
    "one token twice",
    parse("IQ== 0\nIg== 1\nIQ== 2\n"),
    /line 3: token IQ== already has rank 0 \(line 1\)/,
  );
  refuses("one rank twice", parse("IQ== 0\nIg== 0\n"), /line 2: rank 0 is already given on line 1/);
  accepts(
    "Windows line endings and blank lines",
    () => parseTiktokenFile("IQ== 0\r\n\r\nIg== 1\r\n"),
    (m) =>
      expect([...(m as Map<string, number>)]).toEqual([
        ["IQ==", 0],
        ["Ig==", 1],
      ]),
  );
  refuses(
    "js-tiktoken ranks with a bad first rank",
    () => parseJsTiktokenRanks("! x IQ== Ig=="),
    /js-tiktoken ranks line 1: bad first rank "x"/,
  );
  refuses(
    "js-tiktoken ranks past 2^20",
    () => parseJsTiktokenRanks("! 1048575 IQ== Ig=="),
    /js-tiktoken ranks line 1: bad first rank "1048575"/,
  );
  refuses(
    "js-tiktoken ranks with a bad token",
    () => parseJsTiktokenRanks("! 0 IQ== I*=="),
    /js-tiktoken ranks line 1, token 2: "I\*==" is not base64/,
  );
  refuses(
    "tiktoken ranks with a rank above 2^20",
    () =>
      tokenizerFromTiktoken({ name: "t", ranks: new Map([["IQ==", 2 ** 21]]), pattern: "\\s+", special: {} }),
    /t: token IQ== has rank 2097152; ranks are whole numbers from 0 to 1048575/,
  );
  refuses(
    "two base64 spellings of one token",
    () =>
      tokenizerFromTiktoken({
        name: "t",
        ranks: new Map([
          ["IQ==", 0],
          ["IR==", 1],
        ]),
        pattern: "\\s+",
        special: {},
      }),
    /t: ranks 0 and 1 are the same bytes \(IR==\); a token needs one rank/,
  );
  refuses(
    "tiktoken ranks without every byte",
    () => tokenizerFromTiktoken({ name: "t", ranks: new Map([["IQ==", 0]]), pattern: "\\s+", special: {} }),
    /t: a byte-level vocabulary needs a token for each of the 256 bytes/,
  );
});

// ── 5. checkpoint folders (what npm run generate loads) ──────────────────────

describe("checkpoint folders", () => {
  const load = (dir: string) => () => loadCheckpoint(dir);
  const configWith = (over: Record<string, unknown>) => (d: string) =>
    writeJson(join(d, "config.json"), { ...draftConfig, ...over });
  refuses(
    "a folder that does not exist",
    () => loadCheckpoint(at("ckpt", "none")),
    /ckpt\/none: no such folder/,
  );
  refuses(
    "a file instead of a folder",
    () => loadCheckpoint(at("afile")),
    /afile is a file; a checkpoint is a folder/,
  );
  refuses(
    "no config.json",
    load(checkpoint("no-config", (d) => rmSync(join(d, "config.json")))),
    /is not a checkpoint: config\.json is missing/,
  );
  refuses(
    "no model.safetensors",
    load(checkpoint("no-weights", (d) => rmSync(join(d, "model.safetensors")))),
    /is not a checkpoint: model\.safetensors is missing/,
  );
  refuses(
    "config.json that is a folder",
    load(
      checkpoint("config-dir", (d) => (rmSync(join(d, "config.json")), mkdirSync(join(d, "config.json")))),
    ),
    /cannot read .*config\.json: it is a folder, not a file \(EISDIR\)/,
  );
  refuses(
    "config.json cut short",
    load(
      checkpoint("config-cut", (d) =>
        writeFileSync(join(d, "config.json"), JSON.stringify(draftConfig).slice(0, 40)),
      ),
    ),
    /config\.json is not valid JSON \(.*\); it should hold a GPT-2 config/,
  );
  refuses(
    "config.json that is not UTF-8",
    load(
      checkpoint("config-latin1", (d) =>
        writeFileSync(join(d, "config.json"), new Uint8Array([0x7b, 0xe9, 0x7d])),
      ),
    ),
    /config\.json is not valid JSON \(not UTF-8 text\)/,
  );
  refuses(
    "config.json of 2 MB",
    load(checkpoint("config-big", (d) => writeFileSync(join(d, "config.json"), " ".repeat(2_000_000)))),
    /config\.json is 2000000 bytes; a config\.json is a few hundred/,
  );
  refuses(
    "config.json with n_positions 1e9",
    load(checkpoint("npos", configWith({ n_positions: 1e9 }))),
    /config\.json: invalid GPT-2 config: n_positions: must be at most 1048576/,
  );
  refuses(
    "config.json with n_layer 1e7",
    load(checkpoint("nlayer", configWith({ n_layer: 1e7 }))),
    /n_layer: must be at most 256/,
  );
  refuses(
    "a config for one more layer than the weights",
    load(checkpoint("extra-layer", configWith({ n_layer: 3 }))),
    /missing tensor "transformer\.h\.2\.ln_1\.weight" \(shape \[64\]\): the file holds 2 transformer blocks but config\.json says n_layer 3/,
  );
  refuses(
    "a config for one layer less than the weights",
    load(checkpoint("fewer-layers", configWith({ n_layer: 1 }))),
    /unexpected tensor "transformer\.h\.1\..*" for a 1-layer GPT-2: the file holds 2 transformer blocks but config\.json says n_layer 1/,
  );
  refuses(
    "a config twice as wide as the weights",
    load(checkpoint("wider", configWith({ n_embd: 128, n_head: 2 }))),
    /tensor "transformer\.wte\.weight" has shape \[1024, 64\], the config needs \[1024, 128\]/,
  );
  refuses(
    "a config for far bigger weights",
    load(checkpoint("bigger", configWith({ n_embd: 2048, n_head: 2 }))),
    /tensor "transformer\.wte\.weight" has shape/,
  );
  refuses(
    "weights far bigger than the config",
    load(checkpoint("huge-weights", (d) => truncateSync(join(d, "model.safetensors"), 300_000_000))),
    /model\.safetensors is 300,000,000 bytes, but the config's 173,824 float32 parameters need 695,296 bytes plus a header; config\.json is for a smaller model/,
  );
  const header = (change: (h: string) => string) => (d: string) => {
    const b = Buffer.from(draftWeights);
    const n = Number(b.readBigUInt64LE(0));
    const h = change(b.subarray(8, 8 + n).toString());
    b.write(h.padEnd(n), 8);
    writeFileSync(join(d, "model.safetensors"), b);
  };
  refuses(
    "a missing tensor (renamed)",
    load(
      checkpoint(
        "renamed",
        header((h) => h.replace('"transformer.ln_f.bias"', '"transformer.ln_f.bia"')),
      ),
    ),
    /unexpected tensor "transformer\.ln_f\.bia" for a 2-layer GPT-2/,
  );
  refuses(
    "a duplicated tensor name",
    load(
      checkpoint(
        "dup",
        header((h) => h.replace('"transformer.h.0.ln_1.bias"', '"transformer.h.0.ln_1.weight"')),
      ),
    ),
    /the header has the key "transformer\.h\.0\.ln_1\.weight" twice/,
  );
  refuses(
    "an F16 tensor",
    load(
      checkpoint(
        "f16",
        header((h) =>
          h.replace(/("transformer\.ln_f\.bias":\{"dtype":")F32(","shape":\[)64\]/, "$1F16$2128]"),
        ),
      ),
    ),
    /tensor "transformer\.ln_f\.bias" has shape \[128\], the config needs \[64\]|is F16; this course reads F32 weights only/,
  );
  refuses(
    "a header that is not UTF-8",
    load(
      checkpoint("latin1", (d) => {
        const b = Buffer.from(draftWeights);
        b[20] = 0xff;
        writeFileSync(join(d, "model.safetensors"), b);
      }),
    ),
    /safetensors .*model\.safetensors: the header is not UTF-8: file byte 20/,
  );
  refuses(
    "weights cut short",
    load(
      checkpoint("cut", (d) =>
        writeFileSync(join(d, "model.safetensors"), draftWeights.subarray(0, draftWeights.length - 100)),
      ),
    ),
    /truncated file: tensor "transformer\.ln_f\.bias" ends at data byte/,
  );
  refuses(
    "weights cut inside the header",
    load(
      checkpoint("cut-header", (d) =>
        writeFileSync(join(d, "model.safetensors"), draftWeights.subarray(0, 100)),
      ),
    ),
    /header length \d+ bytes goes beyond the file size \(100 bytes/,
  );
  const gen = (dir: string) => () =>
    quietly(() => generateCommand(["--model", dir, "--max-new-tokens", "1"]));
  refuses(
    "generate: a tokenizer.json cut short",
    gen(
      checkpoint("tok-cut", (d) =>
        writeFileSync(join(d, "tokenizer.json"), JSON.stringify(draftTokenizer).slice(0, 5000)),
      ),
    ),
    /tokenizer\.json: is not valid JSON .*cut short/,
  );
  refuses(
    "generate: a tokenizer.json without a model",
    gen(
      checkpoint("tok-nomodel", (d) =>
        writeJson(join(d, "tokenizer.json"), { ...draftTokenizer, model: undefined }),
      ),
    ),
    /tokenizer\.json: model: the "model" section is missing/,
  );
  refuses(
    "generate: a tokenizer with more ids than the model",
    gen(
      checkpoint("tok-big", (d) =>
        writeJson(join(d, "tokenizer.json"), {
          ...draftTokenizer,
          added_tokens: [{ ...draftTokenizer.added_tokens[0], id: 5000 }],
        }),
      ),
    ),
    /has ids up to 5000, but config\.json's vocab_size is 1024/,
  );
  refuses(
    "generate: a checkpoint path that is a file",
    () => checkpointFromFlag(at("afile")) && loadCheckpoint(at("afile")),
    /afile is a file; a checkpoint is a folder/,
  );
});

// ── 6. config.json ───────────────────────────────────────────────────────────

describe("config.json values", () => {
  const cfg = (over: Record<string, unknown>) => () =>
    parseConfig({ ...draftConfig, ...over }, "config.json");
  refuses(
    "n_positions 1e9",
    cfg({ n_positions: 1e9 }),
    /config\.json: invalid GPT-2 config: n_positions: must be at most 1048576 \(the course's limit/,
  );
  refuses("n_layer 1e7", cfg({ n_layer: 1e7 }), /n_layer: must be at most 256/);
  refuses("vocab_size 1e12", cfg({ vocab_size: 1e12 }), /vocab_size: must be at most 1048576/);
  refuses("n_embd 1e6", cfg({ n_embd: 1e6 }), /n_embd: must be at most 16384/);
  refuses("n_head 1e5", cfg({ n_head: 1e5 }), /n_head: must be at most 1024/);
  refuses(
    "sizes within each limit but 4 GB of weights together",
    cfg({ n_layer: 256, n_embd: 4096, n_head: 32 }),
    /these sizes make 5\.\d+e\+10 parameters, above the course's limit of 500,000,000/,
  );
  refuses("n_head 0", cfg({ n_head: 0 }), /n_head: .*(positive|>0|greater than 0)/i);
  refuses(
    "n_head that does not divide n_embd",
    cfg({ n_head: 3 }),
    /n_embd \(64\) must be divisible by n_head \(3\)/,
  );
  refuses("a negative n_layer", cfg({ n_layer: -2 }), /n_layer/);
  refuses("a fractional n_embd", cfg({ n_embd: 64.5 }), /n_embd/);
  refuses("n_layer as a string", cfg({ n_layer: "2" }), /n_layer: .*number/i);
  refuses("a missing n_positions", cfg({ n_positions: undefined }), /n_positions/);
  refuses("model_type llama", cfg({ model_type: "llama" }), /model_type/);
  refuses(
    "eos_token_id outside the vocabulary",
    cfg({ eos_token_id: 5000 }),
    /eos_token_id \(5000\) must be < vocab_size \(1024\)/,
  );
  refuses("an activation other than gelu_new", cfg({ activation_function: "relu" }), /activation_function/);
  refuses(
    "n_layer Infinity (1e400 in the file)",
    () => parseConfig(JSON.parse(`{"model_type":"gpt2","n_layer":1e400}`), "config.json"),
    /n_layer/,
  );
  refuses(
    "a config that is an array",
    () => parseConfig([], "config.json"),
    /config\.json: invalid GPT-2 config/,
  );
});

// ── 7. lab manifests ─────────────────────────────────────────────────────────

describe("lab manifests", () => {
  const labsOf = (name: string, labs: Record<string, unknown>) => () => discoverLabs(labsCourse(name, labs));
  refuses(
    "a package.json that is not JSON",
    labsOf("notjson", { "01-x": "{ name: x" }),
    /01-x\/package\.json is not valid JSON/,
  );
  refuses(
    "a package.json that is a folder",
    labsOf("pkgdir", { "01-x": "folder" }),
    /01-x\/package\.json is not valid JSON/,
  );
  refuses(
    "no lab field",
    labsOf("nolab", { "01-x": { name: "@llm-labs/x" } }),
    /01-x\/package\.json: .*no "lab" manifest object/,
  );
  refuses(
    "a manifest without an id",
    labsOf("noid", { "01-x": manifest({ id: undefined }) }),
    /broken lab manifest: lab\.id/,
  );
  refuses(
    "a manifest with a bad order",
    labsOf("badorder", { "01-x": manifest({ order: -1 }) }),
    /broken lab manifest: lab\.order/,
  );
  refuses(
    "a manifest without exercises",
    labsOf("noex", { "01-x": manifest({ exercises: "none" }) }),
    /broken lab manifest: lab\.exercises/,
  );
  refuses(
    "two labs with one id",
    labsOf("dupid", { "01-x": manifest(), "02-y": manifest({ order: 2 }) }),
    /labs\/02-y and labs\/01-x share an id or an order/,
  );
  refuses(
    "a prerequisite that is not a lab",
    labsOf("prereq", { "01-x": manifest({ prerequisites: ["nope"] }) }),
    /prerequisite "nope" is not a lab id/,
  );
  refuses(
    "npm start on a course with a broken manifest",
    () => main(["home"], labsCourse("home-broken", { "01-x": manifest({ title: 7 }) })),
    /broken lab manifest: lab\.title/,
  );
});

// ── 8. progress files ────────────────────────────────────────────────────────

describe("progress files (workshop summary)", () => {
  refuses("a missing file", () => readProgressFile(at("progress", "nope.json")), /nope\.json: no such file/);
  refuses(
    "a folder",
    () => (mkdirSync(at("progress", "room"), { recursive: true }), readProgressFile(at("progress", "room"))),
    /room is a folder; pass the progress files in it/,
  );
  refuses(
    "an empty file (what --name '' used to leave)",
    () => readProgressFile(progressFile("empty.json", "")),
    /empty\.json is empty; the learner should save it again/,
  );
  refuses(
    "a file cut short",
    () => readProgressFile(progressFile("cut.json", JSON.stringify(progress()).slice(0, 50))),
    /cut\.json is not valid JSON/,
  );
  refuses(
    "an empty name",
    () => readProgressFile(progressFile("noname.json", progress({ name: "" }))),
    /noname\.json is not a progress file: name/,
  );
  refuses(
    "an unknown state",
    () =>
      readProgressFile(progressFile("state.json", JSON.stringify(progress()).replace('"fail"', '"failing"'))),
    /state\.json is not a progress file: labs\.0\.exercises\.1\.state/,
  );
  refuses(
    "negative hints",
    () =>
      readProgressFile(
        progressFile("hints.json", JSON.stringify(progress()).replace('"hintsShown":1', '"hintsShown":-1')),
      ),
    /hintsShown/,
  );
  refuses(
    "a file of 600 MB",
    () => {
      const p = progressFile("video.json", "");
      truncateSync(p, 600_000_000);
      return readProgressFile(p);
    },
    /video\.json is 600 MB, above the 64 MB limit for a progress file/,
  );
  accepts(
    "a file saved by PowerShell (UTF-16 with a BOM)",
    () =>
      readProgressFile(
        progressFile(
          "ps.json",
          Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(progress()), "utf16le")]),
        ),
      ),
    (r) => expect((r as ProgressReport).name).toBe("Ada"),
  );
  accepts(
    "a file with npm's own lines first",
    () =>
      readProgressFile(
        progressFile("npm.json", `\n> llm-labs@0.1.0 exercise\n> tsx …\n\n${JSON.stringify(progress())}`),
      ),
    (r) => expect((r as ProgressReport).name).toBe("Ada"),
  );
  accepts(
    "150,000 exercises: the report and the chart, no stack overflow",
    () => {
      const exercises = Array.from(
        { length: 150_000 },
        (_, i) => ({ id: `e${i}`, state: i % 3 ? "fail" : "pass", hintsShown: 0 }) as const,
      );
      const room = summarize([
        progress({
          labs: [
            { id: "big", started: true, checkedAt: "2026-01-01T10:00:00.000Z", exercises: [...exercises] },
          ],
        }),
      ]);
      return [roomReport(room, 1).length, roomSvg(room, "t").length];
    },
    (lengths) => expect((lengths as number[]).every((n) => n > 150_000)).toBe(true),
  );
  refuses(
    "summary --svg under a path whose parent is a file",
    () =>
      quietly(() =>
        cli(
          "workshop",
          "summary",
          join(REPO_ROOT, "packages/kit/test/fixtures/room/ada.json"),
          "--svg",
          at("afile", "room.svg"),
        ),
      ),
    /cannot create the folder .*afile: .*afile is a file, not a folder/,
  );
  refuses(
    "summary --svg under /proc",
    () =>
      quietly(() =>
        cli(
          "workshop",
          "summary",
          join(REPO_ROOT, "packages/kit/test/fixtures/room/ada.json"),
          "--svg",
          "/proc/llm-labs/room.svg",
        ),
      ),
    /cannot create the folder \/proc\/llm-labs: \/proc does not take new folders/,
  );
  refuses(
    "summary --lab that no file mentions",
    () =>
      quietly(() =>
        cli(
          "workshop",
          "summary",
          join(REPO_ROOT, "packages/kit/test/fixtures/room/ada.json"),
          "--lab",
          "lorra",
        ),
      ),
    /no progress file mentions lab "lorra"/,
  );
  accepts(
    "a broken workspace/.progress.json is kept aside and progress starts afresh",
    () => {
      const c = fixtureCourse("broken-progress");
      mkdirSync(c.workspaceDir, { recursive: true });
      writeFileSync(join(c.workspaceDir, ".progress.json"), "{ half");
      const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      try {
        return loadProgress(c);
      } finally {
        err.mockRestore();
      }
    },
    (p) => expect(p).toEqual({ version: 1, labs: {} }),
  );
});

// ── 9. output folders and learner workspaces ────────────────────────────────

describe("output folders and learner workspaces", () => {
  const out = (path: string) => () =>
    prepareOutDir(path, { root: REPO_ROOT, protect: [join(REPO_ROOT, "labs")] });
  refuses(
    "--out /proc/x (used to hang)",
    out("/proc/llm-labs-out"),
    /cannot create the folder \/proc\/llm-labs-out: \/proc does not take new folders/,
  );
  refuses(
    "--out under a file",
    out(join(tmp, "afile", "out")),
    /cannot create the folder .*afile\/out: .*afile is a file, not a folder/,
  );
  refuses("--out that is a file", out(join(tmp, "afile")), /afile is a file, not a folder/);
  refuses("--out the course itself", out(REPO_ROOT), /is inside or around the course's own files/);
  refuses(
    "--out inside labs/",
    out(join(REPO_ROOT, "labs", "x")),
    /is inside or around the course's own files/,
  );
  refuses(
    "workshop plan --out /proc/x",
    () => quietly(() => cli("workshop", "plan", "--labs", "1", "--out", "/proc/llm-labs-plan")),
    /\/proc does not take new folders/,
  );
  refuses(
    "workshop handout --out /proc/x",
    () => quietly(() => cli("workshop", "handout", "--labs", "1", "--out", "/proc/llm-labs-h")),
    /\/proc does not take new folders/,
  );
  refuses(
    "exercise start when the workspace is a file",
    () =>
      startLab({ ...fixtureCourse("ws-file"), workspaceDir: at("afile") }, arith(fixtureCourse("ws-file"))),
    /afile is a file, not a folder/,
  );
  refuses(
    "exercise start under /proc",
    () =>
      startLab(
        { ...fixtureCourse("ws-proc"), workspaceDir: "/proc/llm-labs-ws" },
        arith(fixtureCourse("ws-proc")),
      ),
    /cannot create the folder \/proc\/llm-labs-ws: \/proc does not take new folders/,
  );
  refuses(
    "exercise reset when the backups folder is a file (the work stays)",
    () => {
      const c = fixtureCourse("ws-backups");
      const lab = arith(c);
      startLab(c, lab);
      writeFileSync(join(c.workspaceDir, "01-arith", "src", "mine.ts"), "// my work\n");
      writeFileSync(join(c.workspaceDir, ".backups"), "a file");
      try {
        return resetLab(c, lab);
      } finally {
        // The learner's work is where it was.
        expect(readFileSync(join(c.workspaceDir, "01-arith", "src", "mine.ts"), "utf8")).toBe("// my work\n");
      }
    },
    /cannot create the folder .*\.backups: .*\.backups is a file, not a folder/,
  );
  accepts(
    "exercise reset moves the work aside before writing",
    () => {
      const c = fixtureCourse("ws-reset");
      const lab = arith(c);
      startLab(c, lab);
      writeFileSync(join(c.workspaceDir, "01-arith", "src", "mine.ts"), "// my work\n");
      return resetLab(c, lab, new Date("2026-01-01T00:00:00Z")).backup;
    },
    (backup) => expect(readFileSync(join(backup as string, "src", "mine.ts"), "utf8")).toBe("// my work\n"),
  );
  refuses(
    "exercise check on a lab not started",
    () => main(["exercise", "check", "arith"], fixtureCourse("ws-check")),
    /arith is not started yet; run: npm run exercise -- start arith/,
  );
  refuses(
    "exercise hint on a lab not started",
    () => main(["exercise", "hint", "arith"], fixtureCourse("ws-hint")),
    /arith is not started yet/,
  );
  refuses(
    "lab --mine on a lab not started",
    () => main(["lab", "arith", "--mine"], fixtureCourse("ws-mine")),
    /start the lab first with npm run exercise -- start arith/,
  );
});

// ── 10. a handful of real processes: exit codes end to end ───────────────────

describe("real processes", () => {
  const tsx = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  function run(script: string, args: string[], env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [tsx, join(REPO_ROOT, script), ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: "1", ...env },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000); // a hang fails the case, not the run
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }
  const processes: [string, string, string[], RegExp][] = [
    [
      "npm start --bogus",
      "packages/kit/src/cli/main.ts",
      ["home", "--bogus"],
      /^error: Unknown option '--bogus'/,
    ],
    [
      "npm run perplexity -- --bogus (used to run its whole job)",
      "scripts/perplexity.ts",
      ["--bogus"],
      /^error: Unknown option '--bogus'/,
    ],
    ["npm run generate -- --seed ''", "scripts/generate.ts", ["--seed", ""], /^error: --seed needs a value/],
    [
      "npm run workshop -- plan --out /proc/x (used to hang)",
      "packages/kit/src/cli/main.ts",
      ["workshop", "plan", "--labs", "1", "--out", "/proc/llm-labs-x"],
      /^error: cannot create the folder \/proc\/llm-labs-x/,
    ],
    [
      "npm run exercise -- status --json --name ''",
      "packages/kit/src/cli/main.ts",
      ["exercise", "status", "--json", "--name", ""],
      /^error: --name needs a value/,
    ],
  ];
  for (const [name, script, args, message] of processes) {
    cases++;
    it(name, async () => {
      const r = await run(script, args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }, 90_000);
  }
});

describe("the corpus", () => {
  it("has at least 150 cases", () => {
    console.log(`malformed-input corpus: ${cases} cases`);
    expect(cases).toBeGreaterThanOrEqual(150);
  });
});
