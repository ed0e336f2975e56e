/*
 * cuda_gemv.cuh — the decoding kernels that stream weights: matrix–vector products with 16-byte
 * loads and several loads in flight, the fused gate/up block with its activation, and GRIFFIN's
 * pruned down projection over W_downᵀ rows. Each has a CPU twin in kernels_cpu.cpp
 * (matmul, matmul_rows + activate, matmul_cols), checked in cuda_check.cu.
 */
#ifndef GRIFFIN_CUDA_GEMV_CUH
#define GRIFFIN_CUDA_GEMV_CUH

#include <algorithm>

#include "cuda_launch.cuh"

namespace gf {

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

/* Σ w[i]·x[i] over 16 bytes of weights: V = 16 / sizeof(T) elements from column c. */
template <typename T>
__device__ __forceinline__ float dot16(uint4 packed, const float *__restrict__ x, int c) {
  constexpr int V = 16 / sizeof(T);
  const T *w = reinterpret_cast<const T *>(&packed);
  float acc = 0.f;
#pragma unroll
  for (int j = 0; j < V; j += 4) {
    const float4 xv = *reinterpret_cast<const float4 *>(x + c + j); /* shared memory */
    acc += to_float(w[j]) * xv.x + to_float(w[j + 1]) * xv.y + to_float(w[j + 2]) * xv.z +
           to_float(w[j + 3]) * xv.w;
  }
  return acc;
}

/* One warp's share of dot(W[row], x) element by element: rows that are not whole 16-byte vectors. */
template <typename T>
__device__ __forceinline__ float warp_dot(const T *__restrict__ row, const float *__restrict__ x,
                                          int cols, int lane) {
  float acc = 0.f;
  for (int i = lane; i < cols; i += 32) acc += to_float(row[i]) * x[i];
  return acc;
}

/* 16-byte loads in flight per lane and row in the decoding products. */
constexpr int GEMV_BATCH = 8;

/* Loads batch b of a row of n 16-byte vectors into buf: lane takes vectors b·32U + 32u + lane. */
template <int U>
__device__ __forceinline__ void load_batch(uint4 (&buf)[U], const uint4 *row, int n, int b, int lane) {
#pragma unroll
  for (int u = 0; u < U; u++) {
    const int i = (b * U + u) * 32 + lane;
    buf[u] = i < n ? load_stream(row + i) : make_uint4(0u, 0u, 0u, 0u);
  }
}

/*
 * One warp's share of dot(row, x) over n 16-byte vectors when batch 0 is already in buf (loaded
 * before the kernel waited for its input): U loads in flight per lane.
 */
template <typename T, int U>
__device__ __forceinline__ float warp_dot_batched(uint4 (&buf)[U], const uint4 *row,
                                                  const float *__restrict__ x, int n, int lane) {
  constexpr int V = 16 / sizeof(T);
  float acc = 0.f;
  for (int b = 0; b * U * 32 < n; b++) {
    if (b > 0) load_batch<U>(buf, row, n, b, lane);
#pragma unroll
    for (int u = 0; u < U; u++) {
      const int i = (b * U + u) * 32 + lane;
      if (i < n) acc += dot16<T>(buf[u], x, i * V);
    }
  }
  return acc;
}

/* The maximum (is_max) or the sum of v over the block; every thread gets it. */
__device__ __forceinline__ float block_reduce(float v, bool is_max, float *shared) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float o = __shfl_xor_sync(0xffffffffu, v, offset);
    v = is_max ? fmaxf(v, o) : v + o;
  }
  const int warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads(); /* shared may still be read from a previous reduction */
  if ((threadIdx.x & 31) == 0) shared[warp] = v;
  __syncthreads();
  v = shared[0];
  for (int w = 1; w < warps; w++) v = is_max ? fmaxf(v, shared[w]) : v + shared[w];
  return v;
}

/* How float4_pass reads its source: plainly, or as load_activation<false / true> reads it. */
enum class Read { plain, activation, written };

/* Calls apply(i, src[i]) for i < n4, each thread U float4 loads in flight at a time. */
template <Read read = Read::plain, typename Apply>
__device__ __forceinline__ void float4_pass(const float *src, int n4, Apply apply) {
  constexpr int U = 4;
  for (int base = threadIdx.x; base < n4; base += blockDim.x * U) {
    float4 v[U];
#pragma unroll
    for (int u = 0; u < U; u++) {
      const int i = base + u * blockDim.x;
      const float4 *at = reinterpret_cast<const float4 *>(src) + i;
      if (i >= n4) v[u] = make_float4(0.f, 0.f, 0.f, 0.f);
      else if constexpr (read == Read::plain) v[u] = *at;
      else v[u] = load_activation<read == Read::written>(at);
    }
#pragma unroll
    for (int u = 0; u < U; u++)
      if (base + u * blockDim.x < n4) apply(base + u * blockDim.x, v[u]);
  }
}

__host__ __device__ __forceinline__ bool aligned16(const void *p) { return ((uintptr_t)p & 15) == 0; }

/*
 * Stages the input vector in shared memory, normalised when norm.w is set (the norm fused into
 * the product that follows it, as norm_kernel computes it): RMSNorm x / sqrt(mean(x²) + eps)·w,
 * or LayerNorm (x − mean) / sqrt(mean((x − mean)²) + eps)·w + b.
 */
template <bool written = false>
__device__ __forceinline__ void stage_input(float *xs, const float *__restrict__ x, int cols,
                                            Norm norm) {
  __shared__ float reduce[32];
  float sum = 0.f, ss = 0.f;
  const bool vectors = cols % 4 == 0 && aligned16(x) && aligned16(norm.w) && aligned16(norm.b);
  const int n4 = vectors ? cols / 4 : 0;
  float4 *xs4 = reinterpret_cast<float4 *>(xs);
  float4_pass<written ? Read::written : Read::activation>(x, n4, [&](int i, float4 v) {
    xs4[i] = v;
    sum += (v.x + v.y) + (v.z + v.w);
    ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
  });
  for (int i = 4 * n4 + threadIdx.x; i < cols; i += blockDim.x) {
    const float v = load_activation<written>(x + i);
    xs[i] = v;
    sum += v;
    ss += v * v;
  }
  if (norm.w) {
    float mean = 0.f;
    if (norm.b) { /* LayerNorm: the squares of the deviations, from the staged copy */
      mean = block_reduce(sum, false, reduce) / cols;
      ss = 0.f;
      float4_pass(xs, n4, [&](int, float4 v) {
        const float a = v.x - mean, b = v.y - mean, c = v.z - mean, d = v.w - mean;
        ss += a * a + b * b + c * c + d * d;
      });
      for (int i = 4 * n4 + threadIdx.x; i < cols; i += blockDim.x) ss += (xs[i] - mean) * (xs[i] - mean);
    }
    const float inv = 1.0f / sqrtf(block_reduce(ss, false, reduce) / cols + norm.eps);
    if (norm.b) {
      const float4 *b4 = reinterpret_cast<const float4 *>(norm.b);
      float4_pass(norm.w, n4, [&](int i, float4 w) {
        const float4 v = xs4[i], b = b4[i];
        xs4[i] = make_float4((v.x - mean) * inv * w.x + b.x, (v.y - mean) * inv * w.y + b.y,
                             (v.z - mean) * inv * w.z + b.z, (v.w - mean) * inv * w.w + b.w);
      });
      for (int i = 4 * n4 + threadIdx.x; i < cols; i += blockDim.x)
        xs[i] = (xs[i] - mean) * inv * norm.w[i] + norm.b[i];
    } else {
      float4_pass(norm.w, n4, [&](int i, float4 w) {
        const float4 v = xs4[i];
        xs4[i] = make_float4(w.x * (v.x * inv), w.y * (v.y * inv), w.z * (v.z * inv), w.w * (v.w * inv));
      });
      for (int i = 4 * n4 + threadIdx.x; i < cols; i += blockDim.x) xs[i] = norm.w[i] * (xs[i] * inv);
    }
  }
  __syncthreads();
}

/*
 * store(r, row_of(r) · x̂) for r < count (lane 0 stores), a warp per row, the rows strided over
 * the grid's warps (block of blocks); x̂ is x_global, or norm(x_global) when norm.w is set, staged
 * in x (shared: cols floats). With preload the first batch of weights is loaded before wait()
 * (the kernel before, or a grid barrier) and stays in flight while x̂ is staged; each warp loads
 * its next row while it sums the last.
 */
template <typename T, typename RowOf, typename Store, typename Wait>
__device__ __forceinline__ void warp_rows(float *x, const float *x_global, int count, int cols, Norm norm,
                                          RowOf row_of, bool preload, Store store, int block, int blocks,
                                          Wait wait) {
  constexpr int V = 16 / sizeof(T), U = GEMV_BATCH;
  const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
  const int first = block * warps + (threadIdx.x >> 5), n = cols / V;
  const bool vectors = cols % V == 0;
  const int stride = blocks * warps;
  uint4 buf[U];
  auto load = [&](int r) {
    load_batch<U>(buf, reinterpret_cast<const uint4 *>(row_of(r)), n, 0, lane);
  };
  if (vectors && preload && first < count) load(first);
  if (!wait()) return;
  stage_input<Wait::one_launch>(x, x_global, cols, norm);
  if (vectors && !preload && first < count) load(first);
  for (int r = first; r < count; r += stride) {
    float acc;
    if (vectors) {
      acc = warp_dot_batched<T, U>(buf, reinterpret_cast<const uint4 *>(row_of(r)), x, n, lane);
      if (r + stride < count) load(r + stride); /* the next row loads while this one is summed */
    } else {
      acc = warp_dot<T>(row_of(r), x, cols, lane);
    }
    acc = warp_sum(acc);
    if (lane == 0) store(r, acc);
  }
}

/*
 * y[r] = W[rows ? rows[r] : r] · x̂ (+ bias[r]) (+ residual[r]) for r < count (warp_rows; the
 * first row loads before the wait unless rows come from the kernel before).
 */
template <typename T, typename Wait>
__device__ __forceinline__ void gemv_rows(float *x, float *__restrict__ y, const T *__restrict__ w,
                                          const float *x_global, int count, int cols,
                                          const int32_t *__restrict__ rows, const float *residual,
                                          Norm norm, const float *__restrict__ bias, int block,
                                          int blocks, Wait wait) {
  warp_rows<T>(
      x, x_global, count, cols, norm, [&](int r) { return w + (size_t)(rows ? rows[r] : r) * cols; }, !rows,
      [&](int r, float acc) {
        if (bias) acc += bias[r];
        if constexpr (Wait::one_launch) y[r] = residual ? acc + __ldcg(residual + r) : acc;
        else y[r] = residual ? acc + residual[r] : acc;
      },
      block, blocks, wait);
}

/*
 * What a launched decoding kernel does between its first loads and its input: waits for the
 * kernel before it (programmatic dependent launch) and lets the next one launch. A persistent
 * step waits at a grid barrier instead (cuda_decode_step.cu). False: give up (a barrier failed).
 */
struct AfterPrevious {
  static constexpr bool one_launch = false; /* what the kernel reads, earlier kernels wrote */
  __device__ __forceinline__ bool operator()() const {
    wait_for_previous();
    let_next_launch();
    return true;
  }
};

/* gemv_rows as a kernel of its own. */
template <typename T>
static __global__ void __launch_bounds__(256)
    gemv_kernel(float *__restrict__ y, const T *__restrict__ w, const float *__restrict__ x_global,
                int count, int cols, const int32_t *__restrict__ rows, const float *residual,
                Norm norm = Norm(), const float *__restrict__ bias = nullptr) {
  extern __shared__ float x[];
  gemv_rows<T>(x, y, w, x_global, count, cols, rows, residual, norm, bias, blockIdx.x, gridDim.x,
               AfterPrevious());
}

/* The FF activations (GF_ACT_*), as in kernels_cpu.cpp's activate. */
__device__ __forceinline__ float activation(float g, int act) {
  switch (act) {
  case GF_ACT_SILU: return g / (1.0f + expf(-g));
  case GF_ACT_GELU_TANH:
    return 0.5f * g * (1.0f + tanhf(0.7978845608028654f * (g + 0.044715f * g * g * g)));
  case GF_ACT_RELU: return g > 0.f ? g : 0.f;
  default: return 0.5f * g * (1.0f + erff(g * 0.7071067811865476f));
  }
}

/*
 * z[i] = act(W_gate[e_i] · x̂ + b_gate[e_i]) ⊙ (W_up[e_i] · x̂ + b_up[e_i]), e_i = experts ?
 * experts[i] : i; a warp per neuron (a bias only where given). Plain blocks pass w_gate = null:
 * z[i] = act(W_1[e_i] · x̂ + b_1[e_i]). x̂ as in gemv_kernel; the experts come from the prompt
 * phase, so the first batches load before the wait.
 */
template <typename T, typename Wait>
__device__ __forceinline__ void gate_up_rows(float *x, float *__restrict__ z, const T *__restrict__ w_gate,
                                             const T *__restrict__ w_up, const float *x_global,
                                             int count, int cols, const int32_t *__restrict__ experts,
                                             int act, Norm norm, const float *__restrict__ b_gate,
                                             const float *__restrict__ b_up, int block, int blocks,
                                             Wait wait) {
  constexpr int V = 16 / sizeof(T), U = GEMV_BATCH;
  const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
  const int first = block * warps + (threadIdx.x >> 5), n = cols / V;
  const bool vectors = cols % V == 0;
  uint4 up_buf[U], gate_buf[U];
  auto load = [&](int i) {
    const size_t row = (size_t)(experts ? experts[i] : i) * cols;
    load_batch<U>(up_buf, reinterpret_cast<const uint4 *>(w_up + row), n, 0, lane);
    if (w_gate) load_batch<U>(gate_buf, reinterpret_cast<const uint4 *>(w_gate + row), n, 0, lane);
  };
  if (vectors && first < count) load(first);
  if (!wait()) return;
  stage_input<Wait::one_launch>(x, x_global, cols, norm);
  const int stride = blocks * warps;
  for (int i = first; i < count; i += stride) {
    const size_t row = (size_t)(experts ? experts[i] : i) * cols;
    float u, g = 0.f;
    if (vectors) {
      u = warp_dot_batched<T, U>(up_buf, reinterpret_cast<const uint4 *>(w_up + row), x, n, lane);
      if (w_gate)
        g = warp_dot_batched<T, U>(gate_buf, reinterpret_cast<const uint4 *>(w_gate + row), x, n, lane);
      if (i + stride < count) load(i + stride); /* the next neuron loads while this one is summed */
    } else {
      u = warp_dot<T>(w_up + row, x, cols, lane);
      if (w_gate) g = warp_dot<T>(w_gate + row, x, cols, lane);
    }
    u = warp_sum(u);
    const int e = experts ? experts[i] : i;
    if (b_up) u += b_up[e];
    if (w_gate) {
      g = warp_sum(g);
      if (b_gate) g += b_gate[e];
      if (lane == 0) z[i] = activation(g, act) * u;
    } else if (lane == 0) {
      z[i] = activation(u, act);
    }
  }
}

/* gate_up_rows as a kernel of its own. */
template <typename T>
static __global__ void __launch_bounds__(256)
    gate_up_kernel(float *__restrict__ z, const T *__restrict__ w_gate, const T *__restrict__ w_up,
                   const float *__restrict__ x_global, int count, int cols,
                   const int32_t *__restrict__ experts, int act, Norm norm = Norm(),
                   const float *__restrict__ b_gate = nullptr,
                   const float *__restrict__ b_up = nullptr) {
  extern __shared__ float x[];
  gate_up_rows<T>(x, z, w_gate, w_up, x_global, count, cols, experts, act, norm, b_gate, b_up,
                  blockIdx.x, gridDim.x, AfterPrevious());
}

/*
 * GRIFFIN's down projection over W_downᵀ (ff, hidden): x[h] += Σ_i z[i]·W_downᵀ[e_i][h]. Block
 * (tile, chunk) sums its chunk of experts over the tile's 32·V columns (GEMV_BATCH rows in flight
 * a warp, each row's address formed before any load is issued) into partial[chunk][h]
 * (8 warps, each a share of the chunk's experts, summed in shared memory); the tile's last block
 * to finish (tickets[tile] counts them) adds the chunks (and the bias b_down, when given) to x in
 * chunk order, so the sum does not
 * depend on which block came last. With act ≥ 0, z holds the FF's pre-activations (plus their
 * biases) and the block first writes its chunk's activations into z_stage (shared, per_chunk
 * floats): act(z)·up for gated blocks, act(z) without up (the persistent step's split of gate
 * and up over warps).
 */
template <typename T, typename Wait>
__device__ __forceinline__ void down_block(float *x, float *__restrict__ partial,
                                           uint32_t *__restrict__ tickets, const T *__restrict__ w_down_t,
                                           const float *__restrict__ z, const int32_t *__restrict__ experts,
                                           int count, int hidden, int per_chunk,
                                           const float *__restrict__ bias, int tile, int chunk,
                                           int chunks, Wait wait, const float *up = nullptr,
                                           int act = -1, float *z_stage = nullptr) {
  constexpr int V = 16 / sizeof(T), COLS = 32 * V;
  constexpr int R = GEMV_BATCH; /* rows in flight per warp */
  __shared__ float sums[8][COLS];
  __shared__ bool last_block;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, tile_col = tile * COLS;
  const int col = tile_col + lane * V;
  const int first = chunk * per_chunk, last = min(count, first + per_chunk);
  uint4 rows_buf[R];
  float z_buf[R];
  auto load_z = [&](int i) { /* written by the kernel before: only after the wait */
#pragma unroll
    for (int r = 0; r < R; r++) {
      const int k = i + 8 * r;
      float v = 0.f;
      if (k < last) v = act < 0 ? load_activation<Wait::one_launch>(z + k) : z_stage[k - first];
      z_buf[r] = v;
    }
  };
  auto load = [&](int i) { /* rows i, i + 8, …, i + 8(R − 1) of the chunk (zeros past it) */
#pragma unroll
    for (int r = 0; r < R; r++) {
      const int k = i + 8 * r;
      const T *row = w_down_t + (size_t)(k < last ? (experts ? experts[k] : k) : 0) * hidden;
      rows_buf[r] = k < last && col < hidden ? load_stream(reinterpret_cast<const uint4 *>(row + col))
                                             : make_uint4(0u, 0u, 0u, 0u);
    }
  };
  load(first + warp); /* the experts come from the prompt phase, not from the kernel before */
  if (!wait()) return;
  if (act >= 0) { /* the chunk's activations, once, into shared memory */
    for (int k = first + threadIdx.x; k < last; k += blockDim.x) {
      const float v = __ldcg(z + k);
      z_stage[k - first] = up ? activation(v, act) * __ldcg(up + k) : activation(v, act);
    }
    __syncthreads();
  }
  float acc[V];
#pragma unroll
  for (int j = 0; j < V; j++) acc[j] = 0.f;
  for (int i = first + warp; i < last; i += 8 * R) {
    if (i != first + warp) load(i);
    load_z(i);
#pragma unroll
    for (int r = 0; r < R; r++) {
      if (i + 8 * r >= last) break;
      const float zr = z_buf[r];
      const T *wr = reinterpret_cast<const T *>(&rows_buf[r]);
#pragma unroll
      for (int j = 0; j < V; j++) acc[j] += zr * to_float(wr[j]);
    }
  }
#pragma unroll
  for (int j = 0; j < V; j++) sums[warp][lane * V + j] = acc[j];
  __syncthreads();
  for (int c = threadIdx.x; c < COLS; c += blockDim.x) {
    float s = 0.f;
#pragma unroll
    for (int w = 0; w < 8; w++) s += sums[w][c];
    const int h = tile_col + c;
    if (h < hidden) partial[(size_t)chunk * hidden + h] = s;
  }
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last_block = atomicAdd(&tickets[tile], 1u) == (unsigned)chunks - 1;
  __syncthreads();
  if (!last_block) return;
  __threadfence();
  for (int c = threadIdx.x; c < COLS; c += blockDim.x) {
    const int h = tile_col + c;
    if (h >= hidden) continue;
    float s = 0.f;
#pragma unroll 16
    for (int c = 0; c < chunks; c++) s += __ldcg(partial + (size_t)c * hidden + h);
    if constexpr (Wait::one_launch) x[h] = __ldcg(x + h) + (bias ? s + bias[h] : s);
    else x[h] += bias ? s + bias[h] : s;
  }
  if (threadIdx.x == 0) tickets[tile] = 0; /* ready for the next launch */
}

/* down_block as a kernel of its own: block (tile, chunk). */
template <typename T>
static __global__ void down_kernel(float *__restrict__ x, float *__restrict__ partial,
                                   uint32_t *__restrict__ tickets, const T *__restrict__ w_down_t,
                                   const float *__restrict__ z, const int32_t *__restrict__ experts,
                                   int count, int hidden, int per_chunk,
                                   const float *__restrict__ bias) {
  down_block<T>(x, partial, tickets, w_down_t, z, experts, count, hidden, per_chunk, bias, blockIdx.x,
                blockIdx.y, gridDim.y, AfterPrevious());
}

/* Launch shapes shared by the launchers: a warp per row, 8 rows a block. */
struct GemvShape {
  static constexpr int threads = 256;
  /* a warp per row: every row's loads start at once, the chip taking blocks in waves */
  static int blocks(int rows, int sms) { (void)sms; return max(1, (rows + 7) / 8); }
  /*
   * At most `resident` blocks per multiprocessor (what fits at once): warps take several rows,
   * each loading its next row while it sums the last, and x is staged once per block.
   */
  static int resident_blocks(int rows, int sms, int resident) {
    /* as many rows for every warp: none finishes a row early and leaves the chip half idle */
    const int warps = 8 * sms * max(1, resident), per_warp = (rows + warps - 1) / warps;
    return max(1, (rows + 8 * per_warp - 1) / (8 * per_warp));
  }
  /* shared memory of the staged input vector */
  static size_t shared(int cols) { return (size_t)cols * 4; }
};

/* Column tiles of the down projection (a ticket each). */
inline int down_tiles(int hidden, int vector) { return (hidden + 32 * vector - 1) / (32 * vector); }

/*
 * Expert chunks for the down projection: blocks_per_sm blocks per multiprocessor in all (4: one
 * wave, each warp with a long run of rows; 8: two waves of shorter runs).
 */
inline int down_chunks(int count, int hidden, int vector, int sms, int blocks_per_sm) {
  const int tiles = down_tiles(hidden, vector);
  const int want = max(1, blocks_per_sm * sms / tiles);
  return max(1, min(want, (count + 15) / 16));
}

/*
 * x[h] += Σ_i z[i]·W_downᵀ[e_i][h] (+ bias[h]), a thread per column: rows that are not whole
 * 16-byte vectors (count may be 0: only the bias is added).
 */
template <typename T>
static __global__ void down_scalar_kernel(float *__restrict__ x, const T *__restrict__ w_down_t,
                                          const float *__restrict__ z,
                                          const int32_t *__restrict__ experts, int count,
                                          int hidden, const float *__restrict__ bias) {
  wait_for_previous();
  let_next_launch();
  const int h = blockIdx.x * blockDim.x + threadIdx.x;
  if (h >= hidden) return;
  float s = 0.f;
  for (int i = 0; i < count; i++)
    s += z[i] * to_float(w_down_t[(size_t)(experts ? experts[i] : i) * hidden + h]);
  x[h] += bias ? s + bias[h] : s;
}

/* How the down projection splits its experts: chunks of per_chunk rows, a block per (tile, chunk). */
struct DownPlan {
  int chunks = 1, per_chunk = 1;
};

/*
 * The plan launch_down uses for count experts: blocks_per_sm blocks a multiprocessor (at most
 * `fit` when asking for one wave), the partial sums within partial_floats.
 */
inline DownPlan down_plan(int count, int hidden, int vector, int sms, int blocks_per_sm, int fit,
                          size_t partial_floats) {
  if (blocks_per_sm <= 4 && fit > 0) blocks_per_sm = std::min(blocks_per_sm, fit);
  DownPlan p;
  p.chunks = down_chunks(count, hidden, vector, sms, blocks_per_sm);
  while ((size_t)p.chunks * hidden > partial_floats && p.chunks > 1) p.chunks /= 2;
  p.per_chunk = (std::max(count, 1) + p.chunks - 1) / p.chunks;
  p.chunks = (std::max(count, 1) + p.per_chunk - 1) / p.per_chunk;
  return p;
}

/* Blocks of down_kernel<T> that fit on a multiprocessor at once. */
template <typename T> int down_fit() {
  static int fit = -1;
  if (fit < 0 && cudaOccupancyMaxActiveBlocksPerMultiprocessor(&fit, down_kernel<T>, 256, 0) != cudaSuccess)
    fit = 0;
  return fit;
}

/*
 * x += W_downᵀ[experts]ᵀ · z (+ bias) through partial sums (count 0: only the bias, if any, is
 * added); tickets holds down_tiles(hidden, V) zeros and is left so. pdl: a programmatic
 * dependent launch.
 */
template <typename T>
gf_status launch_down(cudaStream_t stream, float *x, float *partial, size_t partial_floats,
                      uint32_t *tickets, const T *w_down_t, const float *z, const int32_t *experts,
                      int count, int hidden, int sms, bool pdl = false, int blocks_per_sm = 4,
                      const float *bias = nullptr) {
  constexpr int V = 16 / sizeof(T);
  if (count <= 0 && !bias) return GF_OK;
  if (count <= 0 || hidden % V != 0) {
    GF_CUDA(launch(pdl, down_scalar_kernel<T>, dim3((hidden + 255) / 256), 256, 0, stream, x,
                   w_down_t, z, experts, std::max(count, 0), hidden, bias));
    return GF_OK;
  }
  const DownPlan plan = down_plan(count, hidden, V, sms, blocks_per_sm, down_fit<T>(), partial_floats);
  const dim3 grid(down_tiles(hidden, V), plan.chunks);
  GF_CUDA(launch(pdl, down_kernel<T>, grid, 256, 0, stream, x, partial, tickets, w_down_t, z, experts,
                 count, hidden, plan.per_chunk, bias));
  return GF_OK;
}

} // namespace gf

#endif
