/*
 * cuda_selection.cuh — GRIFFIN's expert selection on the GPU: neuron scores from the prompt's
 * activations (float64 accumulation, as the CPU twin neuron_scores), and an exact top-k by radix
 * select over the scores' bits with ties to the lower index (as select_experts), written in
 * ascending order. One block per layer: every layer's selection in one launch.
 */
#ifndef GRIFFIN_CUDA_SELECTION_CUH
#define GRIFFIN_CUDA_SELECTION_CUH

#include "cuda_common.cuh"

namespace gf {

/* inverse[t] = 1 / ‖Z_t‖₂ (0 for a zero row). Grid: rows; block 256. */
static __global__ void row_inverse_norm_kernel(double *__restrict__ inverse,
                                               const float *__restrict__ z, int ff) {
  __shared__ double partial[256];
  const float *row = z + (size_t)blockIdx.x * ff;
  double ss = 0;
  for (int j = threadIdx.x; j < ff; j += blockDim.x) ss += (double)row[j] * row[j];
  partial[threadIdx.x] = ss;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) inverse[blockIdx.x] = partial[0] > 0 ? 1.0 / sqrt(partial[0]) : 0.0;
}

/* s_j = sqrt(Σ_t (Z[t][j] · inverse[t])²). One thread per neuron; rows read coalesced. */
static __global__ void neuron_scores_kernel(double *__restrict__ scores, const float *__restrict__ z,
                                            const double *__restrict__ inverse, int rows, int ff) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= ff) return;
  double ss = 0;
#pragma unroll 4
  for (int t = 0; t < rows; t++) {
    const double v = (double)z[(size_t)t * ff + j] * inverse[t];
    ss += v * v;
  }
  scores[j] = sqrt(ss);
}

/* Exclusive prefix sum of v over the block (blockDim ≤ 1024); *total gets the sum. */
__device__ __forceinline__ int block_exclusive_scan(int v, int *shared, int *total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  int inclusive = v;
#pragma unroll
  for (int offset = 1; offset < 32; offset <<= 1) {
    const int o = __shfl_up_sync(0xffffffffu, inclusive, offset);
    if (lane >= offset) inclusive += o;
  }
  __syncthreads();
  if (lane == 31) shared[warp] = inclusive;
  __syncthreads();
  int before = 0, sum = 0;
  for (int w = 0; w < warps; w++) {
    if (w < warp) before += shared[w];
    sum += shared[w];
  }
  *total = sum;
  return before + inclusive - v;
}

/*
 * Per layer l (one block each): the k = counts[l] largest scores (k < 0: skip the layer), ties
 * to the lower index, into experts[l·ff ...] ascending; flags[l·ff + j] = 1 for them when flags
 * is given. Scores are non-negative doubles, so their bit patterns order as they do.
 */
static __global__ void top_k_kernel(int32_t *__restrict__ experts, uint8_t *__restrict__ flags,
                                    const double *__restrict__ scores,
                                    const int32_t *__restrict__ counts, int ff) {
  __shared__ int histogram[256];
  __shared__ int scan[32];
  __shared__ unsigned long long chosen;
  __shared__ int needed;
  const int l = blockIdx.x, k = counts[l];
  if (k < 0) return;
  const unsigned long long *bits =
      reinterpret_cast<const unsigned long long *>(scores + (size_t)l * ff);
  /* radix select: the k-th largest bit pattern, a byte at a time from the top */
  unsigned long long prefix = 0, mask = 0;
  if (threadIdx.x == 0) needed = k;
  for (int shift = 56; shift >= 0 && k > 0 && k < ff; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += blockDim.x) histogram[b] = 0;
    __syncthreads();
    for (int j = threadIdx.x; j < ff; j += blockDim.x) {
      const unsigned long long u = bits[j];
      if ((u & mask) == prefix) atomicAdd(&histogram[(u >> shift) & 255], 1);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      int above = 0, b = 255;
      for (; b > 0 && above + histogram[b] < needed; b--) above += histogram[b];
      needed -= above;
      chosen = (unsigned long long)b << shift;
    }
    __syncthreads();
    prefix |= chosen;
    mask |= 255ull << shift;
  }
  __syncthreads();
  /* keep every key above the k-th, and the first `needed` equal to it in index order */
  const unsigned long long threshold = prefix;
  const int take_equal = needed;
  int equal_base = 0, out_base = 0;
  for (int base = 0; base < ff; base += blockDim.x) {
    const int j = base + threadIdx.x;
    const unsigned long long u = j < ff ? bits[j] : 0;
    const bool all = k >= ff, none = k <= 0;
    const int equal = !all && !none && j < ff && u == threshold;
    int equal_total, out_total;
    const int equal_rank = equal_base + block_exclusive_scan(equal, scan, &equal_total);
    const int take = j < ff && !none && (all || u > threshold || (equal && equal_rank < take_equal));
    const int at = out_base + block_exclusive_scan(take, scan, &out_total);
    if (take) experts[(size_t)l * ff + at] = j;
    if (flags && j < ff) flags[(size_t)l * ff + j] = (uint8_t)take;
    equal_base += equal_total;
    out_base += out_total;
  }
}

/* flags[j] = 1 for the listed experts (a zeroed flags array first). */
static __global__ void flag_list_kernel(uint8_t *__restrict__ flags, const int32_t *__restrict__ experts,
                                        int k) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < k) flags[experts[i]] = 1;
}

/* The top-k launch for `layers` consecutive layers starting at the given pointers. */
inline gf_status launch_top_k(cudaStream_t stream, int32_t *experts, uint8_t *flags,
                              const double *scores, const int32_t *counts, int ff, int layers) {
  top_k_kernel<<<layers, 1024, 0, stream>>>(experts, flags, scores, counts, ff);
  GF_LAUNCHED();
  return GF_OK;
}

} // namespace gf

#endif
