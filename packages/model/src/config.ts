// The model's hyperparameters, as a Hugging Face GPT-2 `config.json`.
//
// We use the field names of Hugging Face's GPT2Config (transformers
// src/transformers/models/gpt2/configuration_gpt2.py) so the same file loads in
// transformers.js, which maps them to its own names (configs.js, case 'gpt2':
// num_heads = n_head, num_layers = n_layer, hidden_size = n_embd).
//
//   n_layer             number of transformer blocks
//   n_head              attention heads per block; head_dim = n_embd / n_head
//   n_embd              the residual stream width D
//   n_positions         the longest context: rows of the learned position table
//   vocab_size          rows of the token embedding (and of the tied LM head)
//   layer_norm_epsilon  ε in LayerNorm's 1/sqrt(var + ε)
//   activation_function "gelu_new": GELU with the tanh approximation, GPT-2's
//
// zod checks the file, so a missing or misspelt field is reported by name
// instead of surfacing later as a NaN or an out-of-bounds read.

import { UserError } from "@llm-labs/errors";
import { z } from "zod";

// Limits, checked before anything is allocated: a typo such as n_layer 1e7
// would otherwise run V8 out of memory after minutes, and n_positions 1e9
// fails deep inside a typed-array constructor. They are far above the
// course's models (2 to 4 layers, 64 to 128 wide) and at or above GPT-3's.
export const CONFIG_LIMITS = {
  n_layer: 256,
  n_head: 1024,
  n_embd: 16_384,
  n_positions: 1 << 20,
  vocab_size: 1 << 20, // tokenizer ids are below 2^20 (lab 01, pairs.ts)
  // Every weight lives in one Float32Array: 500M parameters are 2 GB.
  parameters: 500_000_000,
} as const;

const dim = (name: keyof typeof CONFIG_LIMITS) =>
  z
    .number()
    .int()
    .positive()
    .max(
      CONFIG_LIMITS[name],
      `must be at most ${CONFIG_LIMITS[name]} (the course's limit, CONFIG_LIMITS in config.ts)`,
    );

export const GPTConfigSchema = z
  .object({
    model_type: z.literal("gpt2"),
    architectures: z.array(z.string()).default(["GPT2LMHeadModel"]),
    n_layer: dim("n_layer"),
    n_head: dim("n_head"),
    n_embd: dim("n_embd"),
    n_positions: dim("n_positions"),
    vocab_size: dim("vocab_size"),
    layer_norm_epsilon: z.number().positive().default(1e-5),
    activation_function: z.literal("gelu_new").default("gelu_new"),
    bos_token_id: z.number().int().nonnegative(),
    eos_token_id: z.number().int().nonnegative(),
    tie_word_embeddings: z.literal(true).default(true),
  })
  .loose() // keep fields we do not use (torch_dtype, transformers_version, …)
  .superRefine((c, ctx) => {
    if (c.n_embd % c.n_head !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["n_embd"],
        message: `n_embd (${c.n_embd}) must be divisible by n_head (${c.n_head})`,
      });
    }
    // The closed form of countParams (params.ts), computed without listing 12 tensors per layer.
    const D = c.n_embd;
    const params = (c.vocab_size + c.n_positions) * D + c.n_layer * (12 * D * D + 13 * D) + 2 * D;
    if (params > CONFIG_LIMITS.parameters) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `these sizes make ${params.toExponential(2)} parameters, above the course's limit of ${CONFIG_LIMITS.parameters.toLocaleString("en-US")} (${(CONFIG_LIMITS.parameters * 4) / 1e9} GB of float32)`,
      });
    }
    for (const key of ["bos_token_id", "eos_token_id"] as const) {
      if (c[key] >= c.vocab_size) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${key} (${c[key]}) must be < vocab_size (${c.vocab_size})`,
        });
      }
    }
  });

export type GPTConfig = z.infer<typeof GPTConfigSchema>;

// "n_head: expected number, received undefined; vocab_size: …"
function describe(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}

// Parses and checks a config object; `where` names the file in the error.
export function parseConfig(json: unknown, where = "config"): GPTConfig {
  const result = GPTConfigSchema.safeParse(json);
  if (!result.success) throw new UserError(`${where}: invalid GPT-2 config: ${describe(result.error)}`);
  return result.data;
}

// A config from the fields that matter, with the GPT-2 defaults for the rest.
export function makeConfig(c: {
  n_layer: number;
  n_head: number;
  n_embd: number;
  n_positions: number;
  vocab_size: number;
  bos_token_id?: number;
  eos_token_id?: number;
}): GPTConfig {
  const eos = c.eos_token_id ?? c.vocab_size - 1;
  return parseConfig({ model_type: "gpt2", ...c, bos_token_id: c.bos_token_id ?? eos, eos_token_id: eos });
}

export function headDim(c: GPTConfig): number {
  return c.n_embd / c.n_head;
}
