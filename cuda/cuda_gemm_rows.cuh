/*
 * cuda_gemm_rows.cuh — Y (rows ≤ 16, out) (+)= X · Wᵀ for a few rows (a decoding batch: a row per
 * sequence) at the weights' streaming speed, on the tensor cores (mma m16n8k16, f32
 * accumulation): a block per 16 outputs, its 8 warps each a slice of the inputs, the slices added
 * in warp order (deterministic). A lane loads 16 bytes of a weight row and the same 8 inputs of
 * two X rows; the 32 inputs a warp takes per step are mapped onto two k16 products in the same
 * order for W and X, so no shuffles are needed. X is given in the weight type (rounded as the
 * GEMM path rounds it); W row-major (out, in) with in a multiple of 256.
 */
#ifndef GRIFFIN_CUDA_GEMM_ROWS_CUH
#define GRIFFIN_CUDA_GEMM_ROWS_CUH

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

/* Steps (32 inputs each) a warp keeps in flight. */
constexpr int GEMM_ROWS_DEPTH = 4;

/*
 * Grid: ⌈out / 16⌉ blocks of 256 threads. Lane (r = lane / 4, q = lane % 4) loads weight rows
 * o0 + r and o0 + 8 + r and X rows r and r + 8 at inputs k + 8q .. k + 8q + 7 of each 32-input
 * step; those 8 are inputs {2q, 2q+1, 2q+8, 2q+9} of the first k16 product and the same of the
 * second, for W (B, column n = r) and X (A, rows r and r + 8) alike.
 */
template <typename T>
static __global__ void __launch_bounds__(256)
    gemm_rows_kernel(float *__restrict__ y, const T *__restrict__ x, const T *__restrict__ w,
                     int rows, int in, int out, bool accumulate) {
  __shared__ float sums[8][GEMM_ROWS_MAX][16];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, r = lane >> 2, q = lane & 3;
  const int o0 = blockIdx.x * 16, slice = in / 8, begin = warp * slice + q * 8, end = (warp + 1) * slice;
  const T *w0 = w + (size_t)min(o0 + r, out - 1) * in, *w1 = w + (size_t)min(o0 + 8 + r, out - 1) * in;
  const T *x0 = x + (size_t)min(r, rows - 1) * in, *x1 = x + (size_t)min(r + 8, rows - 1) * in;
  float c0[4] = {}, c1[4] = {};
  const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
  for (int k = begin; k < end; k += 32 * GEMM_ROWS_DEPTH) {
    uint4 wa[GEMM_ROWS_DEPTH], wb[GEMM_ROWS_DEPTH], xa[GEMM_ROWS_DEPTH], xb[GEMM_ROWS_DEPTH];
#pragma unroll
    for (int s = 0; s < GEMM_ROWS_DEPTH; s++) { /* every load of the group in flight at once */
      const int at = k + 32 * s;
      const bool inside = at < end;
      wa[s] = inside ? __ldcs(reinterpret_cast<const uint4 *>(w0 + at)) : zero;
      wb[s] = inside ? __ldcs(reinterpret_cast<const uint4 *>(w1 + at)) : zero;
      xa[s] = inside ? __ldg(reinterpret_cast<const uint4 *>(x0 + at)) : zero;
      xb[s] = inside ? __ldg(reinterpret_cast<const uint4 *>(x1 + at)) : zero;
    }
#pragma unroll
    for (int s = 0; s < GEMM_ROWS_DEPTH; s++) {
      mma_16816<T>(c0, xa[s].x, xb[s].x, xa[s].y, xb[s].y, wa[s].x, wa[s].y);
      mma_16816<T>(c0, xa[s].z, xb[s].z, xa[s].w, xb[s].w, wa[s].z, wa[s].w);
      mma_16816<T>(c1, xa[s].x, xb[s].x, xa[s].y, xb[s].y, wb[s].x, wb[s].y);
      mma_16816<T>(c1, xa[s].z, xb[s].z, xa[s].w, xb[s].w, wb[s].z, wb[s].w);
    }
  }
  /* c[0..1]: row r, outputs 2q, 2q + 1 of the n-tile; c[2..3]: row r + 8 */
  sums[warp][r][2 * q] = c0[0], sums[warp][r][2 * q + 1] = c0[1];
  sums[warp][r + 8][2 * q] = c0[2], sums[warp][r + 8][2 * q + 1] = c0[3];
  sums[warp][r][8 + 2 * q] = c1[0], sums[warp][r][9 + 2 * q] = c1[1];
  sums[warp][r + 8][8 + 2 * q] = c1[2], sums[warp][r + 8][9 + 2 * q] = c1[3];
  __syncthreads();
  const int row = threadIdx.x / 16, column = threadIdx.x % 16, o = o0 + column;
  if (row >= rows || o >= out) return;
  float total = 0.f;
#pragma unroll
  for (int v = 0; v < 8; v++) total += sums[v][row][column];
  float *at = y + (size_t)row * out + o;
  *at = accumulate ? *at + total : total;
}

/* Whether the few-row product serves Y = X · Wᵀ (GRIFFIN_GEMM_ROWS=0 turns it off). */
template <typename T> inline bool gemm_rows_serves(int rows, int in, bool in_major) {
  static const bool on = env_on("GRIFFIN_GEMM_ROWS");
  return on && !std::is_same<T, float>::value && !in_major && rows >= 1 && rows <= GEMM_ROWS_MAX &&
         in % 256 == 0;
}

} // namespace gf

#endif
