// Constrained generation: the model proposes, the automaton disposes.
//
// Each step: mask = the tokens the automaton allows (mask-cache.ts); the logits of
// every other token become −∞; sample; feed the token's bytes to the automaton.
// The output can then only be a prefix of the language, and it ends (with the stop
// token, or when nothing but the stop token is left) only where the language
// allows. With jump-forward (jump-forward.ts) the forced bytes are written without
// asking the model. With no grammar, the same loop is plain sampling. A live
// automaton whose mask allows no token at all means a grammar that has painted
// itself into a corner (or a vocabulary that cannot write its next byte): that is
// an error naming the state, never a finished output.

import { Rng } from "@llm-labs/tensor";
import { forcedBytes, longestMatchTokens } from "./jump-forward.ts";
import type { IncrementalLM } from "./lm.ts";
import type { CompiledGrammar } from "./mask-cache.ts";
import { feed, type Frame, startFrame } from "./pushdown.ts";
import { pick } from "./sampler.ts";
import { hasBit } from "./token-mask.ts";
import { tokensToBytes, type Vocab } from "./vocab.ts";

export interface ConstrainedOptions {
  maxNewTokens: number;
  seed: number;
  temperature?: number; // default 1; 0 = greedy
  jumpForward?: boolean; // default false
}

export interface ConstrainedResult {
  ids: number[]; // generated tokens, the stop token not included
  text: string;
  finished: boolean; // ended where the grammar (or the model, unconstrained) said so
  modelCalls: number; // forward passes after the prompt's
  forcedTokens: number; // tokens jump-forward wrote
}

export function generateConstrained(
  lm: IncrementalLM,
  vocab: Vocab,
  prompt: readonly number[],
  cg: CompiledGrammar | null,
  o: ConstrainedOptions,
): ConstrainedResult {
  const rng = new Rng(o.seed);
  const T = o.temperature ?? 1;
  lm.reset();
  let logits = lm.feed(prompt);
  const callsAtStart = lm.calls;
  let frame: Frame | null = startFrame();
  const ids: number[] = [];
  let forcedTokens = 0;
  let finished = false;
  const room = () => Math.min(o.maxNewTokens - ids.length, lm.context - lm.length);
  while (room() > 0 && frame !== null) {
    if (cg && o.jumpForward) {
      const forced = forcedBytes(cg.grammar, frame);
      if (forced.length > 0) {
        const jump = longestMatchTokens(cg.trie, forced).slice(0, room());
        ids.push(...jump);
        forcedTokens += jump.length;
        frame = feed(cg.grammar, frame, tokensToBytes(vocab, jump));
        if (room() === 0 || frame === null) break;
        logits = lm.feed(jump);
        continue;
      }
    }
    const x = T === 0 ? logits.slice() : logits.map((l) => l / T);
    if (cg) {
      const mask = cg.mask(frame);
      let allowed = 0;
      let stops = 0;
      for (let t = 0; t < x.length; t++) {
        if (!hasBit(mask, t)) x[t] = -Infinity;
        else {
          allowed++;
          if (vocab.stop.includes(t)) stops++;
        }
      }
      if (allowed === 0) {
        const sofar = new TextDecoder().decode(tokensToBytes(vocab, ids));
        throw new Error(
          `${cg.grammar.source}: no token is allowed at rule ${frame.rule}, state ${frame.state}, ` +
            `after ${JSON.stringify(sofar)}`,
        );
      }
      // Nothing but the end is allowed: end without asking the model.
      if (allowed === stops) {
        finished = true;
        break;
      }
    }
    const next = pick(x, { do_sample: T > 0 }, rng);
    if (vocab.stop.includes(next)) {
      finished = true;
      break;
    }
    ids.push(next);
    if (cg) frame = feed(cg.grammar, frame, vocab.bytes[next] as Uint8Array);
    if (room() === 0) break;
    logits = lm.feed([next]);
  }
  const text = new TextDecoder().decode(tokensToBytes(vocab, ids));
  return { ids, text, finished, modelCalls: lm.calls - callsAtStart, forcedTokens };
}
