// Decoding: ids -> bytes -> text. The bytes part is a table lookup; the text
// part has one trap. A byte-level token may end in the middle of a
// character ("你" is E4 BD A0 and GPT-2 splits it into two tokens), so a
// streaming decoder that prints token by token must hold back the unfinished
// bytes until the rest arrive.

import { UserError } from "@llm-labs/errors";
import { utf8Decode } from "./bytes.ts";

// How many bytes at the end of `bytes` belong to a UTF-8 character that is not
// finished yet (0, 1, 2 or 3).
//
// A UTF-8 lead byte announces the length of its character:
//   0xxxxxxx -> 1,  110xxxxx -> 2,  1110xxxx -> 3,  11110xxx -> 4,
// and every byte after it is a continuation byte 10xxxxxx. So: walk back over
// at most three continuation bytes to the nearest lead byte. If that lead
// byte wants more bytes than there are from it to the end, those bytes are
// the unfinished tail. If the last three bytes are all continuations, the
// lead byte is a fourth one back and its character (at most 4 bytes) is
// complete, or broken, which is the validator's business, not ours.
export function incompleteUtf8Tail(bytes: ArrayLike<number>): number {
  // #region exercise utf8-tail
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
  // #endregion
}

// Turns a stream of token ids into a stream of text that never shows a
// broken character: each `push` returns the text that is complete so far,
// holding back an unfinished UTF-8 tail for the next call. `end` checks that
// nothing is left over.
export class StreamDecoder {
  private pending: number[] = [];

  constructor(private readonly tokenBytes: (id: number) => Uint8Array) {}

  push(id: number): string {
    for (const b of this.tokenBytes(id)) this.pending.push(b);
    const hold = incompleteUtf8Tail(this.pending);
    const ready = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return utf8Decode(Uint8Array.from(ready));
  }

  // How many bytes are waiting for the rest of their character.
  get held(): number {
    return this.pending.length;
  }

  end(): string {
    if (this.pending.length > 0) {
      const bytes = this.pending.map((b) => "0x" + b.toString(16).toUpperCase()).join(" ");
      throw new UserError(
        `invalid UTF-8: the token stream ended inside a character (${this.pending.length} byte(s) held back: ${bytes})`,
      );
    }
    return "";
  }
}
