import { describe, expect, it } from "vitest";
import { compileRegex } from "../src/grammar.ts";
import { forcedBytes, longestMatchTokens } from "../src/jump-forward.ts";
import { compileJsonSchema } from "../src/json-schema.ts";
import { feed, type Frame, liveBytes, startFrame } from "../src/pushdown.ts";
import { buildTrie } from "../src/trie.ts";
import { handVocab } from "./util.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("jump-forward", () => {
  it('writes `{"name":"` before a schema whose first property is required', () => {
    const g = compileJsonSchema({
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer" } },
      required: ["name", "age"],
    });
    expect(dec(forcedBytes(g, startFrame()))).toBe('{"name":"');
    // After the name's closing quote: `,"age":` is forced. Then the integer
    // (0 | -?[1-9][0-9]*) has eleven ways to start, `-` and 0 … 9: nothing is forced.
    expect(dec(forcedBytes(g, feed(g, startFrame(), enc('{"name":"Mia"')) as Frame))).toBe(',"age":');
    const atAge = feed(g, startFrame(), enc('{"name":"Mia","age":')) as Frame;
    expect(liveBytes(g, atAge).map((b) => String.fromCharCode(b))).toEqual([..."-0123456789"]);
    expect(forcedBytes(g, atAge)).toHaveLength(0);
    // Inside the string nothing is forced.
    expect(forcedBytes(g, feed(g, startFrame(), enc('{"name":"M')) as Frame)).toHaveLength(0);
  });

  it("stops where the output may end, and where two ways open", () => {
    const g = compileRegex("abc(d|e)f?");
    expect(dec(forcedBytes(g, startFrame()))).toBe("abc");
    expect(forcedBytes(g, feed(g, startFrame(), enc("abcd")) as Frame)).toHaveLength(0); // may end, or f
  });

  it("cuts the forced bytes into the longest tokens (hand vocabulary)", () => {
    // ids:                 0    1    2      3     4
    const trie = buildTrie(handVocab(["{", '"', '{"', "na", 'name":']));
    // {"  then  na?  no: name": is longer.
    expect(longestMatchTokens(trie, enc('{"name":'))).toEqual([2, 4]);
    expect(longestMatchTokens(trie, enc('"{'))).toEqual([1, 0]);
  });
});
