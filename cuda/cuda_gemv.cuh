/*
 * cuda_gemv.cuh — the decoding kernels that stream weights: matrix–vector products with 16-byte
 * loads and several loads in flight, the fused gate/up block with its activation, and GRIFFIN's
 * pruned down projection over W_downᵀ rows. Each has a CPU twin in kernels_cpu.cpp
 * (matmul, matmul_rows + activate, matmul_cols), checked in cuda_check.cu.
 */
#ifndef GRIFFIN_CUDA_GEMV_CUH
#define GRIFFIN_CUDA_GEMV_CUH

#include "cuda_common.cuh"

namespace gf {

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

/* Streams 16 bytes of weights once (no reuse: keep it out of L1). */
__device__ __forceinline__ uint4 load_stream(const uint4 *p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
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

/* One warp's share of dot(W[row], x): lanes stride over 16-byte vectors, four in flight. */
template <typename T>
__device__ __forceinline__ float warp_dot(const T *__restrict__ row, const float *__restrict__ x,
                                          int cols, int lane) {
  constexpr int V = 16 / sizeof(T);
  float acc = 0.f;
  if (cols % V == 0) {
    const uint4 *wv = reinterpret_cast<const uint4 *>(row);
    const int n = cols / V;
    int i = lane;
    for (; i + 96 < n; i += 128) {
      const uint4 a = load_stream(wv + i), b = load_stream(wv + i + 32);
      const uint4 c = load_stream(wv + i + 64), d = load_stream(wv + i + 96);
      acc += dot16<T>(a, x, i * V) + dot16<T>(b, x, (i + 32) * V) +
             dot16<T>(c, x, (i + 64) * V) + dot16<T>(d, x, (i + 96) * V);
    }
    for (; i < n; i += 32) acc += dot16<T>(load_stream(wv + i), x, i * V);
  } else {
    for (int i = lane; i < cols; i += 32) acc += to_float(row[i]) * x[i];
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

/*
 * Stages the input vector in shared memory, RMS-normalised with norm_w when given (the norm
 * fused into the product that follows it: x / sqrt(mean(x²) + eps) · w, as rmsnorm_kernel).
 */
__device__ __forceinline__ void stage_input(float *xs, const float *__restrict__ x, int cols,
                                            const float *__restrict__ norm_w, float eps) {
  __shared__ float reduce[32];
  float ss = 0.f;
  for (int i = threadIdx.x; i < cols; i += blockDim.x) {
    const float v = x[i];
    xs[i] = v;
    ss += v * v;
  }
  if (norm_w) {
    const float inv = 1.0f / sqrtf(block_reduce(ss, false, reduce) / cols + eps);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) xs[i] = norm_w[i] * (xs[i] * inv);
  }
  __syncthreads();
}

/*
 * y[r] = W[rows ? rows[r] : r] · x̂ (+ residual[r]) for r < count; a warp per row. x̂ is x, or
 * RMSNorm(x) with norm_w. Dynamic shared memory: cols floats.
 */
template <typename T>
static __global__ void gemv_kernel(float *__restrict__ y, const T *__restrict__ w,
                            const float *__restrict__ x_global, int count, int cols,
                            const int32_t *__restrict__ rows, const float *residual,
                            const float *__restrict__ norm_w = nullptr, float eps = 0.f) {
  extern __shared__ float x[];
  stage_input(x, x_global, cols, norm_w, eps);
  const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
  for (int r = blockIdx.x * warps + (threadIdx.x >> 5); r < count; r += gridDim.x * warps) {
    const int row = rows ? rows[r] : r;
    const float acc = warp_sum(warp_dot<T>(w + (size_t)row * cols, x, cols, lane));
    if (lane == 0) y[r] = acc + (residual ? residual[r] : 0.f);
  }
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
 * z[i] = act(W_gate[e_i] · x̂) ⊙ (W_up[e_i] · x̂), e_i = experts ? experts[i] : i; a warp per
 * neuron. Plain blocks pass w_gate = null: z[i] = act(W_1[e_i] · x̂). x̂ as in gemv_kernel.
 */
template <typename T>
static __global__ void gate_up_kernel(float *__restrict__ z, const T *__restrict__ w_gate,
                               const T *__restrict__ w_up, const float *__restrict__ x_global, int count,
                               int cols, const int32_t *__restrict__ experts, int act,
                               const float *__restrict__ norm_w = nullptr, float eps = 0.f) {
  extern __shared__ float x[];
  stage_input(x, x_global, cols, norm_w, eps);
  const int lane = threadIdx.x & 31, warps = blockDim.x >> 5;
  for (int i = blockIdx.x * warps + (threadIdx.x >> 5); i < count; i += gridDim.x * warps) {
    const size_t row = (size_t)(experts ? experts[i] : i) * cols;
    const float u = warp_sum(warp_dot<T>(w_up + row, x, cols, lane));
    if (w_gate) {
      const float g = warp_sum(warp_dot<T>(w_gate + row, x, cols, lane));
      if (lane == 0) z[i] = activation(g, act) * u;
    } else if (lane == 0) {
      z[i] = activation(u, act);
    }
  }
}

/*
 * GRIFFIN's down projection over W_downᵀ (ff, hidden): partial[chunk][h] = Σ z[i]·W_downᵀ[e_i][h]
 * over the chunk's experts. Block: 8 warps over the same 32·V columns, each warp a share of the
 * chunk's experts, summed in shared memory. Grid: (column tiles, expert chunks).
 */
template <typename T>
static __global__ void down_partial_kernel(float *__restrict__ partial, const T *__restrict__ w_down_t,
                                    const float *__restrict__ z, const int32_t *__restrict__ experts,
                                    int count, int hidden, int per_chunk) {
  constexpr int V = 16 / sizeof(T);
  __shared__ float sums[8][32 * V];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int col = (blockIdx.x * 32 + lane) * V;
  const int first = blockIdx.y * per_chunk, last = min(count, first + per_chunk);
  float acc[V];
#pragma unroll
  for (int j = 0; j < V; j++) acc[j] = 0.f;
  if (col < hidden) {
    int i = first + warp;
    for (; i + 24 < last; i += 32) { /* four rows in flight per warp */
      uint4 w4[4];
      float z4[4];
#pragma unroll
      for (int r = 0; r < 4; r++) {
        const int e = experts ? experts[i + 8 * r] : i + 8 * r;
        w4[r] = load_stream(reinterpret_cast<const uint4 *>(w_down_t + (size_t)e * hidden + col));
        z4[r] = z[i + 8 * r];
      }
#pragma unroll
      for (int r = 0; r < 4; r++) {
        const T *wr = reinterpret_cast<const T *>(&w4[r]);
#pragma unroll
        for (int j = 0; j < V; j++) acc[j] += z4[r] * to_float(wr[j]);
      }
    }
    for (; i < last; i += 8) {
      const int e = experts ? experts[i] : i;
      const uint4 a = load_stream(reinterpret_cast<const uint4 *>(w_down_t + (size_t)e * hidden + col));
      const T *wa = reinterpret_cast<const T *>(&a);
#pragma unroll
      for (int j = 0; j < V; j++) acc[j] += z[i] * to_float(wa[j]);
    }
  }
#pragma unroll
  for (int j = 0; j < V; j++) sums[warp][lane * V + j] = acc[j];
  __syncthreads();
  for (int c = threadIdx.x; c < 32 * V; c += blockDim.x) {
    float s = 0.f;
#pragma unroll
    for (int w = 0; w < 8; w++) s += sums[w][c];
    const int h = blockIdx.x * 32 * V + c;
    if (h < hidden) partial[(size_t)blockIdx.y * hidden + h] = s;
  }
}

/* x[h] += Σ_c partial[c][h], in a fixed order (deterministic). */
static __global__ void add_partials_kernel(float *__restrict__ x, const float *__restrict__ partial,
                                    int chunks, int hidden) {
  const int h = blockIdx.x * blockDim.x + threadIdx.x;
  if (h >= hidden) return;
  float s = 0.f;
  for (int c = 0; c < chunks; c++) s += partial[(size_t)c * hidden + h];
  x[h] += s;
}

/* Launch shapes shared by the launchers: a warp per row, 16 rows a block. */
struct GemvShape {
  static constexpr int threads = 512;
  static int blocks(int rows, int sms) { (void)sms; return max(1, (rows + 15) / 16); }
  /* shared memory of the staged input vector */
  static size_t shared(int cols) { return (size_t)cols * 4; }
};

/* Expert chunks for the down projection: enough blocks to fill the chip. */
inline int down_chunks(int count, int hidden, int vector, int sms) {
  const int tiles = (hidden + 32 * vector - 1) / (32 * vector);
  const int want = max(1, (4 * sms + tiles - 1) / tiles);
  return max(1, min(want, (count + 15) / 16));
}

/* x += W_downᵀ[experts]ᵀ · z through partial sums (count may be 0: nothing is added). */
template <typename T>
gf_status launch_down(cudaStream_t stream, float *x, float *partial, size_t partial_floats,
                      const T *w_down_t, const float *z, const int32_t *experts, int count,
                      int hidden, int sms) {
  if (count <= 0) return GF_OK;
  constexpr int V = 16 / sizeof(T);
  if (hidden % V != 0)
    return fail(GF_ERR_UNSUPPORTED, "hidden size %d is not a multiple of %d", hidden, V);
  int chunks = down_chunks(count, hidden, V, sms);
  while ((size_t)chunks * hidden > partial_floats && chunks > 1) chunks /= 2;
  const int per_chunk = (count + chunks - 1) / chunks;
  chunks = (count + per_chunk - 1) / per_chunk;
  dim3 grid((hidden + 32 * V - 1) / (32 * V), chunks);
  down_partial_kernel<T><<<grid, 256, 0, stream>>>(partial, w_down_t, z, experts, count, hidden,
                                                   per_chunk);
  add_partials_kernel<<<(hidden + 255) / 256, 256, 0, stream>>>(x, partial, chunks, hidden);
  return GF_OK;
}

} // namespace gf

#endif
