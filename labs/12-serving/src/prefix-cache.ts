// Automatic prefix caching: reuse the KV blocks of a prompt prefix another request computed.
//
// Chat requests share a system prompt, few-shot prompts share their examples, a preempted
// request shares its own past: their first blocks hold the same keys and values, because
// position t's k and v depend only on tokens 0 … t. So name every FULL block by its content
// and everything before it, a hash chain (vLLM's automatic prefix caching):
//
//   h_0 = H(salt, tokens of block 0)
//   h_i = H(h_{i−1}, tokens of block i)
//
// Equal h_i means an equal prefix up to the end of block i, whatever the request. The salt
// is what else changes the keys and values: the LoRA adapter (an adapted c_attn gives other
// k, v for the same tokens), so two adapters never share a block. SGLang's RadixAttention
// (Zheng et al. 2024) keys a radix tree by the tokens instead; a chain of block hashes is the
// same idea cut at block boundaries.
//
// Only full blocks are named: the last, partial block is still being written to, so a block
// that is shared is never written again and needs no copy-on-write (lab 02's fork did).

import { createHash } from "node:crypto";
import type { BlockManager } from "./block-manager.ts";

// The hashes of the full blocks of `tokens`: ⌊tokens.length / blockSize⌋ of them. `known`
// lets a request extend the hashes it already has (known[i] for i < known.length).
export function blockHashes(
  tokens: readonly number[],
  blockSize: number,
  salt: string,
  known: readonly string[] = [],
): string[] {
  const out = [...known];
  for (let i = out.length; (i + 1) * blockSize <= tokens.length; i++) {
    const parent = i === 0 ? `salt:${salt}` : out[i - 1];
    const block = tokens.slice(i * blockSize, (i + 1) * blockSize).join(",");
    out.push(createHash("sha256").update(`${parent}|${block}`).digest("hex").slice(0, 32));
  }
  return out;
}

// The longest run of cached blocks at the start of a request: the blocks whose hashes are
// hashes[0], hashes[1], … until the first one the cache does not hold. At most `maxBlocks`
// (the caller keeps at least one token to compute: the model must see the last prompt
// token to give the logits of the first new one).
export function lookupPrefix(blocks: BlockManager, hashes: readonly string[], maxBlocks: number): number[] {
  const hit: number[] = [];
  // #region exercise prefix-lookup
  for (let i = 0; i < Math.min(hashes.length, maxBlocks); i++) {
    const b = blocks.cached.get(hashes[i]);
    if (b === undefined) break;
    hit.push(b);
  }
  // #endregion
  return hit;
}
