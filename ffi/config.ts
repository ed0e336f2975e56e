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

/** Normalisation layers, numbered as gf_norm: RMSNorm, Gemma's `x̂·(1 + w)`, LayerNorm. */
export const NORMS = { rms: 0, rms_one_plus: 1, layernorm: 2 } as const;
/** A normalisation layer's name. */
export type NormKind = keyof typeof NORMS;

/** Llama 3.1's RoPE frequency scaling (`rope_scaling` of type `llama3`). */
export interface Llama3RopeScaling {
  /** `factor`. */
  factor: number;
  /** `low_freq_factor`. */
  lowFreqFactor: number;
  /** `high_freq_factor`. */
  highFreqFactor: number;
  /** `original_max_position_embeddings`. */
  originalMaxPositions: number;
}

/** Which linear layers carry biases. */
export interface Biases {
  /** q_proj, k_proj, v_proj. */
  qkv: boolean;
  /** o_proj (OPT: out_proj). */
  o: boolean;
  /** The FF block's linears (gate, up, down; OPT: fc1, fc2). */
  ff: boolean;
}

/**
 * What the engine needs to know of an architecture. The optional fields describe how an
 * architecture departs from the plain Llama form; leaving them out means that form.
 */
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
  /** Normalisation layer (default rms). */
  norm?: NormKind;
  /** Token embeddings are multiplied by this (Gemma: √hidden_size as float32); default 1. */
  embedScale?: number;
  /** Post-norm blocks, `x = norm(x + f(x))` (OPT-350m). */
  postNorm?: boolean;
  /** No norm before the LM head (OPT post-norm). */
  noFinalNorm?: boolean;
  /** A learned position table (OPT) instead of RoPE; row of position p is p + offset. */
  learnedPositions?: { offset: number };
  /** Sliding-window attention: a query at p sees keys in (p − window, p] (Mistral). */
  slidingWindow?: number;
  /** RoPE scaling (Llama 3.1). */
  ropeScaling?: Llama3RopeScaling;
  /** Linear layers with biases. */
  biases?: Partial<Biases>;
  /** Width of the embeddings and LM head when it differs from hiddenSize (OPT-350m). */
  embedDim?: number;
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
  view.setInt32(56, NORMS[c.norm ?? "rms"], true);
  view.setFloat32(60, c.embedScale ?? 0, true);
  view.setInt32(64, c.postNorm ? 1 : 0, true);
  view.setInt32(68, c.noFinalNorm ? 1 : 0, true);
  view.setInt32(72, c.learnedPositions ? 1 : 0, true);
  view.setInt32(76, c.learnedPositions?.offset ?? 0, true);
  view.setInt32(80, c.slidingWindow ?? 0, true);
  const rope = c.ropeScaling;
  view.setInt32(84, rope ? 1 : 0, true);
  view.setFloat32(88, rope?.factor ?? 0, true);
  view.setFloat32(92, rope?.lowFreqFactor ?? 0, true);
  view.setFloat32(96, rope?.highFreqFactor ?? 0, true);
  view.setInt32(100, rope?.originalMaxPositions ?? 0, true);
  const b = c.biases ?? {};
  view.setInt32(104, (b.qkv ? 1 : 0) | (b.o ? 2 : 0) | (b.ff ? 4 : 0), true);
  view.setInt32(108, c.embedDim ?? 0, true);
  return bytes;
}

/** Parameter count of a config (norms, biases and position tables included). */
export function parameterCount(c: EngineConfig): number {
  const h = c.hiddenSize, q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  const e = c.embedDim ?? h, b = c.biases ?? {};
  const normSize = c.norm === "layernorm" ? 2 * h : h;
  const attention = h * q * 2 + h * kv * 2 + 2 * normSize + (b.qkv ? q + 2 * kv : 0) +
    (b.o ? h : 0);
  const ff = (c.gated ? 3 : 2) * h * c.ffSize + (b.ff ? (c.gated ? 2 : 1) * c.ffSize + h : 0);
  const head = c.tiedEmbeddings ? 0 : c.vocabSize * e;
  const extras = (c.noFinalNorm ? 0 : normSize) + (e !== h ? 2 * e * h : 0) +
    (c.learnedPositions ? (c.maxPositions + c.learnedPositions.offset) * h : 0);
  return c.layers * (attention + ff) + c.vocabSize * e + head + extras;
}
