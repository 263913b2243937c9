// The Llama specimen's hyperparameters, as a Hugging Face `LlamaConfig` config.json.
//
// Field names and meanings are Hugging Face's (transformers
// src/transformers/models/llama/configuration_llama.py, the LlamaConfig docstring),
// so the same file loads in transformers and transformers.js:
//
//   hidden_size              D, the residual stream width
//   intermediate_size        I, the MLP's width (gate_proj and up_proj: D → I, down_proj: I → D)
//   num_hidden_layers        number of decoder blocks
//   num_attention_heads      H, query heads per block
//   num_key_value_heads      H_kv, key/value heads: H_kv = H is multi-head attention, H_kv = 1
//                            multi-query, anything between grouped-query (Ainslie et al. 2023);
//                            HF's default when absent is H
//   head_dim                 d, features per head; HF's default when absent is D / H
//   max_position_embeddings  the longest sequence the model is meant to see
//   rms_norm_eps             ε in RMSNorm's 1/sqrt(mean(x²) + ε)
//   rope_theta               "the base period of the RoPE embeddings": θ_i = rope_theta^(−2i/d)
//   rope_scaling             null, or how to stretch RoPE past the trained context: rope_type
//                            "linear" (position interpolation), "dynamic" (NTK-aware, grows with
//                            the sequence), "yarn" or "llama3", with `factor` = new / old context
//   vocab_size               rows of embed_tokens (and of lm_head)
//   tie_word_embeddings      lm_head shares embed_tokens' weights (HF's default: false)
//   hidden_act               the MLP's activation: "silu" makes it SwiGLU
//   attention_bias, mlp_bias whether q/k/v/o_proj, resp. gate/up/down_proj have biases
//
// transformers ≥ 5 writes rope_theta and rope_scaling together as `rope_parameters`
// ({ rope_type, rope_theta, factor, … }); parseLlamaConfig reads either spelling, so a
// newer file does not silently fall back to the default θ of 10000.
//
// Every check below names the field and says what would be right, in one line; the
// limits are checked here, before anything is allocated from the numbers.

import { UserError } from "@llm-labs/errors";
import { z } from "zod";

// What the course will build from a config. A Float32 buffer of MAX_PARAMS weights is
// 1 GiB, the most a laptop CPU course should try (training needs 4× that: weights,
// gradients, two AdamW moments). The largest KV cache for one sequence at
// max_position_embeddings (2 · layers · H_kv · d · positions floats) gets the same limit.
export const LLAMA_LIMITS = {
  maxParams: 2 ** 28, // 268,435,456 parameters
  maxPositions: 2 ** 17, // 131,072 positions (Llama 3.1's context)
  maxKVFloats: 2 ** 28, // floats in one sequence's full KV cache
} as const;

// "is missing: a whole number > 0 (query heads)", "must be a whole number > 0 (query heads), got 1.5"
const positiveInt = (what: string) => {
  const error = (i: { input?: unknown }) =>
    i.input === undefined
      ? `is missing: a whole number > 0 (${what})`
      : `must be a whole number > 0 (${what}), got ${JSON.stringify(i.input)}`;
  return z.number({ error }).int({ error }).positive({ error });
};

const tokenId = z
  .number({ error: "must be a token id: a whole number ≥ 0 (or null)" })
  .int({ error: "must be a token id: a whole number ≥ 0 (or null)" })
  .nonnegative({ error: "must be a token id: a whole number ≥ 0 (or null)" });

// rope_scaling: { rope_type (or the older spelling `type`), factor, … }
const RopeScalingSchema = z
  .object({
    rope_type: z.enum(["default", "linear", "dynamic", "yarn", "llama3"], {
      error: (i) =>
        `${JSON.stringify(i.input)} is not supported here; use "linear", "dynamic", "yarn" or "llama3" (or rope_scaling: null)`,
    }),
    factor: z
      .number({ error: "must be a number ≥ 1 (new context / trained context)" })
      .min(1, { error: "must be ≥ 1 (new context / trained context); 1 means no scaling" })
      .optional(),
    original_max_position_embeddings: positiveInt("the context the model was trained on").optional(),
    // llama3: wavelengths below L/high_freq_factor are kept, above L/low_freq_factor divided by factor
    low_freq_factor: z.number().positive().optional(),
    high_freq_factor: z.number().positive().optional(),
    // yarn: the ramp between interpolated and extrapolated dimensions, and the attention temperature
    beta_fast: z.number().positive().optional(),
    beta_slow: z.number().positive().optional(),
    attention_factor: z.number().positive().optional(),
  })
  .loose();

export type RopeScaling = z.infer<typeof RopeScalingSchema>;

const LlamaConfigObject = z
  .object({
    model_type: z.literal("llama", { error: 'must be "llama" (this is a Llama config)' }),
    architectures: z.array(z.string()).default(["LlamaForCausalLM"]),
    vocab_size: positiveInt("rows of embed_tokens"),
    hidden_size: positiveInt("the residual stream width"),
    intermediate_size: positiveInt("the MLP width"),
    num_hidden_layers: positiveInt("decoder blocks"),
    num_attention_heads: positiveInt("query heads"),
    num_key_value_heads: positiveInt("key/value heads").nullish(),
    head_dim: positiveInt("features per head").nullish(),
    max_position_embeddings: positiveInt("the longest sequence"),
    rms_norm_eps: z
      .number({ error: "must be a small number > 0, e.g. 1e-5 or 1e-6" })
      .positive({ error: "must be a small number > 0, e.g. 1e-5 or 1e-6" })
      .default(1e-6),
    rope_theta: z
      .number({ error: "must be a number > 0: RoPE's base, θ_i = rope_theta^(−2i/d) (10000 in Llama 2)" })
      .positive({ error: "must be > 0: RoPE's base, θ_i = rope_theta^(−2i/d) (10000 in Llama 2)" })
      .default(10000),
    rope_scaling: RopeScalingSchema.nullable().default(null),
    tie_word_embeddings: z.boolean().default(false),
    hidden_act: z.literal("silu", { error: 'must be "silu": the Llama MLP is SwiGLU' }).default("silu"),
    attention_bias: z
      .literal(false, { error: "must be false: the specimen's q/k/v/o_proj have no bias" })
      .default(false),
    mlp_bias: z
      .literal(false, { error: "must be false: the specimen's gate/up/down_proj have no bias" })
      .default(false),
    bos_token_id: tokenId.nullish(),
    eos_token_id: z.union([tokenId, z.array(tokenId).min(1)], {
      error: "must be a token id (a whole number ≥ 0) or a list of them",
    }),
    pad_token_id: tokenId.nullish(),
  })
  .loose(); // keep fields we do not use (torch_dtype, transformers_version, initializer_range, …)

// Whole numbers that divide n, for "what would be right" (e.g. 1, 2, 4 or 8).
function divisors(n: number): string {
  const ds: number[] = [];
  for (let i = 1; i <= Math.min(n, 65536) && ds.length < 8; i++) if (n % i === 0) ds.push(i);
  return ds.length > 1 ? `${ds.slice(0, -1).join(", ")} or ${ds.at(-1)}` : `${ds[0]}`;
}

export const LlamaConfigSchema = LlamaConfigObject.superRefine((c, ctx) => {
  const fail = (path: string | null, message: string) =>
    ctx.addIssue({ code: "custom", path: path === null ? [] : [path], message });
  const H = c.num_attention_heads;
  const Hkv = c.num_key_value_heads ?? H;
  // HF's LlamaConfig.validate_architecture refuses this too: each head reads D / H features.
  if (c.hidden_size % H !== 0)
    return fail(
      "num_attention_heads",
      `${H} does not divide hidden_size (${c.hidden_size}); use one of ${divisors(c.hidden_size)}`,
    );
  // Grouped-query attention: query head h reads KV head ⌊h / (H / H_kv)⌋, so the groups must be equal.
  if (H % Hkv !== 0)
    return fail(
      "num_key_value_heads",
      `${Hkv} does not divide num_attention_heads (${H}); use one of ${divisors(H)}`,
    );
  const d = c.head_dim ?? c.hidden_size / H;
  if (d % 2 !== 0) {
    if (c.head_dim != null) return fail("head_dim", `${d} must be even: RoPE rotates pairs of features`);
    return fail(
      "num_attention_heads",
      `${H} gives head_dim = hidden_size / num_attention_heads = ${d}, which must be even (RoPE rotates pairs of features)`,
    );
  }
  for (const [key, id] of [
    ["bos_token_id", c.bos_token_id],
    ["pad_token_id", c.pad_token_id],
    ...(Array.isArray(c.eos_token_id) ? c.eos_token_id : [c.eos_token_id]).map((e) => ["eos_token_id", e]),
  ] as [string, number | null | undefined][])
    if (id != null && id >= c.vocab_size)
      return fail(key, `${id} must be < vocab_size (${c.vocab_size}): ids are 0 … ${c.vocab_size - 1}`);
  const s = c.rope_scaling;
  if (s && s.rope_type !== "default") {
    if (s.factor === undefined)
      return fail(
        "rope_scaling",
        `rope_type "${s.rope_type}" needs a factor (new context / trained context)`,
      );
    if (s.rope_type === "llama3") {
      for (const key of ["low_freq_factor", "high_freq_factor", "original_max_position_embeddings"] as const)
        if (s[key] === undefined) return fail("rope_scaling", `rope_type "llama3" needs ${key}`);
      if ((s.high_freq_factor ?? 0) <= (s.low_freq_factor ?? 0))
        return fail(
          "rope_scaling",
          `high_freq_factor (${s.high_freq_factor}) must be > low_freq_factor (${s.low_freq_factor})`,
        );
    }
  }
  if (c.max_position_embeddings > LLAMA_LIMITS.maxPositions)
    return fail(
      "max_position_embeddings",
      `${c.max_position_embeddings} is above the course's limit; use at most ${LLAMA_LIMITS.maxPositions}`,
    );
  const full = { ...c, num_key_value_heads: Hkv, head_dim: d };
  const n = llamaParamCount(full);
  if (n > LLAMA_LIMITS.maxParams)
    return fail(
      null,
      `the model would have ${n.toExponential(3)} parameters, above the course's limit of ${LLAMA_LIMITS.maxParams} (2^28, 1 GiB of float32); make hidden_size, intermediate_size, num_hidden_layers or vocab_size smaller`,
    );
  const kv = 2 * c.num_hidden_layers * Hkv * d * c.max_position_embeddings;
  if (kv > LLAMA_LIMITS.maxKVFloats)
    return fail(
      null,
      `a KV cache for one sequence of max_position_embeddings (${c.max_position_embeddings}) needs ${kv.toExponential(3)} floats, above the course's limit of ${LLAMA_LIMITS.maxKVFloats} (2^28); make max_position_embeddings or num_key_value_heads smaller`,
    );
}).transform((c) => {
  // HF's defaults for the two optional sizes (LlamaConfig.__init__), filled in so nothing downstream guesses.
  const num_key_value_heads = c.num_key_value_heads ?? c.num_attention_heads;
  const head_dim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const rope_scaling = c.rope_scaling && c.rope_scaling.rope_type !== "default" ? c.rope_scaling : null;
  return { ...c, num_key_value_heads, head_dim, rope_scaling };
});

export type LlamaConfig = z.infer<typeof LlamaConfigSchema>;

// The parameter count, from the shapes of HF's LlamaForCausalLM (nn.Linear weights are [out, in]):
//   model.embed_tokens.weight                       [V, D]
//   model.layers.N.input_layernorm.weight           [D]          RMSNorm γ before attention
//   model.layers.N.self_attn.{q,k,v,o}_proj.weight  [H·d, D], [H_kv·d, D], [H_kv·d, D], [D, H·d]
//   model.layers.N.post_attention_layernorm.weight  [D]          RMSNorm γ before the MLP
//   model.layers.N.mlp.{gate,up,down}_proj.weight   [I, D], [I, D], [D, I]
//   model.norm.weight                               [D]
//   lm_head.weight                                  [V, D]       absent when tie_word_embeddings
export function llamaParamCount(
  c: Pick<
    LlamaConfig,
    | "vocab_size"
    | "hidden_size"
    | "intermediate_size"
    | "num_hidden_layers"
    | "num_attention_heads"
    | "num_key_value_heads"
    | "head_dim"
    | "tie_word_embeddings"
  >,
): number {
  const D = c.hidden_size;
  const I = c.intermediate_size;
  const attn = D * c.num_attention_heads * c.head_dim * 2 + D * c.num_key_value_heads * c.head_dim * 2;
  const mlp = 3 * D * I;
  const embed = c.vocab_size * D * (c.tie_word_embeddings ? 1 : 2);
  return embed + c.num_hidden_layers * (attn + mlp + 2 * D) + D;
}

// transformers ≥ 5's `rope_parameters` → the rope_theta / rope_scaling this schema reads.
function fromRopeParameters(json: unknown): unknown {
  if (typeof json !== "object" || json === null || !("rope_parameters" in json)) return json;
  const { rope_parameters: rp, ...rest } = json as Record<string, unknown>;
  if (typeof rp !== "object" || rp === null) return json;
  const { rope_theta, ...scaling } = rp as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest };
  if (out.rope_theta === undefined && rope_theta !== undefined) out.rope_theta = rope_theta;
  if (out.rope_scaling === undefined) out.rope_scaling = scaling.rope_type === "default" ? null : scaling;
  return out;
}

// rope_scaling's older spelling { type: "linear" } (HF copies `type` into `rope_type`).
function legacyRopeType(json: unknown): unknown {
  if (typeof json !== "object" || json === null) return json;
  const s = (json as Record<string, unknown>).rope_scaling;
  if (typeof s !== "object" || s === null || "rope_type" in s || !("type" in s)) return json;
  const { type, ...rest } = s as Record<string, unknown>;
  return { ...json, rope_scaling: { rope_type: type, ...rest } };
}

// "rope_theta: must be > 0: …; vocab_size: is missing: …", on one line (a whole-model limit has no field).
function describe(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

// Parses and checks a config object; `where` names the file in the error.
export function parseLlamaConfig(json: unknown, where = "config"): LlamaConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new UserError(
      `${where}: invalid Llama config: expected a JSON object { "model_type": "llama", … }`,
    );
  const result = LlamaConfigSchema.safeParse(legacyRopeType(fromRopeParameters(json)));
  if (!result.success) throw new UserError(`${where}: invalid Llama config: ${describe(result.error)}`);
  return result.data;
}
