import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { renderChat, SFT_DIR } from "@llm-labs/lab-alignment";
import {
  ADAPTER_FILE,
  adapterFromSafetensors,
  mergeAdapter,
  qaText,
  TASK_HELDOUT_SEED,
} from "@llm-labs/lab-lora";
import {
  checkpointDir,
  generate,
  generateCorpus,
  HELDOUT_SEED,
  loadTransformersTokenizer,
  type AnySpecimen,
  type GPT,
} from "@llm-labs/model";
import { loadServedModels, type ServedModel } from "../src/models.ts";
import { startServer, type Server } from "../src/server.ts";
import { sseEvents } from "../src/sse.ts";

const LAB = join(import.meta.dirname, "..");
const EOS = 1023; // <|endoftext|> in every checkpoint's config.json

// The references: transformers.js's tokenizers and the specimen's own generate(), one
// request at a time, with nothing of the server's code in between.
type HfTokenizer = Awaited<ReturnType<typeof loadTransformersTokenizer>>;
let llamaTok: HfTokenizer;
let targetTok: HfTokenizer;
let chatTok: HfTokenizer;
const encode = (tok: HfTokenizer, text: string) =>
  tok.encode(text, { add_special_tokens: false }) as number[];
const decode = (tok: HfTokenizer, ids: number[]) => tok.decode(ids, { skip_special_tokens: true });
const alone = (model: AnySpecimen, prompt: number[], maxNewTokens: number, ignoreEos = false) =>
  generate(model, prompt, { maxNewTokens, stopAtEos: !ignoreEos });
const json = async (res: Response) => (await res.json()) as any;
const finishOf = (tokens: number[], max: number) =>
  tokens.at(-1) === EOS && tokens.length <= max ? "stop" : "length";

let models: ServedModel[];
let server: Server;
let client: OpenAI;
const served = (id: string) => models.find((m) => m.id === id)!;

beforeAll(async () => {
  // one after another: transformers.js's model path is global
  llamaTok = await loadTransformersTokenizer(checkpointDir("llama"));
  targetTok = await loadTransformersTokenizer(checkpointDir("target"));
  chatTok = await loadTransformersTokenizer(SFT_DIR);
  models = await loadServedModels();
  server = await startServer({ models });
  client = new OpenAI({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });

// The data of every event of a raw SSE body, and whether it ended with [DONE].
async function readSse(res: Response): Promise<{ events: any[]; raw: string }> {
  const raw = await res.text();
  async function* bytes() {
    yield new TextEncoder().encode(raw);
  }
  const events: any[] = [];
  for await (const data of sseEvents(bytes())) events.push(JSON.parse(data));
  return { events, raw };
}

describe("GET /metrics", () => {
  it("counts prefix-cache hits: the same 40-token prompt twice finds 2 blocks of 16 the 2nd time", async () => {
    // blocks of 16: the first request computes 40 tokens and caches its 2 full blocks; the
    // second finds them: 32 more hit tokens out of 40 more queried
    const counters = async () => {
      const text = await (await fetch(server.url.replace(/\/v1$/, "/metrics"))).text();
      return new Map(
        text
          .trim()
          .split("\n")
          .map((l) => [l.split(" ")[0], Number(l.split(" ")[1])]),
      );
    };
    const before = await counters();
    const prompt = Array.from({ length: 40 }, (_, i) => 100 + i);
    for (let i = 0; i < 2; i++)
      await client.completions.create({ model: "llama", prompt, max_tokens: 1, temperature: 0 });
    const after = await counters();
    const delta = (k: string) => after.get(k)! - before.get(k)!;
    expect(delta("llmlabs_prefix_cache_queries_total")).toBe(80);
    expect(delta("llmlabs_prefix_cache_hits_total")).toBe(32);
    expect(after.get("llmlabs_requests_running")).toBe(0);
  });
});

describe("the OpenAI API, through the official openai client", () => {
  it("lists the models, the LoRA adapter with its base as parent (as vLLM does)", async () => {
    const list = await client.models.list();
    const data = list.data as (OpenAI.Model & { parent: string | null; max_model_len: number })[];
    expect(data.map((m) => m.id)).toEqual(["llama", "target", "qa", "chat"]);
    expect(data.map((m) => m.parent)).toEqual([null, null, "target", null]);
    // the configs: llama's max_position_embeddings 512, the GPT-2s' n_positions 128
    expect(data.map((m) => m.max_model_len)).toEqual([512, 128, 128, 128]);
    expect(data.every((m) => m.object === "model" && m.owned_by === "llm-labs")).toBe(true);
    const health = await fetch(server.url.replace(/\/v1$/, "/health"));
    expect(await health.json()).toEqual({ status: "ok" });
  });

  it("a completion is generate()'s greedy tokens, decoded; streamed, the same text in pieces", async () => {
    const prompt = "Once upon a time";
    const ids = encode(llamaTok, prompt);
    const tokens = alone(served("llama").model, ids, 8);
    const expected = decode(llamaTok, tokens);
    const whole = await client.completions.create({ model: "llama", prompt, max_tokens: 8, temperature: 0 });
    expect(whole.object).toBe("text_completion");
    expect(whole.id).toMatch(/^cmpl-\d+$/);
    expect(whole.model).toBe("llama");
    expect(whole.choices).toHaveLength(1);
    expect(whole.choices[0].text).toBe(expected);
    expect(whole.choices[0].finish_reason).toBe(finishOf(tokens, 8));
    expect(whole.usage).toEqual({
      prompt_tokens: ids.length,
      completion_tokens: tokens.length,
      total_tokens: ids.length + tokens.length,
    });

    const stream = await client.completions.create({
      model: "llama",
      prompt,
      max_tokens: 8,
      temperature: 0,
      stream: true,
    });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0].text).join("")).toBe(expected);
    expect(chunks.length).toBe(tokens.length); // one chunk per token
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe(finishOf(tokens, 8));
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0].id).not.toBe(whole.id);
  });

  it("temperature, top_p and seed reach the sampler: generate() with the same seed samples the same", async () => {
    const prompt = "Once upon a time";
    const sampling = { temperature: 0.9, topP: 0.8, seed: 7 };
    const tokens = generate(served("llama").model, encode(llamaTok, prompt), { maxNewTokens: 8, sampling });
    const ask = (seed: number) =>
      client.completions.create({
        model: "llama",
        prompt,
        max_tokens: 8,
        temperature: 0.9,
        top_p: 0.8,
        seed,
      });
    const [a, b] = await Promise.all([ask(7), ask(8)]);
    expect(a.choices[0].text).toBe(decode(llamaTok, tokens));
    expect(b.choices[0].text).not.toBe(a.choices[0].text); // another seed, another story
  });

  it("a chat completion renders the chat template (lab 11's), streamed or not", async () => {
    const messages = [{ role: "user" as const, content: "Tell me a story in two sentences." }];
    const ids = encode(chatTok, renderChat(messages, true));
    const tokens = alone(served("chat").model, ids, 24);
    const expected = decode(chatTok, tokens);
    const whole = await client.chat.completions.create({
      model: "chat",
      messages,
      max_tokens: 24,
      temperature: 0,
    });
    expect(whole.object).toBe("chat.completion");
    expect(whole.id).toMatch(/^chatcmpl-\d+$/);
    expect(whole.choices[0].message).toEqual({ role: "assistant", content: expected });
    expect(whole.choices[0].finish_reason).toBe(finishOf(tokens, 24));
    expect(whole.usage?.prompt_tokens).toBe(ids.length);

    const stream = await client.chat.completions.create({
      model: "chat",
      messages,
      max_completion_tokens: 24,
      temperature: 0,
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].object).toBe("chat.completion.chunk");
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0].delta.content).join("")).toBe(expected);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe(finishOf(tokens, 24));
  });

  it("qa and target in one batch, one engine: each answer is its own model's alone", async () => {
    // the base and the base with the adapter merged into its weights (lab 05), run alone
    const target = served("target").model as GPT;
    const merged = mergeAdapter(target, adapterFromSafetensors(target, readFileSync(ADAPTER_FILE)).adapter);
    const prompt = qaText(TASK_HELDOUT_SEED, 1)
      .split("<|endoftext|>")[0]
      .replace(/A: .*$/, "A:");
    const ids = encode(targetTok, prompt);
    const N = 16;
    const expected = {
      target: decode(targetTok, alone(target, ids, N, true)),
      qa: decode(targetTok, alone(merged, ids, N, true)),
    };
    expect(expected.qa).not.toBe(expected.target); // the adapter changes the answer
    const engine = served("target").engine;
    const before = engine.stats().steps;
    const ask = (model: "qa" | "target") =>
      client.completions.create({ model, prompt, max_tokens: N, temperature: 0, ignore_eos: true } as never);
    const [a, b] = (await Promise.all([ask("target"), ask("qa")])) as unknown as OpenAI.Completion[];
    expect(a.choices[0].text).toBe(expected.target);
    expect(b.choices[0].text).toBe(expected.qa);
    // one after the other they would take at least 2·N steps (a prefill, then a token a step)
    expect(engine.stats().steps - before).toBeLessThan(2 * N);
  });

  it("64 concurrent streams over two engines: every one is generate() of its prompt alone", async () => {
    const corpus = encode(llamaTok, generateCorpus(HELDOUT_SEED, 3000));
    const requests = Array.from({ length: 64 }, (_, i) => ({
      model: i % 2 === 0 ? "llama" : "target",
      prompt: corpus.slice(i * 9, i * 9 + 4 + (i % 12)), // 4 … 15 tokens (the two share a tokenizer)
      max_tokens: 1 + (i % 8),
    }));
    const expected = requests.map((r) => alone(served(r.model).model, r.prompt, r.max_tokens));
    const stepsBefore = served("llama").engine.stats().steps;
    const results = await Promise.all(
      requests.map(async (r) => {
        const stream = await client.completions.create({
          ...r,
          temperature: 0,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = "";
        let finish: string | null = null;
        let usage: OpenAI.CompletionUsage | undefined;
        for await (const chunk of stream) {
          if (chunk.usage) usage = chunk.usage;
          if (chunk.choices.length === 0) continue;
          text += chunk.choices[0].text;
          finish = chunk.choices[0].finish_reason ?? finish;
        }
        return { text, finish, usage };
      }),
    );
    results.forEach((got, i) => {
      expect(got.text, `request ${i}`).toBe(decode(llamaTok, expected[i]));
      expect(got.usage?.completion_tokens, `request ${i}`).toBe(expected[i].length);
      expect(got.finish, `request ${i}`).toBe(finishOf(expected[i], requests[i].max_tokens));
    });
    // and they were batched: one at a time, the Llama's 32 would take a step per token at least
    const llamaTokens = expected.filter((_, i) => i % 2 === 0).reduce((n, t) => n + t.length, 0);
    expect(served("llama").engine.stats().steps - stepsBefore).toBeLessThan(llamaTokens);
  });
});

describe("server-sent events, read raw", () => {
  it("frames every chunk as `data: …`, continuous usage on each, a usage chunk, then [DONE]", async () => {
    const prompt = [45, 300, 12, 7, 99];
    const res = await post("/completions", {
      model: "llama",
      prompt,
      max_tokens: 5,
      temperature: 0,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const { events, raw } = await readSse(res);
    // every event is one data line and a blank line; the last is the sentinel
    expect(raw.endsWith("\n\ndata: [DONE]\n\n")).toBe(true);
    expect(
      raw
        .split("\n\n")
        .filter((f) => f !== "")
        .every((f) => /^data: [^\n]+$/.test(f)),
    ).toBe(true);
    expect(events).toHaveLength(5 + 1); // a chunk per token, then the usage
    events.slice(0, 5).forEach((e, i) => {
      expect(e.object).toBe("text_completion");
      expect(e.choices[0].finish_reason).toBe(i === 4 ? "length" : null);
      expect(e.usage).toEqual({ prompt_tokens: 5, completion_tokens: i + 1, total_tokens: 6 + i });
    });
    expect(events[5].choices).toEqual([]);
    expect(events[5].usage).toEqual({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    const tokens = alone(served("llama").model, prompt, 5, true);
    expect(events.map((e) => e.choices[0]?.text ?? "").join("")).toBe(decode(llamaTok, tokens));
  });
});

describe("bad requests", () => {
  const cases: [string, string | object, RegExp, string | null][] = [
    ["bad JSON", '{"model": "llama", "prompt": ', /could not parse the JSON body/, null],
    [
      "an unknown field",
      { model: "llama", prompt: "x", foo: 1 },
      /^Unrecognized request argument supplied: foo$/,
      "foo",
    ],
    [
      "a negative temperature",
      { model: "llama", prompt: "x", temperature: -1 },
      /^temperature: must be ≥ 0, got -1$/,
      "temperature",
    ],
    [
      "max_tokens beyond the context",
      { model: "llama", prompt: "Once", max_tokens: 512 },
      /maximum context length is 512 tokens; the prompt has 1 tokens and max_tokens asks for 512 more/,
      "max_tokens",
    ],
    [
      "a token id out of the vocabulary",
      { model: "llama", prompt: [5, 1024] },
      /^prompt\[1\]: token id 1024 .*0 … 1023/,
      "prompt",
    ],
    ["n: 2", { model: "llama", prompt: "x", n: 2 }, /n > 1 is not supported/, "n"],
    [
      "a chat with a model that has no chat template",
      { model: "llama", messages: [{ role: "user", content: "Hi." }] },
      /no chat template/,
      "model",
    ],
  ];
  for (const [what, body, message, param] of cases)
    it(`${what}: 400 and OpenAI's error body`, async () => {
      const path = typeof body === "object" && "messages" in body ? "/chat/completions" : "/completions";
      const res = await post(path, body);
      expect(res.status).toBe(400);
      const { error } = await json(res);
      expect(Object.keys(error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(error.type).toBe("invalid_request_error");
      expect(error.message).toMatch(message);
      expect(error.param).toBe(param);
    });

  it("the openai client raises its own error classes: BadRequestError, NotFoundError", async () => {
    await expect(
      client.completions.create({ model: "llama", prompt: "x", temperature: -1 }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const missing = await client.completions.create({ model: "gpt-4", prompt: "x" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    expect((missing as Error).message).toMatch(/The model `gpt-4` does not exist/);
  });

  it("an unknown route 404, a wrong method 405, a body over 1 MiB 413; then a good request still works", async () => {
    const nope = await fetch(`${server.url}/nope`);
    expect(nope.status).toBe(404);
    expect((await json(nope)).error.message).toBe("Invalid URL (GET /v1/nope)");
    const get = await fetch(`${server.url}/completions`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    await get.text();
    const big = await post("/completions", { model: "llama", prompt: "x".repeat(1024 * 1024) });
    expect(big.status).toBe(413);
    await big.text();
    const ok = await client.completions.create({
      model: "llama",
      prompt: "Once",
      max_tokens: 2,
      temperature: 0,
    });
    expect(ok.choices[0].text).toBe(
      decode(llamaTok, alone(served("llama").model, encode(llamaTok, "Once"), 2)),
    );
  });
});

describe("back-pressure and cancellation", () => {
  it("a full queue answers 429 with retry-after; the requests it took succeed", async () => {
    // one sequence at a time and room for one waiting: the third request has nowhere to go
    const small = await loadServedModels({ maxSeqs: 1 }, ["target"]);
    const busy = await startServer({ models: small, maxQueue: 1 });
    try {
      const url = `${busy.url}/completions`;
      const ask = (max_tokens: number, stream = false) =>
        fetch(url, {
          method: "POST",
          body: JSON.stringify({ model: "target", prompt: [5, 6, 7], max_tokens, ignore_eos: true, stream }),
        });
      // a long one runs (its first chunk is out), then four at once: one waits, three are refused
      const long = await ask(64, true);
      const reader = long.body!.getReader();
      await reader.read();
      const answers = await Promise.all([1, 2, 3, 4].map(() => ask(2)));
      const refused = answers.filter((r) => r.status === 429);
      const taken = answers.filter((r) => r.status !== 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(taken.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.headers.get("retry-after")).toBe("1");
        expect((await json(r)).error.code).toBe("rate_limit_exceeded");
      }
      for (const r of taken) {
        expect(r.status).toBe(200);
        expect((await json(r)).usage.completion_tokens).toBe(2);
      }
      let rest = "";
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        rest += new TextDecoder().decode(chunk.value);
      expect(rest).toContain('"finish_reason":"length"');
      expect(rest.endsWith("data: [DONE]\n\n")).toBe(true);
    } finally {
      await busy.close();
    }
  });

  it("a client that goes away is aborted at once: its KV blocks come back", async () => {
    const engine = served("llama").engine;
    const before = engine.stats();
    expect(before.running).toBe(0);
    const controller = new AbortController();
    const res = await post(
      "/completions",
      { model: "llama", prompt: "Once upon a time", max_tokens: 200, ignore_eos: true, stream: true },
      { signal: controller.signal },
    );
    const reader = res.body!.getReader();
    await reader.read(); // the first token is out: the request is running
    expect(engine.stats().running).toBe(1);
    expect(engine.stats().usedBlocks).toBeGreaterThan(before.usedBlocks);
    controller.abort();
    // a bounded number of event-loop turns (each one pump step at most), not a clock
    let turns = 0;
    while (engine.stats().running > 0 && turns < 1000) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    const after = engine.stats();
    expect(after.running).toBe(0);
    expect(after.usedBlocks).toBe(before.usedBlocks);
    // it stopped long before its 200 tokens: the abort did it, not the end of the request
    expect(after.steps - before.steps).toBeLessThan(100);
  });
});

describe("graceful shutdown, in process", () => {
  let small: ServedModel[];
  beforeAll(async () => {
    small = await loadServedModels({}, ["target"]);
  });
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it("shutdown(grace): the stream in flight finishes; a new request on its connection gets 503", async () => {
    const srv = await startServer({ models: small });
    // a raw connection, to send a second request on it while the first is being answered
    const socket = connect(srv.port, "127.0.0.1");
    socket.setEncoding("utf8");
    let got = "";
    const closed = new Promise((resolve) => socket.on("close", resolve));
    const firstChunk = new Promise<void>((resolve) =>
      socket.on("data", (text: string) => {
        got += text;
        if (got.includes("data: ")) resolve();
      }),
    );
    const body = JSON.stringify({
      model: "target",
      prompt: [5, 6, 7],
      max_tokens: 60,
      ignore_eos: true,
      stream: true,
    });
    socket.write(
      `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await firstChunk;
    const report = srv.shutdown(60_000); // never reached: the stream ends long before
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await report).toEqual({ finished: 1, aborted: 0 });
    await closed;
    const [first, second] = got.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first).toContain('"finish_reason":"length"');
    expect(first).toContain("data: [DONE]");
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toContain('"message":"The server is shutting down"');
  });

  it("shutdown(0): a stream ends with finish_reason abort and [DONE], a whole answer gets 503", async () => {
    const srv = await startServer({ models: small });
    const engine = small[0].engine;
    const ask = (stream: boolean) =>
      fetch(`${srv.url}/completions`, {
        method: "POST",
        body: JSON.stringify({
          model: "target",
          prompt: [5, 6, 7],
          max_tokens: 100,
          ignore_eos: true,
          stream,
        }),
      });
    const streamed = await ask(true);
    const reader = streamed.body!.getReader();
    const utf8 = new TextDecoder();
    let raw = utf8.decode((await reader.read()).value);
    const whole = ask(false);
    // until the engine holds both: a bounded number of event-loop turns
    const held = () => engine.stats().running + engine.stats().waiting;
    for (let i = 0; i < 1000 && held() < 2; i++) await turn();
    expect(held()).toBe(2);
    expect(await srv.shutdown(0)).toEqual({ finished: 0, aborted: 2 });
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      raw += utf8.decode(chunk.value);
    const { events } = await readSse(new Response(raw));
    expect(events.at(-1).choices[0].finish_reason).toBe("abort");
    expect(raw.endsWith("data: [DONE]\n\n")).toBe(true);
    const res = await whole;
    expect(res.status).toBe(503);
    expect((await json(res)).error.type).toBe("server_error");
    expect(held()).toBe(0);
    expect(engine.stats().usedBlocks).toBe(0);
  });
});

describe("the CLI (npm run serve)", () => {
  const cli = (args: string[]) =>
    spawn(process.execPath, ["--import", "tsx", "src/serve.ts", ...args], {
      cwd: LAB,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, PORT: undefined },
    });

  it("SIGTERM: the stream in flight ends normally, new connections are refused, exit code 0", async () => {
    const child = cli(["--port", "0", "--models", "llama"]);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let out = "";
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    // resolves with the first line of stdout that matches
    const line = (pattern: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const hit = out.split("\n").find((l) => pattern.test(l));
          if (hit) resolve(hit);
        };
        child.stdout.on("data", (b) => {
          out += b;
          look();
        });
        child.on("exit", () => reject(new Error(`the server exited; stdout: ${out}; stderr: ${stderr}`)));
        look();
      });
    const first = await line(/^serving /);
    expect(first).toMatch(/^serving llama on http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const url = first.split(" on ")[1];

    const res = await fetch(`${url}/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "llama",
        prompt: "Once upon a time",
        max_tokens: 40,
        ignore_eos: true,
        stream: true,
        stream_options: { continuous_usage_stats: true },
      }),
    });
    const reader = res.body!.getReader();
    const utf8 = new TextDecoder();
    let raw = "";
    while (!raw.includes("\n\n")) raw += utf8.decode((await reader.read()).value, { stream: true });
    child.kill("SIGTERM"); // after the first chunk: the request is in flight
    await line(/^SIGTERM/);
    await expect(fetch(`${url}/models`)).rejects.toThrow(); // the port is closed
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      raw += utf8.decode(chunk.value, { stream: true });
    expect(raw.endsWith("data: [DONE]\n\n")).toBe(true);
    const { events } = await readSse(new Response(raw));
    expect(events).toHaveLength(40);
    expect(events.at(-1).choices[0].finish_reason).toBe("length");
    expect(events.at(-1).usage.completion_tokens).toBe(40);
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped: 1 requests finished, 0 aborted/);
  });

  it("a bad flag: one line on stderr, exit code 2", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/serve.ts", "--port", "abc"], {
      cwd: LAB,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--port must be a whole number from 0 to 65535, got "abc"/);
  });
});
