// Past one machine: what a (DP, TP, PP, ZeRO) plan costs on a cluster of N devices, in
// memory and in seconds per step, and a planner that tries every plan (自动并行 at its
// smallest). Nothing runs here: it is arithmetic on published formulas, the kind of
// estimate Megatron-LM's and DeepSpeed's users do on paper before renting a cluster.
//
// A plan splits N = dp·tp·pp devices three ways (Narayanan et al. 2021, "PTD-P"):
//
//   tp   tensor parallel: every layer's matrices cut tp ways (Megatron-LM, Shoeybi et al. 2019)
//   pp   pipeline parallel: the L layers cut into pp stages of L/pp, fed m micro-batches
//   dp   data parallel: dp replicas of that tp·pp grid, each on a 1/dp share of the batch,
//        with ZeRO stage z partitioning the model states across the dp replicas
//
// Ranks are laid out as Megatron-LM does, tp innermost, then dp, then pp: a TP group is
// tp neighbouring devices, a DP group spans tp·dp of them, a PP chain all N. A group
// whose span fits in one node talks over the intra-node links (NVLink), else over the
// inter-node network. So TP stays on NVLink whenever tp ≤ devicesPerNode.
import {
  MIXED_ADAM,
  type Recompute,
  type StateBytes,
  type ZeroStage,
  activationBytesPerLayer,
  zeroMemory,
} from "@llm-labs/lab-training";

export interface ModelShape {
  layers: number; // L
  hidden: number; // h
  heads: number; // a
  seq: number; // s, tokens per sequence
  vocab: number; // V
  params?: number; // Ψ; 12·L·h² + V·h when not given
}

export interface Cluster {
  devices: number; // N
  devicesPerNode: number;
  flops: number; // peak FLOP/s of one device (989e12 for an H100's bf16 matmuls)
  efficiency: number; // the share of peak the matmuls reach: the MFU, 0 < e ≤ 1
  intraNodeBandwidth: number; // bytes/s one device moves over the links inside a node
  interNodeBandwidth: number; // bytes/s one device moves over the network between nodes
  latency: number; // seconds each message costs on top of its bytes
  memory: number; // bytes of memory on one device
}

export interface Training {
  globalBatch: number; // sequences per optimizer step
  microBatch: number; // b, sequences per micro-batch
  recompute?: Recompute; // "none" by default
  bytes?: StateBytes; // bytes per parameter of each state; mixed-precision Adam by default
}

export interface Plan {
  dp: number;
  tp: number;
  pp: number;
  zeroStage: ZeroStage;
  microBatches: number; // m = globalBatch / (dp·b): each replica's micro-batches per step
}

// 16-bit activations: what crosses a TP all-reduce or a PP boundary, 2 bytes per number.
const ACT_BYTES = 2;

// Ψ for a GPT (Kaplan et al. 2020 §2.1; Narayanan et al. 2021 §5.1): each layer holds
// 4h² of attention (Q, K, V, output) and 8h² of MLP (h → 4h → h), 12·L·h² in all, plus
// the V·h token embedding. Biases, LayerNorms and positions are under 1% and left out.
export function modelParams(m: ModelShape): number {
  return m.params ?? 12 * m.layers * m.hidden ** 2 + m.vocab * m.hidden;
}

// The ring all-reduce (Patarasuk & Yuan 2009): a reduce-scatter then an all-gather, N − 1
// steps each, every step sending one S/N chunk. Each device sends 2(N − 1)/N · S bytes,
// the lower bound for any all-reduce, and it tends to 2S however many devices join.
export function ringAllReduceBytes(S: number, N: number): number {
  return (2 * (N - 1) * S) / N;
}

// The pipeline bubble (GPipe §2.3; 1F1B idles as much): the fill and drain of p stages
// leave p − 1 of every m + p − 1 slots empty, so compute stretches by (m + p − 1)/m.
export function bubbleFraction(p: number, m: number): number {
  return (p - 1) / (m + p - 1);
}

const fail = (field: string, rule: string, v: unknown): never => {
  throw new Error(`cost model: ${field} must be ${rule}, got ${v}`);
};
const whole = (field: string, v: number) =>
  (Number.isInteger(v) && v >= 1) || fail(field, "a whole number ≥ 1", v);
const positive = (field: string, v: number) =>
  (Number.isFinite(v) && v > 0) || fail(field, "a number > 0", v);

function checkInputs(model: ModelShape, cluster: Cluster, training: Training): void {
  for (const k of ["layers", "hidden", "heads", "seq", "vocab"] as const) whole(`model.${k}`, model[k]);
  if (model.params !== undefined) positive("model.params", model.params);
  for (const k of ["devices", "devicesPerNode"] as const) whole(`cluster.${k}`, cluster[k]);
  for (const k of ["flops", "intraNodeBandwidth", "interNodeBandwidth", "memory"] as const)
    positive(`cluster.${k}`, cluster[k]);
  if (!(cluster.efficiency > 0 && cluster.efficiency <= 1))
    fail("cluster.efficiency", "in (0, 1]", cluster.efficiency);
  if (!(cluster.latency >= 0)) fail("cluster.latency", "a number ≥ 0", cluster.latency);
  whole("training.globalBatch", training.globalBatch);
  whole("training.microBatch", training.microBatch);
}

function checkPlan(model: ModelShape, training: Training, plan: Plan, devices?: number): void {
  const { dp, tp, pp, zeroStage, microBatches } = plan;
  for (const k of ["dp", "tp", "pp", "microBatches"] as const) whole(`plan.${k}`, plan[k]);
  if (![0, 1, 2, 3].includes(zeroStage)) fail("plan.zeroStage", "0, 1, 2 or 3", zeroStage);
  if (devices !== undefined && dp * tp * pp !== devices)
    fail("plan.dp·tp·pp", `cluster.devices = ${devices}`, dp * tp * pp);
  if (model.heads % tp !== 0) fail("plan.tp", `a divisor of model.heads = ${model.heads}`, tp);
  if (model.layers % pp !== 0) fail("plan.pp", `a divisor of model.layers = ${model.layers}`, pp);
  const m = training.globalBatch / (dp * training.microBatch);
  if (microBatches !== m) fail("plan.microBatches", `globalBatch / (dp·microBatch) = ${m}`, microBatches);
}

export interface PlanMemory {
  weights: number;
  grads: number;
  optimizer: number;
  activations: number;
  total: number; // bytes on the busiest device
}

// Model states: tp·pp cut Ψ into Ψ/(tp·pp) per device, and ZeRO then partitions that
// across the dp replicas (lab 08's zeroMemory: 2Ψ + 2Ψ + KΨ, stage by stage).
// Activations (Korthikanti et al. 2022, eq. 4, tensor with sequence parallelism): each
// layer keeps s·b·h·(34 + 5·a·s/h) bytes per micro-batch, divided by tp. A stage holds
// L/pp layers, and under 1F1B the first stage holds min(pp, m) micro-batches at once:
// pp·(L/pp) = L layers' worth, so pipelining does not shrink activations, TP does.
export function planMemory(model: ModelShape, training: Training, plan: Plan): PlanMemory {
  checkPlan(model, training, plan);
  const { dp, tp, pp, zeroStage, microBatches: m } = plan;
  const states = zeroMemory(modelParams(model) / (tp * pp), dp, zeroStage, training.bytes ?? MIXED_ADAM);
  const shape = { s: model.seq, b: training.microBatch, h: model.hidden, a: model.heads };
  const perLayer = activationBytesPerLayer(shape, training.recompute ?? "none") / tp;
  const activations = (model.layers / pp) * Math.min(pp, m) * perLayer;
  return { ...states, activations, total: states.total + activations };
}

export interface CommVolume {
  dp: number; // bytes one device sends per step, for each kind of traffic
  tp: number;
  pp: number;
  total: number;
}

// The bytes one device sends in one optimizer step, for each dimension of the plan:
//
//   DP   the ring all-reduce of its gradients, S = (Ψ/(tp·pp))·2 bytes: 2(dp − 1)/dp · S.
//        ZeRO 1 and 2 swap it for a reduce-scatter and an all-gather of the same volume;
//        ZeRO 3 all-gathers the weights again for the backward pass: 3(dp − 1)/dp · S
//        (Rajbhandari et al. 2020 §7: Ψ, 2Ψ, 2Ψ, 3Ψ).
//   TP   Megatron-LM (Shoeybi et al. 2019 §3): per layer and micro-batch, g after
//        attention and after the MLP in the forward pass, f's two in the backward pass:
//        4 all-reduces of the b·s·h activations, each 2(tp − 1)/tp · 2bsh bytes.
//   PP   each of the pp − 1 stage boundaries is crossed twice per micro-batch (the
//        activation forward, its gradient back): 2m·(pp − 1) sends of 2bsh bytes,
//        shared by pp devices, 2m·(pp − 1)/pp · 2bsh each on average.
export function planCommVolume(model: ModelShape, training: Training, plan: Plan): CommVolume {
  checkPlan(model, training, plan);
  const { dp, tp, pp, zeroStage, microBatches: m } = plan;
  // #region exercise plan-comm-volume
  const gradBytes = (modelParams(model) / (tp * pp)) * (training.bytes ?? MIXED_ADAM).grads;
  const dpBytes = ringAllReduceBytes(gradBytes, dp) * (zeroStage === 3 ? 1.5 : 1);
  const act = training.microBatch * model.seq * model.hidden * ACT_BYTES;
  const tpBytes = (model.layers / pp) * m * 4 * ringAllReduceBytes(act, tp);
  const ppBytes = (2 * m * (pp - 1) * act) / pp;
  return { dp: dpBytes, tp: tpBytes, pp: ppBytes, total: dpBytes + tpBytes + ppBytes };
  // #endregion
}

export interface StepTime {
  compute: number; // seconds of matmuls, before the bubble
  bubble: number; // the idle fraction (pp − 1)/(m + pp − 1)
  dp: number; // seconds of each kind of communication
  tp: number;
  pp: number;
  total: number; // seconds per optimizer step
}

// Compute: 6·Ψ·D FLOPs for D = globalBatch·s tokens (Kaplan et al. 2020), spread over N
// devices at efficiency·peak. Full recomputation runs the forward twice (8·Ψ·D);
// selective recomputes only the attention scores, Q·Kᵀ and softmax·V, 4·s²·h per layer
// and sequence (Korthikanti et al. 2022 §5). Each message costs bytes/bandwidth + latency.
//
//   step = (compute + TP + PP) · (m + pp − 1)/m  +  DP
//
// TP and PP traffic sit inside every micro-batch, so the bubble stretches them with the
// compute; the DP all-reduce runs once after the last backward (no overlap assumed).
export function planStepTime(model: ModelShape, cluster: Cluster, training: Training, plan: Plan): StepTime {
  checkInputs(model, cluster, training);
  checkPlan(model, training, plan, cluster.devices);
  const { dp, tp, pp, zeroStage, microBatches: m } = plan;
  const { layers: L, seq: s, hidden: h } = model;
  const psi = modelParams(model);
  const recompute = training.recompute ?? "none";
  const sequences = training.globalBatch;
  const flops =
    (recompute === "full" ? 8 : 6) * psi * sequences * s +
    (recompute === "selective" ? 4 * s * s * h * L * sequences : 0);
  const compute = flops / (cluster.devices * cluster.flops * cluster.efficiency);
  const bytes = planCommVolume(model, training, plan);
  // the link a group talks over: NVLink if its span of ranks fits in one node
  const bw = (span: number) =>
    span <= cluster.devicesPerNode ? cluster.intraNodeBandwidth : cluster.interNodeBandwidth;
  // messages: a ring all-reduce of N takes 2(N − 1) steps (3(N − 1) for ZeRO 3)
  const dpMessages = (zeroStage === 3 ? 3 : 2) * (dp - 1);
  const tpMessages = (L / pp) * m * 4 * 2 * (tp - 1);
  const ppMessages = (2 * m * (pp - 1)) / pp;
  const dpTime = bytes.dp / bw(tp * dp) + cluster.latency * dpMessages;
  const tpTime = bytes.tp / bw(tp) + cluster.latency * tpMessages;
  const ppTime = bytes.pp / bw(cluster.devices) + cluster.latency * ppMessages;
  const bubble = bubbleFraction(pp, m);
  const total = (compute + tpTime + ppTime) / (1 - bubble) + dpTime;
  return { compute, bubble, dp: dpTime, tp: tpTime, pp: ppTime, total };
}

export interface PlanEstimate {
  plan: Plan;
  memory: PlanMemory;
  comm: CommVolume;
  time: StepTime;
  fits: boolean; // memory.total ≤ cluster.memory
}

export function estimatePlan(
  model: ModelShape,
  cluster: Cluster,
  training: Training,
  plan: Plan,
): PlanEstimate {
  const time = planStepTime(model, cluster, training, plan);
  const memory = planMemory(model, training, plan);
  const comm = planCommVolume(model, training, plan);
  return { plan, memory, comm, time, fits: memory.total <= cluster.memory };
}

export interface PlannerResult {
  plans: PlanEstimate[]; // every valid plan, fastest first, fitting or not
  best: PlanEstimate | undefined; // the fastest plan that fits; undefined when none does
}

// Try every dp·tp·pp = N with tp | heads, pp | layers and dp | globalBatch/b, under each
// ZeRO stage asked for (stage 0 alone when dp = 1: one replica has nothing to partition). Sort by
// step time, ties to the plan with less memory; the answer is the fastest that fits.
export function planParallelism(
  model: ModelShape,
  cluster: Cluster,
  opts: Training & { zeroStages?: ZeroStage[] },
): PlannerResult {
  checkInputs(model, cluster, opts);
  const N = cluster.devices;
  const plans: PlanEstimate[] = [];
  const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
  for (const tp of divisors(N))
    for (const pp of divisors(N / tp)) {
      const dp = N / (tp * pp);
      const microBatches = opts.globalBatch / (dp * opts.microBatch);
      if (model.heads % tp || model.layers % pp || !Number.isInteger(microBatches)) continue;
      const stages: readonly ZeroStage[] = dp === 1 ? [0] : (opts.zeroStages ?? [0, 1, 2, 3]);
      for (const zeroStage of stages)
        plans.push(estimatePlan(model, cluster, opts, { dp, tp, pp, zeroStage, microBatches }));
    }
  if (plans.length === 0)
    throw new Error(
      `planParallelism: no (dp, tp, pp) splits cluster.devices = ${N} with tp | heads, pp | layers, dp | globalBatch/microBatch`,
    );
  plans.sort((x, y) => x.time.total - y.time.total || x.memory.total - y.memory.total);
  return { plans, best: plans.find((p) => p.fits) };
}
