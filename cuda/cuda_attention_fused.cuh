/*
 * cuda_attention_fused.cuh — causal attention over a prompt or a packed batch of sequences in one
 * launch on the tensor cores (mma.sync, 16-bit weight types). A block takes 64 queries of one
 * (sequence, head) — 32 where that leaves multiprocessors idle — a warp 16 of them, and streams
 * its sequence's keys and values through shared memory 64 at a time (32 for heads wider than
 * 128), the next tile loading (cp.async) while the last is summed. A first sweep finds each
 * query's largest score and its softmax sum; a second recomputes the scores, forms the
 * probabilities exactly as causal_softmax_kernel does (exp(s − max) / sum, rounded to the weight
 * type as frameworks round eager attention's) and adds P·V in f32. Scores, probabilities and
 * outputs never leave the warp's registers: nothing of size L² reaches global memory and no padded
 * copies are made — the packed path's five launches a layer (pad, scores, softmax, values, unpad)
 * and their scratch become one. The arithmetic is attention_prompt's up to the order of the f32
 * sums (the max and sum found in one sweep with rescaling instead of two); its CPU twin is
 * attention() in kernels_cpu.cpp, checked with the cuBLAS path in cuda_check_attention.cu.
 * GRIFFIN_FUSED_ATTENTION=0 keeps the cuBLAS path.
 */
#ifndef GRIFFIN_CUDA_ATTENTION_FUSED_CUH
#define GRIFFIN_CUDA_ATTENTION_FUSED_CUH

#include <cstring>
#include <type_traits>

#include "cuda_launch.cuh"
#include "cuda_mma.cuh"

namespace gf {

/* A block's warps take 16 queries each: 4 warps a block, or 2 where a launch of 4-warp blocks would
 * leave multiprocessors idle (a short prompt of few heads). */
template <int W> __host__ __device__ constexpr int fused_queries() { return 16 * W; }

/* Keys a tile holds: fewer for the widest heads, so that two blocks fit on a multiprocessor. */
template <int HD> __host__ __device__ constexpr int fused_keys() { return HD > 128 ? 32 : 64; }

/* Shared memory row stride (elements) of the queries, keys and values: padded so that ldmatrix's
 * eight rows fall in distinct banks. */
template <int HD> __host__ __device__ constexpr int fused_row() { return HD + 8; }

/* Bytes of shared memory a block of W warps and head_dim HD uses: its queries and three tiles (two
 * of keys, one of values: the next tile loads while the last is summed). */
template <typename T, int HD, int W> constexpr size_t fused_shared_bytes() {
  return ((size_t)fused_queries<W>() + 3 * (size_t)fused_keys<HD>()) * fused_row<HD>() * sizeof(T);
}

/* Two floats rounded to T (as from_float), lo in the low half: an A fragment's register. */
template <typename T> __device__ __forceinline__ uint32_t pack_pair(float lo, float hi) {
  T pair[2] = {from_float<T>(lo), from_float<T>(hi)};
  uint32_t bits;
  memcpy(&bits, pair, 4);
  return bits;
}

/*
 * Starts copying rows k0 .. k0 + KT − 1 of one KV head of cache (kv_dim a row) into tile (cp.async,
 * one commit group); rows past `last` become zeros.
 */
template <typename T, int HD>
__device__ __forceinline__ void start_tile(T *tile, const T *__restrict__ cache, size_t base, int k0, int last,
                                           int kv_dim, int kv_head) {
  constexpr int V = 8, per_row = HD / V, KT = fused_keys<HD>(); /* 16-byte pieces */
  for (int i = threadIdx.x; i < KT * per_row; i += blockDim.x) {
    const int r = i / per_row, piece = i % per_row, j = k0 + r;
    const T *from = cache + (base + (j <= last ? j : k0)) * kv_dim + (size_t)kv_head * HD + piece * V;
    const unsigned to = (unsigned)__cvta_generic_to_shared(tile + r * fused_row<HD>() + piece * V);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to), "l"(from), "r"(j <= last ? 16 : 0));
  }
  asm volatile("cp.async.commit_group;");
}

/* Waits until at most `pending` of this thread's tile copies are still in flight. */
template <int pending> __device__ __forceinline__ void wait_tiles() {
  asm volatile("cp.async.wait_group %0;" ::"n"(pending));
}

/* Whether key j is one query t attends to (causal, within the sliding window if any). */
__device__ __forceinline__ bool attends(int t, int j, int window) {
  return j <= t && (window <= 0 || t - j < window);
}

/*
 * A warp's 16 × KT raw scores Q Kᵀ (f32) against a tile of keys, in mma's accumulator layout:
 * s[j] holds keys j·8 + 2·(lane % 4) + {0, 1} of rows lane / 4 ({0, 1}) and lane / 4 + 8 ({2, 3}).
 */
template <typename T, int HD>
__device__ __forceinline__ void score_tile(float s[fused_keys<HD>() / 8][4], const T *queries, const T *keys, int lane) {
  constexpr int QR = fused_row<HD>(), KT = fused_keys<HD>();
#pragma unroll
  for (int j = 0; j < KT / 8; j++) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.f;
#pragma unroll
  for (int k = 0; k < HD / 16; k++) {
    uint32_t a[4];
    load_matrices<false>(a, queries + (lane & 15) * QR + k * 16 + (lane >> 4) * 8);
#pragma unroll
    for (int jp = 0; jp < KT / 16; jp++) {
      uint32_t b[4]; /* keys jp·16 + 0..7 then + 8..15, dims k·16 + 0..7 and + 8..15 */
      const int m = lane >> 3;
      load_matrices<false>(b, keys + (jp * 16 + (m >> 1) * 8 + (lane & 7)) * QR + k * 16 + (m & 1) * 8);
      mma_16816<T>(s[2 * jp], a[0], a[1], a[2], a[3], b[0], b[1]);
      mma_16816<T>(s[2 * jp + 1], a[0], a[1], a[2], a[3], b[2], b[3]);
    }
  }
}

/*
 * out rows (sequence b's rows from offsets[b], q_dim each) = causal attention of the queries in
 * qkv (f32, rotated; rounded to T here as the cuBLAS path rounds them) against the cache rows of
 * the same packed rows, over each query's last `window` keys (0: all). Written in f32 to out_f32
 * or rounded to T to out_rounded (the o product's operand). offsets null: one sequence from row
 * 0 of `length` rows. Grid (⌈longest / (16 W)⌉, heads, sequences); block 32 W. Each warp's
 * scores, probabilities and outputs stay in its registers (mma.sync's fragments).
 */
template <typename T, int HD, int W>
static __global__ void __launch_bounds__(32 * W)
    attention_fused_kernel(float *__restrict__ out_f32, T *__restrict__ out_rounded, const float *__restrict__ qkv,
                           const T *__restrict__ key_cache, const T *__restrict__ value_cache,
                           const int32_t *__restrict__ offsets, const int32_t *__restrict__ lengths, int length,
                           int heads, int kv_heads, int window) {
  extern __shared__ __align__(16) unsigned char fused_shared[];
  constexpr int QR = fused_row<HD>(), KT = fused_keys<HD>(), J = KT / 8, Q = fused_queries<W>();
  T *queries = (T *)fused_shared, *values = queries + Q * QR;
  T *const keys0 = values + KT * QR, *const keys1 = keys0 + KT * QR; /* tile i's keys: keys0, keys1, keys0… */
  auto keys = [&](int i) { return i ? keys1 : keys0; };

  /* the last query tiles (the most keys) first, so that they do not trail the launch */
  const int b = blockIdx.z, h = blockIdx.y, q0 = (gridDim.x - 1 - blockIdx.x) * Q;
  const int len = lengths ? lengths[b] : length;
  if (q0 >= len) return;
  const size_t base = offsets ? (size_t)offsets[b] : 0;
  const int kv_head = h / (heads / kv_heads), q_dim = heads * HD, kv_dim = kv_heads * HD;
  const size_t qkv_dim = (size_t)q_dim + 2 * kv_dim;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const float scale = 1.0f / sqrtf((float)HD); /* as attention_prompt's */

  /* the block's queries, rounded to T; rows past the sequence as zeros */
  for (int i = threadIdx.x; i < Q * (HD / 4); i += 32 * W) {
    const int r = i / (HD / 4), c = (i % (HD / 4)) * 4, t = q0 + r;
    float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
    if (t < len) v = *(const float4 *)(qkv + (base + t) * qkv_dim + (size_t)h * HD + c);
    T *to = queries + r * QR + c;
    to[0] = from_float<T>(v.x), to[1] = from_float<T>(v.y), to[2] = from_float<T>(v.z), to[3] = from_float<T>(v.w);
  }
  const int last = min(q0 + Q, len) - 1; /* the block's last query, and key */
  const int first = window > 0 ? max(0, q0 - window + 1) : 0;
  const int k_begin = first / KT * KT;
  const T *my_queries = queries + warp * 16 * QR;
  /* this lane's two rows (r = 0, 1) and the first of its key pairs in each 8 */
  const int row0 = q0 + warp * 16 + (lane >> 2), pair = 2 * (lane & 3);
  auto row = [&](int r) { return row0 + 8 * r; };
  float s[J][4];

  /* first sweep: each row's largest score and its sum of exp(s − largest), rescaled as it grows */
  float most[2] = {-INFINITY, -INFINITY}, total[2] = {0.f, 0.f};
  start_tile<T, HD>(keys(0), key_cache, base, k_begin, last, kv_dim, kv_head);
  for (int k0 = k_begin, i = 0; k0 <= last; k0 += KT, i ^= 1) {
    if (k0 + KT <= last) { /* the next tile's keys load while this one is summed */
      start_tile<T, HD>(keys(i ^ 1), key_cache, base, k0 + KT, last, kv_dim, kv_head);
      wait_tiles<1>();
    } else {
      wait_tiles<0>();
    }
    __syncthreads(); /* the tile (and the queries) written */
    score_tile<T, HD>(s, my_queries, keys(i), lane);
    float tile_most[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int j = 0; j < J; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        s[j][e] = attends(row(e >> 1), k0 + j * 8 + pair + (e & 1), window) ? s[j][e] * scale : -INFINITY;
        tile_most[e >> 1] = fmaxf(tile_most[e >> 1], s[j][e]);
      }
#pragma unroll
    for (int r = 0; r < 2; r++) { /* a row's values lie in the four lanes of a quad */
      tile_most[r] = fmaxf(tile_most[r], __shfl_xor_sync(0xffffffffu, tile_most[r], 1));
      tile_most[r] = fmaxf(tile_most[r], __shfl_xor_sync(0xffffffffu, tile_most[r], 2));
      const float now = fmaxf(most[r], tile_most[r]), from = now == -INFINITY ? 0.f : now;
      float part = 0.f;
#pragma unroll
      for (int j = 0; j < J; j++) part += expf(s[j][2 * r] - from) + expf(s[j][2 * r + 1] - from);
      part += __shfl_xor_sync(0xffffffffu, part, 1);
      part += __shfl_xor_sync(0xffffffffu, part, 2);
      if (tile_most[r] != -INFINITY) total[r] = total[r] * expf(most[r] - now) + part, most[r] = now;
    }
    __syncthreads(); /* every warp is done with the tile before it is loaded again */
  }

  /* second sweep: the probabilities, rounded to T, times the values */
  float o[HD / 8][4];
#pragma unroll
  for (int n = 0; n < HD / 8; n++) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  const float inv[2] = {1.0f / total[0], 1.0f / total[1]};
  start_tile<T, HD>(keys(0), key_cache, base, k_begin, last, kv_dim, kv_head);
  for (int k0 = k_begin, i = 0; k0 <= last; k0 += KT, i ^= 1) {
    /* this tile's values and the next tile's keys load while this one's scores are formed */
    start_tile<T, HD>(values, value_cache, base, k0, last, kv_dim, kv_head);
    const bool next = k0 + KT <= last;
    if (next) {
      start_tile<T, HD>(keys(i ^ 1), key_cache, base, k0 + KT, last, kv_dim, kv_head);
      wait_tiles<2>();
    } else {
      wait_tiles<1>();
    }
    __syncthreads(); /* the keys written */
    score_tile<T, HD>(s, my_queries, keys(i), lane);
#pragma unroll
    for (int j = 0; j < J; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const int r = e >> 1;
        s[j][e] = attends(row(r), k0 + j * 8 + pair + (e & 1), window) ? expf(s[j][e] * scale - most[r]) * inv[r] : 0.f;
      }
    if (next) wait_tiles<1>();
    else wait_tiles<0>();
    __syncthreads(); /* the values written */
#pragma unroll
    for (int k = 0; k < KT / 16; k++) {
      /* the probabilities of keys k·16 .. + 15 as an A fragment: the accumulators of two key groups */
      const uint32_t p[4] = {pack_pair<T>(s[2 * k][0], s[2 * k][1]), pack_pair<T>(s[2 * k][2], s[2 * k][3]),
                             pack_pair<T>(s[2 * k + 1][0], s[2 * k + 1][1]),
                             pack_pair<T>(s[2 * k + 1][2], s[2 * k + 1][3])};
#pragma unroll
      for (int np = 0; np < HD / 16; np++) {
        uint32_t v[4]; /* keys k·16 + 0..7 and + 8..15, dims np·16 + 0..7, then + 8..15 */
        const int m = lane >> 3;
        load_matrices<true>(v, values + (k * 16 + (m & 1) * 8 + (lane & 7)) * QR + np * 16 + (m >> 1) * 8);
        mma_16816<T>(o[2 * np], p[0], p[1], p[2], p[3], v[0], v[1]);
        mma_16816<T>(o[2 * np + 1], p[0], p[1], p[2], p[3], v[2], v[3]);
      }
    }
    __syncthreads(); /* the values and these keys are read: the next tile may load over them */
  }

  /* the warp's rows out: dims n·8 + pair, + 1 of each of its two rows */
#pragma unroll
  for (int i = 0; i < 2; i++) {
    if (row(i) >= len) continue;
    const size_t at = (base + row(i)) * q_dim + (size_t)h * HD + pair;
#pragma unroll
    for (int n = 0; n < HD / 8; n++) {
      if (out_rounded) {
        *(uint32_t *)(out_rounded + at + n * 8) = pack_pair<T>(o[n][2 * i], o[n][2 * i + 1]);
      } else {
        *(float2 *)(out_f32 + at + n * 8) = make_float2(o[n][2 * i], o[n][2 * i + 1]);
      }
    }
  }
}

/* Whether attention_fused serves T and head_dim here (GRIFFIN_FUSED_ATTENTION=0: never). */
template <typename T> inline bool fused_attention_serves(int head_dim) {
  static const bool on = env_on("GRIFFIN_FUSED_ATTENTION");
  return on && !std::is_same<T, float>::value && (head_dim == 64 || head_dim == 128 || head_dim == 256);
}

/*
 * Whether a single prompt's attention takes attention_fused too: where heads share KV heads (the
 * cuBLAS path runs a product per query head of a group). Measured on the H200 (512-token prompts,
 * one call): Qwen2-7B 14.34 against 15.04 ms, Gemma-2B and Mistral-7B equal; but for one KV head a
 * head (Llama-2-7B, Gemma-7B) 4–8% slower than cuBLAS — a single prompt gives the fused launch too
 * few blocks, each walking every earlier key tile alone.
 */
template <typename T> inline bool fused_prompt_attention(int head_dim, int heads, int kv_heads) {
  return fused_attention_serves<T>(head_dim) && kv_heads < heads;
}

/* The launch for one head size and block size (see launch_attention_fused). */
template <typename T, int HD, int W>
cudaError_t launch_attention_fused_as(cudaStream_t stream, float *out, T *rounded, const float *qkv,
                                      const T *key_cache, const T *value_cache, const int32_t *offsets,
                                      const int32_t *lengths, int sequences, int longest, int heads,
                                      int kv_heads, int window) {
  constexpr size_t bytes = fused_shared_bytes<T, HD, W>();
  const cudaError_t allowed = /* per device: set before every launch (a host-side call) */
      cudaFuncSetAttribute(attention_fused_kernel<T, HD, W>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes);
  if (allowed != cudaSuccess) return allowed;
  const dim3 grid((unsigned)((longest + fused_queries<W>() - 1) / fused_queries<W>()), (unsigned)heads,
                  (unsigned)sequences);
  attention_fused_kernel<T, HD, W><<<grid, 32 * W, bytes, stream>>>(out, rounded, qkv, key_cache, value_cache,
                                                                   offsets, lengths, longest, heads, kv_heads, window);
  return cudaGetLastError();
}

/* The launch for blocks of W warps, by head size (see launch_attention_fused). */
template <typename T, int W>
cudaError_t launch_attention_fused_warps(cudaStream_t stream, float *out, T *rounded, const float *qkv,
                                         const T *key_cache, const T *value_cache, const int32_t *offsets,
                                         const int32_t *lengths, int sequences, int longest, int heads,
                                         int kv_heads, int head_dim, int window) {
  switch (head_dim) {
  case 64:
    return launch_attention_fused_as<T, 64, W>(stream, out, rounded, qkv, key_cache, value_cache, offsets, lengths,
                                               sequences, longest, heads, kv_heads, window);
  case 128:
    return launch_attention_fused_as<T, 128, W>(stream, out, rounded, qkv, key_cache, value_cache, offsets, lengths,
                                                sequences, longest, heads, kv_heads, window);
  case 256:
    return launch_attention_fused_as<T, 256, W>(stream, out, rounded, qkv, key_cache, value_cache, offsets, lengths,
                                                sequences, longest, heads, kv_heads, window);
  default:
    return cudaErrorInvalidValue;
  }
}

/*
 * Causal attention of `sequences` packed sequences (offsets, lengths on the device; null: one
 * sequence of `longest` rows from row 0) in one launch, into out (f32) or rounded (T, when not
 * null). Only where fused_attention_serves<T>(head_dim). warps: 2 or 4 a block; 0 picks 2 where
 * 4-warp blocks would not give each multiprocessor two.
 */
template <typename T>
cudaError_t launch_attention_fused(cudaStream_t stream, float *out, T *rounded, const float *qkv, const T *key_cache,
                                   const T *value_cache, const int32_t *offsets, const int32_t *lengths,
                                   int sequences, int longest, int heads, int kv_heads, int head_dim, int window,
                                   int warps = 0) {
  if (warps == 0) {
    const long blocks = (long)(longest + fused_queries<4>() - 1) / fused_queries<4>() * heads * sequences;
    warps = blocks < 2L * current_multiprocessors() ? 2 : 4;
  }
  return warps == 2 ? launch_attention_fused_warps<T, 2>(stream, out, rounded, qkv, key_cache, value_cache, offsets,
                                                         lengths, sequences, longest, heads, kv_heads, head_dim, window)
                    : launch_attention_fused_warps<T, 4>(stream, out, rounded, qkv, key_cache, value_cache, offsets,
                                                         lengths, sequences, longest, heads, kv_heads, head_dim, window);
}

} // namespace gf

#endif
