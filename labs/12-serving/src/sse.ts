// Server-sent events (SSE), both sides: how the server frames a stream of
// completion chunks, and how a client reads them back.
//
// An OpenAI-compatible server streams `POST /v1/completions` with `stream: true`
// as a text/event-stream (HTML Living Standard, "Server-sent events", §9.2):
//
//   data: {"id":"cmpl-1","object":"text_completion",...}\n\n
//   data: {"id":"cmpl-1","object":"text_completion",...}\n\n
//   data: [DONE]\n\n
//
// Each event is one or more "field: value" lines ended by a blank line. The server
// only ever writes one `data` line per event (JSON.stringify escapes newlines), but
// a client must read any stream the standard allows: other servers send comments
// (": keep-alive"), CRLF line endings, multi-line data, `event:` and `id:` fields.
// And TCP delivers bytes in pieces of any size: an event, a line, even one UTF-8
// character can arrive split across two chunks.

// One event whose single data line is the JSON of `data`.
export function sseFrame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

// The sentinel OpenAI's API (and vLLM's) sends after the last chunk.
export const SSE_DONE = "data: [DONE]\n\n";

// The standard's "interpreting an event stream" (§9.2.6), for the data field only.
// feed() takes text as it arrives and returns the data of every event this text
// completed; a half-read line or event waits in the parser for the next chunk.
export class SseParser {
  // The last line of the text so far, not yet ended by a line break.
  private line = "";
  // The previous chunk ended in \r: if this one starts with \n, that \n is the
  // second half of a \r\n, not a second (blank) line.
  private afterCR = false;
  // The data lines of the event being read.
  private data: string[] = [];

  feed(chunk: string): string[] {
    const events: string[] = [];
    // The rules, one line at a time:
    //   a line ends in \r\n, \n or \r;
    //   a blank line dispatches the event: its data lines joined by "\n"
    //     (an event with no data line is not dispatched);
    //   a line starting with ":" is a comment;
    //   field = the line up to its first ":", value = the rest, minus ONE leading space;
    //   a line with no ":" is a field with an empty value;
    //   only the field "data" makes the payload (event, id, retry: ignored here).
    // #region exercise sse-framing
    let text = chunk;
    if (this.afterCR && text.startsWith("\n")) text = text.slice(1);
    if (chunk !== "") this.afterCR = chunk.endsWith("\r");
    const lines = (this.line + text).split(/\r\n|\n|\r/);
    this.line = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") {
        if (this.data.length > 0) events.push(this.data.join("\n"));
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.data.push(value);
    }
    // #endregion
    return events;
  }

  // The stream ended. The standard: "any pending data must be discarded" — an
  // event not closed by a blank line is never dispatched. The parser is then
  // ready for a new stream.
  flush(): void {
    this.line = "";
    this.afterCR = false;
    this.data = [];
  }
}

// The data of each event of an HTTP response body, until `data: [DONE]` (not
// yielded). Bytes are decoded with TextDecoder in stream mode: a character whose
// UTF-8 bytes are split across two chunks (every Chinese character is 3 bytes) is
// held back until its last byte arrives, instead of becoming two U+FFFD. The
// decoder also drops a leading byte-order mark, as the standard asks.
export async function* sseEvents(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  const parser = new SseParser();
  // Node's ReadableStream is async-iterable; leaving the loop early (at [DONE])
  // cancels it, which closes the response body.
  for await (const bytes of body as AsyncIterable<Uint8Array>) {
    for (const data of parser.feed(decoder.decode(bytes, { stream: true }))) {
      if (data === "[DONE]") return;
      yield data;
    }
  }
  // The body ended without [DONE]: drop the unterminated event, if any.
  parser.flush();
}
