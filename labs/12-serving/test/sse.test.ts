// Exercise sse-framing: src/sse.ts.
import { Rng } from "@llm-labs/tensor";
import { Stream } from "openai/streaming";
import { describe, expect, it } from "vitest";
import { SSE_DONE, SseParser, sseEvents, sseFrame } from "../src/sse.ts";

// Every payload of one stream fed to a fresh parser in the given pieces.
function parse(...pieces: string[]): string[] {
  const parser = new SseParser();
  return pieces.flatMap((p) => parser.feed(p));
}

// Bytes as an async iterable of the given pieces, like a response body.
async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const end of [...cuts, bytes.length]) {
    yield bytes.slice(start, end);
    start = end;
  }
}

async function collect(gen: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const s of gen) out.push(s);
  return out;
}

describe("sseFrame", () => {
  it("writes one data line and a blank line, and [DONE] the same way", () => {
    // "data: " + JSON + "\n\n", as OpenAI's API sends each chunk
    expect(sseFrame({ text: "hi", n: 1 })).toBe('data: {"text":"hi","n":1}\n\n');
    expect(sseFrame("a\nb")).toBe('data: "a\\nb"\n\n'); // JSON escapes the newline: still one line
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
  });
});

describe("exercise: sse-framing", () => {
  it("reads back what sseFrame wrote, [DONE] included", () => {
    expect(parse(sseFrame({ a: 1 }) + sseFrame("x") + SSE_DONE)).toEqual(['{"a":1}', '"x"', "[DONE]"]);
  });

  it("reads the standard's own example streams (§9.2.5, §9.2.6)", () => {
    // "data: YHOO / data: +2 / data: 10": one event, data lines joined by \n
    expect(parse("data: YHOO\ndata: +2\ndata: 10\n\n")).toEqual(["YHOO\n+2\n10"]);
    // a comment, then three events; id lines are ignored; "data:  third" keeps one of its two spaces
    const s = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n";
    expect(parse(s)).toEqual(["first event", "second event", " third event"]);
    // "data" without a colon is a data field with an empty value: "" then "\n";
    // the last block ("data:" with no blank line after it) is never dispatched
    expect(parse("data\n\ndata\ndata\n\ndata:")).toEqual(["", "\n"]);
    // "data:test" and "data: test" are the same event: only one space is removed
    expect(parse("data:test\n\ndata: test\n\n")).toEqual(["test", "test"]);
  });

  it("accepts \\r\\n and bare \\r line endings, and mixes of them", () => {
    expect(parse("data: a\r\ndata: b\r\n\r\n")).toEqual(["a\nb"]);
    expect(parse("data: a\rdata: b\r\r")).toEqual(["a\nb"]);
    // \n, then \r\n, then \r as the blank line
    expect(parse("data: a\ndata: b\r\n\r")).toEqual(["a\nb"]);
  });

  it("skips comments and dispatches nothing for an event without data", () => {
    expect(parse(": keep-alive\n\n")).toEqual([]);
    expect(parse("event: ping\n\n")).toEqual([]);
    expect(parse("event: ping\nid: 7\nretry: 100\n\n")).toEqual([]);
    // event, id and retry beside data do not change the payload
    expect(parse("event: add\nid: 9\ndata: 73857293\nretry: 5\n\n")).toEqual(["73857293"]);
    // the field name is everything before the first colon, exactly: "Data", "data " are other fields
    expect(parse("Data: x\n\ndata : x\n\n")).toEqual([]);
    // only the first colon splits: the value keeps the rest
    expect(parse('data: {"a":"b:c"}\n\n')).toEqual(['{"a":"b:c"}']);
  });

  it("gives the same payloads for the stream split at every position", () => {
    const s =
      ": hello\r\n\r\ndata: one\r\ndata:two\r\n\r\nevent: x\ndata\n\ndata:  3\r\rid: 1\n\n" +
      "data: 四\r\n\r\n" +
      SSE_DONE;
    // by hand: "one\ntwo"; "" (data without colon); " 3" (one space removed); "四"; "[DONE]"
    const expected = ["one\ntwo", "", " 3", "四", "[DONE]"];
    expect(parse(s)).toEqual(expected);
    for (let i = 0; i <= s.length; i++)
      expect(parse(s.slice(0, i), s.slice(i)), `split at ${i}`).toEqual(expected);
    // and one character at a time, so every \r is a chunk's last character once
    expect(parse(...s.split(""))).toEqual(expected);
    // empty chunks between a \r and its \n change nothing
    expect(parse("data: a\r", "", "\n", "\r", "", "\n")).toEqual(["a"]);
  });

  it("never dispatches an unterminated last event; flush() discards it", () => {
    const parser = new SseParser();
    expect(parser.feed("data: a\n\ndata: b\n")).toEqual(["a"]);
    parser.flush();
    // after flush the half-read "b" is gone: this blank line dispatches nothing
    expect(parser.feed("\n")).toEqual([]);
    expect(parser.feed("data: c\n\n")).toEqual(["c"]);
  });

  it("decodes a Chinese payload split inside a character, at every byte", async () => {
    const text = "你好，世界";
    const bytes = new TextEncoder().encode(sseFrame({ text }) + SSE_DONE);
    // each of the 5 characters is 3 bytes in UTF-8 ("你" = E4 BD A0), so 10 of the cuts fall inside one
    for (let cut = 0; cut <= bytes.length; cut++) {
      const payloads = await collect(sseEvents(chunks(bytes, [cut])));
      expect(payloads.map((p) => JSON.parse(p).text)).toEqual([text]);
    }
    // a cut after the first byte of "你" (E4): decoding the two halves separately would give U+FFFD
    const at = bytes.indexOf(0xe4) + 1;
    expect(new TextDecoder().decode(bytes.slice(0, at))).toContain("\ufffd");
    expect(await collect(sseEvents(chunks(bytes, [at])))).toEqual([JSON.stringify({ text })]);
  });

  it("stops at [DONE] without yielding it, and reads a ReadableStream too", async () => {
    const bytes = new TextEncoder().encode(`${sseFrame(1)}${SSE_DONE}${sseFrame(2)}`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 5));
        controller.enqueue(bytes.slice(5));
        controller.close();
      },
    });
    expect(await collect(sseEvents(body))).toEqual(["1"]);
    // a body that ends without [DONE]: every complete event, not the unterminated one
    const cut = new TextEncoder().encode(`${sseFrame(1)}data: 2`);
    expect(await collect(sseEvents(chunks(cut, [3])))).toEqual(["1"]);
  });

  it("decodes like the openai package's Stream.fromSSEResponse", async () => {
    // completion chunks as our server sends them, with continuous usage and a usage-only last chunk
    const words = ["Hello", ",", " 世界", "\n", ' "quoted"', "!"];
    const objects: unknown[] = words.map((text, i) => ({
      id: "cmpl-7",
      object: "text_completion",
      created: 1700000000,
      model: "llama",
      choices: [{ index: 0, text, logprobs: null, finish_reason: i === words.length - 1 ? "length" : null }],
      usage: { prompt_tokens: 4, completion_tokens: i + 1, total_tokens: 5 + i },
    }));
    objects.push({
      id: "cmpl-7",
      object: "text_completion",
      created: 1700000000,
      model: "llama",
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
    });
    const bytes = new TextEncoder().encode(objects.map(sseFrame).join("") + SSE_DONE);
    // the same bytes cut at seeded random places, for both readers
    const rng = new Rng(12);
    const cuts = Array.from({ length: 40 }, () => rng.int(bytes.length)).sort((a, b) => a - b);
    const pieces = chunks(bytes, cuts);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await pieces.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    const response = new Response(body);
    const theirs: unknown[] = [];
    for await (const item of Stream.fromSSEResponse<unknown>(response, new AbortController()))
      theirs.push(item);
    const ours = (await collect(sseEvents(chunks(bytes, cuts)))).map((p) => JSON.parse(p));
    expect(theirs).toEqual(objects);
    expect(ours).toEqual(theirs);
  });
});
