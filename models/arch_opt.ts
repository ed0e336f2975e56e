/**
 * config.json of OPT (`model_type: opt`) into the engine's config: LayerNorm with bias, learned
 * positions with OPT's offset of 2, biases, a plain FF block (fc1, fc2); the 350m form is
 * post-norm with embeddings projected in and out. Defaults for absent fields are transformers'.
 *
 * @module
 */
import { z } from "zod";
import type { EngineConfig } from "../ffi/config.ts";
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

/** OPT's learned position table starts its positions at row 2. */
export const OPT_POSITION_OFFSET = 2;

const schema = z.object({
  ...commonFields,
  ffn_dim: positiveInt,
  word_embed_proj_dim: positiveInt.optional(),
  do_layer_norm_before: z.boolean().optional(),
  _remove_final_layer_norm: z.boolean().optional(),
  activation_function: z.string().optional(),
  enable_bias: z.boolean().optional(),
  layer_norm_elementwise_affine: z.boolean().optional(),
});

/**
 * Reads an OPT config.json.
 *
 * @example
 * ```ts
 * import { parseOpt } from "./arch_opt.ts";
 * const c = parseOpt({
 *   model_type: "opt", hidden_size: 64, ffn_dim: 128, num_hidden_layers: 2,
 *   num_attention_heads: 4, vocab_size: 128, word_embed_proj_dim: 64,
 * }, "config.json");
 * console.assert(!c.engine.gated && c.engine.learnedPositions?.offset === 2);
 * ```
 */
export function parseOpt(json: unknown, file: string): ModelConfig {
  const c = parseFields(schema, json, file);
  if (c.layer_norm_elementwise_affine === false) {
    throw fieldError(file, "layer_norm_elementwise_affine", "false is not supported (only true)");
  }
  const headDim = c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim)) {
    throw fieldError(
      file,
      "num_attention_heads",
      `${c.num_attention_heads} does not divide hidden_size (${c.hidden_size})`,
    );
  }
  const preNorm = c.do_layer_norm_before ?? true;
  const bias = c.enable_bias ?? true;
  const embedDim = c.word_embed_proj_dim ?? 768;
  const checkpointDtype = dtypeOf(c.torch_dtype ?? c.dtype);
  const engine: EngineConfig = {
    layers: c.num_hidden_layers,
    hiddenSize: c.hidden_size,
    ffSize: c.ffn_dim,
    heads: c.num_attention_heads,
    kvHeads: c.num_attention_heads,
    headDim,
    vocabSize: c.vocab_size,
    maxPositions: c.max_position_embeddings ?? 2048,
    normEps: 1e-5, // torch.nn.LayerNorm's default, which OPT uses
    ropeTheta: 10000, // unused: positions are learned
    activation: activationOf(c.activation_function ?? "relu", "activation_function", file),
    gated: false,
    tiedEmbeddings: c.tie_word_embeddings ?? true,
    dtype: checkpointDtype ?? "f32",
    norm: "layernorm",
    postNorm: !preNorm,
    noFinalNorm: !preNorm || (c._remove_final_layer_norm ?? false),
    learnedPositions: { offset: OPT_POSITION_OFFSET },
    biases: { qkv: bias, o: bias, ff: bias },
  };
  if (embedDim !== c.hidden_size) engine.embedDim = embedDim;
  return {
    architecture: "opt",
    tensorNaming: "opt",
    engine,
    checkpointDtype,
    bosTokenId: c.bos_token_id ?? undefined,
    eosTokenIds: eosList(c.eos_token_id),
  };
}
