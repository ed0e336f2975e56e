/**
 * Reads a Hugging Face `config.json` into the engine's config, validated with zod: every problem
 * names the file and the field. The architecture (`model_type`) picks the reader: the Llama
 * family (arch_llama.ts) or OPT (arch_opt.ts).
 *
 * @module
 */
import type { DType, EngineConfig } from "../ffi/config.ts";
import { LLAMA_FAMILY, parseLlamaFamily } from "./arch_llama.ts";
import { parseOpt } from "./arch_opt.ts";
import { fieldError } from "./config_fields.ts";
import { ModelFileError } from "./model_file_error.ts";

export { ModelFileError } from "./model_file_error.ts";
export { SUPPORTED_ACTIVATIONS } from "./config_fields.ts";

/** Architectures (`model_type`) this build runs. */
export const SUPPORTED_ARCHITECTURES = [...LLAMA_FAMILY, "opt"] as const;

/** How a checkpoint names its tensors: `model.layers.N.…` or OPT's `model.decoder.layers.N.…`. */
export type TensorNaming = "llama" | "opt";

/** A config.json's fields as the engine and tokenizer need them. */
export interface ModelConfig {
  /** `model_type`. */
  architecture: string;
  /** How the checkpoint names its tensors. */
  tensorNaming: TensorNaming;
  /** The engine's view. */
  engine: EngineConfig;
  /** The checkpoint's own dtype (`torch_dtype`), if it says. */
  checkpointDtype?: DType;
  /** BOS id from config.json. */
  bosTokenId?: number;
  /** EOS ids from config.json. */
  eosTokenIds: number[];
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
  const type = (json as { model_type?: unknown } | null)?.model_type;
  if (typeof type !== "string") {
    throw fieldError(file, "model_type", "missing; it names the architecture");
  }
  if ((LLAMA_FAMILY as readonly string[]).includes(type)) return parseLlamaFamily(json, file);
  if (type === "opt") return parseOpt(json, file);
  throw fieldError(
    file,
    "model_type",
    `"${type}" is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(", ")}`,
  );
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
