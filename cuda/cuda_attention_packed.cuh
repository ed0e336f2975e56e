/*
 * cuda_attention_packed.cuh — causal attention over a packed batch of sequences in a few launches
 * (mode class, gf_score_class_batch). Where attention_fused serves (16-bit types, head_dim 64,
 * 128 or 256) every sequence goes in its one launch; otherwise each chunk of sequences is laid out
 * padded to its longest, (sequence, head, position, head_dim) in the weight type with zeros past each length, so that
 * S = scale · Q Kᵀ and O = P V are strided-batched GEMMs over every (sequence, head) at once and
 * the causal softmax (each row over its own sequence's keys) one launch; O goes back to the
 * packed rows. The same arithmetic as attention_prompt (f32 scores, probabilities rounded to the
 * weight type as frameworks do), with the padding's zeros added in. A sequence whose scores do
 * not fit the scratch, or a build without cuBLAS, takes attention_prompt alone.
 */
#ifndef GRIFFIN_CUDA_ATTENTION_PACKED_CUH
#define GRIFFIN_CUDA_ATTENTION_PACKED_CUH

#include <algorithm>
#include <vector>

#include "cuda_attention_prompt.cuh"

namespace gf {

/* A packed batch's sequences: sequence b holds rows offsets[b] .. offsets[b] + lengths[b] − 1. */
struct PackedSequences {
  const std::vector<int32_t> *offsets = nullptr, *lengths = nullptr; /* host */
  const int32_t *device_offsets = nullptr, *device_lengths = nullptr; /* the same, on the device */
};

/*
 * The queries (from qkv, rotated) and the cached keys and values of sequences b (offsets, lengths
 * on the device, this chunk's) into q (b, heads, L, head_dim), k and v (b, kv_heads, L, head_dim),
 * zeros at positions from the sequence's length to L. Grid (L, sequences); block 256.
 */
template <typename T>
static __global__ void pad_heads_kernel(T *__restrict__ q, T *__restrict__ k, T *__restrict__ v,
                                        const float *__restrict__ qkv, const T *__restrict__ key_cache,
                                        const T *__restrict__ value_cache, const int32_t *__restrict__ offsets,
                                        const int32_t *__restrict__ lengths, int L, int heads,
                                        int kv_heads, int head_dim) {
  const int t = blockIdx.x, b = blockIdx.y;
  const bool inside = t < lengths[b];
  const size_t row = (size_t)offsets[b] + t;
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim, qkv_dim = q_dim + 2 * kv_dim;
  const T zero = from_float<T>(0.f);
  for (int i = threadIdx.x; i < q_dim; i += blockDim.x)
    q[(((size_t)b * heads + i / head_dim) * L + t) * head_dim + i % head_dim] =
        inside ? from_float<T>(qkv[row * qkv_dim + i]) : zero;
  for (int i = threadIdx.x; i < kv_dim; i += blockDim.x) {
    const size_t at = (((size_t)b * kv_heads + i / head_dim) * L + t) * head_dim + i % head_dim;
    k[at] = inside ? key_cache[row * kv_dim + i] : zero;
    v[at] = inside ? value_cache[row * kv_dim + i] : zero;
  }
}

/*
 * att's packed rows from o (b, heads, L, head_dim), positions below each length: in f32, or
 * rounded to T as the o product takes them (fused_rounding). Grid (L, sequences).
 */
template <typename A>
static __global__ void unpad_heads_kernel(A *__restrict__ att, const float *__restrict__ o,
                                          const int32_t *__restrict__ offsets,
                                          const int32_t *__restrict__ lengths, int L, int heads,
                                          int head_dim) {
  const int t = blockIdx.x, b = blockIdx.y;
  if (t >= lengths[b]) return;
  const int q_dim = heads * head_dim;
  A *row = att + ((size_t)offsets[b] + t) * q_dim;
  for (int i = threadIdx.x; i < q_dim; i += blockDim.x)
    row[i] = from_float<A>(o[(((size_t)b * heads + i / head_dim) * L + t) * head_dim + i % head_dim]);
}

/*
 * attention_packed without the fused kernel, through cuBLAS on padded copies: att (packed rows,
 * q_dim) = causal attention of each sequence of the batch against its own rows of the cache
 * (written by rope_cache_kernel), over its last `window` keys (0: all). With rounded, the rows go
 * there rounded to T instead. Uses the session's free scratch during attention: cast (padded
 * queries), up (padded keys and values, then the outputs in f32) and the attention scratch
 * (scores, probabilities).
 */
template <typename T>
gf_status attention_padded(GpuSession &g, float *att, const float *qkv, const T *key_cache,
                           const T *value_cache, const PackedSequences &batch, int heads,
                           int kv_heads, int head_dim, int window, T *rounded = nullptr) {
  const std::vector<int32_t> &offsets = *batch.offsets, &lengths = *batch.lengths;
  const int count = (int)lengths.size();
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  auto alone = [&](int b) {
    const size_t at = (size_t)offsets[(size_t)b];
    return attention_prompt<T>(g, att + at * q_dim, qkv + at * (q_dim + 2 * kv_dim), key_cache + at * kv_dim,
                               value_cache + at * kv_dim, lengths[(size_t)b], heads, kv_heads, head_dim, window,
                               rounded ? rounded + at * q_dim : nullptr);
  };
#ifdef GF_HAVE_CUBLAS
  const int group = heads / kv_heads;
  /* bytes of each buffer per padded row, and of scores per (sequence, L²) */
  const size_t q_row = (size_t)q_dim * sizeof(T), kvo_row = 2 * (size_t)kv_dim * sizeof(T) + (size_t)q_dim * 4;
  const size_t score_unit = (size_t)heads * (4 + sizeof(T));
  for (int b0 = 0; b0 < count;) {
    /* the longest run of sequences from b0 whose padded rows and scores fit */
    int b1 = b0, L = 0;
    while (b1 < count) {
      const int longest = std::max(L, lengths[(size_t)b1]);
      const size_t rows = (size_t)(b1 + 1 - b0) * longest;
      if (rows * q_row > g.cast_bytes || rows * kvo_row > g.up_bytes ||
          rows * longest * score_unit > g.attention_scratch_bytes)
        break;
      L = longest, b1++;
    }
    if (b1 == b0) { /* one sequence too long for the padded layout */
      if (gf_status st = alone(b0); st != GF_OK) return st;
      b0++;
      continue;
    }
    const int n = b1 - b0;
    T *q = (T *)g.cast;
    T *k = (T *)g.up, *v = k + (size_t)n * L * kv_dim;
    float *o = (float *)(v + (size_t)n * L * kv_dim);
    float *scores = (float *)g.attention_scratch;
    T *probs = (T *)(scores + (size_t)n * heads * L * L);
    const int32_t *chunk_offsets = batch.device_offsets + b0, *chunk_lengths = batch.device_lengths + b0;
    pad_heads_kernel<T><<<dim3(L, n), 256, 0, g.stream>>>(q, k, v, qkv, key_cache, value_cache, chunk_offsets,
                                                           chunk_lengths, L, heads, kv_heads, head_dim);
    GF_LAUNCHED();
    const float scale = 1.0f / sqrtf((float)head_dim), one = 1.f, zero = 0.f;
    const long long LL = (long long)L * L, Ld = (long long)L * head_dim;
    const int items = n * kv_heads; /* (sequence, KV head) pairs; query head j of each group apart */
    for (int j = 0; j < group; j++) {
      const cublasStatus_t st = cublasGemmStridedBatchedEx(
          g.cublas, CUBLAS_OP_T, CUBLAS_OP_N, L, L, head_dim, &scale, k, cuda_type<T>(), head_dim, Ld,
          q + (size_t)j * Ld, cuda_type<T>(), head_dim, group * Ld, &zero, scores + (size_t)j * LL,
          CUDA_R_32F, L, group * LL, items, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
      if (st != CUBLAS_STATUS_SUCCESS)
        return fail(GF_ERR_CUDA, "cuBLAS packed attention scores (%d × %d × %d) failed with status %d", items, L, L, (int)st);
    }
    causal_softmax_kernel<T><<<dim3((L + SOFTMAX_ROWS - 1) / SOFTMAX_ROWS, n * heads), 32 * SOFTMAX_ROWS, 0, g.stream>>>(
        probs, scores, L, window, chunk_lengths, heads);
    GF_LAUNCHED();
    for (int j = 0; j < group; j++) {
      const cublasStatus_t st = cublasGemmStridedBatchedEx(
          g.cublas, CUBLAS_OP_N, CUBLAS_OP_N, head_dim, L, L, &one, v, cuda_type<T>(), head_dim, Ld,
          probs + (size_t)j * LL, cuda_type<T>(), L, group * LL, &zero, o + (size_t)j * Ld, CUDA_R_32F,
          head_dim, group * Ld, items, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
      if (st != CUBLAS_STATUS_SUCCESS)
        return fail(GF_ERR_CUDA, "cuBLAS packed attention values (%d × %d × %d) failed with status %d", items, L, head_dim, (int)st);
    }
    if (rounded)
      unpad_heads_kernel<T><<<dim3(L, n), 256, 0, g.stream>>>(rounded, o, chunk_offsets, chunk_lengths, L, heads, head_dim);
    else
      unpad_heads_kernel<float><<<dim3(L, n), 256, 0, g.stream>>>(att, o, chunk_offsets, chunk_lengths, L, heads, head_dim);
    GF_LAUNCHED();
    b0 = b1;
  }
  return GF_OK;
#else
  for (int b = 0; b < count; b++)
    if (gf_status st = alone(b); st != GF_OK) return st;
  return GF_OK;
#endif
}

/*
 * att (packed rows, q_dim) = causal attention of each sequence of the batch against its own rows
 * of the cache, over its last `window` keys (0: all); with rounded, rounded to T there instead.
 * Every sequence in one launch where attention_fused serves, else attention_padded.
 */
template <typename T>
gf_status attention_packed(GpuSession &g, float *att, const float *qkv, const T *key_cache,
                           const T *value_cache, const PackedSequences &batch, int heads,
                           int kv_heads, int head_dim, int window, T *rounded = nullptr) {
  if constexpr (!std::is_same<T, float>::value) {
    if (fused_attention_serves<T>(head_dim)) {
      const std::vector<int32_t> &lengths = *batch.lengths;
      if (lengths.empty()) return GF_OK;
      const int longest = *std::max_element(lengths.begin(), lengths.end());
      GF_CUDA(launch_attention_fused<T>(g.stream, att, rounded, qkv, key_cache, value_cache, batch.device_offsets,
                                        batch.device_lengths, (int)lengths.size(), longest, heads, kv_heads,
                                        head_dim, window));
      return GF_OK;
    }
  }
  return attention_padded<T>(g, att, qkv, key_cache, value_cache, batch, heads, kv_heads, head_dim, window, rounded);
}

} // namespace gf

#endif
