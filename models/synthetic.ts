/**
 * `synthetic:NAME` models: random weights of a real model's shape, made by the engine from a
 * seed, with no files — for speed benchmarks without downloads.
 *
 * @module
 */
import type { DType, EngineConfig } from "../ffi/config.ts";
import { NativeModel } from "../ffi/model.ts";
import { ModelFileError } from "./config.ts";

type Shape = Omit<EngineConfig, "dtype"> & { dtype: DType };

const llama2 = { activation: "silu", gated: true, tiedEmbeddings: false } as const;
/** Gemma: GELU-tanh gating, (1 + w) RMSNorm, √hidden embedding scale, a 256k tied vocabulary. */
const gemma = {
  activation: "gelu_tanh",
  gated: true,
  tiedEmbeddings: true,
  norm: "rms_one_plus",
  vocabSize: 256000,
  maxPositions: 4096,
  normEps: 1e-6,
  ropeTheta: 10000,
} as const;
/** OPT: pre-norm LayerNorm, learned positions (offset 2), biases everywhere, plain ReLU FF. */
const opt = {
  activation: "relu",
  gated: false,
  tiedEmbeddings: true,
  norm: "layernorm",
  learnedPositions: { offset: 2 },
  biases: { qkv: true, o: true, ff: true },
  headDim: 128,
  vocabSize: 50272,
  maxPositions: 2048,
  normEps: 1e-5,
  ropeTheta: 10000,
  dtype: "bf16",
} as const;

/** The shapes `synthetic:NAME` knows, with their default dtype. */
export const SYNTHETIC_SHAPES: Record<string, Shape> = {
  "tiny": {
    ...llama2,
    layers: 4,
    hiddenSize: 64,
    ffSize: 172,
    heads: 8,
    kvHeads: 4,
    headDim: 8,
    vocabSize: 512,
    maxPositions: 512,
    normEps: 1e-5,
    ropeTheta: 10000,
    tiedEmbeddings: true,
    dtype: "f32",
  },
  // TinyLlama-1.1B's shape (Llama 2 blocks, grouped-query attention): on a laptop's CPU in F32
  // (4.1 GB read per token) decoding is bound by memory bandwidth, as on a GPU
  "llama-1b": {
    ...llama2,
    layers: 22,
    hiddenSize: 2048,
    ffSize: 5632,
    heads: 32,
    kvHeads: 4,
    headDim: 64,
    vocabSize: 32000,
    maxPositions: 2048,
    normEps: 1e-5,
    ropeTheta: 10000,
    dtype: "bf16",
  },
  "llama2-7b": {
    ...llama2,
    layers: 32,
    hiddenSize: 4096,
    ffSize: 11008,
    heads: 32,
    kvHeads: 32,
    headDim: 128,
    vocabSize: 32000,
    maxPositions: 4096,
    normEps: 1e-5,
    ropeTheta: 10000,
    dtype: "bf16",
  },
  "llama2-13b": {
    ...llama2,
    layers: 40,
    hiddenSize: 5120,
    ffSize: 13824,
    heads: 40,
    kvHeads: 40,
    headDim: 128,
    vocabSize: 32000,
    maxPositions: 4096,
    normEps: 1e-5,
    ropeTheta: 10000,
    dtype: "bf16",
  },
  "mistral-7b": {
    ...llama2,
    layers: 32,
    hiddenSize: 4096,
    ffSize: 14336,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    vocabSize: 32000,
    maxPositions: 4096, // its sliding window: within it, attention is plain causal attention
    normEps: 1e-5,
    ropeTheta: 10000,
    dtype: "bf16",
  },
  "gemma-7b": {
    ...gemma,
    layers: 28,
    hiddenSize: 3072,
    ffSize: 24576,
    heads: 16,
    kvHeads: 16,
    headDim: 256,
    embedScale: Math.fround(Math.sqrt(3072)),
    dtype: "bf16",
  },
  "gemma-2b": {
    ...gemma,
    layers: 18,
    hiddenSize: 2048,
    ffSize: 16384,
    heads: 8,
    kvHeads: 1,
    headDim: 256,
    embedScale: Math.fround(Math.sqrt(2048)),
    dtype: "bf16",
  },
  "opt-6.7b": { ...opt, layers: 32, hiddenSize: 4096, ffSize: 16384, heads: 32, kvHeads: 32 },
  "opt-13b": { ...opt, layers: 40, hiddenSize: 5120, ffSize: 20480, heads: 40, kvHeads: 40 },
  "qwen2-7b": {
    ...llama2,
    layers: 28,
    hiddenSize: 3584,
    ffSize: 18944,
    heads: 28,
    kvHeads: 4,
    headDim: 128,
    vocabSize: 152064,
    maxPositions: 4096,
    normEps: 1e-6,
    ropeTheta: 1000000,
    biases: { qkv: true },
    dtype: "bf16",
  },
};

/** The shape of `synthetic:NAME`, or an error listing the known names. */
export function syntheticShape(name: string): Shape {
  const shape = SYNTHETIC_SHAPES[name];
  if (!shape) {
    throw new ModelFileError(
      `synthetic:${name} is not a known shape; known: ${Object.keys(SYNTHETIC_SHAPES).join(", ")}`,
    );
  }
  return shape;
}

/**
 * Builds `synthetic:NAME` on a device with seeded random weights.
 *
 * @example
 * ```ts ignore
 * const model = createSyntheticModel("tiny", { device: -1, seed: 1 });
 * model.close();
 * ```
 */
export function createSyntheticModel(
  name: string,
  options: { device: number; seed: number; dtype?: DType },
): NativeModel {
  const shape = syntheticShape(name);
  const model = new NativeModel({ ...shape, dtype: options.dtype ?? shape.dtype }, options.device);
  try {
    model.synthesize(BigInt(options.seed));
    model.finalize();
  } catch (error) {
    model.close();
    throw error;
  }
  return model;
}
