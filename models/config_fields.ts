/**
 * Building blocks shared by the architectures' config.json readers: zod field types, the
 * activations, the checkpoint dtype, and one way of turning problems into a ModelFileError.
 *
 * @module
 */
import { z } from "zod";
import type { Activation, DType } from "../ffi/config.ts";
import { ModelFileError } from "./model_file_error.ts";

/** A positive integer field. */
export const positiveInt = z.int().positive();

/** Fields every architecture reads the same way. */
export const commonFields = {
  model_type: z.string(),
  hidden_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  vocab_size: positiveInt,
  max_position_embeddings: positiveInt.optional(),
  tie_word_embeddings: z.boolean().optional(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  bos_token_id: z.int().nullish(),
  eos_token_id: z.union([z.int(), z.array(z.int())]).nullish(),
};

/** Activation names of config.json (`hidden_act`, `activation_function`) and what each means. */
export const SUPPORTED_ACTIVATIONS: Record<string, Activation> = {
  silu: "silu",
  swish: "silu",
  relu: "relu",
  gelu_pytorch_tanh: "gelu_tanh",
  gelu_new: "gelu_tanh",
  gelu: "gelu",
};

/**
 * Validates json against a schema; every problem is listed with its field.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { parseFields } from "./config_fields.ts";
 * const c = parseFields(z.object({ a: z.number() }), { a: 1 }, "config.json");
 * console.assert(c.a === 1);
 * ```
 */
export function parseFields<T extends z.ZodType>(
  schema: T,
  json: unknown,
  file: string,
): z.infer<T> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.reduce<unknown>(
      (v, key) => (v as Record<PropertyKey, unknown>)?.[key],
      json,
    );
    const message = field === undefined && issue.code === "invalid_type"
      ? "missing (required)"
      : issue.message.replace(/^Invalid input: /, "");
    return `field ${issue.path.join(".") || "(top level)"}: ${message}`;
  });
  throw new ModelFileError(`${file}: ${problems.join("; ")}`);
}

/** A ModelFileError about one field. */
export function fieldError(file: string, field: string, message: string): ModelFileError {
  return new ModelFileError(`${file}: field ${field}: ${message}`);
}

/** The engine activation of a config.json name, or an error listing the supported names. */
export function activationOf(name: string, field: string, file: string): Activation {
  const activation = SUPPORTED_ACTIVATIONS[name];
  if (!activation) {
    throw fieldError(
      file,
      field,
      `"${name}" is not supported; supported: ${Object.keys(SUPPORTED_ACTIVATIONS).join(", ")}`,
    );
  }
  return activation;
}

/** The checkpoint dtype named by `torch_dtype` / `dtype`, if it is one the engine keeps. */
export function dtypeOf(name: string | null | undefined): DType | undefined {
  return ({ float32: "f32", float16: "f16", bfloat16: "bf16" } as Record<string, DType>)[
    name ?? ""
  ];
}

/** `eos_token_id` as a list. */
export function eosList(eos: number | number[] | null | undefined): number[] {
  return eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
}
