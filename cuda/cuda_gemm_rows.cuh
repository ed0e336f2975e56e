/*
 * cuda_gemm_rows.cuh — Y (rows ≤ 16, out) (+)= X · Wᵀ for a few rows (a decoding batch: a row per
 * sequence) streaming the weights once, on the tensor cores (mma m16n8k16, f32 accumulation), X
 * already rounded to the weight type (as cuBLAS takes it). One block a multiprocessor, each a
 * balanced run of 16-output tiles (of one product, or of two that share X: gate and up); its 16
 * warps each take a slice of the inputs of every tile, ROWS_DEPTH steps of weight loads in flight
 * a lane (rows of W streamed past L1, X through L1), the next tile's loads issued before the last
 * tile's sums are stored; the warps' sums meet in shared memory, added in warp order
 * (deterministic). W row-major (out, in), in a multiple of 32. GRIFFIN_GEMM_ROWS=1 turns it on
 * (gemm_rows_serves), with cuBLAS (which leaves X rounded to T for it). Off by default: measured
 * on the H200 (16 × (1000 + 64) decoded together, Llama-2-7B shape) it gave 1544–1632 tokens/s
 * against cuBLAS's 2093–2183 in the same call, checked correct (kernel checks, the GPU suite).
 */
#ifndef GRIFFIN_CUDA_GEMM_ROWS_CUH
#define GRIFFIN_CUDA_GEMM_ROWS_CUH

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "cuda_launch.cuh"
#include "cuda_mma.cuh"

namespace gf {

/* Most rows of the few-row product. */
constexpr int GEMM_ROWS_MAX = 16;
/* Warps of a block (the input slices of each tile), 32-input steps of weight loads in flight a
 * lane, and tiles whose sums wait in shared memory before they are added (16 KB each). */
constexpr int ROWS_WARPS = 16, ROWS_DEPTH = 4, ROWS_GROUP = ROWS_DEPTH;

/*
 * Tiles [0, tiles_a) are product a (y_a, w_a), [tiles_a, 2·tiles_a) product b (two products of
 * the same shape and X; tiles_b = 0 for one). Block b takes tiles [b·tiles / grid, (b + 1)·tiles
 * / grid). Warp v takes the 32-input steps [v·steps / 16, (v + 1)·steps / 16) of each; lane (r =
 * lane / 4, q = lane % 4) loads weight rows o + r and o + 8 + r of the tile and X rows r and r + 8
 * at inputs k + 8q .. k + 8q + 7 of each step: inputs {2q, 2q+1, 2q+8, 2q+9} of a first k16
 * product and the same of a second, for X (A, rows r and r + 8) and W (B, column r) alike.
 */
template <typename T>
static __global__ void __launch_bounds__(ROWS_WARPS * 32, 1)
    gemm_rows_kernel(float *__restrict__ y_a, const T *__restrict__ w_a, float *__restrict__ y_b,
                     const T *__restrict__ w_b, const T *__restrict__ x, int rows, int in, int out,
                     int tiles_a, int tiles, bool accumulate) {
  extern __shared__ float sums[]; /* [ROWS_GROUP][ROWS_WARPS][32 lanes × 8] */
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, r = lane >> 2, q = lane & 3;
  const int first_tile = (int)((long)blockIdx.x * tiles / gridDim.x);
  const int last_tile = (int)((long)(blockIdx.x + 1) * tiles / gridDim.x);
  const int steps = in / 32, s0 = warp * steps / ROWS_WARPS, ns = (warp + 1) * steps / ROWS_WARPS - s0;
  const int units = (last_tile - first_tile) * ns; /* (tile, step) pairs of this warp, tile-major */
  const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
  const T *x0 = x + (size_t)r * in + 8 * q, *x1 = x + (size_t)(r + 8) * in + 8 * q;
  /* the next load's tile and step: its two weight rows at this lane's 8 inputs (rows past out
   * repeat the last: unused); loads go in unit order */
  int load_tile = first_tile, load_step = 0;
  auto load = [&](uint4 (&v)[2]) {
    const bool b = load_tile >= tiles_a;
    const int o = (load_tile - (b ? tiles_a : 0)) * 16 + r;
    const T *w = (b ? w_b : w_a) + 8 * q + (s0 + load_step) * 32;
    v[0] = load_stream(reinterpret_cast<const uint4 *>(w + (size_t)min(o, out - 1) * in));
    v[1] = load_stream(reinterpret_cast<const uint4 *>(w + (size_t)min(o + 8, out - 1) * in));
    if (++load_step == ns) load_step = 0, load_tile++;
  };
  uint4 ring[ROWS_DEPTH][2];
#pragma unroll
  for (int j = 0; j < ROWS_DEPTH; j++)
    if (j < units) load(ring[j]);
  float c[2][4] = {};
  int step = 0, local = 0; /* the unit being summed: its step and its tile within the block's run */
  bool flush = false;       /* a group of tiles is summed: add the warps' slices */
  for (int u0 = 0; u0 < units; u0 += ROWS_DEPTH) {
#pragma unroll
    for (int j = 0; j < ROWS_DEPTH; j++) {
      const int u = u0 + j;
      if (u >= units) break;
      /* X rows r and r + 8 at the same inputs, through L1 (zeros past rows) */
      const int k = (s0 + step) * 32;
      const uint4 xa = r < rows ? __ldg(reinterpret_cast<const uint4 *>(x0 + k)) : zero;
      const uint4 xb = r + 8 < rows ? __ldg(reinterpret_cast<const uint4 *>(x1 + k)) : zero;
      const uint4 wa = ring[j][0], wb = ring[j][1];
      if (u + ROWS_DEPTH < units) load(ring[j]); /* in flight while this one is summed */
      mma_16816<T>(c[0], xa.x, xb.x, xa.y, xb.y, wa.x, wa.y);
      mma_16816<T>(c[0], xa.z, xb.z, xa.w, xb.w, wa.z, wa.w);
      mma_16816<T>(c[1], xa.x, xb.x, xa.y, xb.y, wb.x, wb.y);
      mma_16816<T>(c[1], xa.z, xb.z, xa.w, xb.w, wb.z, wb.w);
      if (++step != ns) continue;
      step = 0;
      /* the tile's slice is summed: c[h][0..1] row r, outputs 8h + 2q, +1; c[h][2..3] row r + 8 */
      float *mine = sums + ((size_t)(local % ROWS_GROUP) * ROWS_WARPS + warp) * 256 + lane * 8;
#pragma unroll
      for (int h = 0; h < 2; h++)
#pragma unroll
        for (int e = 0; e < 4; e++) mine[h * 4 + e] = c[h][e], c[h][e] = 0.f;
      local++;
      /* a group ends at the last unit of a pass (ROWS_GROUP = ROWS_DEPTH) or at the run's end */
      flush = local % ROWS_GROUP == 0 || first_tile + local == last_tile;
    }
    if (!flush) continue;
    flush = false;
    __syncthreads(); /* the group's tiles, every warp's slice: added in warp order */
    const int group = (local - 1) / ROWS_GROUP * ROWS_GROUP, count = local - group;
    for (int i = threadIdx.x; i < count * rows * 16; i += blockDim.x) {
      const int t = i / (rows * 16), row = (i / 16) % rows, col = i % 16;
      const int at = ((row & 7) * 4 + ((col & 7) >> 1)) * 8 + (col >> 3) * 4 + (row >> 3) * 2 + (col & 1);
      const float *slot = sums + (size_t)((group + t) % ROWS_GROUP) * ROWS_WARPS * 256 + at;
      float total = 0.f;
#pragma unroll
      for (int v = 0; v < ROWS_WARPS; v++) total += slot[v * 256];
      const int tile = first_tile + group + t;
      const bool b = tile >= tiles_a;
      const int o = (tile - (b ? tiles_a : 0)) * 16 + col;
      if (o >= out) continue;
      float *dst = (b ? y_b : y_a) + (size_t)row * out + o;
      *dst = accumulate ? *dst + total : total;
    }
    __syncthreads(); /* the slots are free for the next group */
  }
}

/* Shared bytes of gemm_rows_kernel: ROWS_GROUP tiles of every warp's sums. */
constexpr size_t GEMM_ROWS_SHARED = (size_t)ROWS_GROUP * ROWS_WARPS * 256 * 4;

/*
 * Y_a (rows, out) (+)= X · W_aᵀ, and with w_b also Y_b (+)= X · W_bᵀ in the same launch, X (rows,
 * in) rounded to T; a block per multiprocessor. Static, as the kernel is: each translation unit
 * raises its own kernel's shared-memory limit.
 */
template <typename T>
static cudaError_t launch_gemm_rows(cudaStream_t stream, float *y_a, const T *w_a, float *y_b, const T *w_b, const T *x,
                             int rows, int in, int out, bool accumulate, int sms) {
  if constexpr (std::is_same<T, float>::value) { /* 16-bit weights only (gemm_rows_serves) */
    (void)stream, (void)y_a, (void)w_a, (void)y_b, (void)w_b, (void)x, (void)rows, (void)in, (void)out;
    (void)accumulate, (void)sms;
    return cudaErrorInvalidValue;
  } else {
    static bool raised[64] = {}; /* above the 48 KB default, once a device */
    int device = 0;
    if (cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return e;
    if (device >= 64 || !raised[device]) {
      cudaError_t e = cudaFuncSetAttribute(gemm_rows_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           (int)GEMM_ROWS_SHARED);
      if (e != cudaSuccess) return e;
      if (device < 64) raised[device] = true;
    }
    const int tiles_a = (out + 15) / 16, tiles = w_b ? 2 * tiles_a : tiles_a;
    const int blocks = std::max(1, std::min(sms, tiles));
    gemm_rows_kernel<T><<<blocks, ROWS_WARPS * 32, GEMM_ROWS_SHARED, stream>>>(y_a, w_a, y_b, w_b, x, rows, in,
                                                                               out, tiles_a, tiles, accumulate);
    return cudaGetLastError();
  }
}

/*
 * Whether the few-row product serves Y = X · Wᵀ: only with GRIFFIN_GEMM_ROWS=1 (it does not beat
 * cuBLAS yet: see the top of this file), for 16-bit weights given (out, in), 1–16 rows and inputs
 * in a multiple of 32 (each warp at least a step).
 */
template <typename T> inline bool gemm_rows_serves(int rows, int in, bool in_major) {
#ifdef GF_HAVE_CUBLAS
  static const bool on = [] {
    const char *v = getenv("GRIFFIN_GEMM_ROWS");
    return v && strcmp(v, "1") == 0;
  }();
  return on && !std::is_same<T, float>::value && !in_major && rows >= 1 && rows <= GEMM_ROWS_MAX &&
         in % 32 == 0 && in / 32 >= ROWS_WARPS;
#else
  (void)rows, (void)in, (void)in_major;
  return false; /* X is rounded to T only where cuBLAS takes the products (gemm_operand) */
#endif
}

} // namespace gf

#endif
