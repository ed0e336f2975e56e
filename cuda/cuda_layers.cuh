/*
 * cuda_layers.cuh — the rest of a transformer block on the GPU: embeddings, RMSNorm, RoPE with
 * the KV-cache write, attention (prefill, and split-K decoding for long contexts), the FF
 * activation, class mode's last-row mask, casts and the W_down transpose. CPU twins in
 * kernels_cpu.cpp.
 */
#ifndef GRIFFIN_CUDA_LAYERS_CUH
#define GRIFFIN_CUDA_LAYERS_CUH

#include "cuda_gemv.cuh"

namespace gf {

/* x[t] = embed[ids[t]] as floats. Grid: n rows. */
template <typename T>
static __global__ void embed_kernel(float *__restrict__ x, const T *__restrict__ embed,
                             const int32_t *__restrict__ ids, int hidden) {
  const T *row = embed + (size_t)ids[blockIdx.x] * hidden;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) x[(size_t)blockIdx.x * hidden + i] = to_float(row[i]);
}

/* out[t] = x[t] / sqrt(mean(x[t]²) + eps) · w. Grid: rows; block 256. */
static __global__ void rmsnorm_kernel(float *__restrict__ out, const float *__restrict__ x,
                               const float *__restrict__ w, int d, float eps) {
  __shared__ float warp_sums[32];
  const float *xt = x + (size_t)blockIdx.x * d;
  float ss = 0.f;
  for (int i = threadIdx.x; i < d; i += blockDim.x) ss += xt[i] * xt[i];
  ss = warp_sum(ss);
  if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x >> 5] = ss;
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = threadIdx.x < (blockDim.x >> 5) ? warp_sums[threadIdx.x] : 0.f;
    v = warp_sum(v);
    if (threadIdx.x == 0) warp_sums[0] = v;
  }
  __syncthreads();
  const float inv = 1.0f / sqrtf(warp_sums[0] / d + eps);
  float *ot = out + (size_t)blockIdx.x * d;
  for (int i = threadIdx.x; i < d; i += blockDim.x) ot[i] = w[i] * (xt[i] * inv);
}

/*
 * RoPE (Hugging Face half rotation, the model's inverse frequencies) on the q and k parts of
 * qkv rows, then k and v into the cache at positions start..start+n-1 (start read from the
 * device). Grid: n; block: pairs.
 */
template <typename T>
static __global__ void rope_cache_kernel(float *__restrict__ qkv, T *__restrict__ key_cache,
                                  T *__restrict__ value_cache, const int32_t *__restrict__ start,
                                  int heads, int kv_heads, int head_dim,
                                  const float *__restrict__ inv_freq) {
  const int t = blockIdx.x, pos = *start + t, half = head_dim / 2;
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  float *row = qkv + (size_t)t * (q_dim + 2 * kv_dim);
  for (int p = threadIdx.x; p < (heads + kv_heads) * half; p += blockDim.x) {
    const int head = p / half, i = p % half;
    const float angle = (float)pos * inv_freq[i];
    const float c = cosf(angle), s = sinf(angle);
    float *v = row + head * head_dim; /* q heads, then k heads right after */
    const float a = v[i], b = v[i + half];
    v[i] = a * c - b * s;
    v[i + half] = b * c + a * s;
  }
  __syncthreads();
  const size_t at = (size_t)pos * kv_dim;
  for (int i = threadIdx.x; i < kv_dim; i += blockDim.x) {
    key_cache[at + i] = from_float<T>(row[q_dim + i]);
    value_cache[at + i] = from_float<T>(row[q_dim + kv_dim + i]);
  }
}

/*
 * Prefill attention: query t (position start + t) of head h against cache positions 0..start+t.
 * Grid: (n, heads); block 128; dynamic shared memory: start + n floats of scores.
 */
template <typename T>
static __global__ void attention_prefill_kernel(float *__restrict__ out, const float *__restrict__ qkv,
                                         const T *__restrict__ key_cache,
                                         const T *__restrict__ value_cache, int start, int heads,
                                         int kv_heads, int head_dim) {
  extern __shared__ float scores[];
  __shared__ float reduce[2];
  const int t = blockIdx.x, h = blockIdx.y, last = start + t;
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  const float *q = qkv + (size_t)t * (q_dim + 2 * kv_dim) + h * head_dim;
  const int kv_offset = (h / (heads / kv_heads)) * head_dim;
  const float scale = 1.0f / sqrtf((float)head_dim);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int p = warp; p <= last; p += warps) {
    const T *k = key_cache + (size_t)p * kv_dim + kv_offset;
    float dot = 0.f;
    for (int i = lane; i < head_dim; i += 32) dot += q[i] * to_float(k[i]);
    dot = warp_sum(dot);
    if (lane == 0) scores[p] = dot * scale;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    float max = -INFINITY;
    for (int p = 0; p <= last; p++) max = fmaxf(max, scores[p]);
    float sum = 0.f;
    for (int p = 0; p <= last; p++) {
      scores[p] = expf(scores[p] - max);
      sum += scores[p];
    }
    reduce[0] = sum;
  }
  __syncthreads();
  const float inv_sum = 1.0f / reduce[0];
  float *o = out + (size_t)t * q_dim + h * head_dim;
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x) {
    float acc = 0.f;
    for (int p = 0; p <= last; p++) acc += scores[p] * inv_sum * to_float(value_cache[(size_t)p * kv_dim + kv_offset + i]);
    o[i] = acc;
  }
}

/* Positions per block of split-K decoding attention. */
constexpr int ATTENTION_CHUNK = 256;

/*
 * Decoding attention, split over the cache: block (h, split) covers positions
 * [split·CHUNK, min(split·CHUNK + CHUNK, pos + 1)) and writes (max, sum, acc[head_dim]).
 * The position is read from the device, so one launch shape serves every step (CUDA graphs).
 */
template <typename T>
static __global__ void attention_decode_kernel(float *__restrict__ partial, const float *__restrict__ qkv,
                                        const T *__restrict__ key_cache,
                                        const T *__restrict__ value_cache,
                                        const int32_t *__restrict__ position, int heads,
                                        int kv_heads, int head_dim) {
  __shared__ float scores[ATTENTION_CHUNK];
  __shared__ float stats[2];
  const int h = blockIdx.x, split = blockIdx.y, pos = *position;
  const int first = split * ATTENTION_CHUNK, last = min(first + ATTENTION_CHUNK, pos + 1);
  float *out = partial + ((size_t)h * gridDim.y + split) * (head_dim + 2);
  if (first >= last) {
    if (threadIdx.x == 0) { out[0] = -INFINITY; out[1] = 0.f; }
    return;
  }
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  const float *q = qkv + h * head_dim;
  const int kv_offset = (h / (heads / kv_heads)) * head_dim;
  const float scale = 1.0f / sqrtf((float)head_dim);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  (void)q_dim;
  for (int p = first + warp; p < last; p += warps) {
    const T *k = key_cache + (size_t)p * kv_dim + kv_offset;
    float dot = 0.f;
    for (int i = lane; i < head_dim; i += 32) dot += q[i] * to_float(k[i]);
    dot = warp_sum(dot);
    if (lane == 0) scores[p - first] = dot * scale;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    float max = -INFINITY;
    for (int p = 0; p < last - first; p++) max = fmaxf(max, scores[p]);
    float sum = 0.f;
    for (int p = 0; p < last - first; p++) {
      scores[p] = expf(scores[p] - max);
      sum += scores[p];
    }
    stats[0] = max;
    stats[1] = sum;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x) {
    float acc = 0.f;
    for (int p = first; p < last; p++)
      acc += scores[p - first] * to_float(value_cache[(size_t)p * kv_dim + kv_offset + i]);
    out[2 + i] = acc;
  }
  if (threadIdx.x == 0) { out[0] = stats[0]; out[1] = stats[1]; }
}

/* Combines the splits of one head: softmax over all positions. Grid: heads; block head_dim. */
static __global__ void attention_combine_kernel(float *__restrict__ out, const float *__restrict__ partial,
                                         int splits, int head_dim) {
  const int h = blockIdx.x;
  const float *p = partial + (size_t)h * splits * (head_dim + 2);
  float max = -INFINITY;
  for (int s = 0; s < splits; s++) max = fmaxf(max, p[s * (head_dim + 2)]);
  float sum = 0.f;
  for (int s = 0; s < splits; s++) {
    const float m = p[s * (head_dim + 2)];
    if (m > -INFINITY) sum += p[s * (head_dim + 2) + 1] * expf(m - max);
  }
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x) {
    float acc = 0.f;
    for (int s = 0; s < splits; s++) {
      const float m = p[s * (head_dim + 2)];
      if (m > -INFINITY) acc += p[s * (head_dim + 2) + 2 + i] * expf(m - max);
    }
    out[h * head_dim + i] = acc / sum;
  }
}

/* z = act(gate) ⊙ up elementwise (up null: z = act(gate)). */
static __global__ void activate_kernel(float *__restrict__ gate, const float *__restrict__ up, size_t count,
                                int act) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x)
    gate[i] = up ? activation(gate[i], act) * up[i] : activation(gate[i], act);
}

/* Class mode: the last row keeps only the experts (flags[j] = 1). */
static __global__ void mask_row_kernel(float *__restrict__ row, const uint8_t *__restrict__ flags, int ff) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j < ff && !flags[j]) row[j] = 0.f;
}

/* out = (T) in, elementwise. */
template <typename T>
static __global__ void cast_kernel(T *__restrict__ out, const float *__restrict__ in, size_t count) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x)
    out[i] = from_float<T>(in[i]);
}

/* out (cols, rows) = inᵀ for in (rows, cols); 32×32 tiles. */
template <typename T>
static __global__ void transpose_kernel(T *__restrict__ out, const T *__restrict__ in, int rows, int cols) {
  __shared__ T tile[32][33];
  const int c = blockIdx.x * 32 + threadIdx.x;
  for (int r = blockIdx.y * 32 + threadIdx.y; r < min(rows, blockIdx.y * 32 + 32); r += 8)
    if (c < cols) tile[r - blockIdx.y * 32][threadIdx.x] = in[(size_t)r * cols + c];
  __syncthreads();
  const int r2 = blockIdx.y * 32 + threadIdx.x;
  for (int c2 = blockIdx.x * 32 + threadIdx.y; c2 < min(cols, blockIdx.x * 32 + 32); c2 += 8)
    if (r2 < rows) out[(size_t)c2 * rows + r2] = tile[threadIdx.x][c2 - blockIdx.x * 32];
}

} // namespace gf

#endif
