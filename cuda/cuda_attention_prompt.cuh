/*
 * cuda_attention_prompt.cuh — causal attention over a whole prompt on the tensor cores: per KV
 * head and query head of its group, S = scale · Q Kᵀ (batched GEMM, f32), a causal softmax that
 * writes P in the weight type (as frameworks round it), and O = P V (batched GEMM, f32). The
 * scores of as many KV heads as the session's scratch holds go at once. Without cuBLAS (or
 * without room for one head's scores) the SIMT kernel attention_prefill_kernel serves. The CPU
 * twin is attention() in kernels_cpu.cpp, checked in cuda_check.cu.
 */
#ifndef GRIFFIN_CUDA_ATTENTION_PROMPT_CUH
#define GRIFFIN_CUDA_ATTENTION_PROMPT_CUH

#include "cuda_attention_fused.cuh"
#include "cuda_gemm.cuh"

namespace gf {

/* out (n, q_dim) in T = the queries of qkv (n, q_dim + 2·kv_dim), rounded. */
template <typename T>
static __global__ void query_cast_kernel(T *__restrict__ out, const float *__restrict__ qkv,
                                         int n, int q_dim, int qkv_dim) {
  const size_t count = (size_t)n * q_dim;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count;
       i += (size_t)gridDim.x * blockDim.x)
    out[i] = from_float<T>(qkv[(i / q_dim) * qkv_dim + i % q_dim]);
}

/* Rows of scores a causal_softmax_kernel block takes: a warp each. */
constexpr int SOFTMAX_ROWS = 8;

/*
 * Row t of head b's scores (n × n, f32, already scaled) into probabilities over keys lo..t (lo =
 * t − window + 1 with a sliding window, else 0), in T; the other keys get 0. A warp per row
 * (shuffle reductions, no block barriers); grid (⌈n / SOFTMAX_ROWS⌉, heads in the pass), block
 * 32 · SOFTMAX_ROWS. Packed sequences (attention_packed): blockIdx.y / heads is the sequence and
 * rows from its length on are left alone.
 */
template <typename T>
static __global__ void __launch_bounds__(32 * SOFTMAX_ROWS)
    causal_softmax_kernel(T *__restrict__ probs, const float *__restrict__ scores, int n, int window,
                          const int32_t *__restrict__ lengths, int heads) {
  const int lane = threadIdx.x & 31, t = blockIdx.x * SOFTMAX_ROWS + (threadIdx.x >> 5);
  if (t >= n || (lengths && t >= lengths[blockIdx.y / heads])) return;
  const int lo = window > 0 ? max(0, t - window + 1) : 0;
  const size_t at = ((size_t)blockIdx.y * n + t) * n;
  const float *row = scores + at;
  float top = -INFINITY;
  for (int j = lo + lane; j <= t; j += 32) top = fmaxf(top, row[j]);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) top = fmaxf(top, __shfl_xor_sync(0xffffffffu, top, o));
  float sum = 0.f;
  for (int j = lo + lane; j <= t; j += 32) sum += expf(row[j] - top);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const float inv = 1.0f / sum;
  for (int j = lane; j < n; j += 32)
    probs[at + j] = from_float<T>(j >= lo && j <= t ? expf(row[j] - top) * inv : 0.f);
}

/* Bytes of attention scratch a session of `positions` keeps for `heads` heads of scores. */
inline size_t prompt_attention_scratch(int positions, int heads, size_t elem) {
#ifdef GF_HAVE_CUBLAS
  const size_t per_head = (size_t)positions * positions * (4 + elem);
  return std::min<size_t>((size_t)heads * per_head, std::max<size_t>(per_head, 256u << 20));
#else
  (void)positions, (void)heads, (void)elem;
  return 0;
#endif
}

/* attention_prompt's path without the fused kernel: cuBLAS, or the SIMT kernel (into att, f32). */
template <typename T>
gf_status attention_unfused(GpuSession &g, float *att, const float *qkv, const T *key_cache,
                            const T *value_cache, int n, int heads, int kv_heads, int head_dim,
                            int window) {
#ifdef GF_HAVE_CUBLAS
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim, group = heads / kv_heads;
  const size_t per_kv = (size_t)group * n * n * (4 + sizeof(T));
  const int kv_per_pass = per_kv ? (int)std::min<size_t>(kv_heads, g.attention_scratch_bytes / per_kv) : 0;
  if (kv_per_pass > 0) {
    T *q = (T *)g.cast;
    const size_t count = (size_t)n * q_dim;
    query_cast_kernel<T><<<(unsigned)std::min<size_t>((count + 255) / 256, 65535), 256, 0, g.stream>>>(
        q, qkv, n, q_dim, q_dim + 2 * kv_dim);
    GF_LAUNCHED();
    float *scores = (float *)g.attention_scratch;
    T *probs = (T *)(scores + (size_t)kv_per_pass * group * n * n);
    const float scale = 1.0f / sqrtf((float)head_dim), one = 1.f, zero = 0.f;
    const long long nn = (long long)n * n;
    for (int k0 = 0; k0 < kv_heads; k0 += kv_per_pass) {
      const int kc = std::min(kv_per_pass, kv_heads - k0);
      for (int j = 0; j < group; j++) { /* query head h = kv·group + j, scores at local kv·group + j */
        const cublasStatus_t st = cublasGemmStridedBatchedEx(
            g.cublas, CUBLAS_OP_T, CUBLAS_OP_N, n, n, head_dim, &scale,
            key_cache + (size_t)k0 * head_dim, cuda_type<T>(), kv_dim, head_dim,
            q + (size_t)(k0 * group + j) * head_dim, cuda_type<T>(), q_dim, (long long)group * head_dim,
            &zero, scores + (size_t)j * nn, CUDA_R_32F, n, group * nn, kc, CUBLAS_COMPUTE_32F,
            CUBLAS_GEMM_DEFAULT);
        if (st != CUBLAS_STATUS_SUCCESS)
          return fail(GF_ERR_CUDA, "cuBLAS attention scores (%d heads × %d × %d) failed with status %d", kc, n, n, (int)st);
      }
      causal_softmax_kernel<T><<<dim3((n + SOFTMAX_ROWS - 1) / SOFTMAX_ROWS, kc * group), 32 * SOFTMAX_ROWS, 0, g.stream>>>(
          probs, scores, n, window, nullptr, 1);
      GF_LAUNCHED();
      for (int j = 0; j < group; j++) {
        const cublasStatus_t st = cublasGemmStridedBatchedEx(
            g.cublas, CUBLAS_OP_N, CUBLAS_OP_N, head_dim, n, n, &one,
            value_cache + (size_t)k0 * head_dim, cuda_type<T>(), kv_dim, head_dim,
            probs + (size_t)j * nn, cuda_type<T>(), n, group * nn, &zero,
            att + (size_t)(k0 * group + j) * head_dim, CUDA_R_32F, q_dim, (long long)group * head_dim,
            kc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
        if (st != CUBLAS_STATUS_SUCCESS)
          return fail(GF_ERR_CUDA, "cuBLAS attention values (%d heads × %d × %d) failed with status %d", kc, n, head_dim, (int)st);
      }
    }
    return GF_OK;
  }
#endif
  attention_prefill_kernel<T><<<dim3(n, heads), 256, prefill_shared_bytes(n), g.stream>>>(
      att, qkv, key_cache, value_cache, 0, heads, kv_heads, head_dim, window);
  GF_LAUNCHED();
  return GF_OK;
}

/*
 * att (n, q_dim) = causal attention of the n queries in qkv (rotated) against the cache's
 * positions 0..n−1 (written by rope_cache_kernel), each over its last `window` keys (0: all).
 * With rounded, the rows go there rounded to T instead (the o product's operand). In one launch
 * where fused_prompt_attention says so, or wherever attention_fused serves with as_packed (a
 * class-mode request alone: the kernel that scores it packed with others, so that its scores do
 * not depend on the batch size), else through cuBLAS.
 */
template <typename T>
gf_status attention_prompt(GpuSession &g, float *att, const float *qkv, const T *key_cache,
                           const T *value_cache, int n, int heads, int kv_heads, int head_dim,
                           int window, T *rounded = nullptr, bool as_packed = false) {
  if constexpr (!std::is_same<T, float>::value) {
    if (as_packed ? fused_attention_serves<T>(head_dim) : fused_prompt_attention<T>(head_dim, heads, kv_heads)) {
      GF_CUDA(launch_attention_fused<T>(g.stream, att, rounded, qkv, key_cache, value_cache, nullptr, nullptr, 1, n,
                                        heads, kv_heads, head_dim, window));
      return GF_OK;
    }
  }
  if (gf_status st = attention_unfused<T>(g, att, qkv, key_cache, value_cache, n, heads, kv_heads, head_dim, window);
      st != GF_OK || !rounded)
    return st;
  const size_t values = (size_t)n * heads * head_dim;
  cast_kernel<T><<<(unsigned)std::min<size_t>((values + 255) / 256, 65535), 256, 0, g.stream>>>(rounded, att, values);
  GF_LAUNCHED();
  return GF_OK;
}

} // namespace gf

#endif
