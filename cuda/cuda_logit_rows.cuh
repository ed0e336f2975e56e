/*
 * cuda_logit_rows.cuh — what the host takes from rows of logits, computed on the device so that
 * the rows need not cross: each row's greedy token (gf_decode_greedy, gf_decode_batch_greedy), or
 * its target's log-probability and greedy flag (class batches, gf_decode_score,
 * gf_decode_batch_scores).
 */
#ifndef GRIFFIN_CUDA_LOGIT_ROWS_CUH
#define GRIFFIN_CUDA_LOGIT_ROWS_CUH

#include <cstring>

#include "cuda_common.cuh"

namespace gf {

/*
 * The largest of row[0..vocab) and its lowest index among ties, NaNs passed over, into
 * best_value[0] and best_index[0] (index vocab when no entry beats −∞), for a block of
 * blockDim.x ≤ 256 threads (a power of two) with those two shared arrays.
 */
__device__ __forceinline__ void block_argmax(const float *__restrict__ row, int vocab, float *best_value,
                                             int *best_index) {
  float best = -INFINITY;
  int index = vocab;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x)
    if (row[i] > best) best = row[i], index = i; /* ascending: the first of ties stays */
  best_value[threadIdx.x] = best, best_index[threadIdx.x] = index;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      const float v = best_value[threadIdx.x + stride];
      const int j = best_index[threadIdx.x + stride];
      if (v > best_value[threadIdx.x] || (v == best_value[threadIdx.x] && j < best_index[threadIdx.x]))
        best_value[threadIdx.x] = v, best_index[threadIdx.x] = j;
    }
    __syncthreads();
  }
}

/*
 * tokens[r] = the greedy token of row r of logits (vocab wide), as engine/sampler.ts's argmax:
 * the first index whose logit beats every one before it — 0 when the first logit is NaN (nothing
 * beats it) or no logit beats −∞. Grid: rows; block 256.
 */
static __global__ void __launch_bounds__(256)
    greedy_rows_kernel(int32_t *__restrict__ tokens, const float *__restrict__ logits, int vocab) {
  __shared__ float best_value[256];
  __shared__ int best_index[256];
  const float *row = logits + (size_t)blockIdx.x * vocab;
  block_argmax(row, vocab, best_value, best_index);
  if (threadIdx.x == 0) tokens[blockIdx.x] = isnan(row[0]) || best_index[0] == vocab ? 0 : best_index[0];
}

/*
 * Row r of logits (vocab wide): logprobs[r] = x[t] − (max + log Σ exp(x − max)) in float64 at
 * its target t, greedy[r] = 1 when t is the row's argmax (the lowest index among ties), as
 * engine/score.ts computes them from the host's logits. Grid: rows; block 256.
 */
static __global__ void __launch_bounds__(256)
    logprob_rows_kernel(double *__restrict__ logprobs, uint8_t *__restrict__ greedy,
                        const float *__restrict__ logits, const int32_t *__restrict__ targets,
                        int vocab) {
  __shared__ float best_value[256];
  __shared__ int best_index[256];
  __shared__ double sums[256];
  const float *row = logits + (size_t)blockIdx.x * vocab;
  block_argmax(row, vocab, best_value, best_index);
  const double max = best_value[0];
  double sum = 0;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) sum += exp((double)row[i] - max);
  sums[threadIdx.x] = sum;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) sums[threadIdx.x] += sums[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const int t = targets[blockIdx.x];
    logprobs[blockIdx.x] = (double)row[t] - (max + log(sums[0]));
    greedy[blockIdx.x] = best_index[0] == t ? 1 : 0;
  }
}

/*
 * A step's outputs (StepOutputs: tokens, or targets' scores; not logits) from `rows` rows of
 * logits on the device, through pinned memory (g.host_logits); the stream is synchronised.
 */
inline gf_status step_outputs(GpuSession &g, const float *logits, int rows, int vocab, const StepOutputs &out) {
  if ((size_t)rows * (sizeof(double) + 1) > (size_t)vocab * sizeof(float))
    return fail(GF_ERR_INTERNAL, "%d rows' scores do not fit the pinned logits buffer", rows);
  char *host = (char *)g.host_logits;
  if (out.tokens) {
    greedy_rows_kernel<<<rows, 256, 0, g.stream>>>(g.greedy_tokens, logits, vocab);
    GF_LAUNCHED();
    GF_CUDA(cudaMemcpyAsync(host, g.greedy_tokens, (size_t)rows * 4, cudaMemcpyDeviceToHost, g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream));
    memcpy(out.tokens, host, (size_t)rows * 4);
    return GF_OK;
  }
  if (!out.targets) return fail(GF_ERR_INTERNAL, "a step's outputs name neither tokens nor targets");
  GF_CUDA(cudaMemcpyAsync(g.greedy_tokens, out.targets, (size_t)rows * 4, cudaMemcpyHostToDevice, g.stream));
  logprob_rows_kernel<<<rows, 256, 0, g.stream>>>(g.batch_logprobs, g.batch_greedy, logits, g.greedy_tokens, vocab);
  GF_LAUNCHED();
  GF_CUDA(cudaMemcpyAsync(host, g.batch_logprobs, (size_t)rows * 8, cudaMemcpyDeviceToHost, g.stream));
  GF_CUDA(cudaMemcpyAsync(host + (size_t)rows * 8, g.batch_greedy, (size_t)rows, cudaMemcpyDeviceToHost, g.stream));
  GF_CUDA(cudaStreamSynchronize(g.stream));
  memcpy(out.logprobs, host, (size_t)rows * 8);
  memcpy(out.greedy, host + (size_t)rows * 8, (size_t)rows);
  return GF_OK;
}

} // namespace gf

#endif
