// Incremental detokenization: the text of a stream, one token at a time.
//
// Byte-level BPE tokens are bytes, not characters. A Chinese character is 3 bytes in UTF-8,
// and the tokenizer may give it one token or split it over two or three:
//
//   tokens   "从前"   "，有一只"   <E8>   <81>   <AA>   "明"
//   text     从前     ，有一只      �      �      聪     明
//
// Decoding the lone byte E8 gives U+FFFD, the replacement character; sent to the client,
// it would stay a "�" forever, since the next chunk cannot take it back. So: decode all the
// output so far, and send only what is new, holding back while the text ends in U+FFFD (a
// character still waiting for its last bytes). At the end, flush() sends whatever is held.
//
// Decoding everything each time costs O(n²) over a stream, which is nothing at our lengths;
// vLLM decodes only a window of the last few tokens, for the same result.

export class Detokenizer {
  private readonly ids: number[] = [];
  private sent = 0; // how much of the decoded text (in UTF-16 code units) has been sent

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  // The text `id` adds, maybe "" (a partial character, or a special token left out).
  push(id: number): string {
    this.ids.push(id);
    const text = this.decode(this.ids);
    if (text.endsWith("\uFFFD")) return "";
    return this.take(text);
  }

  // The text held back, when no token will follow.
  flush(): string {
    return this.take(this.decode(this.ids));
  }

  private take(text: string): string {
    const fresh = text.slice(this.sent);
    this.sent = text.length;
    return fresh;
  }
}
