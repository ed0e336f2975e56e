/**
 * The engine's architecture description (gf_config in cuda/griffin.h) and its byte layout.
 *
 * @module
 */

/** Weight dtypes, numbered as gf_dtype. */
export const DTYPES = { f32: 0, f16: 1, bf16: 2 } as const;
/** A weight dtype's name. */
export type DType = keyof typeof DTYPES;

/** FF activations, numbered as gf_activation. */
export const ACTIVATIONS = { silu: 0, gelu_tanh: 1, relu: 2, gelu: 3 } as const;
/** An FF activation's name. */
export type Activation = keyof typeof ACTIVATIONS;

/** What the engine needs to know of an architecture. */
export interface EngineConfig {
  /** Transformer blocks. */
  layers: number;
  /** d_model. */
  hiddenSize: number;
  /** d_ff: FF neurons per layer. */
  ffSize: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads (grouped-query attention). */
  kvHeads: number;
  /** Per-head size. */
  headDim: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** Longest sequence. */
  maxPositions: number;
  /** RMSNorm epsilon. */
  normEps: number;
  /** RoPE base. */
  ropeTheta: number;
  /** FF activation. */
  activation: Activation;
  /** Gated FF block (gate and up) or a plain one. */
  gated: boolean;
  /** The LM head is the embedding matrix. */
  tiedEmbeddings: boolean;
  /** Dtype the weights are kept in on the device. */
  dtype: DType;
}

/** Bytes of gf_config. */
export const CONFIG_BYTES = 128;

/**
 * Packs a config into gf_config's layout.
 *
 * @example
 * ```ts
 * import { packConfig } from "./config.ts";
 * const bytes = packConfig({
 *   layers: 1, hiddenSize: 8, ffSize: 16, heads: 2, kvHeads: 1, headDim: 4, vocabSize: 10,
 *   maxPositions: 32, normEps: 1e-5, ropeTheta: 10000, activation: "silu", gated: true,
 *   tiedEmbeddings: true, dtype: "f32",
 * });
 * console.assert(bytes.length === 128);
 * ```
 */
export function packConfig(c: EngineConfig): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(CONFIG_BYTES);
  const view = new DataView(bytes.buffer);
  const ints = [c.layers, c.hiddenSize, c.ffSize, c.heads, c.kvHeads, c.headDim, c.vocabSize];
  ints.push(c.maxPositions);
  ints.forEach((v, i) => view.setInt32(i * 4, v, true));
  view.setFloat32(32, c.normEps, true);
  view.setFloat32(36, c.ropeTheta, true);
  view.setInt32(40, ACTIVATIONS[c.activation], true);
  view.setInt32(44, c.gated ? 1 : 0, true);
  view.setInt32(48, c.tiedEmbeddings ? 1 : 0, true);
  view.setInt32(52, DTYPES[c.dtype], true);
  return bytes;
}

/** Parameter count of a config (norms included). */
export function parameterCount(c: EngineConfig): number {
  const h = c.hiddenSize, q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  const attention = h * q * 2 + h * kv * 2 + 2 * h;
  const ff = (c.gated ? 3 : 2) * h * c.ffSize;
  const head = c.tiedEmbeddings ? 0 : c.vocabSize * h;
  return c.layers * (attention + ff) + c.vocabSize * h + head + h;
}
