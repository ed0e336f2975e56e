/**
 * The JSON of tools/peer_bench/hf_class_score.py for tests: its meta and a row of one shape.
 *
 * @module
 */

/** The peer file's meta as the script writes it (Hugging Face on an H200). */
export const PEER_META = {
  script: "tools/peer_bench/hf_class_score.py",
  torch: "2.11.0",
  transformers: "5.17.0",
  gpu: "NVIDIA H200",
  dtype: "bf16",
  attn_implementation: "sdpa",
  batch_size: 32,
};

/** A Llama-2-7B row over 16,384 tokens; a null rate is a row that ran out of memory. */
export function peerRow(requestTokens: number, batchSize: number, tokensPerSecond: number | null) {
  return {
    shape: "llama2-7b",
    request_tokens: requestTokens,
    batch_size: batchSize,
    requests: Math.ceil(16384 / requestTokens),
    tokens_per_second: tokensPerSecond,
    seconds: tokensPerSecond === null ? null : 16384 / tokensPerSecond,
    error: tokensPerSecond === null ? "OutOfMemoryError: CUDA out of memory" : null,
    loglikelihood_sum: -1234.5,
  };
}
