/**
 * Small synthetic models of the paper's forms for the GPU tests that compare two decoding paths
 * (batched and alone, one launch and many): 3 layers of width 512, 8 heads of 64 over 2 key/value
 * heads, in bf16 — the Llama form — and the Gemma form (GeLU, 1 + w norms, scaled embeddings,
 * heads of 256 over one key/value head) and the OPT form (LayerNorm, plain ReLU blocks, learned
 * positions, biases everywhere) built on it; and a 2-layer form wide enough that 16-bit passes
 * take the products' tensor-core paths over up to 2048 positions, for the tests that compare a
 * switch's two settings through whole passes.
 *
 * @module
 */
import type { EngineConfig } from "../ffi/config.ts";
import type { ClassSequence } from "../ffi/session.ts";

/** The Llama form. */
export const LLAMA_FORM: EngineConfig = {
  layers: 3,
  hiddenSize: 512,
  ffSize: 1408,
  heads: 8,
  kvHeads: 2,
  headDim: 64,
  vocabSize: 2048,
  maxPositions: 512,
  normEps: 1e-5,
  ropeTheta: 10000,
  activation: "silu",
  gated: true,
  tiedEmbeddings: false,
  dtype: "bf16",
};

/**
 * A mid-sized Llama form: wide enough for every vector path of the decoding kernels, long enough
 * (1024 positions) for split attention.
 */
export const MID_LLAMA_FORM: EngineConfig = {
  ...LLAMA_FORM,
  hiddenSize: 1024,
  ffSize: 2816,
  headDim: 128,
  vocabSize: 4096,
  maxPositions: 1024,
};

/** The Gemma form. */
export const GEMMA_FORM: EngineConfig = {
  ...LLAMA_FORM,
  activation: "gelu_tanh",
  norm: "rms_one_plus",
  embedScale: 22.6,
  kvHeads: 1,
  headDim: 256,
};

/** What makes a form OPT's: LayerNorm, plain ReLU blocks, learned positions, biases everywhere. */
export const OPT_PARTS: Partial<EngineConfig> = {
  activation: "relu",
  gated: false,
  norm: "layernorm",
  learnedPositions: { offset: 2 },
  biases: { qkv: true, o: true, ff: true },
  kvHeads: 8,
};

/** The OPT form. */
export const OPT_FORM: EngineConfig = { ...LLAMA_FORM, ...OPT_PARTS };

/**
 * 2 layers of width 1024, 16 heads of 64 over 4 key/value heads, 2048 positions, bf16: the base of
 * the switch comparisons (fused roundings, fused attention) through prompts and class batches.
 */
export const PASS_FORM: EngineConfig = {
  ...LLAMA_FORM,
  layers: 2,
  hiddenSize: 1024,
  ffSize: 2816,
  heads: 16,
  kvHeads: 4,
  vocabSize: 4096,
  maxPositions: 2048,
};

/** `length` token ids for PASS_FORM's vocabulary, different for each salt. */
export function passIds(length: number, salt: number): Int32Array<ArrayBuffer> {
  return Int32Array.from({ length }, (_, j) => 3 + (salt * 31 + j * 7919) % 4090);
}

/** Class sequences of these lengths, each scoring its last 1–4 tokens. */
export function classSequences(lengths: number[]): ClassSequence[] {
  return lengths.map((n, i) => {
    const all = passIds(n + 1, i);
    const first = Math.max(0, n - 1 - (i % 4));
    return { ids: all.slice(0, n), first, targets: all.slice(first + 1, n + 1) };
  });
}
