/*
 * cuda_gemm_rows.cuh — Y (rows ≤ 16, out) (+)= X · Wᵀ for a few rows (a decoding batch: a row per
 * sequence) streaming the weights once, on the tensor cores (mma m16n8k16, f32 accumulation):
 * about one wave of blocks, each a run of 16-output tiles with X rounded to the weight type (as
 * the GEMM path rounds it) in shared memory, its 8 warps each a slice of the inputs, the slices
 * added in warp order (deterministic). A lane loads 16 bytes of a weight row and the same 8
 * inputs of two X rows; the 32 inputs a warp takes per step are mapped onto two k16 products in
 * the same order for W and X, so no shuffles are needed. W row-major (out, in), in a multiple of
 * 256. Opt-in (GRIFFIN_GEMM_ROWS=1): it does not beat cuBLAS yet (gemm_rows_serves).
 */
#ifndef GRIFFIN_CUDA_GEMM_ROWS_CUH
#define GRIFFIN_CUDA_GEMM_ROWS_CUH

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "cuda_launch.cuh"

namespace gf {

/* Most rows of the few-row product. */
constexpr int GEMM_ROWS_MAX = 16;

/* c += a · b for one m16n8k16 tile of 16-bit inputs (bf16 or f16) with f32 accumulation. */
template <typename T>
__device__ __forceinline__ void mma_16816(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2,
                                          uint32_t a3, uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  if constexpr (std::is_same<T, __nv_bfloat16>::value)
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
                 "{%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
                 "{%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
}

/*
 * Grid: a block per TILES × 16 outputs (about one wave of blocks), 256 threads; X (rows ≤ 16, in,
 * f32) rounded to T into shared memory once per block (rows of in + 32 elements, zeros past
 * `rows`). Warp v takes inputs v·in/8 .. (v+1)·in/8 of every tile; lane (r = lane / 4, q =
 * lane % 4) loads weight rows o + r and o + 8 + r of each tile and X rows r and r + 8 at inputs
 * k + 8q .. k + 8q + 7 of each 32-input step; those 8 are inputs {2q, 2q+1, 2q+8, 2q+9} of the
 * first k16 product and the same of the second, for W (B, column n = r) and X (A, rows r and
 * r + 8) alike. DEPTH steps of loads are in flight per warp; the warps' sums meet once, at the end.
 */
template <typename T, int TILES, int DEPTH>
static __global__ void __launch_bounds__(256, 1)
    gemm_rows_kernel(float *__restrict__ y, const float *__restrict__ x, const T *__restrict__ w,
                     int rows, int in, int out, bool accumulate) {
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  T *xs = reinterpret_cast<T *>(shared_bytes);
  const int stride = in + 32; /* 64 bytes apart: the 8 rows a load touches hit different banks */
  for (int i = threadIdx.x; i < GEMM_ROWS_MAX * in; i += blockDim.x) {
    const int row = i / in, k = i % in;
    xs[row * stride + k] = from_float<T>(row < rows ? x[(size_t)row * in + k] : 0.f);
  }
  __syncthreads();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, r = lane >> 2, q = lane & 3;
  const int o0 = blockIdx.x * 16 * TILES, slice = in / 8, begin = warp * slice + q * 8, end = (warp + 1) * slice;
  const T *rows_of[TILES][2];
#pragma unroll
  for (int t = 0; t < TILES; t++) {
    rows_of[t][0] = w + (size_t)min(o0 + 16 * t + r, out - 1) * in;
    rows_of[t][1] = w + (size_t)min(o0 + 16 * t + 8 + r, out - 1) * in;
  }
  const T *x0 = xs + r * stride, *x1 = xs + (r + 8) * stride;
  float c[TILES][2][4] = {};
  const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
  for (int k = begin; k < end; k += 32 * DEPTH) {
    uint4 wv[DEPTH][TILES][2];
#pragma unroll
    for (int s = 0; s < DEPTH; s++) /* every weight load of the group in flight at once */
#pragma unroll
      for (int t = 0; t < TILES; t++)
#pragma unroll
        for (int h = 0; h < 2; h++)
          wv[s][t][h] = k + 32 * s < end ? __ldcs(reinterpret_cast<const uint4 *>(rows_of[t][h] + k + 32 * s)) : zero;
#pragma unroll
    for (int s = 0; s < DEPTH; s++) {
      if (k + 32 * s >= end) break;
      const uint4 xa = *reinterpret_cast<const uint4 *>(x0 + k + 32 * s);
      const uint4 xb = *reinterpret_cast<const uint4 *>(x1 + k + 32 * s);
#pragma unroll
      for (int t = 0; t < TILES; t++)
#pragma unroll
        for (int h = 0; h < 2; h++) {
          mma_16816<T>(c[t][h], xa.x, xb.x, xa.y, xb.y, wv[s][t][h].x, wv[s][t][h].y);
          mma_16816<T>(c[t][h], xa.z, xb.z, xa.w, xb.w, wv[s][t][h].z, wv[s][t][h].w);
        }
    }
  }
  /* the warps' sums through shared memory (X is no longer read): sums[warp][row][column] */
  __syncthreads();
  float *sums = reinterpret_cast<float *>(shared_bytes);
  const int columns = 16 * TILES;
#pragma unroll
  for (int t = 0; t < TILES; t++)
#pragma unroll
    for (int h = 0; h < 2; h++) { /* c[0..1]: row r, outputs 2q, 2q + 1 of the n8 tile; c[2..3]: row r + 8 */
      float *mine = sums + (size_t)warp * GEMM_ROWS_MAX * columns + 16 * t + 8 * h + 2 * q;
      mine[r * columns] = c[t][h][0], mine[r * columns + 1] = c[t][h][1];
      mine[(r + 8) * columns] = c[t][h][2], mine[(r + 8) * columns + 1] = c[t][h][3];
    }
  __syncthreads();
  for (int i = threadIdx.x; i < rows * columns; i += blockDim.x) {
    const int row = i / columns, column = i % columns, o = o0 + column;
    if (o >= out) continue;
    float total = 0.f;
#pragma unroll
    for (int v = 0; v < 8; v++) total += sums[((size_t)v * GEMM_ROWS_MAX + row) * columns + column];
    float *at = y + (size_t)row * out + o;
    *at = accumulate ? *at + total : total;
  }
}

/* Shared bytes of the few-row product: X's staged rows, which the warps' sums reuse. */
inline size_t gemm_rows_shared(int in, int tiles) {
  return std::max((size_t)GEMM_ROWS_MAX * (in + 32) * 2, (size_t)8 * GEMM_ROWS_MAX * 16 * tiles * 4);
}

template <typename T, int TILES, int DEPTH>
cudaError_t launch_gemm_rows_as(cudaStream_t stream, float *y, const float *x, const T *w, int rows,
                                int in, int out, bool accumulate) {
  const size_t shared = gemm_rows_shared(in, TILES);
  static size_t allowed = 0; /* per instantiation: raised once above the 48 KB default */
  if (shared > allowed) {
    cudaError_t e = cudaFuncSetAttribute(gemm_rows_kernel<T, TILES, DEPTH>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared);
    if (e != cudaSuccess) return e;
    allowed = shared;
  }
  const int blocks = (out + 16 * TILES - 1) / (16 * TILES);
  gemm_rows_kernel<T, TILES, DEPTH><<<blocks, 256, shared, stream>>>(y, x, w, rows, in, out, accumulate);
  return cudaGetLastError();
}

/*
 * Y (rows, out) (+)= X · Wᵀ through gemm_rows_kernel, with as many 16-output tiles per block as
 * keep the waves of blocks fullest on `sms` multiprocessors (fewer blocks on a tie: X is staged
 * once per block).
 */
template <typename T>
cudaError_t launch_gemm_rows(cudaStream_t stream, float *y, const float *x, const T *w, int rows,
                             int in, int out, bool accumulate, int sms) {
  const int tiles = (out + 15) / 16, choices[] = {1, 2, 3, 4, 6};
  int best = 1;
  long best_cost = -1;
  for (int t : choices) {
    const long blocks = (tiles + t - 1) / t, cost = (blocks + sms - 1) / sms * t;
    if (best_cost < 0 || cost <= best_cost) best = t, best_cost = cost;
  }
  switch (best) {
  case 1: return launch_gemm_rows_as<T, 1, 4>(stream, y, x, w, rows, in, out, accumulate);
  case 2: return launch_gemm_rows_as<T, 2, 2>(stream, y, x, w, rows, in, out, accumulate);
  case 3: return launch_gemm_rows_as<T, 3, 2>(stream, y, x, w, rows, in, out, accumulate);
  case 4: return launch_gemm_rows_as<T, 4, 1>(stream, y, x, w, rows, in, out, accumulate);
  default: return launch_gemm_rows_as<T, 6, 1>(stream, y, x, w, rows, in, out, accumulate);
  }
}

/*
 * Whether the few-row product serves Y = X · Wᵀ: only with GRIFFIN_GEMM_ROWS=1. Measured on the
 * H200 (bench:eval, 16 sequences decoded together, Llama-2-7B shape): 821 tokens/s against
 * cuBLAS's 1590 — staging X in every block before its weights stream costs more than it saves —
 * so cuBLAS keeps the decoding batch until this kernel wins.
 */
template <typename T> inline bool gemm_rows_serves(int rows, int in, bool in_major) {
  static const bool on = [] {
    const char *v = getenv("GRIFFIN_GEMM_ROWS");
    return v && strcmp(v, "1") == 0;
  }();
  return on && !std::is_same<T, float>::value && !in_major && rows >= 1 && rows <= GEMM_ROWS_MAX &&
         in % 256 == 0 && gemm_rows_shared(in, 1) <= (200u << 10);
}

} // namespace gf

#endif
