/**
 * config.json of the Llama family — `llama` (Llama 2, ReLU-Llama, Llama 3), `mistral`, `qwen2`
 * and `gemma` — into the engine's config. Defaults for absent fields are transformers'.
 *
 * @module
 */
import { z } from "zod";
import type { Biases, EngineConfig } from "../ffi/config.ts";
import type { ModelConfig } from "./config.ts";
import {
  activationOf,
  commonFields,
  dtypeOf,
  eosList,
  fieldError,
  parseFields,
  positiveInt,
} from "./config_fields.ts";
import { ropeOf, ropeParametersSchema } from "./rope.ts";

/** model_type values read here. */
export const LLAMA_FAMILY = ["llama", "mistral", "qwen2", "gemma"] as const;
type Family = typeof LLAMA_FAMILY[number];

const schema = z.object({
  ...commonFields,
  intermediate_size: positiveInt,
  num_key_value_heads: positiveInt.nullish(),
  head_dim: positiveInt.nullish(),
  rms_norm_eps: z.number().positive().optional(),
  rope_theta: z.number().positive().optional(),
  rope_scaling: ropeParametersSchema.nullish(),
  rope_parameters: ropeParametersSchema.nullish(),
  partial_rotary_factor: z.number().optional(),
  hidden_act: z.string().optional(),
  hidden_activation: z.string().nullish(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  sliding_window: positiveInt.nullish(),
  use_sliding_window: z.boolean().optional(),
  max_window_layers: z.int().optional(),
  layer_types: z.array(z.string()).optional(),
});
type Fields = z.infer<typeof schema>;

/** transformers' defaults where config.json leaves a field out. */
const DEFAULTS: Record<Family, { maxPositions: number; tied: boolean; act: string }> = {
  llama: { maxPositions: 2048, tied: false, act: "silu" },
  mistral: { maxPositions: 131072, tied: false, act: "silu" },
  qwen2: { maxPositions: 32768, tied: false, act: "silu" },
  gemma: { maxPositions: 8192, tied: true, act: "gelu_pytorch_tanh" },
};

/**
 * Gemma's activation: `hidden_activation` when given; Gemma is GELU with the tanh
 * approximation, so the `gelu` its first checkpoints wrote in `hidden_act` means that too.
 */
function gemmaActivation(c: Fields): { name: string; field: string } {
  if (c.hidden_activation) return { name: c.hidden_activation, field: "hidden_activation" };
  const act = c.hidden_act ?? "gelu_pytorch_tanh";
  return { name: act === "gelu" ? "gelu_pytorch_tanh" : act, field: "hidden_act" };
}

/** Which linears carry biases. */
function biasesOf(family: Family, c: Fields): Biases {
  const attention = c.attention_bias ?? false;
  if (family === "qwen2") return { qkv: true, o: false, ff: false };
  if (family === "mistral") return { qkv: false, o: false, ff: false };
  return { qkv: attention, o: attention, ff: family === "llama" && (c.mlp_bias ?? false) };
}

/** The sliding window (Mistral; Qwen2 only refuses one, as its windows are per layer). */
function slidingWindowOf(family: Family, c: Fields, file: string): number | undefined {
  if (family === "mistral") {
    return c.sliding_window === undefined ? 4096 : c.sliding_window ?? undefined;
  }
  if (family !== "qwen2" || !c.use_sliding_window) return undefined;
  const first = c.max_window_layers ?? 28;
  const types = c.layer_types ??
    Array.from(
      { length: c.num_hidden_layers },
      (_, i) => i >= first ? "sliding_attention" : "full_attention",
    );
  if (types.includes("sliding_attention")) {
    throw fieldError(
      file,
      "use_sliding_window",
      "Qwen2's per-layer sliding windows are not supported; set it to false " +
        "(as Qwen2 and Qwen2.5 checkpoints ship)",
    );
  }
  return undefined;
}

/**
 * Reads a Llama-family config.json.
 *
 * @example
 * ```ts
 * import { parseLlamaFamily } from "./arch_llama.ts";
 * const c = parseLlamaFamily({
 *   model_type: "gemma", hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2,
 *   num_attention_heads: 4, num_key_value_heads: 1, head_dim: 32, vocab_size: 128,
 * }, "config.json");
 * console.assert(c.engine.norm === "rms_one_plus" && c.engine.tiedEmbeddings);
 * ```
 */
export function parseLlamaFamily(json: unknown, file: string): ModelConfig {
  const c = parseFields(schema, json, file);
  const family = c.model_type as Family;
  const defaults = DEFAULTS[family];
  const gemma = family === "gemma";
  const act = gemma
    ? gemmaActivation(c)
    : { name: c.hidden_act ?? defaults.act, field: "hidden_act" };
  const activation = activationOf(act.name, act.field, file);
  const kvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kvHeads !== 0) {
    throw fieldError(
      file,
      "num_key_value_heads",
      `${kvHeads} does not divide num_attention_heads (${c.num_attention_heads})`,
    );
  }
  const headDim = c.head_dim ?? (gemma ? 256 : c.hidden_size / c.num_attention_heads);
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw fieldError(
      file,
      "head_dim",
      `${headDim} must be an even integer (hidden_size / num_attention_heads unless given)`,
    );
  }
  const maxPositions = c.max_position_embeddings ?? defaults.maxPositions;
  const rope = ropeOf(c, maxPositions, file);
  const checkpointDtype = dtypeOf(c.torch_dtype ?? c.dtype);
  const engine: EngineConfig = {
    layers: c.num_hidden_layers,
    hiddenSize: c.hidden_size,
    ffSize: c.intermediate_size,
    heads: c.num_attention_heads,
    kvHeads,
    headDim,
    vocabSize: c.vocab_size,
    maxPositions,
    normEps: c.rms_norm_eps ?? 1e-6,
    ropeTheta: rope.theta,
    activation,
    gated: true,
    tiedEmbeddings: c.tie_word_embeddings ?? defaults.tied,
    dtype: checkpointDtype ?? "f32",
    biases: biasesOf(family, c),
  };
  if (rope.scaling) engine.ropeScaling = rope.scaling;
  const window = slidingWindowOf(family, c, file);
  if (window !== undefined) engine.slidingWindow = window;
  if (gemma) {
    engine.norm = "rms_one_plus";
    engine.embedScale = Math.fround(Math.sqrt(c.hidden_size)); // as float32, like transformers
  }
  return {
    architecture: family,
    tensorNaming: "llama",
    engine,
    checkpointDtype,
    bosTokenId: c.bos_token_id ?? undefined,
    eosTokenIds: eosList(c.eos_token_id),
  };
}
