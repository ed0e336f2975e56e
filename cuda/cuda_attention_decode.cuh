/*
 * cuda_attention_decode.cuh — decoding attention for one new token, split over the cache
 * (flash-decoding): a fixed number of splits per head, each a range of positions that grows with
 * the context; a warp takes 32 / L positions at a time, L lanes per key with one 16-byte load
 * each, and keeps an online softmax; the last split of a head to finish combines the splits in
 * split order. RoPE of the query and the new key and the cache write are fused in. The CPU twin
 * is attention() in kernels_cpu.cpp, checked in cuda_check.cu.
 */
#ifndef GRIFFIN_CUDA_ATTENTION_DECODE_CUH
#define GRIFFIN_CUDA_ATTENTION_DECODE_CUH

#include <algorithm>
#include <cstdlib>
#include <type_traits>

#include "cuda_launch.cuh"
#include "cuda_layers.cuh"

namespace gf {

constexpr int DECODE_WARPS = 8;
constexpr int DECODE_MAX_SPLITS = 64;

/* Splits per head: at most three blocks per multiprocessor (one wave), 32 positions or more each. */
inline int decode_splits(int heads, int max_positions, int sms) {
  const int want = 3 * sms / heads;
  return std::max(1, std::min({want, (max_positions + 31) / 32, DECODE_MAX_SPLITS}));
}

/*
 * Splits per head when `sequences` decode together, at most `session_splits` (what each session's
 * partials hold): the batch's (head, sequence) pairs already fill the chip, so each block takes a
 * longer run of positions. GRIFFIN_BATCH_SPLITS sets it (within 1..session_splits).
 */
inline int decode_batch_splits(int heads, int sequences, int sms, int session_splits) {
  static const int asked = [] {
    const char *v = getenv("GRIFFIN_BATCH_SPLITS");
    return v && *v ? atoi(v) : 0;
  }();
  const int want = asked > 0 ? asked : (3 * sms + heads * sequences - 1) / (heads * sequences);
  return std::max(1, std::min(want, session_splits));
}

/* Lanes per key of head_dim elements of T for the split kernel; 0 when it does not apply. */
template <typename T> inline int decode_lanes(int head_dim) {
  constexpr int V = 16 / sizeof(T);
  if (head_dim % V != 0) return 0;
  const int lanes = head_dim / V;
  return lanes <= 32 && (lanes & (lanes - 1)) == 0 ? lanes : 0;
}

/* Merges the online-softmax state (m, l, acc) with another's. */
template <int V>
__device__ __forceinline__ void merge_state(float &m, float &l, float (&acc)[V], float m_o,
                                            float l_o, const float (&acc_o)[V]) {
  const float top = fmaxf(m, m_o);
  const float a = top == -INFINITY ? 0.f : expf(m - top);
  const float b = top == -INFINITY ? 0.f : expf(m_o - top);
  l = l * a + l_o * b;
#pragma unroll
  for (int j = 0; j < V; j++) acc[j] = acc[j] * a + acc_o[j] * b;
  m = top;
}

/*
 * Head h, split s of `splits` (a block's share: grid (heads, splits) when launched alone),
 * DECODE_WARPS warps. Split s covers positions [lo + s·per, lo + s·per
 * + per) of lo..pos, per = ⌈(pos + 1 − lo) / splits⌉ (lo = pos − window + 1 with a sliding window,
 * else 0), and writes (max, sum, acc[head_dim]) to partial; the
 * head's last block writes out[h] (or, with rounded, out[h] rounded to T there instead: the o
 * product's operand) and resets tickets[h] to 0. L lanes hold a key (head_dim = L·V).
 */
template <typename T, int L, typename Wait>
__device__ __forceinline__ void attention_split(float *__restrict__ out, float *__restrict__ partial,
                                                uint32_t *__restrict__ tickets, const float *qkv,
                                                T *__restrict__ key_cache, T *__restrict__ value_cache,
                                                const int32_t *__restrict__ position, int heads, int kv_heads,
                                                const float *__restrict__ inv_freq, int window, int h,
                                                int split, int splits, Wait wait, T *rounded = nullptr) {
  constexpr int V = 16 / sizeof(T), head_dim = L * V, P = 32 / L, STEP = DECODE_WARPS * P;
  __shared__ float q[head_dim], key[head_dim], value[head_dim];
  __shared__ float warp_m[DECODE_WARPS], warp_l[DECODE_WARPS], warp_acc[DECODE_WARPS][head_dim];
  __shared__ bool last_block;
  __shared__ float split_weight[DECODE_MAX_SPLITS], split_total;
  const int pos = *position; /* written before the step, not by the kernel before */
  const int lo = window > 0 ? max(0, pos - window + 1) : 0;
  const int per = (pos + 1 - lo + splits - 1) / splits, first = lo + split * per;
  const int last = min(pos + 1, first + per);
  const int kv_dim = kv_heads * head_dim;
  const int kv_offset = (h / (heads / kv_heads)) * head_dim;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, group = lane / L, sub = lane % L;
  const size_t column = (size_t)kv_offset + sub * V;
  /* key and value of position p from the cache (earlier steps wrote them), zeros for pos and past last */
  uint4 next_key = make_uint4(0u, 0u, 0u, 0u), next_value = next_key;
  auto fetch = [&](int p) {
    if (p < last && p != pos) {
      next_key = __ldg(reinterpret_cast<const uint4 *>(key_cache + (size_t)p * kv_dim + column));
      next_value = __ldg(reinterpret_cast<const uint4 *>(value_cache + (size_t)p * kv_dim + column));
    }
  };
  fetch(first + warp * P + group); /* in flight while the kernel before finishes */
  if (!wait()) return;
  stage_new_token<T, Wait::one_launch>(q, key, value, qkv, key_cache, value_cache, h, pos, heads, kv_heads, head_dim,
                     inv_freq, pos >= first && pos < last);
  float qr[V], acc[V];
#pragma unroll
  for (int j = 0; j < V; j++) qr[j] = q[sub * V + j], acc[j] = 0.f;
  const float scale = 1.0f / sqrtf((float)head_dim);
  float m = -INFINITY, l = 0.f;
  for (int base = first + warp * P; base < last; base += STEP) { /* uniform across the warp */
    const int p = base + group;
    const uint4 kp = next_key, vp = next_value;
    fetch(p + STEP); /* the next step's, in flight while this one is summed */
    float k[V], v[V];
    if (p < last && p != pos) {
      const T *ke = reinterpret_cast<const T *>(&kp), *ve = reinterpret_cast<const T *>(&vp);
#pragma unroll
      for (int j = 0; j < V; j++) k[j] = to_float(ke[j]), v[j] = to_float(ve[j]);
    } else { /* the new token (from shared memory), or past the range */
#pragma unroll
      for (int j = 0; j < V; j++) k[j] = key[sub * V + j], v[j] = value[sub * V + j];
    }
    float s = 0.f;
#pragma unroll
    for (int j = 0; j < V; j++) s += qr[j] * k[j];
#pragma unroll
    for (int o = L / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (p < last) {
      s *= scale;
      const float top = fmaxf(m, s), a = expf(m - top), e = expf(s - top);
      l = l * a + e;
#pragma unroll
      for (int j = 0; j < V; j++) acc[j] = acc[j] * a + e * v[j];
      m = top;
    }
  }
#pragma unroll
  for (int o = L; o < 32; o <<= 1) { /* the warp's position groups into one state */
    float acc_o[V];
#pragma unroll
    for (int j = 0; j < V; j++) acc_o[j] = __shfl_xor_sync(0xffffffffu, acc[j], o);
    const float m_o = __shfl_xor_sync(0xffffffffu, m, o), l_o = __shfl_xor_sync(0xffffffffu, l, o);
    merge_state<V>(m, l, acc, m_o, l_o, acc_o);
  }
  if (group == 0) {
#pragma unroll
    for (int j = 0; j < V; j++) warp_acc[warp][sub * V + j] = acc[j];
    if (sub == 0) warp_m[warp] = m, warp_l[warp] = l;
  }
  __syncthreads();
  float top = -INFINITY;
  for (int w = 0; w < DECODE_WARPS; w++) top = fmaxf(top, warp_m[w]);
  float *mine = partial + ((size_t)h * splits + split) * (head_dim + 2);
  for (int d = threadIdx.x; d <= head_dim; d += blockDim.x) {
    float sum = 0.f; /* d == head_dim: the softmax sum */
    for (int w = 0; w < DECODE_WARPS; w++)
      if (warp_m[w] > -INFINITY)
        sum += (d < head_dim ? warp_acc[w][d] : warp_l[w]) * expf(warp_m[w] - top);
    if (d < head_dim) mine[2 + d] = sum;
    else mine[0] = top, mine[1] = sum;
  }
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last_block = atomicAdd(&tickets[h], 1u) == (unsigned)splits - 1;
  __syncthreads();
  if (!last_block) return;
  __threadfence();
  const float *head = partial + (size_t)h * splits * (head_dim + 2);
  if (warp == 0) { /* each split's weight exp(m_s − max) and the softmax sum, in shared memory */
    float best = -INFINITY;
    for (int s = lane; s < splits; s += 32) best = fmaxf(best, __ldcg(head + s * (head_dim + 2)));
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) best = fmaxf(best, __shfl_xor_sync(0xffffffffu, best, o));
    float total = 0.f;
    for (int s = lane; s < splits; s += 32) {
      const float ms = __ldcg(head + s * (head_dim + 2));
      const float w = ms == -INFINITY ? 0.f : expf(ms - best);
      split_weight[s] = w;
      total += __ldcg(head + s * (head_dim + 2) + 1) * w;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) total += __shfl_xor_sync(0xffffffffu, total, o);
    if (lane == 0) split_total = total;
  }
  __syncthreads();
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float sum = 0.f; /* an empty split's acc is 0 and its weight 0 */
#pragma unroll 8
    for (int s = 0; s < splits; s++) sum += split_weight[s] * __ldcg(head + s * (head_dim + 2) + 2 + d);
    if (rounded) rounded[h * head_dim + d] = from_float<T>(sum / split_total);
    else out[h * head_dim + d] = sum / split_total;
  }
  if (threadIdx.x == 0) tickets[h] = 0; /* ready for the next step */
}

/* One sequence's split attention (attention_split). */
template <typename T, int L>
static __global__ void __launch_bounds__(DECODE_WARPS * 32)
    attention_split_kernel(float *__restrict__ out, float *__restrict__ partial,
                           uint32_t *__restrict__ tickets, const float *__restrict__ qkv,
                           T *__restrict__ key_cache, T *__restrict__ value_cache,
                           const int32_t *__restrict__ position, int heads, int kv_heads,
                           const float *__restrict__ inv_freq, int window) {
  attention_split<T, L>(out, partial, tickets, qkv, key_cache, value_cache, position, heads, kv_heads,
                        inv_freq, window, blockIdx.x, blockIdx.y, gridDim.y, AfterPrevious());
}

/* Where one sequence of a decoding batch keeps its attention state (its own session's). */
struct DecodeSequence {
  void *key_cache, *value_cache; /* layer 0's; layer l at l · layer_elements further */
  size_t layer_elements;
  const int32_t *position;
  float *partial;
  uint32_t *tickets;
};

/*
 * Every sequence of a decoding batch in one launch: grid (heads, splits, sequences), sequence b
 * with row b of qkv and out and its own cache, position, partials and tickets (sequences[b]);
 * with rounded, the rows go there rounded to T instead of to out.
 */
template <typename T, int L>
static __global__ void __launch_bounds__(DECODE_WARPS * 32)
    attention_split_batch_kernel(float *__restrict__ out, const float *__restrict__ qkv,
                                 const DecodeSequence *__restrict__ sequences, int layer, int heads,
                                 int kv_heads, const float *__restrict__ inv_freq, int window,
                                 T *__restrict__ rounded) {
  const DecodeSequence s = sequences[blockIdx.z];
  constexpr int head_dim = L * (16 / sizeof(T));
  const size_t q_dim = (size_t)heads * head_dim, qkv_dim = q_dim + 2 * (size_t)kv_heads * head_dim;
  const size_t cache = (size_t)layer * s.layer_elements;
  attention_split<T, L>(out + blockIdx.z * q_dim, s.partial, s.tickets, qkv + blockIdx.z * qkv_dim,
                        (T *)s.key_cache + cache, (T *)s.value_cache + cache, s.position, heads, kv_heads,
                        inv_freq, window, blockIdx.x, blockIdx.y, gridDim.y, AfterPrevious(),
                        rounded ? rounded + blockIdx.z * q_dim : nullptr);
}

/*
 * Calls run(std::integral_constant<int, L>()) with L = decode_lanes<T>(head_dim): the split
 * kernels are compiled for each power of two of lanes a key; another head_dim is refused.
 */
template <typename T, typename Run> cudaError_t with_lanes(int head_dim, Run run) {
  switch (decode_lanes<T>(head_dim)) {
  case 1: return run(std::integral_constant<int, 1>());
  case 2: return run(std::integral_constant<int, 2>());
  case 4: return run(std::integral_constant<int, 4>());
  case 8: return run(std::integral_constant<int, 8>());
  case 16: return run(std::integral_constant<int, 16>());
  case 32: return run(std::integral_constant<int, 32>());
  default: return cudaErrorInvalidValue;
  }
}

/* The batch kernel for `count` sequences of one layer (decode_lanes(head_dim) > 0). */
template <typename T>
cudaError_t launch_attention_split_batch(cudaStream_t stream, float *out, const float *qkv,
                                         const DecodeSequence *sequences, int count, int layer,
                                         int heads, int kv_heads, int head_dim, int splits,
                                         const float *inv_freq, int window, T *rounded = nullptr) {
  if (splits < 1 || splits > DECODE_MAX_SPLITS) return cudaErrorInvalidValue;
  const dim3 grid(heads, splits, count), block(DECODE_WARPS * 32);
  return with_lanes<T>(head_dim, [&](auto lanes) {
    attention_split_batch_kernel<T, decltype(lanes)::value><<<grid, block, 0, stream>>>(
        out, qkv, sequences, layer, heads, kv_heads, inv_freq, window, rounded);
    return cudaGetLastError();
  });
}

/*
 * Launches the split kernel for a head of head_dim elements of T (decode_lanes(head_dim) > 0):
 * out (heads·head_dim) from the step's q/k/v, over the last `window` positions (0: all);
 * partial holds heads·splits·(head_dim + 2) floats,
 * tickets heads zeros (left so); splits ≤ DECODE_MAX_SPLITS.
 */
template <typename T>
cudaError_t launch_attention_split(bool pdl, cudaStream_t stream, float *out, float *partial,
                                   uint32_t *tickets, const float *qkv, T *key_cache,
                                   T *value_cache, const int32_t *position, int heads,
                                   int kv_heads, int head_dim, int splits,
                                   const float *inv_freq, int window) {
  if (splits < 1 || splits > DECODE_MAX_SPLITS) return cudaErrorInvalidValue;
  const dim3 grid(heads, splits), block(DECODE_WARPS * 32);
  return with_lanes<T>(head_dim, [&](auto lanes) {
    return launch(pdl, attention_split_kernel<T, decltype(lanes)::value>, grid, block, 0, stream, out,
                  partial, tickets, qkv, key_cache, value_cache, position, heads, kv_heads, inv_freq,
                  window);
  });
}

} // namespace gf

#endif
