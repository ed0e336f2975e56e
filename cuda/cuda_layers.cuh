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

/*
 * x[t] = embed[ids[t]]·scale (+ pos_embed[p_t + offset], learned positions); with embed null,
 * x[t] itself (the embeddings already projected in) is scaled and positioned. p_t is
 * positions[t] (a packed batch) or, with positions null, start + t, start read from the device.
 * Grid: n rows.
 */
template <typename T>
static __global__ void embed_kernel(float *__restrict__ x, const T *__restrict__ embed,
                                    const int32_t *__restrict__ ids, int width, float scale,
                                    const T *__restrict__ pos_embed,
                                    const int32_t *__restrict__ start, int offset,
                                    const int32_t *__restrict__ positions = nullptr) {
  const T *row = embed ? embed + (size_t)ids[blockIdx.x] * width : nullptr;
  const int p = positions ? positions[blockIdx.x] : *start + blockIdx.x;
  const T *pos = pos_embed ? pos_embed + (size_t)(p + offset) * width : nullptr;
  float *xt = x + (size_t)blockIdx.x * width;
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    float v = row ? to_float(row[i]) : xt[i];
    if (scale != 1.0f) v *= scale;
    if (pos) v += to_float(pos[i]);
    xt[i] = v;
  }
}

/*
 * out[t] = norm(x[r_t] + add) (add: a bias added first, or null; norm.w null: no norm, only the
 * bias), as kernels_cpu.cpp's rmsnorm and layernorm compute it (see Norm); r_t = rows[t], or t
 * with rows null. out may be x. Grid: rows; block 256.
 */
static __global__ void norm_kernel(float *out, const float *x, int d, Norm norm,
                                   const float *__restrict__ add,
                                   const int32_t *__restrict__ rows = nullptr) {
  __shared__ float reduce[32];
  const float *xt = x + (size_t)(rows ? rows[blockIdx.x] : blockIdx.x) * d;
  float *ot = out + (size_t)blockIdx.x * d;
  float sum = 0.f, ss = 0.f;
  for (int i = threadIdx.x; i < d; i += blockDim.x) { /* each thread its own elements, in place */
    const float v = add ? xt[i] + add[i] : xt[i];
    ot[i] = v;
    sum += v;
    ss += v * v;
  }
  if (!norm.w) return;
  float mean = 0.f;
  if (norm.b) {
    mean = block_reduce(sum, false, reduce) / d;
    ss = 0.f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) ss += (ot[i] - mean) * (ot[i] - mean);
  }
  const float inv = 1.0f / sqrtf(block_reduce(ss, false, reduce) / d + norm.eps);
  for (int i = threadIdx.x; i < d; i += blockDim.x)
    ot[i] = norm.b ? (ot[i] - mean) * inv * norm.w[i] + norm.b[i] : norm.w[i] * (ot[i] * inv);
}

/* Elements of a row a norm_rounded_kernel thread keeps in registers: rows up to 24 · 256 wide. */
constexpr int NORM_HELD = 24;

/*
 * norm_rounded_kernel's row: with held, read once into registers (NORM_HELD elements a thread,
 * every load in flight at once); without, read from x at each sweep. Thread k-th element is
 * threadIdx.x + k · blockDim.x either way, summed in that order.
 */
template <typename T, bool held>
__device__ __forceinline__ void norm_rounded_row(T *__restrict__ ot, const float *__restrict__ xt, int d,
                                                 const Norm &norm, float *reduce) {
  const int step = blockDim.x, count = held ? NORM_HELD : (d + step - 1) / step;
  float row[held ? NORM_HELD : 1];
  if (held) {
#pragma unroll
    for (int k = 0; k < NORM_HELD; k++) row[k] = threadIdx.x + k * step < d ? xt[threadIdx.x + k * step] : 0.f;
  }
  auto value = [&](int k) { return held ? row[k] : xt[threadIdx.x + k * step]; };
  float sum = 0.f, ss = 0.f;
#pragma unroll
  for (int k = 0; k < count; k++)
    if (threadIdx.x + k * step < d) {
      const float v = value(k);
      sum += v, ss += v * v;
    }
  float mean = 0.f, inv = 1.f;
  if (norm.w) {
    if (norm.b) {
      mean = block_reduce(sum, false, reduce) / d;
      ss = 0.f;
#pragma unroll
      for (int k = 0; k < count; k++)
        if (threadIdx.x + k * step < d) ss += (value(k) - mean) * (value(k) - mean);
    }
    inv = 1.0f / sqrtf(block_reduce(ss, false, reduce) / d + norm.eps);
  }
#pragma unroll
  for (int k = 0; k < count; k++) {
    const int i = threadIdx.x + k * step;
    if (i >= d) continue;
    const float v = value(k);
    ot[i] = from_float<T>(!norm.w ? v : norm.b ? (v - mean) * inv * norm.w[i] + norm.b[i] : norm.w[i] * (v * inv));
  }
}

/*
 * out[t] = norm(x[t]) rounded to T: norm_kernel's arithmetic (no bias added first), the row
 * written only as the next product's operand, so that no f32 copy is written and rounded again
 * (fused_rounding). Bit-identical to norm_kernel then cast_kernel: each thread sums its elements
 * in the same order. Rows of up to NORM_HELD · 256 are read once, into registers. Grid: rows;
 * block 256.
 */
template <typename T>
static __global__ void norm_rounded_kernel(T *__restrict__ out, const float *__restrict__ x, int d,
                                           Norm norm) {
  __shared__ float reduce[32];
  const float *xt = x + (size_t)blockIdx.x * d;
  T *ot = out + (size_t)blockIdx.x * d;
  if (d <= NORM_HELD * (int)blockDim.x) norm_rounded_row<T, true>(ot, xt, d, norm, reduce);
  else norm_rounded_row<T, false>(ot, xt, d, norm, reduce);
}

/*
 * The q/k/v biases (bias null: none) added to qkv rows, RoPE (Hugging Face half rotation, the
 * model's inverse frequencies; inv_freq null: learned positions, no rotation) on their q and k
 * parts, then k and v into the cache at positions start..start+n-1 (start read from the
 * device). A packed batch gives each row's position in positions, and its k and v go to cache
 * row t. Grid: n; block: pairs.
 */
template <typename T>
static __global__ void rope_cache_kernel(float *__restrict__ qkv, T *__restrict__ key_cache,
                                  T *__restrict__ value_cache, const int32_t *__restrict__ start,
                                  int heads, int kv_heads, int head_dim,
                                  const float *__restrict__ inv_freq,
                                  const float *__restrict__ bias,
                                  const int32_t *__restrict__ positions = nullptr) {
  const int t = blockIdx.x, pos = positions ? positions[t] : *start + t, half = head_dim / 2;
  const int cache_row = positions ? t : pos;
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  float *row = qkv + (size_t)t * (q_dim + 2 * kv_dim);
  if (bias) {
    for (int i = threadIdx.x; i < q_dim + 2 * kv_dim; i += blockDim.x) row[i] += bias[i];
    __syncthreads();
  }
  __shared__ float cosines[512], sines[512]; /* each angle once a row, not once a head (head_dim ≤ 1024) */
  if (inv_freq) {
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
      const float angle = (float)pos * inv_freq[i];
      cosines[i] = cosf(angle), sines[i] = sinf(angle);
    }
    __syncthreads();
  }
  const size_t at = (size_t)cache_row * kv_dim;
  for (int p = threadIdx.x; inv_freq && p < (heads + kv_heads) * half; p += blockDim.x) {
    const int head = p / half, i = p % half;
    const float c = cosines[i], s = sines[i];
    float *v = row + head * head_dim; /* q heads, then k heads right after */
    const float a = v[i], b = v[i + half];
    const float ra = a * c - b * s, rb = b * c + a * s;
    v[i] = ra, v[i + half] = rb;
    if (head >= heads) { /* a key: into the cache as it is rotated */
      T *k = key_cache + at + (size_t)(head - heads) * head_dim;
      k[i] = from_float<T>(ra), k[i + half] = from_float<T>(rb);
    }
  }
  for (int i = threadIdx.x; i < kv_dim; i += blockDim.x) {
    if (!inv_freq) key_cache[at + i] = from_float<T>(row[q_dim + i]);
    value_cache[at + i] = from_float<T>(row[q_dim + kv_dim + i]);
  }
}

/* q · K[p] over head_dim, K in T: 16-byte loads when the row allows. */
template <typename T>
__device__ __forceinline__ float key_dot(const float *__restrict__ q, const T *__restrict__ k,
                                         int head_dim) {
  constexpr int V = 16 / sizeof(T);
  float acc = 0.f;
  if (head_dim % V == 0) {
    const uint4 *kv = reinterpret_cast<const uint4 *>(k);
    for (int i = 0; i < head_dim / V; i++) {
      const uint4 packed = __ldg(kv + i);
      const T *e = reinterpret_cast<const T *>(&packed);
#pragma unroll
      for (int j = 0; j < V; j++) acc += q[i * V + j] * to_float(e[j]);
    }
  } else {
    for (int i = 0; i < head_dim; i++) acc += q[i] * to_float(k[i]);
  }
  return acc;
}

/*
 * Softmax-weighted values of positions [first, last) for one head: weights[p - first] hold
 * exp(score − max); threads split into groups over positions, each thread a dimension.
 */
template <typename T>
__device__ __forceinline__ void weighted_values(float *__restrict__ out, const float *weights,
                                                const T *__restrict__ value_cache, int first,
                                                int last, int kv_dim, int kv_offset, int head_dim,
                                                float scale_out, float *shared,
                                                int current = -1,
                                                const float *current_value = nullptr) {
  const int groups = max(1, (int)blockDim.x / head_dim);
  const int group = threadIdx.x / head_dim;
  /* the current token's value (decoding) comes from current_value, not the cache */
  const bool has_current = current >= first && current < last;
  const int cached_end = has_current ? current : last;
  for (int d = threadIdx.x % head_dim; d < head_dim; d += (groups == 1 ? blockDim.x : head_dim)) {
    float acc = 0.f;
    if (group < groups) {
#pragma unroll 8
      for (int p = first + group; p < cached_end; p += groups)
        acc += weights[p - first] * to_float(value_cache[(size_t)p * kv_dim + kv_offset + d]);
      if (has_current && group == 0) acc += weights[current - first] * current_value[d];
    }
    if (groups > 1) {
      shared[group * head_dim + d] = acc;
    } else {
      out[d] = acc * scale_out;
    }
  }
  if (groups > 1) {
    __syncthreads();
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
      float acc = 0.f;
      for (int g = 0; g < groups; g++) acc += shared[g * head_dim + d];
      out[d] = acc * scale_out;
    }
  }
}

/*
 * Prefill attention: query t (position start + t) of head h against cache positions 0..start+t.
 * Grid: (n, heads); block 256; dynamic shared memory: prefill_shared_bytes(start + n).
 */
template <typename T>
static __global__ void attention_prefill_kernel(float *__restrict__ out, const float *__restrict__ qkv,
                                                const T *__restrict__ key_cache,
                                                const T *__restrict__ value_cache, int start,
                                                int heads, int kv_heads, int head_dim, int window) {
  extern __shared__ float shared[];
  const int t = blockIdx.x, h = blockIdx.y, last = start + t;
  const int lo = window > 0 ? max(0, last - window + 1) : 0; /* keys lo..last */
  float *q = shared, *reduce = shared + 1024, *weights = shared + 1024 + 32;
  float *partial = weights + (start + gridDim.x);
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  const int kv_offset = (h / (heads / kv_heads)) * head_dim;
  const float scale = 1.0f / sqrtf((float)head_dim);
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    q[i] = qkv[(size_t)t * (q_dim + 2 * kv_dim) + h * head_dim + i];
  __syncthreads();
  float local_max = -INFINITY;
  for (int p = lo + threadIdx.x; p <= last; p += blockDim.x) {
    const float s = key_dot<T>(q, key_cache + (size_t)p * kv_dim + kv_offset, head_dim) * scale;
    weights[p - lo] = s;
    local_max = fmaxf(local_max, s);
  }
  const float max = block_reduce(local_max, true, reduce);
  float local_sum = 0.f;
  for (int p = lo + threadIdx.x; p <= last; p += blockDim.x) {
    const float e = expf(weights[p - lo] - max);
    weights[p - lo] = e;
    local_sum += e;
  }
  const float sum = block_reduce(local_sum, false, reduce);
  __syncthreads();
  weighted_values<T>(out + (size_t)t * q_dim + h * head_dim, weights, value_cache, lo, last + 1,
                     kv_dim, kv_offset, head_dim, 1.0f / sum, partial);
}

/* Dynamic shared memory of the prefill kernel for `positions` keys. */
inline size_t prefill_shared_bytes(int positions) { return (size_t)(1024 + 32 + positions + 256) * 4; }

/*
 * The step's new token for query head h at position pos, into shared memory: the query and its KV
 * group's key rotated (RoPE with inv_freq; inv_freq null: learned positions, as they are), key
 * and value rounded to the cache's type T. When holds_pos, the group's first head also writes key
 * and value into the cache at pos.
 */
template <typename T, bool written = false>
__device__ __forceinline__ void stage_new_token(float *q, float *key, float *value,
                                                const float *__restrict__ qkv, T *key_cache,
                                                T *value_cache, int h, int pos, int heads,
                                                int kv_heads, int head_dim,
                                                const float *__restrict__ inv_freq, bool holds_pos) {
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim, half = head_dim / 2;
  const int kv_offset = (h / (heads / kv_heads)) * head_dim;
  for (int i = threadIdx.x; !inv_freq && i < head_dim; i += blockDim.x) {
    q[i] = load_activation<written>(qkv + h * head_dim + i);
    key[i] = to_float(from_float<T>(load_activation<written>(qkv + q_dim + kv_offset + i)));
  }
  for (int i = threadIdx.x; inv_freq && i < half; i += blockDim.x) {
    const float angle = (float)pos * inv_freq[i];
    const float c = cosf(angle), s = sinf(angle);
    const float qa = load_activation<written>(qkv + h * head_dim + i), qb = load_activation<written>(qkv + h * head_dim + i + half);
    q[i] = qa * c - qb * s;
    q[i + half] = qb * c + qa * s;
    const float ka = load_activation<written>(qkv + q_dim + kv_offset + i), kb = load_activation<written>(qkv + q_dim + kv_offset + i + half);
    key[i] = to_float(from_float<T>(ka * c - kb * s));
    key[i + half] = to_float(from_float<T>(kb * c + ka * s));
  }
  for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    value[i] = to_float(from_float<T>(load_activation<written>(qkv + q_dim + kv_dim + kv_offset + i)));
  __syncthreads();
  if (holds_pos && h % (heads / kv_heads) == 0) {
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x) {
      key_cache[(size_t)pos * kv_dim + kv_offset + i] = from_float<T>(key[i]);
      value_cache[(size_t)pos * kv_dim + kv_offset + i] = from_float<T>(value[i]);
    }
  }
}

/* Positions per block of split-K decoding attention (a block has ATTENTION_THREADS threads). */
constexpr int ATTENTION_CHUNK = 64;
constexpr int ATTENTION_THREADS = 256;

/*
 * Decoding attention with RoPE and the cache write fused in, split over the cache: block
 * (h, split) covers positions [split·CHUNK, min(split·CHUNK + CHUNK, pos + 1)) from the
 * window's first key (pos − window + 1, with a sliding window) on, and writes
 * (max, sum, acc[head_dim]). It rotates its head's query and the new token's key itself (the
 * model's inverse frequencies), takes the new key and value from qkv (rounded to the cache's
 * type), and the block that holds position pos for the first head of a KV group writes them into
 * the cache. The position is read from the device: one launch shape serves every step.
 */
template <typename T>
static __global__ void attention_decode_kernel(float *__restrict__ partial, const float *__restrict__ qkv,
                                               T *__restrict__ key_cache, T *__restrict__ value_cache,
                                               const int32_t *__restrict__ position, int heads,
                                               int kv_heads, int head_dim,
                                               const float *__restrict__ inv_freq, int window) {
  __shared__ float q[1024], key[1024], value[1024], weights[ATTENTION_CHUNK], reduce[32],
      groups_sum[2048];
  const int h = blockIdx.x, split = blockIdx.y, pos = *position;
  const int lo = window > 0 ? max(0, pos - window + 1) : 0; /* keys lo..pos */
  const int first = max(lo, split * ATTENTION_CHUNK);
  const int last = min(split * ATTENTION_CHUNK + ATTENTION_CHUNK, pos + 1);
  float *out = partial + ((size_t)h * gridDim.y + split) * (head_dim + 2);
  if (first >= last) {
    if (threadIdx.x == 0) { out[0] = -INFINITY; out[1] = 0.f; }
    return;
  }
  const int kv_dim = kv_heads * head_dim;
  const int kv_head = h / (heads / kv_heads), kv_offset = kv_head * head_dim;
  const float scale = 1.0f / sqrtf((float)head_dim);
  stage_new_token<T>(q, key, value, qkv, key_cache, value_cache, h, pos, heads, kv_heads, head_dim,
                     inv_freq, pos < last);
  const int p = first + threadIdx.x;
  float s = -INFINITY;
  if (threadIdx.x < ATTENTION_CHUNK && p < last) {
    if (p == pos) {
      s = 0.f;
      for (int i = 0; i < head_dim; i++) s += q[i] * key[i];
    } else {
      s = key_dot<T>(q, key_cache + (size_t)p * kv_dim + kv_offset, head_dim);
    }
    s *= scale;
  }
  const float max = block_reduce(s, true, reduce);
  const float e = threadIdx.x < ATTENTION_CHUNK && p < last ? expf(s - max) : 0.f;
  const float sum = block_reduce(e, false, reduce);
  if (threadIdx.x < ATTENTION_CHUNK) weights[threadIdx.x] = e;
  __syncthreads();
  weighted_values<T>(out + 2, weights, value_cache, first, last, kv_dim, kv_offset, head_dim, 1.0f,
                     groups_sum, pos, value);
  if (threadIdx.x == 0) { out[0] = max; out[1] = sum; }
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

/* Whether store4 may store at p: 4 · sizeof(T)-byte aligned (null passes). */
template <typename T> __host__ __device__ __forceinline__ bool store4_aligned(const T *p) {
  return ((uintptr_t)p & (4 * sizeof(T) - 1)) == 0;
}

/* Four floats rounded to T, stored at to (store4_aligned) in one store. */
template <typename T> __device__ __forceinline__ void store4(T *to, float4 z) {
  if constexpr (sizeof(T) == 4) {
    *reinterpret_cast<float4 *>(to) = z;
  } else {
    const T four[4] = {from_float<T>(z.x), from_float<T>(z.y), from_float<T>(z.z), from_float<T>(z.w)};
    uint2 bits;
    memcpy(&bits, four, 8);
    *reinterpret_cast<uint2 *>(to) = bits;
  }
}

/*
 * Row t of gate (cols wide) becomes z = act(gate + b_gate) ⊙ (up + b_up) (up null: act(gate +
 * b_gate), a plain block's W_1 product and b_1; a null bias adds nothing); with inverse, also
 * inverse[t] = 1 / ‖z_t‖₂ in float64 (0 for a zero row), what the neuron scores need, so GRIFFIN's
 * row norms cost no pass of their own. With rounded, z rounded to T there too (row t at
 * rounded + t·cols), the down product's operand (fused_rounding); keep false: z in f32 is not
 * written back (nothing but the down product reads it). With sets (a decoding batch), row t keeps
 * only its sequence's experts sets[t] (counts[t] of them, ascending; −1: every neuron), the others
 * 0, as mask_rows_kernel leaves them. Grid: (rows, column chunks; one with inverse); block 256;
 * with sets, shared memory of activate_mask_bytes.
 */
template <typename T = float>
static __global__ void __launch_bounds__(256)
    activate_rows_kernel(float *__restrict__ gate, const float *__restrict__ up, int cols, int act,
                         double *__restrict__ inverse, const float *__restrict__ b_gate,
                         const float *__restrict__ b_up, T *__restrict__ rounded = nullptr,
                         bool keep = true, const int32_t *const *__restrict__ sets = nullptr,
                         const int32_t *__restrict__ counts = nullptr) {
  __shared__ double partial[256];
  extern __shared__ uint32_t kept[]; /* with sets: bit j − c0 for each expert j of the chunk */
  float *row = gate + (size_t)blockIdx.x * cols;
  const float *up_row = up ? up + (size_t)blockIdx.x * cols : nullptr;
  T *rounded_row = rounded ? rounded + (size_t)blockIdx.x * cols : nullptr;
  /* this block's columns [c0, c1): whole float4s but for the last chunk */
  const int per = ((cols + gridDim.y - 1) / gridDim.y + 3) / 4 * 4;
  const int c0 = min(cols, (int)blockIdx.y * per), c1 = min(cols, c0 + per);
  const int k = sets ? counts[blockIdx.x] : -1;
  if (k >= 0) { /* the experts within [c0, c1): a run of the ascending list */
    for (int i = threadIdx.x; i < (per + 31) / 32; i += blockDim.x) kept[i] = 0u;
    const int32_t *mine = sets[blockIdx.x];
    /* the first expert ≥ c0, the block probing blockDim.x places at once (two rounds for a
     * list of 65536 or fewer, where halving would wait on 16 loads in a row) */
    int lo = 0, hi = k;
    while (lo < hi) {
      const int step = (hi - lo + blockDim.x - 1) / blockDim.x, at = lo + threadIdx.x * step;
      const int below = __syncthreads_count(at < hi && mine[at] < c0); /* the first `below` probes */
      if (below > 0) {
        const int next = lo + (below - 1) * step + 1;
        hi = min(hi, lo + below * step), lo = next;
      } else {
        hi = lo;
      }
    }
    __syncthreads();
    for (int i = lo + threadIdx.x; i < k && mine[i] < c1; i += blockDim.x)
      atomicOr(&kept[(mine[i] - c0) / 32], 1u << ((mine[i] - c0) % 32));
    __syncthreads();
  }
  double ss = 0;
  auto value = [&](int i, float g, float u) {
    if (b_gate) g += b_gate[i];
    if (b_up) u += b_up[i];
    float z = up_row ? activation(g, act) * u : activation(g, act);
    if (k >= 0 && !(kept[(i - c0) / 32] >> ((i - c0) % 32) & 1u)) z = 0.f;
    ss += (double)z * z;
    return z;
  };
  auto one = [&](int i, float g, float u) {
    const float z = value(i, g, u);
    if (rounded_row) rounded_row[i] = from_float<T>(z);
    return z;
  };
  /* the rounded row in one store of four (8 or 16 bytes) where it is aligned so */
  const bool vectors = cols % 4 == 0 && ((uintptr_t)gate & 15) == 0 && ((uintptr_t)up & 15) == 0 &&
                       store4_aligned(rounded);
  const int n4 = vectors ? (c1 - c0) / 4 : 0, first4 = c0 / 4;
  constexpr int U = 4; /* float4 loads in flight a thread (each thread's columns in the same order) */
  for (int base = threadIdx.x; base < n4; base += blockDim.x * U) {
    float4 g[U], u[U];
#pragma unroll
    for (int v = 0; v < U; v++) {
      const int i = first4 + base + v * blockDim.x;
      if (base + v * blockDim.x < n4) {
        g[v] = reinterpret_cast<const float4 *>(row)[i];
        u[v] = up_row ? reinterpret_cast<const float4 *>(up_row)[i] : g[v];
      }
    }
#pragma unroll
    for (int v = 0; v < U; v++) {
      const int i = first4 + base + v * blockDim.x;
      if (base + v * blockDim.x >= n4) break;
      const float4 z = make_float4(value(4 * i, g[v].x, u[v].x), value(4 * i + 1, g[v].y, u[v].y),
                                   value(4 * i + 2, g[v].z, u[v].z), value(4 * i + 3, g[v].w, u[v].w));
      if (rounded_row) store4(rounded_row + 4 * i, z);
      if (keep) reinterpret_cast<float4 *>(row)[i] = z;
    }
  }
  for (int i = c0 + 4 * n4 + threadIdx.x; i < c1; i += blockDim.x) {
    const float z = one(i, row[i], up_row ? up_row[i] : 0.f);
    if (keep) row[i] = z;
  }
  if (!inverse) return;
  partial[threadIdx.x] = ss;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) inverse[blockIdx.x] = partial[0] > 0 ? 1.0 / sqrt(partial[0]) : 0.0;
}

/* Column chunks of activate_rows_kernel for rows × cols: about four blocks a multiprocessor. */
inline int activate_chunks(int rows, int cols, int sms) {
  return std::max(1, std::min((4 * sms + rows - 1) / std::max(rows, 1), cols / 1024));
}

/* Dynamic shared bytes of activate_rows_kernel with sets, cols wide in `chunks` chunks. */
inline size_t activate_mask_bytes(int cols, int chunks) {
  const int per = ((cols + chunks - 1) / chunks + 3) / 4 * 4;
  return (size_t)(per + 31) / 32 * 4;
}

/* Class mode: the last row keeps only the experts (flags[j] = 1); z in f32 or rounded to T. */
template <typename E>
static __global__ void mask_row_kernel(E *__restrict__ row, const uint8_t *__restrict__ flags, int ff) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j < ff && !flags[j]) row[j] = from_float<E>(0.f);
}

/*
 * Row rows[i] of z (row i when rows is null; ff wide; f32, or rounded to T) keeps only
 * experts[i] (counts[i] of them, ascending; −1: every neuron): each sequence of a class batch its
 * own set at its last row (a decoding batch masks as it activates: activate_rows_kernel). saved
 * holds a row of scratch per block. A block per row.
 */
template <typename E>
static __global__ void mask_rows_kernel(E *__restrict__ z, E *__restrict__ saved,
                                        const int32_t *__restrict__ rows,
                                        const int32_t *const *__restrict__ experts,
                                        const int32_t *__restrict__ counts, int ff) {
  const int k = counts[blockIdx.x];
  if (k < 0) return;
  E *row = z + (size_t)(rows ? rows[blockIdx.x] : blockIdx.x) * ff;
  E *keep = saved + (size_t)blockIdx.x * ff;
  const int32_t *mine = experts[blockIdx.x];
  for (int i = threadIdx.x; i < k; i += blockDim.x) keep[i] = row[mine[i]];
  __syncthreads();
  for (int j = threadIdx.x; j < ff; j += blockDim.x) row[j] = from_float<E>(0.f);
  __syncthreads();
  for (int i = threadIdx.x; i < k; i += blockDim.x) row[mine[i]] = keep[i];
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
