/*
 * cuda_selection.cuh — GRIFFIN's expert selection on the GPU: neuron scores from the prompt's
 * activations (float64 accumulation, as the CPU twin neuron_scores) and top-k by a stable radix
 * sort (ties keep the lower index, as select_experts does).
 */
#ifndef GRIFFIN_CUDA_SELECTION_CUH
#define GRIFFIN_CUDA_SELECTION_CUH

#include <cub/cub.cuh>

#include "cuda_common.cuh"

namespace gf {

/* inverse[t] = 1 / ‖Z_t‖₂ (0 for a zero row). Grid: rows; block 256. */
static __global__ void row_inverse_norm_kernel(double *__restrict__ inverse, const float *__restrict__ z,
                                        int ff) {
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
  for (int t = 0; t < rows; t++) {
    const double v = (double)z[(size_t)t * ff + j] * inverse[t];
    ss += v * v;
  }
  scores[j] = sqrt(ss);
}

static __global__ void iota_kernel(int32_t *out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = i;
}

/* flags[j] = 1 for the first k sorted indices, 0 elsewhere. */
static __global__ void flag_top_kernel(uint8_t *__restrict__ flags, const int32_t *__restrict__ sorted,
                                int k, int ff) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < ff) flags[sorted[i]] = i < k ? 1 : 0;
}

/* flags[j] = 1 for the listed experts, 0 elsewhere (a zeroed flags array first). */
static __global__ void flag_list_kernel(uint8_t *__restrict__ flags, const int32_t *__restrict__ experts,
                                 int k) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < k) flags[experts[i]] = 1;
}

/* Bytes of CUB scratch for sorting and selecting among ff neurons. */
inline gf_status selection_scratch_bytes(int ff, size_t *bytes) {
  size_t sort = 0, select = 0;
  GF_CUDA(cub::DeviceRadixSort::SortPairsDescending(nullptr, sort, (const double *)nullptr,
                                                     (double *)nullptr, (const int32_t *)nullptr,
                                                     (int32_t *)nullptr, ff));
  GF_CUDA(cub::DeviceSelect::Flagged(nullptr, select, (const int32_t *)nullptr,
                                     (const uint8_t *)nullptr, (int32_t *)nullptr,
                                     (int32_t *)nullptr, ff));
  *bytes = std::max(sort, select);
  return GF_OK;
}

/*
 * The k largest scores' indices, ascending, into experts; flags marks them. scores: ff doubles
 * on the device. Everything runs on g.stream (no host synchronisation).
 */
inline gf_status top_k_experts(GpuSession &g, const double *scores, int ff, int k,
                               int32_t *experts, uint8_t *flags) {
  size_t bytes = g.sort_bytes;
  GF_CUDA(cub::DeviceRadixSort::SortPairsDescending(g.sort_storage, bytes, scores, g.sorted_scores,
                                                     g.iota, g.sorted_index, ff, 0, 64, g.stream));
  flag_top_kernel<<<(ff + 255) / 256, 256, 0, g.stream>>>(flags, g.sorted_index, k, ff);
  GF_LAUNCHED();
  bytes = g.sort_bytes;
  GF_CUDA(cub::DeviceSelect::Flagged(g.sort_storage, bytes, g.iota, flags, experts, g.selected, ff,
                                     g.stream));
  return GF_OK;
}

} // namespace gf

#endif
