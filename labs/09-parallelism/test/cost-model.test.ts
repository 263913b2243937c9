// Exercise plan-comm-volume: src/cost-model.ts.
//
// Every expected number here is worked by hand from the papers' formulas: the ring's
// 2(N − 1)/N (Patarasuk & Yuan 2009), Megatron-LM's four all-reduces per layer
// (Shoeybi et al. 2019 §3), the bubble (p − 1)/(m + p − 1) (GPipe), ZeRO's Figure 1
// (Rajbhandari et al. 2020) and Korthikanti et al. 2022's activation bytes.
import { describe, expect, it } from "vitest";
import {
  type Cluster,
  type ModelShape,
  type Plan,
  type Training,
  bubbleFraction,
  modelParams,
  planCommVolume,
  planMemory,
  planParallelism,
  planStepTime,
  ringAllReduceBytes,
} from "../src/cost-model.ts";

const GB = 1e9;
// a toy shape small enough to count by hand: Ψ = 12·2·8² + 16·8 = 1536 + 128 = 1664
const toy: ModelShape = { layers: 2, hidden: 8, heads: 4, seq: 4, vocab: 16 };
const plan = (p: Partial<Plan>): Plan => ({ dp: 1, tp: 1, pp: 1, zeroStage: 0, microBatches: 1, ...p });
// two nodes of 8 H100s: 989 TFLOP/s bf16 at 40% MFU, NVLink 450 GB/s, 400 Gb/s InfiniBand
const h100s = (devices: number, inter = 50e9): Cluster => ({
  devices,
  devicesPerNode: 8,
  flops: 989e12,
  efficiency: 0.4,
  intraNodeBandwidth: 450e9,
  interNodeBandwidth: inter,
  latency: 5e-6,
  memory: 80e9,
});

describe("exercise: plan-comm-volume", () => {
  it("DP: each device sends 2(N − 1)/N of its gradients, for N = 2, 4, 8", () => {
    // Ψ = 1e6 parameters, fp16 gradients: S = 2e6 bytes
    //   N = 2: 2·1/2·S = 2e6     N = 4: 2·3/4·S = 3e6     N = 8: 2·7/8·S = 3.5e6
    const model = { ...toy, params: 1e6 };
    const volume = [2, 4, 8].map((dp) =>
      planCommVolume(model, { globalBatch: dp, microBatch: 1 }, plan({ dp })),
    );
    expect(volume.map((v) => v.dp)).toEqual([2e6, 3e6, 3.5e6]);
    // no TP, no PP: nothing else moves
    expect(volume.map((v) => v.tp + v.pp)).toEqual([0, 0, 0]);
    expect(volume.map((v) => v.total)).toEqual([2e6, 3e6, 3.5e6]);
  });

  it("DP under ZeRO: stages 1 and 2 move what DDP does, stage 3 half as much again", () => {
    // ZeRO §7: reduce-scatter + all-gather = one all-reduce (2Ψ); stage 3 gathers the weights
    // once more for the backward pass, 3Ψ. N = 4, S = 2e6: 3e6, 3e6, 3e6, 4.5e6
    const model = { ...toy, params: 1e6 };
    const training = { globalBatch: 4, microBatch: 1 };
    const dp = ([0, 1, 2, 3] as const).map(
      (z) => planCommVolume(model, training, plan({ dp: 4, zeroStage: z })).dp,
    );
    expect(dp).toEqual([3e6, 3e6, 3e6, 4.5e6]);
  });

  it("DP all-reduces only a device's own 1/(tp·pp) of the gradients", () => {
    // Ψ = 1e6, tp = 2, pp = 2: S = 2·1e6/4 = 5e5; dp = 2 sends 2·1/2·5e5 = 5e5
    const model = { ...toy, params: 1e6 };
    const v = planCommVolume(model, { globalBatch: 2, microBatch: 1 }, plan({ dp: 2, tp: 2, pp: 2 }));
    expect(v.dp).toBe(5e5);
  });

  it("TP: Megatron-LM's two all-reduces forward and two backward per layer and micro-batch", () => {
    // b = 2, s = 4, h = 8: the activation b·s·h = 64 numbers = 128 bytes in fp16.
    // tp = 2: one all-reduce sends 2·1/2·128 = 128 bytes; 4 per layer = 512;
    //         L = 2 layers × m = 2 micro-batches → 2048 bytes
    // tp = 4: one all-reduce sends 2·3/4·128 = 192; 4 per layer = 768; × 2 × 2 = 3072
    const training = { globalBatch: 4, microBatch: 2 }; // dp = 1: m = 4/2 = 2
    const v2 = planCommVolume(toy, training, plan({ tp: 2, microBatches: 2 }));
    const v4 = planCommVolume(toy, training, plan({ tp: 4, microBatches: 2 }));
    expect([v2.tp, v4.tp]).toEqual([2048, 3072]);
    expect([v2.dp, v2.pp, v2.total]).toEqual([0, 0, 2048]);
  });

  it("PP: every boundary crossed twice per micro-batch, shared by the stages", () => {
    // L = 4, b = 1, s = 4, h = 8: one send is 32 numbers = 64 bytes; m = 4
    //   pp = 2: 1 boundary × 2·4 crossings × 64 = 512 bytes over 2 devices → 256 each
    //   pp = 4: 3 boundaries × 8 × 64 = 1536 over 4 devices → 384 each
    const model = { ...toy, layers: 4 };
    const training = { globalBatch: 4, microBatch: 1 };
    const pp = [2, 4].map((p) => planCommVolume(model, training, plan({ pp: p, microBatches: 4 })).pp);
    expect(pp).toEqual([256, 384]);
  });

  it("adds the three up for a 3D plan", () => {
    // toy (Ψ = 1664), dp = 2, tp = 2, pp = 2, b = 1, m = 4/(2·1) = 2; one activation 4·8·2 = 64 bytes
    //   DP  S = 1664/4·2 = 832 bytes, 2·1/2·832 = 832
    //   TP  L/pp = 1 layer × m = 2 × 4 all-reduces × 2·1/2·64 = 512
    //   PP  2·2·(2 − 1)·64 / 2 = 128                                        total 1472
    const v = planCommVolume(
      toy,
      { globalBatch: 4, microBatch: 1 },
      plan({ dp: 2, tp: 2, pp: 2, microBatches: 2 }),
    );
    expect(v).toEqual({ dp: 832, tp: 512, pp: 128, total: 1472 });
  });
});

describe("the formulas the cost model is built on", () => {
  it("counts 12·L·h² + V·h parameters: GPT-2 small's 124M", () => {
    // 12·12·768² = 84,934,656 and 50,257·768 = 38,597,376: 123,532,032 (HF's 124,439,808 adds
    // 786,432 position embeddings and the biases and LayerNorms)
    expect(modelParams({ layers: 12, hidden: 768, heads: 12, seq: 1024, vocab: 50257 })).toBe(123_532_032);
    expect(modelParams({ ...toy, params: 42 })).toBe(42);
  });

  it("ring all-reduce: 2(N − 1)/N · S, nothing on one device, tending to 2S", () => {
    expect([1, 2, 4, 8].map((N) => ringAllReduceBytes(1000, N))).toEqual([0, 1000, 1500, 1750]);
    expect(ringAllReduceBytes(1000, 1e6)).toBeCloseTo(2000, 0);
  });

  it("the bubble is (p − 1)/(m + p − 1)", () => {
    // p = 4, m = 8: 3/11 (the GPipe figure test/pipeline.test.ts simulates); p = 1: none;
    // p = 8, m = 64: 7/71 ≈ 9.9%
    expect(bubbleFraction(4, 8)).toBeCloseTo(3 / 11, 15);
    expect(bubbleFraction(1, 16)).toBe(0);
    expect(bubbleFraction(8, 64)).toBeCloseTo(7 / 71, 15);
  });
});

describe("memory per device", () => {
  it("reproduces ZeRO's Figure 1 with tp = pp = 1: 7.5B on 64 devices", () => {
    // 16Ψ = 120 GB; 4Ψ + 12Ψ/64 = 31.4 GB; 2Ψ + 14Ψ/64 = 16.6 GB; 16Ψ/64 = 1.9 GB
    const model = { layers: 32, hidden: 4096, heads: 32, seq: 1024, vocab: 50257, params: 7.5e9 };
    const training = { globalBatch: 64, microBatch: 1 };
    const states = ([0, 1, 2, 3] as const).map((z) => {
      const m = planMemory(model, training, plan({ dp: 64, zeroStage: z }));
      return m.weights + m.grads + m.optimizer;
    });
    expect(states).toEqual([120e9, 31.40625e9, 16.640625e9, 1.875e9]);
    expect(states.map((b) => (b / GB).toFixed(1))).toEqual(["120.0", "31.4", "16.6", "1.9"]);
  });

  it("splits states by tp·pp and activations by tp, holding pp micro-batches (1F1B)", () => {
    // toy, b = 1, tp = 2, pp = 2, m = 8:
    //   states  Ψ/(tp·pp) = 1664/4 = 416 parameters × 16 bytes = 6656 (stage 0, dp = 1)
    //   one layer, one micro-batch: s·b·h·(34 + 5·a·s/h) = 32·(34 + 5·4·4/8) = 32·44 = 1408, /tp = 704
    //   the first stage: L/pp = 1 layer × min(pp, m) = 2 micro-batches → 1408        total 8064
    const m = planMemory(toy, { globalBatch: 8, microBatch: 1 }, plan({ tp: 2, pp: 2, microBatches: 8 }));
    expect(m).toEqual({ weights: 832, grads: 832, optimizer: 4992, activations: 1408, total: 8064 });
  });

  it("pipelining does not shrink activations under 1F1B, tensor parallelism does", () => {
    // (L/pp)·min(pp, m) = L whenever m ≥ pp: 2 layers × 1408 = 2816 for pp = 1 and pp = 2
    const training = { globalBatch: 8, microBatch: 1 };
    const acts = (p: Partial<Plan>) => planMemory(toy, training, plan({ microBatches: 8, ...p })).activations;
    expect([acts({ pp: 1 }), acts({ pp: 2 }), acts({ tp: 2 }), acts({ tp: 4 })]).toEqual([
      2816, 2816, 1408, 704,
    ]);
  });
});

describe("step time", () => {
  // toy (Ψ = 1664) on 4 devices, 2 per node; 1 MFLOP/s at 50%, NVLink 1000 B/s, network 100 B/s, 1 ms a message
  const slow: Cluster = {
    devices: 4,
    devicesPerNode: 2,
    flops: 1e6,
    efficiency: 0.5,
    intraNodeBandwidth: 1000,
    interNodeBandwidth: 100,
    latency: 0.001,
    memory: 1e6,
  };
  const training: Training = { globalBatch: 8, microBatch: 1 };
  // compute: 6·Ψ·D = 6·1664·(8·4 tokens) = 319,488 FLOPs over 4 devices × 5e5 = 0.159744 s

  it("dp = 2, tp = 2: TP inside a node, DP across the network", () => {
    // m = 8/(2·1) = 4; one activation 1·4·8·2 = 64 bytes
    //   TP  2 layers × 4 × 4 all-reduces × 64 = 2048 bytes at 1000 B/s = 2.048 s, + 2·4·4·2(2 − 1) = 64 messages
    //       × 1 ms = 0.064 s → 2.112 s (the TP group spans 2 ≤ 2 devices: one node)
    //   DP  S = 1664/2·2 = 1664 bytes, 2·1/2·1664 = 1664 at 100 B/s (span tp·dp = 4 > 2) = 16.64 s,
    //       + 2 messages → 16.642 s
    //   total = 0.159744 + 2.112 + 16.642 = 18.913744 s
    const t = planStepTime(toy, slow, training, plan({ dp: 2, tp: 2, microBatches: 4 }));
    expect(t.compute).toBeCloseTo(0.159744, 12);
    expect(t.tp).toBeCloseTo(2.112, 12);
    expect(t.dp).toBeCloseTo(16.642, 12);
    expect([t.pp, t.bubble]).toEqual([0, 0]);
    expect(t.total).toBeCloseTo(18.913744, 12);
  });

  it("tp = 2, pp = 2: the bubble stretches compute and the in-pipeline traffic by (m + p − 1)/m", () => {
    // m = 8/(1·1) = 8, bubble 1/9
    //   TP  1 layer × 8 × 4 × 64 = 2048 bytes → 2.048 s, + 1·8·4·2 = 64 messages → 2.112 s
    //   PP  2·8·(2 − 1)·64/2 = 512 bytes at 100 B/s (the chain spans both nodes) = 5.12 s,
    //       + 2·8·1/2 = 8 messages → 5.128 s
    //   total = (0.159744 + 2.112 + 5.128)·9/8 = 7.399744·1.125 = 8.324712 s
    const t = planStepTime(toy, slow, training, plan({ tp: 2, pp: 2, microBatches: 8 }));
    expect(t.bubble).toBeCloseTo(1 / 9, 15);
    expect(t.pp).toBeCloseTo(5.128, 12);
    expect(t.total).toBeCloseTo(8.324712, 12);
  });

  it("full recomputation costs one more forward pass: 8·Ψ·D instead of 6·Ψ·D", () => {
    const plan4 = plan({ dp: 4, microBatches: 2 });
    const none = planStepTime(toy, slow, training, plan4).compute;
    const full = planStepTime(toy, slow, { ...training, recompute: "full" }, plan4).compute;
    expect(full / none).toBeCloseTo(8 / 6, 12);
  });
});

describe("planParallelism", () => {
  it("gives a model that cannot fit one device tp·pp > 1, under plain DDP", () => {
    // L = 40, h = 5120: Ψ = 12·40·5120² + 32000·5120 = 12,582,912,000 + 163,840,000 ≈ 12.75e9
    // Without ZeRO every replica holds 16Ψ ≈ 204 GB > 80 GB, so tp = pp = 1 cannot fit
    const model = { layers: 40, hidden: 5120, heads: 40, seq: 2048, vocab: 32000 };
    const opts = { globalBatch: 64, microBatch: 1, zeroStages: [0 as const] };
    const r = planParallelism(model, h100s(8), opts);
    expect(r.plans.filter((p) => p.plan.tp * p.plan.pp === 1).every((p) => !p.fits)).toBe(true);
    expect(r.best).toBeDefined();
    expect(r.best!.plan.tp * r.best!.plan.pp).toBeGreaterThan(1);
    expect(r.best!.memory.total).toBeLessThanOrEqual(80e9);
    // ZeRO-3 is the other way out: 16Ψ/8 ≈ 25.5 GB of states, plus 40 layers of
    // 2048·5120·(34 + 5·40·2048/5120) = 10,485,760·114 ≈ 1.195 GB activations ≈ 47.8 GB: 73 GB fits
    const z3 = planParallelism(model, h100s(8), { ...opts, zeroStages: [3] });
    expect(z3.plans.find((p) => p.plan.dp === 8)!.fits).toBe(true);
  });

  it("needs tp > 1 when the activations alone outgrow a device, whatever pp and ZeRO do", () => {
    // a 7B at s = 4096, b = 1: one layer keeps 4096·4096·(34 + 5·32·4096/4096) = 16,777,216·194
    // = 3.25 GB, × 32 layers = 104 GB > 80 GB at tp = 1: pp leaves L layers' worth on stage 0 (1F1B)
    const model = { layers: 32, hidden: 4096, heads: 32, seq: 4096, vocab: 32000 };
    const r = planParallelism(model, h100s(16), { globalBatch: 256, microBatch: 1 });
    expect(r.plans.filter((p) => p.plan.tp === 1).some((p) => p.fits)).toBe(false);
    expect(r.best!.plan.tp).toBeGreaterThan(1);
    expect(r.best!.fits).toBe(true);
  });

  it("keeps TP inside a node when a within-node option exists", () => {
    // s = 8192: one layer keeps 8192·4096·(34 + 5·32·8192/4096) = 33,554,432·354 ≈ 11.9 GB; 32 layers
    // ≈ 380 GB, so tp ≥ 8 (≈ 47.5 GB + states). tp = 16 fits too, but its 4 all-reduces per layer
    // would cross the 50 GB/s network instead of 450 GB/s NVLink: the planner takes tp = 8
    const model = { layers: 32, hidden: 4096, heads: 32, seq: 8192, vocab: 32000 };
    const r = planParallelism(model, h100s(16), { globalBatch: 64, microBatch: 1 });
    expect(r.best!.plan.tp).toBe(8);
    const tp16 = r.plans.filter((p) => p.plan.tp === 16);
    expect(tp16.some((p) => p.fits)).toBe(true);
    expect(tp16.every((p) => p.time.total > r.best!.time.total)).toBe(true);
  });

  it("trains a tiny model with pure DP when the inter-node network is slow", () => {
    // L = 4, h = 256, V = 256: Ψ = 12·4·256² + 256·256 = 3,211,264; 16 devices on 2 nodes, 5 GB/s network.
    // Something must cross the network. Pure DP sends 2·15/16 · 2Ψ ≈ 12.0 MB of gradients.
    // dp = 8, pp = 2 (DP inside the node) sends activations instead: m = 512/(8·4) = 16, one send
    // 4·1024·256·2 = 2 MiB, 2·16·1/2 · 2 MiB = 33.5 MB, and idles 1/17 of the step in the bubble.
    // TP across nodes moves far more. A model this small has few parameters per token moved.
    const model = { layers: 4, hidden: 256, heads: 4, seq: 1024, vocab: 256 };
    const r = planParallelism(model, h100s(16, 5e9), { globalBatch: 512, microBatch: 4 });
    expect(r.best!.plan).toMatchObject({ dp: 16, tp: 1, pp: 1, microBatches: 8 });
    // stages 0–2 tie on time (same bytes); the tie goes to the smaller memory: ZeRO-2. ZeRO-3's 1.5× loses
    expect(r.best!.plan.zeroStage).toBe(2);
  });

  it("lists every valid plan, fastest first, and marks those that do not fit", () => {
    // 16 devices: (tp, pp) with tp·pp | 16, tp | 32 heads, pp | 32 layers: 15 splits; the 5 with dp = 1
    // get stage 0 only, the other 10 get stages 0–3: 5 + 40 = 45 plans
    const model = { layers: 32, hidden: 4096, heads: 32, seq: 4096, vocab: 32000 };
    const r = planParallelism(model, h100s(16), { globalBatch: 256, microBatch: 1 });
    expect(r.plans).toHaveLength(45);
    const times = r.plans.map((p) => p.time.total);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(r.plans.some((p) => !p.fits)).toBe(true);
    expect(r.best).toBe(r.plans.find((p) => p.fits));
  });

  it("returns no best plan when nothing fits", () => {
    const model = { layers: 32, hidden: 4096, heads: 32, seq: 4096, vocab: 32000 };
    const r = planParallelism(model, { ...h100s(16), memory: 1e9 }, { globalBatch: 256, microBatch: 1 });
    expect(r.best).toBeUndefined();
    expect(r.plans.length).toBeGreaterThan(0);
  });
});

describe("invalid input", () => {
  const model = { layers: 32, hidden: 4096, heads: 32, seq: 2048, vocab: 32000 };
  const training = { globalBatch: 64, microBatch: 1 };
  const oneLine = (f: () => unknown, field: string) => {
    expect(f).toThrow(field);
    try {
      f();
    } catch (e) {
      expect((e as Error).message).not.toContain("\n");
    }
  };

  it("names the bad cluster field, in one line", () => {
    oneLine(() => planParallelism(model, { ...h100s(16), devices: 2.5 }, training), "cluster.devices");
    oneLine(() => planParallelism(model, h100s(16, 0), training), "cluster.interNodeBandwidth");
    oneLine(() => planParallelism(model, { ...h100s(16), efficiency: 1.5 }, training), "cluster.efficiency");
    oneLine(() => planParallelism(model, { ...h100s(16), latency: -1 }, training), "cluster.latency");
    oneLine(() => planParallelism(model, { ...h100s(16), flops: Number.NaN }, training), "cluster.flops");
  });

  it("names the bad model or training field", () => {
    oneLine(() => planParallelism({ ...model, heads: 0 }, h100s(16), training), "model.heads");
    oneLine(() => planParallelism(model, h100s(16), { ...training, microBatch: 0.5 }), "training.microBatch");
  });

  it("names the bad plan field", () => {
    // 32 heads do not split 3 ways; 32 layers not 3 stages; 2·2·2 = 8 ≠ 16; m must be 64/(4·1) = 16
    oneLine(() => planMemory(model, training, plan({ tp: 3 })), "plan.tp");
    oneLine(() => planMemory(model, training, plan({ pp: 3 })), "plan.pp");
    oneLine(() => planStepTime(model, h100s(16), training, plan({ dp: 2, tp: 2, pp: 2 })), "plan.dp·tp·pp");
    oneLine(() => planCommVolume(model, training, plan({ dp: 4, microBatches: 8 })), "plan.microBatches");
    oneLine(() => planCommVolume(model, training, plan({ zeroStage: 4 as 0 })), "plan.zeroStage");
  });

  it("says so when no split of the devices is valid", () => {
    // 7 devices: tp ∈ {1, 7}, 7 ∤ 32 heads; pp = 7 ∤ 32 layers; dp = 7 ∤ 64 sequences
    oneLine(() => planParallelism(model, h100s(7), training), "planParallelism: no (dp, tp, pp)");
  });
});
