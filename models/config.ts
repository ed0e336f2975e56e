/**
 * Reads a Hugging Face `config.json` into the engine's config, validated with zod: every problem
 * names the file and the field.
 *
 * @module
 */
import { z } from "zod";
import type { Activation, DType, EngineConfig } from "../ffi/config.ts";

/** Architectures (`model_type`) this build runs. */
export const SUPPORTED_ARCHITECTURES = ["llama"] as const;

/** `hidden_act` values and the engine activation each means. */
export const SUPPORTED_ACTIVATIONS: Record<string, Activation> = {
  silu: "silu",
  swish: "silu",
  relu: "relu",
  gelu_pytorch_tanh: "gelu_tanh",
  gelu_new: "gelu_tanh",
  gelu: "gelu",
};

const positiveInt = z.int().positive();

const schema = z.object({
  model_type: z.string(),
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.nullish(),
  vocab_size: positiveInt,
  max_position_embeddings: positiveInt.default(2048),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  hidden_act: z.string().default("silu"),
  tie_word_embeddings: z.boolean().default(false),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  bos_token_id: z.int().nullish(),
  eos_token_id: z.union([z.int(), z.array(z.int())]).nullish(),
  rope_scaling: z.null().optional(),
  attention_bias: z.literal(false).optional(),
  mlp_bias: z.literal(false).optional(),
});

/** A config.json's fields as the engine and tokenizer need them. */
export interface ModelConfig {
  /** `model_type`. */
  architecture: string;
  /** The engine's view. */
  engine: EngineConfig;
  /** The checkpoint's own dtype (`torch_dtype`), if it says. */
  checkpointDtype?: DType;
  /** BOS id from config.json. */
  bosTokenId?: number;
  /** EOS ids from config.json. */
  eosTokenIds: number[];
}

/** A bad model file: the message names the file and field. */
export class ModelFileError extends Error {
  /**
   * @example
   * ```ts
   * const e = new ModelFileError("config.json: field hidden_size: expected a number");
   * console.assert(e.name === "ModelFileError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "ModelFileError";
  }
}

function dtypeOf(name: string | null | undefined): DType | undefined {
  return ({ float32: "f32", float16: "f16", bfloat16: "bf16" } as Record<string, DType>)[
    name ?? ""
  ];
}

/**
 * Validates a parsed config.json; `file` names it in errors.
 *
 * @example
 * ```ts
 * import { parseModelConfig } from "./config.ts";
 * const config = parseModelConfig({
 *   model_type: "llama", hidden_size: 64, intermediate_size: 172, num_hidden_layers: 5,
 *   num_attention_heads: 8, num_key_value_heads: 4, vocab_size: 512,
 * }, "config.json");
 * console.assert(config.engine.headDim === 8);
 * ```
 */
export function parseModelConfig(json: unknown, file: string): ModelConfig {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.join(".") || "(top level)";
      const unsupported = ["rope_scaling", "attention_bias", "mlp_bias"].includes(field);
      return unsupported
        ? `field ${field}: not supported by this build (only the plain Llama form)`
        : `field ${field}: ${issue.message}`;
    });
    throw new ModelFileError(`${file}: ${problems.join("; ")}`);
  }
  const c = parsed.data;
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(c.model_type)) {
    throw new ModelFileError(
      `${file}: field model_type: "${c.model_type}" is not supported; supported: ` +
        SUPPORTED_ARCHITECTURES.join(", "),
    );
  }
  const activation = SUPPORTED_ACTIVATIONS[c.hidden_act];
  if (!activation) {
    throw new ModelFileError(
      `${file}: field hidden_act: "${c.hidden_act}" is not supported; supported: ` +
        Object.keys(SUPPORTED_ACTIVATIONS).join(", "),
    );
  }
  const kvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kvHeads !== 0) {
    throw new ModelFileError(
      `${file}: field num_key_value_heads: ${kvHeads} does not divide num_attention_heads ` +
        `(${c.num_attention_heads})`,
    );
  }
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new ModelFileError(
      `${file}: field head_dim: ${headDim} must be an even integer ` +
        `(hidden_size / num_attention_heads unless given)`,
    );
  }
  const checkpointDtype = dtypeOf(c.torch_dtype ?? c.dtype);
  const eos = c.eos_token_id;
  return {
    architecture: c.model_type,
    engine: {
      layers: c.num_hidden_layers,
      hiddenSize: c.hidden_size,
      ffSize: c.intermediate_size,
      heads: c.num_attention_heads,
      kvHeads,
      headDim,
      vocabSize: c.vocab_size,
      maxPositions: c.max_position_embeddings,
      normEps: c.rms_norm_eps,
      ropeTheta: c.rope_theta,
      activation,
      gated: true,
      tiedEmbeddings: c.tie_word_embeddings,
      dtype: checkpointDtype ?? "f32",
    },
    checkpointDtype,
    bosTokenId: c.bos_token_id ?? undefined,
    eosTokenIds: eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos],
  };
}

/** Reads and validates `<folder>/config.json`. */
export function readModelConfig(folder: string): ModelConfig {
  const file = `${folder}/config.json`;
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (cause) {
    throw new ModelFileError(
      `${file}: cannot read it (${
        (cause as Error).message
      }); is ${folder} a Hugging Face model folder?`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelFileError(`${file}: not valid JSON (${(cause as Error).message})`);
  }
  return parseModelConfig(json, file);
}
