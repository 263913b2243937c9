// Hugging Face PEFT's adapter folder, written and read for the specimen, so an
// adapter trained here loads with `PeftModel.from_pretrained(gpt2, dir)` and one
// trained with PEFT on a same-shaped GPT-2 loads here.
//
// Learned from the PEFT source (github.com/huggingface/peft), nothing copied:
//   src/peft/peft_model.py            save_pretrained (the two files, inference_mode true, {"format": "pt"}),
//                                     get_prompt_embedding_to_save, get_prompt (prefix → past_key_values)
//   src/peft/utils/save_and_load.py   get_peft_model_state_dict: adapter tensors only, adapter name removed
//   src/peft/tuners/tuners_utils.py   _remove_adapter_name_from_state_dict_key, check_target_module_exists,
//                                     BasePromptEncoder (the single "prompt_embeddings" tensor)
//   src/peft/config.py                PeftConfig / PromptLearningConfig fields; JSON sorted, indent 2
//   src/peft/utils/constants.py       file names; gpt2's default LoRA and IA3 target / feedforward modules
//   src/peft/utils/other.py           _prepare_prompt_learning_config: token_dim ← n_embd, num_layers ← n_layer
//   src/peft/tuners/lora/{config,layer}.py          lora_A [r, in], lora_B [out, r]; Conv1D forces fan_in_fan_out
//   src/peft/tuners/ia3/{config,layer,model}.py     ia3_l shapes, the feedforward rule, merge scales the bias
//   src/peft/tuners/prompt_tuning/{config,model}.py, src/peft/tuners/prefix_tuning/{config,model}.py
//
// The folder:
//   adapter_config.json         what the adapter is: peft_type, task_type, r, lora_alpha, target_modules, …
//   adapter_model.safetensors   its tensors, named as in PEFT's wrapped model with the adapter name
//                               ("default") taken out. PeftModel → LoraModel.model → GPT2LMHeadModel gives
//                               the "base_model.model." prefix:
//
//   LORA           base_model.model.transformer.h.{i}.attn.c_attn.lora_A.weight   [r, IN]
//                  base_model.model.transformer.h.{i}.attn.c_attn.lora_B.weight   [OUT, r]
//                  GPT-2's linears are Conv1D (weight [IN, OUT], like ours), so PEFT sets fan_in_fan_out
//                  and merges W += s·(B·A)ᵀ: A and B are stored exactly as lab 05 stores them.
//   IA3            base_model.model.transformer.h.{i}.attn.c_attn.ia3_l   [3C, 1]   (an nn.Parameter, so no
//                  base_model.model.transformer.h.{i}.mlp.c_proj.ia3_l    [1, 4C]    ".weight" after the name)
//   PROMPT_TUNING  prompt_embeddings   [P, C]          (no prefix: it lives on the prompt encoder)
//   PREFIX_TUNING  prompt_embeddings   [P, L·2·C]      row p = layer 0 key, layer 0 value, layer 1 key, …
//
// IA3: PEFT's non-feedforward layer multiplies the linear's output, after the bias (and its merge scales
// weight columns and bias alike); its feedforward layer multiplies the input, i.e. the weight's rows. That
// is lab 05's ia3Peft exactly, except that PEFT's c_attn vector covers q as well: we write q's scales as 1
// and refuse a file whose q scales are not.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { UserError } from "@llm-labs/kit";
import { linearShape, readSafetensors, writeSafetensors, type GPT, type SafeTensor } from "@llm-labs/model";
import { checkLora, createAdapter, FILE_NAMES, TARGETS, type Adapter, type Target } from "@llm-labs/lab-lora";
import type { Floats } from "@llm-labs/tensor";
import { z } from "zod";

export const CONFIG_FILE = "adapter_config.json";
export const WEIGHTS_FILE = "adapter_model.safetensors";

export type PeftAdapter =
  | { type: "lora"; adapter: Adapter }
  | { type: "ia3"; params: Floats } // lab 05's layout: per layer [2C k, v scales | 4C mlp.c_proj row scales]
  | { type: "prompt"; P: number; prompt: Float32Array } // [P, C] soft prompt
  | { type: "prefix"; P: number; prefix: Float32Array }; // [L, 2, P, C], head h in columns h·d … (h+1)·d

// Our linear names → GPT-2's module paths under a block.
export const MODULES: Record<Target, string> = FILE_NAMES;
const modulePath = (layer: number, t: Target) => `transformer.h.${layer}.${MODULES[t]}`;
export const peftKey = (layer: number, t: Target, leaf: string) =>
  `base_model.model.${modulePath(layer, t)}.${leaf}`;
export const PROMPT_KEY = "prompt_embeddings";

const fail = (where: string, msg: string): never => {
  throw new UserError(`${where}: ${msg}`);
};

// ---------------------------------------------------------------------------
// Saving

// Writes dir/adapter_config.json and dir/adapter_model.safetensors. `base` is the
// base checkpoint's folder; its name goes in base_model_name_or_path.
export function savePeftAdapter(dir: string, model: GPT, a: PeftAdapter, base?: string): void {
  const { n_layer: L, n_embd: C, n_head: H } = model.config;
  const tensors: [string, { dtype: "F32"; shape: number[]; data: Float32Array }][] = [];
  const put = (name: string, shape: number[], data: ArrayLike<number>) =>
    tensors.push([name, { dtype: "F32", shape, data: Float32Array.from(data) }]);
  // Fields every PeftConfig has; save_pretrained always writes inference_mode true.
  const common = {
    base_model_name_or_path: base === undefined ? null : basename(base),
    inference_mode: true,
    revision: null,
    task_type: "CAUSAL_LM",
  };
  let config: Record<string, unknown>;
  if (a.type === "lora") {
    const ad = a.adapter;
    if (ad.entries.length !== L * ad.targets.length)
      fail(
        "savePeftAdapter",
        `the adapter has ${ad.entries.length} layers × linears, this model ${L} × ${ad.targets.length}`,
      );
    for (const e of ad.entries) {
      checkLora(e.lora, ...linearShape(model, e.target), "savePeftAdapter");
      put(peftKey(e.layer, e.target, "lora_A.weight"), [e.lora.r, e.lora.IN], e.lora.A);
      put(peftKey(e.layer, e.target, "lora_B.weight"), [e.lora.OUT, e.lora.r], e.lora.B);
    }
    config = {
      ...common,
      peft_type: "LORA",
      r: ad.r,
      lora_alpha: ad.alpha,
      // Full paths: PEFT matches an entry against the end of each module name, so a bare
      // "c_proj" would adapt attn.c_proj AND mlp.c_proj.
      target_modules: ad.targets.map((t) => MODULES[t]),
      fan_in_fan_out: true, // Conv1D stores [IN, OUT]; PEFT would force it anyway
      bias: "none",
      lora_dropout: 0,
      init_lora_weights: true,
      use_rslora: false, // scale α/r, as lab 05
      use_dora: false,
      modules_to_save: null,
      layers_to_transform: null,
      layers_pattern: null,
      rank_pattern: {},
      alpha_pattern: {},
    };
  } else if (a.type === "ia3") {
    if (a.params.length !== L * 6 * C)
      fail(
        "savePeftAdapter",
        `IA3 params hold ${a.params.length} numbers; this model's ia3Peft has ${L} × 6·${C} = ${L * 6 * C}`,
      );
    for (let l = 0; l < L; l++) {
      const at = l * 6 * C;
      const qkv = new Float32Array(3 * C).fill(1); // q's scales are 1: lab 05 leaves q alone
      qkv.set(a.params.subarray(at, at + 2 * C), C);
      put(peftKey(l, "c_attn", "ia3_l"), [3 * C, 1], qkv);
      put(peftKey(l, "mlp_c_proj", "ia3_l"), [1, 4 * C], a.params.subarray(at + 2 * C, at + 6 * C));
    }
    config = {
      ...common,
      peft_type: "IA3",
      target_modules: [MODULES.c_attn, MODULES.mlp_c_proj], // PEFT's gpt2 default
      feedforward_modules: [MODULES.mlp_c_proj],
      fan_in_fan_out: true,
      init_ia3_weights: true,
      modules_to_save: null,
    };
  } else {
    const prompt = a.type === "prompt";
    const width = prompt ? C : L * 2 * C;
    const data = prompt ? a.prompt : a.prefix;
    if (!Number.isInteger(a.P) || a.P < 1)
      fail("savePeftAdapter", `P must be a whole number ≥ 1, got ${a.P}`);
    if (data.length !== a.P * width)
      fail("savePeftAdapter", `the ${a.type} holds ${data.length} numbers, P = ${a.P} needs ${a.P * width}`);
    put(PROMPT_KEY, [a.P, width], prompt ? data : prefixToPeft(data, L, a.P, C));
    config = {
      ...common,
      peft_type: prompt ? "PROMPT_TUNING" : "PREFIX_TUNING",
      num_virtual_tokens: a.P,
      token_dim: C,
      num_layers: L,
      num_attention_heads: H,
      num_transformer_submodules: 1, // a decoder-only model; 2 is for encoder-decoder
      modules_to_save: null,
      ...(prompt
        ? { prompt_tuning_init: "RANDOM", prompt_tuning_init_text: null, tokenizer_name_or_path: null }
        : { prefix_projection: false }),
    };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CONFIG_FILE), `${JSON.stringify(sortKeys(config), null, 2)}\n`);
  writeFileSync(join(dir, WEIGHTS_FILE), writeSafetensors(tensors, { format: "pt" }));
}

const sortKeys = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// Ours [L·2, P, C] ↔ PEFT's [P, L·2, C]: get_prompt views a row as (L·2, H, d) and
// splits it into per-layer (key, value) pairs, so only the first two axes swap.
function prefixToPeft(ours: ArrayLike<number>, L: number, P: number, C: number): Float32Array {
  const out = new Float32Array(L * 2 * P * C);
  for (let g = 0; g < 2 * L; g++)
    for (let p = 0; p < P; p++)
      for (let c = 0; c < C; c++) out[(p * 2 * L + g) * C + c] = ours[(g * P + p) * C + c];
  return out;
}
function prefixFromPeft(peft: Float32Array, L: number, P: number, C: number): Float32Array {
  const out = new Float32Array(L * 2 * P * C);
  for (let g = 0; g < 2 * L; g++)
    for (let p = 0; p < P; p++)
      out.set(peft.subarray((p * 2 * L + g) * C, (p * 2 * L + g + 1) * C), (g * P + p) * C);
  return out;
}

// ---------------------------------------------------------------------------
// Loading: everything in the folder is checked against `model` before a number is used.

const Modules = z.union([z.string(), z.array(z.string())]).nullish();
const Base = z.looseObject({
  peft_type: z.string({ error: "missing (PEFT writes LORA, IA3, PROMPT_TUNING, …)" }),
  task_type: z.string().nullish(),
});
const LoraConfig = z.looseObject({
  r: z.number().int().positive(),
  lora_alpha: z.number().positive(),
  target_modules: Modules,
});
const Ia3Config = z.looseObject({ target_modules: Modules, feedforward_modules: Modules });
const PromptConfig = z.looseObject({
  num_virtual_tokens: z.number().int().positive(),
  // PEFT fills these from the base model's config when they are null.
  token_dim: z.number().int().nullish(),
  num_layers: z.number().int().nullish(),
  num_attention_heads: z.number().int().nullish(),
  num_transformer_submodules: z.number().int().nullish(),
});

// Options that change what the tensors mean (or add tensors) and that lab 05 does not do.
const NOT_HERE: Record<string, string> = {
  use_rslora: "scales by α/√r; lab 05 scales by α/r",
  use_dora: "DoRA adds a magnitude vector per linear",
  bias: "trained biases are extra tensors",
  lora_bias: "a bias on lora_B is an extra tensor",
  rank_pattern: "lab 05 uses one r for every linear",
  alpha_pattern: "lab 05 uses one α for every linear",
  layers_to_transform: "lab 05 adapts every layer",
  exclude_modules: "lab 05 adapts a linear in every layer or in none",
  modules_to_save: "fully trained modules are extra tensors",
  target_parameters: "lab 05 adapts modules, not raw parameters",
  trainable_token_indices: "trained embedding rows are extra tensors",
  layer_replication: "lab 05's model has its layers once",
  use_qalora: "QA-LoRA pools the input; lab 05 does not",
  alora_invocation_tokens: "activated LoRA switches on mid-sequence; lab 05's is always on",
};
const unset = (v: unknown) =>
  v == null ||
  v === false ||
  v === "none" ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);
function refuseOptions(json: Record<string, unknown>, fields: string[], where: string): void {
  for (const f of fields)
    if (!unset(json[f]))
      fail(where, `${f} = ${JSON.stringify(json[f])} is not supported here (${NOT_HERE[f]})`);
}

function parse<T>(schema: z.ZodType<T>, json: unknown, where: string): T {
  const r = schema.safeParse(json);
  if (!r.success)
    fail(
      where,
      r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; "),
    );
  return (r as { data: T }).data;
}

export function loadPeftAdapter(dir: string, model: GPT): PeftAdapter {
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  if (!existsSync(dir)) fail(dir, "no such folder");
  if (!statSync(dir).isDirectory())
    fail(dir, `is a file; a PEFT adapter is a folder holding ${CONFIG_FILE} and ${WEIGHTS_FILE}`);
  if (!existsSync(configPath)) fail(dir, `${CONFIG_FILE} is missing; this is not a PEFT adapter folder`);
  if (!existsSync(weightsPath))
    fail(
      dir,
      existsSync(join(dir, "adapter_model.bin"))
        ? `only adapter_model.bin (a pickle) is here; save with safe_serialization=True to get ${WEIGHTS_FILE}`
        : `${WEIGHTS_FILE} is missing`,
    );
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (e) {
    fail(configPath, `not valid JSON (${e instanceof Error ? e.message.replace(/\s*[\r\n]+\s*/g, " ") : e})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    fail(configPath, 'must hold a JSON object like {"peft_type": "LORA", …}');
  const base = parse(Base, json, configPath);
  if (base.task_type != null && base.task_type !== "CAUSAL_LM")
    fail(configPath, `task_type "${base.task_type}": the specimen is a causal LM, PEFT's CAUSAL_LM`);
  const file = readSafetensors(readFileSync(weightsPath), weightsPath);
  const cfg = json as Record<string, unknown>;
  switch (base.peft_type) {
    case "LORA":
      return { type: "lora", adapter: loadLora(model, cfg, file.tensors, configPath, weightsPath) };
    case "IA3":
      return { type: "ia3", params: loadIa3(model, cfg, file.tensors, configPath, weightsPath) };
    case "PROMPT_TUNING":
    case "P_TUNING": // its prompt_embeddings are the encoder's output, used as-is at inference
    case "PREFIX_TUNING":
      return loadPrompt(model, cfg, base.peft_type, file.tensors, configPath, weightsPath);
    default:
      return fail(
        configPath,
        `peft_type "${base.peft_type}" is not one this course reads (LORA, IA3, PROMPT_TUNING, P_TUNING, PREFIX_TUNING)`,
      );
  }
}

// PEFT's target_modules rule (check_target_module_exists): a string is a regex that must
// match a whole module name; a list entry matches that name or the end of it after a ".".
// IA3's feedforward_modules drops the "." (a bare suffix). Returns our linears in the list's
// order, after checking that every layer gets the same ones.
function selectLinears(
  spec: string | string[],
  field: string,
  L: number,
  where: string,
  dot = ".",
): Target[] {
  // PEFT's shorthand for every Linear/Conv1D but the output head: all four, in GPT-2.
  if (spec === "all-linear" && field === "target_modules") return [...TARGETS];
  let re: RegExp | undefined;
  if (typeof spec === "string")
    try {
      re = new RegExp(`^(?:${spec})$`);
    } catch {
      fail(where, `${field} "${spec}" is not a regular expression this course can read`);
    }
  const entries = typeof spec === "string" ? [spec] : spec;
  const hit = (e: string, name: string) => (re ? re.test(name) : name === e || name.endsWith(dot + e));
  const inLayer = (l: number) => TARGETS.filter((t) => entries.some((e) => hit(e, modulePath(l, t))));
  const all = TARGETS.map(MODULES_OF).join(", ");
  for (const e of entries)
    if (!TARGETS.some((t) => Array.from({ length: L }, (_, l) => hit(e, modulePath(l, t))).some(Boolean)))
      fail(where, `${field} entry "${e}" names none of the linears lab 05 adapts (${all} in each block)`);
  const first = inLayer(0);
  for (let l = 1; l < L; l++)
    if (inLayer(l).join() !== first.join())
      fail(
        where,
        `${field} selects [${first.map(MODULES_OF)}] in layer 0 but [${inLayer(l).map(MODULES_OF)}] in layer ${l}; lab 05's adapters treat every layer alike`,
      );
  // A list keeps its own order (so our targets round-trip); a regex gets ours.
  return re
    ? first
    : entries
        .flatMap((e) => TARGETS.filter((t) => hit(e, modulePath(0, t))))
        .filter((t, i, a) => a.indexOf(t) === i);
}
const MODULES_OF = (t: Target) => MODULES[t];

interface Want {
  shape: number[];
  why: string; // where the shape comes from, for the error
}

// Exactly the expected keys, each F32, of the expected shape and finite; returns the values.
function takeTensors(
  tensors: Map<string, SafeTensor>,
  want: Map<string, Want>,
  where: string,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, w] of want) {
    const t = tensors.get(name);
    if (!t) return fail(where, `missing tensor ${name} [${w.shape.join(", ")}]`);
    if (t.shape.join() !== w.shape.join())
      fail(where, `${name} is [${t.shape.join(", ")}], expected [${w.shape.join(", ")}] (${w.why})`);
    if (t.dtype !== "F32") fail(where, `${name} is ${t.dtype}; this course reads F32 adapters only`);
    const v = new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4);
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) fail(where, `${name} holds ${v[bad]} at index ${bad}`);
    out.set(name, v);
  }
  for (const name of tensors.keys())
    if (!want.has(name))
      fail(
        where,
        `unexpected tensor ${name}: not one of the ${want.size} that ${CONFIG_FILE} implies for this model`,
      );
  return out;
}

function loadLora(
  model: GPT,
  json: Record<string, unknown>,
  tensors: Map<string, SafeTensor>,
  configPath: string,
  weightsPath: string,
): Adapter {
  const cfg = parse(LoraConfig, json, configPath);
  refuseOptions(json, Object.keys(NOT_HERE), configPath);
  const L = model.config.n_layer;
  const targets = selectLinears(cfg.target_modules ?? ["c_attn"], "target_modules", L, configPath); // null: gpt2's default
  const a = createAdapter(model, { r: cfg.r, alpha: cfg.lora_alpha, targets }, 0); // every value is overwritten
  const want = new Map<string, Want>();
  for (const e of a.entries) {
    const m = `layer ${e.layer} ${MODULES[e.target]}`;
    want.set(peftKey(e.layer, e.target, "lora_A.weight"), {
      shape: [cfg.r, e.lora.IN],
      why: `lora_A is [r, in_features]: r = ${cfg.r} from ${CONFIG_FILE}, in_features = ${e.lora.IN} for ${m} of this model`,
    });
    want.set(peftKey(e.layer, e.target, "lora_B.weight"), {
      shape: [e.lora.OUT, cfg.r],
      why: `lora_B is [out_features, r]: out_features = ${e.lora.OUT} for ${m} of this model, r = ${cfg.r}`,
    });
  }
  const got = takeTensors(tensors, want, weightsPath);
  for (const e of a.entries) {
    e.lora.A.set(got.get(peftKey(e.layer, e.target, "lora_A.weight")) as Float32Array);
    e.lora.B.set(got.get(peftKey(e.layer, e.target, "lora_B.weight")) as Float32Array);
  }
  return a;
}

function loadIa3(
  model: GPT,
  json: Record<string, unknown>,
  tensors: Map<string, SafeTensor>,
  configPath: string,
  weightsPath: string,
): Float32Array {
  const cfg = parse(Ia3Config, json, configPath);
  refuseOptions(json, ["modules_to_save", "exclude_modules"], configPath);
  const { n_layer: L, n_embd: C } = model.config;
  // null: PEFT's gpt2 defaults, which are exactly what lab 05's ia3Peft scales.
  const targets = selectLinears(
    cfg.target_modules ?? ["c_attn", "mlp.c_proj"],
    "target_modules",
    L,
    configPath,
  );
  const ff = selectLinears(
    cfg.feedforward_modules ?? ["mlp.c_proj"],
    "feedforward_modules",
    L,
    configPath,
    "",
  );
  const ours = `lab 05's IA3 scales attn.c_attn's outputs and mlp.c_proj's inputs (target_modules ["c_attn", "mlp.c_proj"], feedforward_modules ["mlp.c_proj"], PEFT's gpt2 default)`;
  if (
    [...targets].sort().join() !== "c_attn,mlp_c_proj" ||
    ff.filter((t) => targets.includes(t)).join() !== "mlp_c_proj"
  )
    fail(
      configPath,
      `target_modules selects [${targets.map(MODULES_OF)}], feedforward [${ff.map(MODULES_OF)}]; ${ours}`,
    );
  const want = new Map<string, Want>();
  for (let l = 0; l < L; l++) {
    want.set(peftKey(l, "c_attn", "ia3_l"), {
      shape: [3 * C, 1],
      why: `[out_features, 1] for attn.c_attn, out_features = 3·n_embd = ${3 * C}`,
    });
    want.set(peftKey(l, "mlp_c_proj", "ia3_l"), {
      shape: [1, 4 * C],
      why: `[1, in_features] for the feedforward mlp.c_proj, in_features = 4·n_embd = ${4 * C}`,
    });
  }
  const got = takeTensors(tensors, want, weightsPath);
  const params = new Float32Array(L * 6 * C);
  for (let l = 0; l < L; l++) {
    const name = peftKey(l, "c_attn", "ia3_l");
    const qkv = got.get(name) as Float32Array;
    const q = qkv.findIndex((x, i) => i < C && x !== 1);
    if (q >= 0)
      fail(
        weightsPath,
        `${name}[${q}] = ${qkv[q]} scales a query; lab 05's IA3 scales keys and values only (q must stay 1)`,
      );
    params.set(qkv.subarray(C), l * 6 * C);
    params.set(got.get(peftKey(l, "mlp_c_proj", "ia3_l")) as Float32Array, l * 6 * C + 2 * C);
  }
  return params;
}

function loadPrompt(
  model: GPT,
  json: Record<string, unknown>,
  peftType: string,
  tensors: Map<string, SafeTensor>,
  configPath: string,
  weightsPath: string,
): PeftAdapter {
  const cfg = parse(PromptConfig, json, configPath);
  refuseOptions(json, ["modules_to_save"], configPath);
  const { n_layer: L, n_embd: C, n_head: H } = model.config;
  const ours: [string, number | null | undefined, number, string][] = [
    ["token_dim", cfg.token_dim, C, "n_embd"],
    ["num_layers", cfg.num_layers, L, "n_layer"],
    ["num_attention_heads", cfg.num_attention_heads, H, "n_head"],
    ["num_transformer_submodules", cfg.num_transformer_submodules, 1, "a decoder-only model's"],
  ];
  for (const [field, v, want, what] of ours)
    if (v != null && v !== want)
      fail(
        configPath,
        `${field} = ${v}, but this model's ${what} is ${want}: the adapter is for another model`,
      );
  const P = cfg.num_virtual_tokens;
  const prefix = peftType === "PREFIX_TUNING";
  const shape = prefix ? [P, L * 2 * C] : [P, C];
  const why = prefix
    ? `[num_virtual_tokens, num_layers·2·token_dim] = [${P}, ${L}·2·${C}]`
    : `[num_virtual_tokens, token_dim] = [${P}, ${C}]`;
  const v = takeTensors(tensors, new Map([[PROMPT_KEY, { shape, why }]]), weightsPath).get(
    PROMPT_KEY,
  ) as Float32Array;
  return prefix
    ? { type: "prefix", P, prefix: prefixFromPeft(v, L, P, C) }
    : { type: "prompt", P, prompt: Float32Array.from(v) };
}
