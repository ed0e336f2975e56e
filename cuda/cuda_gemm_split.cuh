/*
 * cuda_gemm_split.cuh — a few-row product split over its inputs (split-K): for a decoding batch's
 * o projection (16 rows, a square weight) cuBLAS tiles only the outputs, 32 tiles on a chip of
 * 132 multiprocessors, and streams the weights at half the rate of the wider products. Here the
 * inputs are cut into `splits` slices, one strided-batched GEMM computes every slice's partial
 * outputs at once (splits times the tiles), and one kernel adds them, in slice order, into Y.
 */
#ifndef GRIFFIN_CUDA_GEMM_SPLIT_CUH
#define GRIFFIN_CUDA_GEMM_SPLIT_CUH

#include <cstdlib>

#include "cuda_gemm.cuh"

namespace gf {

/* y[i] += Σ_s partial[s][i] for i < count, the slices in order. */
static __global__ void add_slices_kernel(float *__restrict__ y, const float *__restrict__ partial,
                                         int splits, size_t count) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    float sum = 0.f;
    for (int s = 0; s < splits; s++) sum += partial[(size_t)s * count + i];
    y[i] += sum;
  }
}

/* Adds the `splits` slices of partial sums (splits · count floats) into y (count floats). */
inline void launch_add_slices(cudaStream_t stream, float *y, const float *partial, int splits, size_t count) {
  add_slices_kernel<<<(unsigned)std::min<size_t>((count + 255) / 256, 1024), 256, 0, stream>>>(y, partial, splits,
                                                                                               count);
}

/* Slices of the o projection in a decoding batch: GRIFFIN_O_SPLITS (default 4; 1: one GEMM). */
inline int o_splits() {
  static const int splits = [] {
    const char *v = getenv("GRIFFIN_O_SPLITS");
    return v && *v ? std::max(1, atoi(v)) : 4;
  }();
  return splits;
}

/* Slices of the down projection in a decoding batch, summed with the next layer's norm
 * (add_norm_kernel): GRIFFIN_DOWN_SPLITS (default 8; 1: cuBLAS's own product, its split-K reduced by cuBLAS). */
inline int down_splits() {
  static const int splits = [] {
    const char *v = getenv("GRIFFIN_DOWN_SPLITS");
    return v && *v ? std::max(1, atoi(v)) : 8;
  }();
  return splits;
}

/*
 * Y (n, out) += X (n, in) · Wᵀ, W (out, in) row-major, over `splits` slices of the inputs (in a
 * multiple of splits · 8), partial sums in `scratch` (splits · n · out floats); X is rounded to T
 * as gemm rounds it (operand from gemm_operand, or already rounded). Without cuBLAS, or with
 * one slice, it is gemm_prepared. With `sliced`, the slices are left in scratch for the caller to
 * add (*sliced true; launch_add_slices or add_norm_kernel) instead of added here. in_major: W is
 * given as (in, out) row-major (W_downᵀ), each slice a run of its rows.
 */
template <typename T>
gf_status gemm_split_inputs(GpuSession &g, float *y, const void *operand, const T *w, int n, int in,
                            int out, int splits, float *scratch, bool *sliced = nullptr, bool in_major = false) {
  if (sliced) *sliced = false;
#ifdef GF_HAVE_CUBLAS
  if (splits > 1 && in % (splits * 8) == 0 && !std::is_same<T, float>::value) {
    GF_LAUNCHED(); /* the operand's rounding */
    const int slice = in / splits;
    const float alpha = 1.f, beta = 0.f;
    /* column-major: partial_sᵀ (out, n) = W[:, slice s]ᵀ… as gemm_prepared, each slice offset by s·slice */
    const cublasStatus_t status = cublasGemmStridedBatchedEx(
        g.cublas, in_major ? CUBLAS_OP_N : CUBLAS_OP_T, CUBLAS_OP_N, out, n, slice, &alpha, w, cuda_type<T>(),
        in_major ? out : in, in_major ? (long long)slice * out : slice, operand, cuda_type<T>(), in, slice, &beta,
        scratch, CUDA_R_32F, out, (long long)out * n, splits, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    if (status != CUBLAS_STATUS_SUCCESS)
      return fail(GF_ERR_CUDA, "cuBLAS split product (%d × %d × %d, %d slices) failed with status %d", n, in,
                  out, splits, (int)status);
    if (sliced) {
      *sliced = true;
      return GF_OK;
    }
    launch_add_slices(g.stream, y, scratch, splits, (size_t)n * out);
    GF_LAUNCHED();
    return GF_OK;
  }
#else
  (void)splits, (void)scratch;
#endif
  return gemm_prepared<T>(g, y, operand, w, n, in, out, in_major, true);
}

} // namespace gf

#endif
