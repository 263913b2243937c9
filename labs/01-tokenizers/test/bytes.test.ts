import { describe, expect, it } from "vitest";
import { Rng } from "@llm-labs/tensor";
import {
  bytesToTokenString,
  bytesToUnicode,
  findUtf8Error,
  tokenStringToBytes,
  utf8Bytes,
  utf8Decode,
} from "../src/bytes.ts";
import { randomUnicode } from "./util.ts";

describe("exercise: byte-map", () => {
  it("keeps printable bytes and moves the other 68 to U+0100 onwards, in byte order", () => {
    const map = bytesToUnicode();
    expect(map).toHaveLength(256);
    // Printable: itself.
    expect(map[0x21]).toBe("!");
    expect(map[0x41]).toBe("A");
    expect(map[0x7e]).toBe("~");
    expect(map[0xa1]).toBe("¡");
    expect(map[0xff]).toBe("ÿ");
    // Not printable, counted by hand: 0..32 are the 1st..33rd, so byte b -> U+0100 + b.
    expect(map[0x00]).toBe("\u0100");
    expect(map[0x0a]).toBe("Ċ"); // newline, U+010A
    expect(map[0x20]).toBe("Ġ"); // space, U+0120: the famous one
    // 127..160 are the 34th..67th: U+0121..U+0142; 173 (soft hyphen) is the 68th: U+0143.
    expect(map[0x7f]).toBe("\u0121");
    expect(map[0xa0]).toBe("\u0142");
    expect(map[0xad]).toBe("\u0143");
    expect(new Set(map).size).toBe(256);
  });

  it("turns token strings back into bytes, and refuses characters that are not stand-ins", () => {
    const all = Uint8Array.from({ length: 256 }, (_, b) => b);
    expect(tokenStringToBytes(bytesToTokenString(all))).toEqual(all);
    expect(tokenStringToBytes("Ġhello")).toEqual(Uint8Array.from(utf8Bytes(" hello")));
    expect(tokenStringToBytes("你")).toBeNull();
  });
});

describe("UTF-8", () => {
  it("encodes like TextEncoder on random strings", () => {
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const s = randomUnicode(rng, 1 + rng.int(20));
      expect(utf8Bytes(s)).toEqual([...new TextEncoder().encode(s)]);
    }
  });

  it("writes 1, 2, 3 and 4 bytes per character (RFC 3629 table, by hand)", () => {
    expect(utf8Bytes("A")).toEqual([0x41]);
    expect(utf8Bytes("é")).toEqual([0xc3, 0xa9]); // U+00E9 = 00011 101001
    expect(utf8Bytes("你")).toEqual([0xe4, 0xbd, 0xa0]); // U+4F60 = 0100 111101 100000
    expect(utf8Bytes("🤖")).toEqual([0xf0, 0x9f, 0xa4, 0x96]); // U+1F916
  });

  it("refuses a lone surrogate with a message that says where", () => {
    expect(() => utf8Bytes("ab\ud83dc")).toThrow(/lone surrogate U\+D83D at index 2/);
  });

  it("explains malformed UTF-8", () => {
    expect(findUtf8Error([0x61, 0xff])).toEqual({ offset: 1, reason: "byte 0xFF never appears in UTF-8" });
    expect(findUtf8Error([0xa9])?.reason).toMatch(/continuation byte 0xA9 with no lead byte/);
    expect(findUtf8Error([0xe4, 0xbd])?.reason).toMatch(/needs 3 bytes but the input ends after 2/);
    expect(findUtf8Error([0xe0, 0x80, 0x80])?.reason).toMatch(/overlong/);
    expect(findUtf8Error([0xed, 0xa0, 0x80])?.reason).toMatch(/surrogate U\+D800/);
    expect(findUtf8Error(utf8Bytes("ok 你好 🤖"))).toBeNull();
    expect(() => utf8Decode(Uint8Array.of(0x68, 0x69, 0xc3))).toThrow(/invalid UTF-8 at byte 2/);
  });

  it("keeps a leading U+FEFF (TextDecoder drops it by default)", () => {
    expect(utf8Decode(Uint8Array.from(utf8Bytes("\ufeffhi")))).toBe("\ufeffhi");
  });
});
