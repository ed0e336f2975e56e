/*
 * cuda_gemm.cuh — the prompt phase's matrix products, Y (n, out) = X (n, in) · Wᵀ (+ Y), on the
 * tensor cores through cuBLAS where the build found it, else a tiled kernel (fp32 FMA) that
 * computes the same product; up to 16 rows of 16-bit weights may stream through gemm_rows_kernel
 * (GRIFFIN_GEMM_ROWS=1). X is float; with 16-bit weights it is rounded to the weight type first,
 * as frameworks do — by gemm_operand, or already by the kernel that wrote X (fused_rounding,
 * gemm_rounded).
 */
#ifndef GRIFFIN_CUDA_GEMM_CUH
#define GRIFFIN_CUDA_GEMM_CUH

#include "cuda_gemm_invariant.cuh"
#include "cuda_gemm_rows.cuh"
#include "cuda_layers.cuh"

namespace gf {

/* Y[t][o] (+)= Σ_i X[t][i] · W(o, i); W(o, i) = in_major ? W[i·out + o] : W[o·in + i]. */
template <typename T>
__global__ void gemm_tiled_kernel(float *__restrict__ y, const float *__restrict__ x,
                                  const T *__restrict__ w, int n, int in, int out, bool in_major,
                                  bool accumulate) {
  __shared__ float xs[16][17], ws[16][17];
  const int t = blockIdx.y * 16 + threadIdx.y, o = blockIdx.x * 16 + threadIdx.x;
  float acc = 0.f;
  for (int base = 0; base < in; base += 16) {
    const int i = base + threadIdx.x;
    xs[threadIdx.y][threadIdx.x] = t < n && i < in ? x[(size_t)t * in + i] : 0.f;
    const int wo = blockIdx.x * 16 + threadIdx.y, wi = base + threadIdx.x;
    float wv = 0.f;
    if (wo < out && wi < in) wv = to_float(in_major ? w[(size_t)wi * out + wo] : w[(size_t)wo * in + wi]);
    ws[threadIdx.y][threadIdx.x] = wv;
    __syncthreads();
#pragma unroll
    for (int j = 0; j < 16; j++) acc += xs[threadIdx.y][j] * ws[threadIdx.x][j];
    __syncthreads();
  }
  if (t < n && o < out) y[(size_t)t * out + o] = accumulate ? y[(size_t)t * out + o] + acc : acc;
}

/*
 * X (n, in) as the products take it: rounded to T into g.cast where cuBLAS multiplies 16-bit
 * weights, X itself otherwise. One rounding serves every product of the same input.
 */
template <typename T> const void *gemm_operand(GpuSession &g, const float *x, int n, int in) {
#ifdef GF_HAVE_CUBLAS
  if (!std::is_same<T, float>::value) {
    const size_t count = (size_t)n * in;
    cast_kernel<T><<<(unsigned)std::min<size_t>((count + 255) / 256, 65535), 256, 0, g.stream>>>(
        (T *)g.cast, x, count);
    return g.cast;
  }
#else
  (void)g, (void)n, (void)in;
#endif
  return x;
}

/* Y (n, out) (+)= operand · Wᵀ, the operand from gemm_operand (see gemm). */
template <typename T>
gf_status gemm_prepared(GpuSession &g, float *y, const void *operand, const T *w, int n, int in, int out,
                        bool in_major, bool accumulate) {
  GF_LAUNCHED(); /* the operand's rounding */
  if (gemm_rows_serves<T>(n, in, in_major)) { /* a few rows: weight-streaming, on the tensor cores */
    GF_CUDA(launch_gemm_rows<T>(g.stream, y, w, nullptr, nullptr, (const T *)operand, n, in, out, accumulate,
                                current_multiprocessors()));
    return GF_OK;
  }
#ifdef GF_HAVE_CUBLAS
  if (invariant_gemm<T>(g, y, operand, w, n, in, out, in_major, accumulate)) return GF_OK;
  const float alpha = 1.f, beta = accumulate ? 1.f : 0.f;
  /* column-major view: Yᵀ (out, n) = op(W) (out, in) · Xᵀ (in, n) */
  cublasStatus_t status = cublasGemmEx(
      g.cublas, in_major ? CUBLAS_OP_N : CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &alpha, w,
      cuda_type<T>(), in_major ? out : in, operand, cuda_type<T>(), in, &beta, y, CUDA_R_32F, out,
      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (status != CUBLAS_STATUS_SUCCESS)
    return fail(GF_ERR_CUDA, "cuBLAS GEMM (%d × %d × %d) failed with status %d", n, in, out,
                (int)status);
  return GF_OK;
#else
  dim3 grid((out + 15) / 16, (n + 15) / 16), block(16, 16);
  gemm_tiled_kernel<T><<<grid, block, 0, g.stream>>>(y, (const float *)operand, w, n, in, out, in_major, accumulate);
  GF_LAUNCHED();
  return GF_OK;
#endif
}

/*
 * Whether the products of n rows take X already rounded to T by the kernel that wrote it (the
 * norms, the packed attention's unpad, the activation), instead of gemm_operand's own pass: with
 * cuBLAS and 16-bit weights, where gemm would round X itself. Rounding the same float gives the
 * same bits either way. GRIFFIN_FUSED_ROUNDING=0 keeps the separate pass (read once).
 */
template <typename T> inline bool fused_rounding(int n, int in, bool in_major) {
#ifdef GF_HAVE_CUBLAS
  static const bool on = env_on("GRIFFIN_FUSED_ROUNDING");
  (void)n, (void)in, (void)in_major;
  return on && !std::is_same<T, float>::value;
#else
  (void)n, (void)in, (void)in_major;
  return false;
#endif
}

/* Y (n, out) (+)= X · Wᵀ for X (n, in) already rounded to T (where fused_rounding holds). */
template <typename T>
gf_status gemm_rounded(GpuSession &g, float *y, const T *x, const T *w, int n, int in, int out,
                       bool in_major, bool accumulate) {
  return gemm_prepared<T>(g, y, x, w, n, in, out, in_major, accumulate);
}

/* Rows up to which gate and up run as one batched call (gemm_pair): the products stream weights. */
constexpr int PAIR_ROWS = 16;

/*
 * Whether gemm_pair runs gate and up of n rows: with cuBLAS, 16-bit weights, n ≤ PAIR_ROWS and
 * the session's pointer table; GRIFFIN_FF_PAIR=0 turns it off. At 16 rows two calls tile 86
 * outputs each on 132 multiprocessors; one call of both tiles 172 (gemm_lab --split 16: 52.0 →
 * 48.2 µs for Llama-2-7B's gate and up).
 */
template <typename T> inline bool gemm_pair_serves(const GpuSession &g, int n) {
#ifdef GF_HAVE_CUBLAS
  static const bool on = env_on("GRIFFIN_FF_PAIR");
  return on && g.ff_pairs && !g.invariant_on && n <= PAIR_ROWS && !std::is_same<T, float>::value;
#else
  (void)g, (void)n;
  return false;
#endif
}

/*
 * Y_gate (n, out) = X · W_gateᵀ and Y_up (n, out) = X · W_upᵀ in one batched call, X rounded in
 * g.cast; pair: the layer's row of g.ff_pairs (W_gate, W_up, X, X, Y_gate, Y_up on the device).
 */
template <typename T>
gf_status gemm_pair(GpuSession &g, void *const *pair, int n, int in, int out) {
#ifdef GF_HAVE_CUBLAS
  GF_LAUNCHED(); /* the operand's rounding */
  const float alpha = 1.f, beta = 0.f;
  const cublasStatus_t status = cublasGemmBatchedEx(
      g.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &alpha, (const void *const *)pair, cuda_type<T>(), in,
      (const void *const *)(pair + 2), cuda_type<T>(), in, &beta, pair + 4, CUDA_R_32F, out, 2,
      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (status != CUBLAS_STATUS_SUCCESS)
    return fail(GF_ERR_CUDA, "cuBLAS gate and up (%d × %d × %d, batched) failed with status %d", n, in, out,
                (int)status);
  return GF_OK;
#else
  (void)g, (void)pair, (void)n, (void)in, (void)out;
  return fail(GF_ERR_INTERNAL, "gemm_pair without cuBLAS");
#endif
}

/*
 * Y (n, out) = X (n, in) · Wᵀ, W (out, in) row-major — or, with in_major, W given as (in, out)
 * (the transposed W_down). accumulate adds into Y.
 */
template <typename T>
gf_status gemm(GpuSession &g, float *y, const float *x, const T *w, int n, int in, int out,
               bool in_major, bool accumulate) {
  return gemm_prepared<T>(g, y, gemm_operand<T>(g, x, n, in), w, n, in, out, in_major, accumulate);
}

} // namespace gf

#endif
