// The wire format: what a client may send to /v1/completions and /v1/chat/completions, and
// the errors it gets back, in the shapes of OpenAI's API (which vLLM copies, so the official
// `openai` client, curl scripts and load generators written for either work here unchanged).
//
//   POST /v1/completions   { "model": "llama", "prompt": "Once upon a time", "max_tokens": 8 }
//   400                    { "error": { "message": "temperature: must be ≥ 0, got -1",
//                                       "type": "invalid_request_error", "param": "temperature", "code": null } }

import { z } from "zod";

// The body of a request is read into memory before it is parsed: cap it.
export const MAX_BODY_BYTES = 1024 * 1024;

const StreamOptions = z.strictObject({
  include_usage: z.boolean().optional(), // a last chunk with `choices: []` and the usage
  continuous_usage_stats: z.boolean().optional(), // vLLM's: the usage so far on every chunk
});

// The sampling and streaming fields both endpoints share. OpenAI's defaults: temperature 1,
// top_p 1; the seed is ours to pick, and a fixed default makes every run repeatable.
const shared = {
  model: z.string(),
  temperature: z.number().min(0, "must be ≥ 0").max(2, "must be ≤ 2").default(1),
  top_p: z.number().gt(0, "must be > 0").max(1, "must be ≤ 1").default(1),
  seed: z.number().int("must be a whole number").default(0),
  stream: z.boolean().default(false),
  stream_options: StreamOptions.optional(),
  user: z.string().optional(), // who is asking: the tenant the fair scheduler counts for
  ignore_eos: z.boolean().default(false), // vLLM's: keep generating past end-of-text
  // one completion per request; n > 1 would need n sequences sharing one prompt's blocks
  n: z
    .number()
    .int("must be a whole number")
    .min(1, "must be ≥ 1")
    .max(1, "must be 1 (n > 1 is not supported)")
    .default(1),
};

const maxTokens = z.number().int("must be a whole number").min(1, "must be ≥ 1");

// stream_options only means something for a stream; OpenAI refuses it otherwise.
const streamOptionsNeedStream = (r: { stream: boolean; stream_options?: unknown }) =>
  r.stream || r.stream_options === undefined;
const streamOptionsError = { message: "is only allowed when stream is true", path: ["stream_options"] };

export const CompletionRequestSchema = z
  .strictObject({
    ...shared,
    // a text, or the token ids themselves (the ids are checked against the model's vocabulary
    // by the server, which knows it)
    prompt: z.union([z.string(), z.array(z.number().int()).min(1, "must not be empty")], {
      error: "must be a string or a non-empty array of integer token ids",
    }),
    max_tokens: maxTokens.default(16),
  })
  .refine(streamOptionsNeedStream, streamOptionsError);
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

const Message = z.strictObject({
  role: z.enum(["system", "user", "assistant"], { error: 'must be "system", "user" or "assistant"' }),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof Message>;

export const ChatRequestSchema = z
  .strictObject({
    ...shared,
    messages: z.array(Message).min(1, "must hold at least one message"),
    // the old name and the new one; without either, the answer may fill the context
    max_tokens: maxTokens.optional(),
    max_completion_tokens: maxTokens.optional(),
  })
  .refine(streamOptionsNeedStream, streamOptionsError);
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

// An error as OpenAI sends it. `param` names the field at fault, `code` is a machine-readable
// reason where OpenAI has one ("model_not_found", "context_length_exceeded", …).
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

// Thrown by a handler, turned into a response by the server's one catch.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, "invalid_request_error", param, code);

// OpenAI and vLLM both answer an unknown model with 404; the openai client raises NotFoundError.
export const modelNotFound = (model: string) =>
  new ApiError(
    404,
    `The model \`${model}\` does not exist.`,
    "invalid_request_error",
    "model",
    "model_not_found",
  );

// OpenAI's words for a path it does not serve.
export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, `Invalid URL (${method} ${path})`, "invalid_request_error");

export const methodNotAllowed = (method: string, path: string, allowed: string) =>
  new ApiError(405, `${method} ${path} is not allowed; use ${allowed}`, "invalid_request_error", null, null, {
    allow: allowed,
  });

export const bodyTooLarge = () =>
  new ApiError(413, `The request body is over ${MAX_BODY_BYTES} bytes (1 MiB)`, "invalid_request_error");

// Back-pressure: a full queue answers at once instead of letting waits grow without bound;
// retry-after tells a well-behaved client (the openai client reads it) when to try again.
export const queueFull = (waiting: number) =>
  new ApiError(
    429,
    `The server is busy: ${waiting} requests are already waiting; retry in a second`,
    "requests",
    null,
    "rate_limit_exceeded",
    { "retry-after": "1" },
  );

export const shuttingDown = () => new ApiError(503, "The server is shutting down", "server_error");

// A bug of ours: the client learns that much and no more (the details go to stderr).
export const internalError = () =>
  new ApiError(500, "The server had an error while processing your request.", "server_error");

// The body's text as JSON; anything else is a 400 saying why.
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`We could not parse the JSON body of your request: ${(e as Error).message}`);
  }
}

// A body checked against a schema; the first problem becomes a 400 naming the field.
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("The request body must be a JSON object");
  const parsed = schema.safeParse(body, { reportInput: true, error: plainWords });
  if (!parsed.success) throw invalidFields(parsed.error);
  return parsed.data;
}

// zod's own words for a wrong type ("Invalid input: expected number, received string") made
// plainer; a schema's own messages above take precedence over these.
function plainWords(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== "invalid_type") return undefined;
  return issue.input === undefined
    ? "is required"
    : `must be ${issue.expected === "array" ? "an" : "a"} ${issue.expected}`;
}

// The first issue of a failed parse as a 400: "temperature: must be ≥ 0, got -1".
export function invalidFields(err: z.ZodError): ApiError {
  const issue = err.issues[0];
  const where = fieldPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.join(", ");
    // OpenAI's own sentence for an unknown top-level field
    if (where === "") return badRequest(`Unrecognized request argument supplied: ${keys}`, issue.keys[0]);
    return badRequest(`${where}: unrecognized field ${keys}`, where);
  }
  const got =
    issue.input === undefined || typeof issue.input === "object" ? "" : `, got ${shown(issue.input)}`;
  return badRequest(`${where || "the request body"}: ${issue.message}${got}`, where || null);
}

// ["messages", 0, "role"] → "messages[0].role"
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

// A value in an error message, cut short: a message is one line, whatever the client sent.
function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
