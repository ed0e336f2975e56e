/*
 * cuda_greedy.cuh — each row's argmax on the device: the greedy token of a decoding batch's rows
 * (gf_decode_batch_greedy) and the greedy flag of a class batch's scored rows, so that a row's
 * logits need not cross to the host.
 */
#ifndef GRIFFIN_CUDA_GREEDY_CUH
#define GRIFFIN_CUDA_GREEDY_CUH

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

} // namespace gf

#endif
