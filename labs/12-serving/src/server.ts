// An OpenAI-compatible HTTP server in front of the engines, as vLLM's `vllm serve` is:
//
//   GET  /health                 200 {"status":"ok"}
//   GET  /v1/models              the served models (a LoRA adapter is a model whose parent is its base)
//   POST /v1/completions         prompt → text, whole or streamed as server-sent events
//   POST /v1/chat/completions    messages → the chat template → the same engine
//   GET  /metrics                the engines' counters in Prometheus's text format (vLLM's
//                                /metrics has the same ideas under vllm:* names)
//
// Node runs one thread. engine.step() is synchronous (milliseconds to tens of them), so the
// server cannot simply loop over it: the pump does one step of every engine that has work,
// hands each event to its request, and yields to the event loop (setImmediate) so new
// requests are read and tokens written between steps. A request that arrives while the pump
// runs joins the running batch at the next step: that is continuous batching, seen from HTTP.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "@llm-labs/kit";
import { Detokenizer } from "./detokenizer.ts";
import type { Engine, FinishReason, SamplingParams, TokenEvent } from "./engine.ts";
import type { ServedModel } from "./models.ts";
import {
  ApiError,
  badRequest,
  bodyTooLarge,
  ChatRequestSchema,
  CompletionRequestSchema,
  internalError,
  MAX_BODY_BYTES,
  methodNotAllowed,
  modelNotFound,
  parseJson,
  parseRequest,
  queueFull,
  routeNotFound,
  shuttingDown,
} from "./protocol.ts";
import { SSE_DONE, sseFrame } from "./sse.ts";

export interface ServerOptions {
  models: ServedModel[];
  host?: string; // default 127.0.0.1: this machine only
  port?: number; // default 0: a free port, the OS picks
  maxQueue?: number; // an engine with this many requests waiting answers 429; default 256
}

// What a graceful shutdown did with the requests in flight when it began.
export interface ShutdownReport {
  finished: number;
  aborted: number;
}

export interface Server {
  url: string; // the base URL an OpenAI client takes, e.g. http://127.0.0.1:8000/v1
  port: number;
  shutdown(graceMs: number): Promise<ShutdownReport>;
  close(): Promise<ShutdownReport>; // shutdown(0)
}

// One request in flight: the pump hands it its events; shutdown may end it early.
interface Job {
  engine: Engine;
  event(ev: TokenEvent): void;
  // ends it now: shutdown's grace ran out, or a bug (a 500, or an error event in a stream)
  stop(why: "shutdown" | "bug"): void;
  outcome?: "finished" | "aborted";
  closed: Promise<unknown>; // its response is all written, or its client went away
}

// The two endpoints differ only in the shapes of their answers.
interface Shape {
  prefix: string; // of the request id
  object: string;
  chunkObject: string;
  choice(text: string, finish: FinishReason): object;
  delta(text: string, finish: FinishReason | null): object;
  opening?: object; // a first chunk before any token
}

const completionShape: Shape = {
  prefix: "cmpl",
  object: "text_completion",
  chunkObject: "text_completion",
  choice: (text, finish) => ({ index: 0, text, logprobs: null, finish_reason: finish }),
  delta: (text, finish) => ({ index: 0, text, logprobs: null, finish_reason: finish }),
};

const chatShape: Shape = {
  prefix: "chatcmpl",
  object: "chat.completion",
  chunkObject: "chat.completion.chunk",
  choice: (text, finish) => ({
    index: 0,
    message: { role: "assistant", content: text },
    logprobs: null,
    finish_reason: finish,
  }),
  delta: (text, finish) => ({ index: 0, delta: { content: text }, logprobs: null, finish_reason: finish }),
  // OpenAI's first chunk says who speaks; the content follows
  opening: { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
};

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

const seconds = () => Math.floor(Date.now() / 1000);

export async function startServer(options: ServerOptions): Promise<Server> {
  const { models, host = "127.0.0.1", port = 0, maxQueue = 256 } = options;
  const byId = new Map(models.map((m) => [m.id, m]));
  const engines = [...new Set(models.map((m) => m.engine))];
  const live = new Map<string, Job>(); // request id → job, for the pump
  const started = seconds();
  let requests = 0; // ids cmpl-1, chatcmpl-2, …: deterministic, unique per server
  let closing = false;
  let drained: (() => void) | undefined; // shutdown waits on this while jobs are in flight

  const end = (id: string, job: Job, outcome: Job["outcome"]) => {
    if (job.outcome) return;
    job.outcome = outcome;
    live.delete(id);
    if (live.size === 0) drained?.();
  };

  // One step of every engine with work, then a turn of the event loop; until none has work.
  let pumping = false;
  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      // a turn of the event loop first: requests that arrived together share the first step
      await new Promise((resolve) => setImmediate(resolve));
      while (engines.some((e) => e.hasWork())) {
        for (const engine of engines) {
          if (!engine.hasWork()) continue;
          let events: TokenEvent[];
          try {
            events = engine.step();
          } catch (err) {
            // a bug in the engine: its requests fail, the server and the other engines go on
            console.error(err);
            for (const job of [...live.values()]) if (job.engine === engine) job.stop("bug");
            continue;
          }
          for (const ev of events) {
            const job = live.get(ev.id);
            if (!job) continue; // aborted since
            try {
              job.event(ev);
            } catch (err) {
              console.error(err);
              job.stop("bug");
            }
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      pumping = false;
    }
  }

  // Starts generating for one request; the response is written as the pump hands out tokens.
  function start(
    res: ServerResponse,
    served: ServedModel,
    shape: Shape,
    prompt: number[],
    sampling: SamplingParams,
    flags: { stream: boolean; includeUsage: boolean; continuousUsage: boolean; tenant?: string },
  ) {
    if (closing) throw shuttingDown();
    const engine = served.engine;
    const waiting = engine.stats().waiting;
    if (waiting >= maxQueue) throw queueFull(waiting);
    const id = `${shape.prefix}-${++requests}`;
    engine.add({ id, prompt, sampling, adapter: served.adapter, tenant: flags.tenant });

    const head = { id, object: shape.object, created: seconds(), model: served.id };
    const tokens: number[] = [];
    const detok = new Detokenizer(served.tokenizer.decode);
    const usage = () => ({
      prompt_tokens: prompt.length,
      completion_tokens: tokens.length,
      total_tokens: prompt.length + tokens.length,
    });
    const chunk = (choices: object[]) =>
      sseFrame({
        ...head,
        object: shape.chunkObject,
        choices,
        ...(flags.continuousUsage ? { usage: usage() } : {}),
      });
    // the stream's last frames: the usage if asked for, then [DONE]
    const close = () => {
      if (flags.includeUsage)
        res.write(sseFrame({ ...head, object: shape.chunkObject, choices: [], usage: usage() }));
      res.end(SSE_DONE);
    };

    const job: Job = {
      engine,
      event(ev) {
        tokens.push(...ev.tokens);
        const finish = ev.finishReason;
        if (flags.stream) {
          let text = ev.tokens.map((t) => detok.push(t)).join("");
          if (finish) text += detok.flush();
          // one chunk per token, even when its text is held back: a client counts tokens by chunks
          if (ev.tokens.length > 0 || finish) res.write(chunk([shape.delta(text, finish ?? null)]));
          if (finish) close();
        } else if (finish) {
          send(res, 200, {
            ...head,
            choices: [shape.choice(served.tokenizer.decode(tokens), finish)],
            usage: usage(),
          });
        }
        if (finish) end(id, job, "finished");
      },
      stop(why) {
        if (job.outcome) return;
        engine.abort(id);
        end(id, job, "aborted");
        if (why === "bug") return sendError(res, internalError());
        if (!flags.stream) return sendError(res, shuttingDown());
        // vLLM's finish reason for a request the server gave up on
        res.write(chunk([shape.delta(detok.flush(), "abort")]));
        close();
      },
      closed: new Promise((resolve) => res.once("close", resolve)),
    };
    live.set(id, job);
    // A client that goes away before its answer is done: its blocks are freed now, not after
    // the tokens nobody will read.
    res.once("close", () => {
      if (job.outcome) return;
      engine.abort(id);
      end(id, job, "aborted");
    });

    if (flags.stream) {
      res.writeHead(200, SSE_HEADERS);
      if (shape.opening) res.write(chunk([shape.opening]));
    }
    void pump();
  }

  function findModel(id: string): ServedModel {
    const served = byId.get(id);
    if (!served) throw modelNotFound(id);
    return served;
  }

  function checkContext(served: ServedModel, promptTokens: number, maxTokens: number, param: string) {
    const C = served.contextLength;
    if (maxTokens < 1)
      throw badRequest(
        `This model's maximum context length is ${C} tokens; the prompt has ${promptTokens}, which leaves no room for an answer`,
        "messages",
        "context_length_exceeded",
      );
    if (promptTokens + maxTokens > C)
      throw badRequest(
        `This model's maximum context length is ${C} tokens; the prompt has ${promptTokens} tokens and ${param} asks for ${maxTokens} more (${promptTokens + maxTokens} in all)`,
        param,
        "context_length_exceeded",
      );
  }

  function completions(body: unknown, res: ServerResponse) {
    const r = parseRequest(CompletionRequestSchema, body);
    const served = findModel(r.model);
    let prompt: number[];
    if (typeof r.prompt === "string") {
      prompt = served.tokenizer.encode(r.prompt);
      if (prompt.length === 0) throw badRequest("prompt: is empty; it needs at least one token", "prompt");
    } else {
      prompt = r.prompt;
      const bad = prompt.findIndex((t) => t < 0 || t >= served.vocabSize);
      if (bad >= 0)
        throw badRequest(
          `prompt[${bad}]: token id ${prompt[bad]} is not in the vocabulary (0 … ${served.vocabSize - 1})`,
          "prompt",
        );
    }
    checkContext(served, prompt.length, r.max_tokens, "max_tokens");
    start(res, served, completionShape, prompt, samplingOf(r, r.max_tokens), flagsOf(r));
  }

  function chat(body: unknown, res: ServerResponse) {
    const r = parseRequest(ChatRequestSchema, body);
    const served = findModel(r.model);
    const template = served.tokenizer.applyChatTemplate;
    // as vLLM: no template, no chat (guessing a layout would give answers the model never learned)
    if (!template)
      throw badRequest(
        `The model \`${served.id}\` has no chat template, so it cannot chat; send it a prompt at /v1/completions`,
        "model",
      );
    const prompt = served.tokenizer.encode(template(r.messages));
    // without a limit, the answer may fill what the context has left (OpenAI's and vLLM's default)
    const param = r.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
    const maxTokens = r.max_completion_tokens ?? r.max_tokens ?? served.contextLength - prompt.length;
    checkContext(served, prompt.length, maxTokens, param);
    start(res, served, chatShape, prompt, samplingOf(r, maxTokens), flagsOf(r));
  }

  function listModels(res: ServerResponse) {
    send(res, 200, {
      object: "list",
      data: models.map((m) => ({
        id: m.id,
        object: "model",
        created: started,
        owned_by: "llm-labs",
        parent: m.parent ?? null,
        max_model_len: m.contextLength,
      })),
    });
  }

  // One line per counter, summed over the engines (a LoRA model shares its base's engine).
  function metrics(res: ServerResponse) {
    const engines = [...new Set(models.map((m) => m.engine))].map((e) => e.stats());
    const sum = (k: keyof ReturnType<Engine["stats"]>) => engines.reduce((n, s) => n + s[k], 0);
    const lines = [
      ["llmlabs_requests_running", sum("running")],
      ["llmlabs_requests_waiting", sum("waiting")],
      ["llmlabs_kv_blocks_used", sum("usedBlocks")],
      ["llmlabs_kv_blocks_free", sum("freeBlocks")],
      ["llmlabs_engine_steps_total", sum("steps")],
      ["llmlabs_batched_tokens_total", sum("batchedTokens")],
      ["llmlabs_preemptions_total", sum("preemptions")],
      ["llmlabs_prefix_cache_queries_total", sum("prefixQueriedTokens")],
      ["llmlabs_prefix_cache_hits_total", sum("prefixHitTokens")],
    ].map(([name, value]) => `${name} ${value}`);
    const text = `${lines.join("\n")}\n`;
    res.writeHead(200, {
      "content-type": "text/plain; version=0.0.4",
      "content-length": String(text.length),
    });
    res.end(text);
  }

  const routes: Record<
    string,
    { method: string; run: (req: IncomingMessage, res: ServerResponse) => unknown }
  > = {
    "/health": { method: "GET", run: (_req, res) => send(res, 200, { status: "ok" }) },
    "/v1/models": { method: "GET", run: (_req, res) => listModels(res) },
    "/metrics": { method: "GET", run: (_req, res) => metrics(res) },
    "/v1/completions": {
      method: "POST",
      run: async (req, res) => completions(parseJson(await readBody(req)), res),
    },
    "/v1/chat/completions": {
      method: "POST",
      run: async (req, res) => chat(parseJson(await readBody(req)), res),
    },
  };

  // Every request ends here: an error the client caused is its 4xx, a bug is a 500 and one
  // report on stderr. Nothing a client sends can take the server down.
  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      if (closing) throw shuttingDown();
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const route = routes[path];
      if (!route) throw routeNotFound(req.method ?? "?", path);
      if (req.method !== route.method) throw methodNotAllowed(req.method ?? "?", path, route.method);
      await route.run(req, res);
    } catch (err) {
      if (err instanceof ApiError) sendError(res, err);
      else if (err instanceof UserError) sendError(res, badRequest(err.message));
      else {
        console.error(err);
        sendError(res, internalError());
      }
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...headers,
      // a draining server lets keep-alive connections go as their answers end
      ...(closing ? { connection: "close" } : {}),
    });
    res.end(text);
  }

  // An error before the answer began is a JSON response; inside a stream, an error event
  // (OpenAI's clients raise it) and the end of the stream.
  function sendError(res: ServerResponse, err: ApiError) {
    if (res.destroyed || res.writableEnded) return;
    if (!res.headersSent) return send(res, err.status, err.body(), err.headers);
    res.write(sseFrame(err.body()));
    res.end(SSE_DONE);
  }

  const server = createServer((req, res) => void handle(req, res));
  // An idle keep-alive connection is closed by whichever side's timer fires first. Clients
  // (undici's fetch, so the openai client) let theirs go after 4 s; a server that closes at
  // 5 s (Node's default) can race a client that was busy and sends on the dying socket
  // (ECONNRESET). Outlasting the client leaves the closing to it.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;

  // Graceful shutdown, as Kubernetes expects of a server it stops (SIGTERM, then a grace
  // period, then SIGKILL): no new connections, a 503 for new requests on open ones, the
  // requests in flight may finish for up to graceMs, then the rest are cut.
  let shut: Promise<ShutdownReport> | undefined;
  let graceOver: () => void = () => {};
  const deadline = new Promise<void>((resolve) => (graceOver = resolve));
  const timers: NodeJS.Timeout[] = [];
  function shutdown(graceMs: number): Promise<ShutdownReport> {
    // a second call may shorten the grace (a second Ctrl-C), never lengthen it
    timers.push(setTimeout(graceOver, Math.max(0, graceMs)));
    if (shut) return shut;
    closing = true;
    const inFlight = [...live.values()];
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // a keep-alive connection whose answer ends from now on closes at once, not 5 s later
    server.keepAliveTimeout = 1;
    shut = (async () => {
      if (live.size > 0) await Promise.race([deadline, new Promise<void>((resolve) => (drained = resolve))]);
      for (const job of [...live.values()]) job.stop("shutdown");
      await Promise.all(inFlight.map((j) => j.closed));
      server.closeIdleConnections();
      // what is left (a client still sending its body, a 503 on its way) gets the rest of the grace
      await Promise.race([closed, deadline]);
      server.closeAllConnections();
      await closed;
      for (const t of timers) clearTimeout(t);
      const finished = inFlight.filter((j) => j.outcome === "finished").length;
      return { finished, aborted: inFlight.length - finished };
    })();
    return shut;
  }

  return {
    url: `http://${host}:${bound}/v1`,
    port: bound,
    shutdown,
    close: () => shutdown(0),
  };
}

function samplingOf(
  r: { temperature: number; top_p: number; seed: number; ignore_eos: boolean },
  maxTokens: number,
): SamplingParams {
  return { maxTokens, temperature: r.temperature, topP: r.top_p, seed: r.seed, ignoreEos: r.ignore_eos };
}

function flagsOf(r: {
  stream: boolean;
  stream_options?: { include_usage?: boolean; continuous_usage_stats?: boolean };
  user?: string;
}) {
  return {
    stream: r.stream,
    includeUsage: r.stream_options?.include_usage === true,
    continuousUsage: r.stream_options?.continuous_usage_stats === true,
    tenant: r.user,
  };
}

// The body as text, at most MAX_BODY_BYTES of it. An oversized body is read to its end (and
// dropped) before the 413, so the client gets to read the answer.
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (b: Buffer) => {
      size += b.length;
      if (size <= MAX_BODY_BYTES) parts.push(b);
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES ? reject(bodyTooLarge()) : resolve(Buffer.concat(parts).toString("utf8")),
    );
    req.on("error", reject);
  });
}
