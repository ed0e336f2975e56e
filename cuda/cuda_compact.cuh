/*
 * cuda_compact.cuh — the other way to run GRIFFIN's pruned FF block (GRIFFIN_COMPACT=1, for
 * measuring): after the prompt phase, each layer's experts' rows of W_gate, W_up and W_downᵀ are
 * gathered into one contiguous copy (what the paper's code does), and decoding reads those
 * instead of the experts' rows in place. It costs the copy's memory (half the FF weights again
 * at density 0.5), which is why reading in place is the default.
 */
#ifndef GRIFFIN_CUDA_COMPACT_CUH
#define GRIFFIN_CUDA_COMPACT_CUH

#include <cstdlib>

#include "cuda_common.cuh"

namespace gf {

/* out[m][i] = in_m[experts[i]] for the k experts and m < 3, rows of `vectors` 16-byte vectors
 * (a null in_m leaves its part unwritten); grid (k, 3). */
static __global__ void gather_rows_kernel(uint4 *__restrict__ out, const uint4 *__restrict__ in0,
                                          const uint4 *__restrict__ in1, const uint4 *__restrict__ in2,
                                          const int32_t *__restrict__ experts, int k, int vectors) {
  const uint4 *in = blockIdx.y == 0 ? in0 : blockIdx.y == 1 ? in1 : in2;
  if (!in) return;
  const uint4 *row = in + (size_t)experts[blockIdx.x] * vectors;
  uint4 *dst = out + ((size_t)blockIdx.y * k + blockIdx.x) * vectors;
  for (int i = threadIdx.x; i < vectors; i += blockDim.x) dst[i] = row[i];
}

/* Whether decoding reads gathered copies of the experts' rows (GRIFFIN_COMPACT=1). */
inline bool compact_enabled() {
  const char *v = getenv("GRIFFIN_COMPACT");
  return v && v[0] == '1';
}

} // namespace gf

#endif
