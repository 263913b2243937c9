// npm run lab alignment            (or: npx tsx src/demo.ts [--steps N])
//
// The lab's story in one run, about three minutes: a conversation through the chat template
// and what masking the loss changes; the SFT model (data/sft) answering requests, judged;
// DPO from that model (lr 2e-5), starting at exactly ln 2, with TRL's metrics step by step, and its
// win-rate against the SFT model it started from. The whole comparison (reward model, DPO
// at four β, ORPO, GRPO, PPO, the frontier plot) is bench/alignment.bench.ts.

import { intFlag, parseFlags, runScript, table } from "@llm-labs/kit";
import { checkpointDir, loadCheckpoint } from "@llm-labs/model";
import { renderChat, tokenizeChat } from "./chat.ts";
import { cloneModel } from "./policy.ts";
import { answerText, evaluatePolicy, promptIds, sampleAnswers } from "./rollouts.ts";
import { packBatch } from "./sequences.ts";
import { chatRows, sftLosses } from "./sft.ts";
import { preferencePairs, trainDpo } from "./stages.ts";
import { HELDOUT_SEED, PREFERENCE_SEED, requests, SFT_SEED, sentenceCount, sftExamples } from "./task.ts";
import { loadTokenizer } from "./tokenizer.ts";
import { SFT_DIR } from "./sft.ts";

const heading = (s: string) => console.log(`\n${s}\n${"─".repeat(Math.min(78, s.length))}`);

runScript(async () => {
  const direct = process.argv[1]?.endsWith("demo.ts");
  const { values } = direct
    ? parseFlags(process.argv.slice(2), { steps: { type: "string" } }, "npx tsx src/demo.ts [--steps N]")
    : { values: {} as { steps?: string } };
  const steps = intFlag("steps", values.steps, { min: 1 }) ?? 24;
  const tok = await loadTokenizer(SFT_DIR);
  const base = loadCheckpoint(checkpointDir("target"));
  const sft = loadCheckpoint(SFT_DIR);

  heading("1. A conversation through the chat template (data/sft/tokenizer_config.json)");
  {
    const [example] = sftExamples(SFT_SEED, 1);
    console.log(renderChat(example.messages, false).trimEnd().replace(/^/gm, "    "));
    const { ids, promptLength } = tokenizeChat(example.messages, tok.encode, tok.eosId);
    console.log(
      `${ids.length} tokens: ${promptLength} of template and request, ${ids.length - promptLength} of answer (with its end-of-text)`,
    );
    const batch = packBatch(chatRows(sftExamples(SFT_SEED + 100, 16), tok.encode, tok.eosId), tok.eosId);
    const rows = [
      ["base target", sftLosses(base, batch)],
      ["SFT model", sftLosses(sft, batch)],
    ] as const;
    console.log(
      table(
        ["model", "loss on the answers (masked)", "loss on every token (unmasked)"],
        rows.map(([name, l]) => [name, l.masked.toFixed(3), l.unmasked.toFixed(3)]),
      ),
    );
  }

  heading("2. The SFT model answers; the judge counts");
  {
    const held = requests(HELDOUT_SEED, 6);
    const answers = sampleAnswers(
      sft,
      held.map((r) => promptIds(tok, r.messages)),
      3,
    );
    console.log(
      table(
        ["asked", "counted", "answer"],
        held.map((r, i) => {
          const text = answerText(tok, answers[i]);
          return [r.n, sentenceCount(text), text.length > 90 ? `${text.slice(0, 87)}…` : text];
        }),
      ),
    );
  }

  heading(`3. DPO from the SFT model: ${steps} steps, β = 0.1, the reference's log-probs cached`);
  {
    const pairs = preferencePairs(sft, tok, requests(PREFERENCE_SEED, 192), 1);
    console.log(
      `${pairs.length} pairs from 192 requests (4 samples each; best chosen, worst rejected, all-tie requests dropped)`,
    );
    const policy = cloneModel(sft);
    const rows: (string | number)[][] = [];
    trainDpo(
      policy,
      sft,
      pairs,
      { steps, lr: 2e-5, seed: 1, beta: 0.1, batchPairs: 4 },
      tok.eosId,
      (s, loss, m) =>
        rows.push([
          s,
          loss.toFixed(6),
          m["rewards/chosen"].toFixed(3),
          m["rewards/rejected"].toFixed(3),
          m["rewards/margins"].toFixed(3),
          m["rewards/accuracies"].toFixed(2),
        ]),
    );
    console.log(
      table(
        ["step", "loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"],
        rows,
      ),
    );
    console.log(
      `step 0's loss is ln 2 = ${Math.LN2.toFixed(6)}: the policy is its reference, every margin is 0`,
    );
    const held = requests(HELDOUT_SEED, 48);
    const sftAnswers = sampleAnswers(
      sft,
      held.map((r) => promptIds(tok, r.messages)),
      8,
    ).map((a) => answerText(tok, a));
    const ev = evaluatePolicy(policy, sft, sftAnswers, held, tok, 7);
    const ev0 = evaluatePolicy(sft, sft, sftAnswers, held, tok, 7);
    console.log(
      table(
        ["model", "win-rate vs SFT", "exact count", "KL from SFT (nats)"],
        [
          ["SFT", ev0.winRate.toFixed(3), ev0.exact.toFixed(3), ev0.kl.toFixed(2)],
          [`DPO, ${steps} steps`, ev.winRate.toFixed(3), ev.exact.toFixed(3), ev.kl.toFixed(2)],
        ],
      ),
    );
  }
  console.log(
    "\nThe full comparison — reward model, DPO at three β, ORPO, GRPO, PPO — is npx tsx bench/alignment.bench.ts",
  );
});
