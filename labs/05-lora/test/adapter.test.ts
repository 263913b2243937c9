import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { heldoutLoss, writeSafetensors, type GPT } from "@llm-labs/model";
import {
  adapterFromSafetensors,
  adapterToSafetensors,
  createAdapter,
  mergeAdapter,
  tensorName,
  type Adapter,
} from "../src/adapter.ts";
import { ADAPTER_FILE, DEMO_LORA, DEMO_TRAIN } from "../src/recipe.ts";
import { qaTokens, TASK_HELDOUT_SEED } from "../src/task.ts";
import { maxAbsDiff, targetModel } from "./util.ts";

let base: GPT;
let adapter: Adapter;
let metadata: Record<string, string>;
let heldout: number[];
beforeAll(async () => {
  base = targetModel();
  ({ adapter, metadata } = adapterFromSafetensors(base, readFileSync(ADAPTER_FILE), ADAPTER_FILE));
  heldout = await qaTokens(TASK_HELDOUT_SEED, 320);
});

describe("the committed adapter (data/qa-lora-r8.safetensors, written by the demo with --save)", () => {
  it("has the demo's shape: r = 8, α = 16, every linear of the 4 layers", () => {
    expect([adapter.r, adapter.alpha, adapter.targets]).toEqual([
      DEMO_LORA.r,
      DEMO_LORA.alpha,
      DEMO_LORA.targets,
    ]);
    expect(adapter.entries.length).toBe(4 * 4);
    expect(adapter.flat.length).toBe(4 * 8 * (128 + 384 + 128 + 128 + 128 + 512 + 512 + 128));
    expect(metadata.steps).toBe(String(DEMO_TRAIN.steps));
  });
  it("makes the held-out Q&A text far more predictable than the base does", () => {
    const W = DEMO_TRAIN.seqLen;
    const before = Math.exp(heldoutLoss(base, heldout, W));
    const after = Math.exp(heldoutLoss(mergeAdapter(base, adapter), heldout, W));
    expect(after).toBeLessThan(before / 50);
    expect(after).toBeLessThan(20);
  });
});

describe("adapter files", () => {
  it("save then load gives the same numbers", () => {
    const a = createAdapter(base, { r: 2, alpha: 4, targets: ["c_fc"] }, 3);
    a.flat.forEach((_, i) => (a.flat[i] = Math.sin(i)));
    const back = adapterFromSafetensors(base, adapterToSafetensors(a)).adapter;
    expect(back.targets).toEqual(["c_fc"]);
    expect(maxAbsDiff(back.flat, a.flat)).toBe(0);
  });
  it("a file for another rank, a missing tensor, a bad r or α, an unknown target: one clear error each", () => {
    const a = createAdapter(base, { r: 2, alpha: 4, targets: ["c_attn"] }, 1);
    const tensors = a.entries.flatMap(
      (e) =>
        [
          [
            tensorName(e.layer, e.target, "A"),
            { dtype: "F32" as const, shape: [2, 128], data: new Float32Array(256) },
          ],
          [
            tensorName(e.layer, e.target, "B"),
            { dtype: "F32" as const, shape: [384, 2], data: new Float32Array(768) },
          ],
        ] as [string, { dtype: "F32"; shape: number[]; data: Float32Array }][],
    );
    const file = (meta: Record<string, string>, drop = -1) =>
      writeSafetensors(
        tensors.filter((_, i) => i !== drop),
        meta,
      );
    expect(() => adapterFromSafetensors(base, file({ r: "4", alpha: "4", targets: "c_attn" }))).toThrow(
      /lora_A.weight is \[2, 128\], layer 0 c_attn with r = 4 needs \[4, 128\]/,
    );
    expect(() => adapterFromSafetensors(base, file({ r: "2", alpha: "4", targets: "c_attn" }, 3))).toThrow(
      /missing transformer.h.1.attn.c_attn.lora_B.weight/,
    );
    expect(() => adapterFromSafetensors(base, file({ r: "0", alpha: "4", targets: "c_attn" }))).toThrow(/r/);
    expect(() => adapterFromSafetensors(base, file({ r: "2", alpha: "-1", targets: "c_attn" }))).toThrow(
      /alpha/,
    );
    expect(() => adapterFromSafetensors(base, file({ r: "2", alpha: "4", targets: "q_proj" }))).toThrow(
      /unknown target "q_proj"/,
    );
    expect(() => adapterFromSafetensors(base, file({ r: "2", alpha: "4", targets: "c_fc" }))).toThrow(
      /missing transformer.h.0.mlp.c_fc.lora_A.weight/,
    );
  });
  it("createAdapter refuses rank ≤ 0 and α ≤ 0 before doing anything", () => {
    expect(() => createAdapter(base, { r: 0, alpha: 8, targets: ["c_attn"] }, 1)).toThrow(
      /rank r must be a whole number ≥ 1/,
    );
    expect(() => createAdapter(base, { r: 4, alpha: 0, targets: ["c_attn"] }, 1)).toThrow(
      /α \(alpha\) must be a number > 0/,
    );
  });
});
