/*
 * gemm_stream_lab.cuh — a laboratory kernel for tools/gemm_lab.cu (`--rows N`), not used by the
 * engine: Y (rows ≤ 16, out) (+)= X · Wᵀ for a decoding batch's products, the weights streamed
 * through shared memory. The work is cut into units of 64 output rows × KC
 * inputs (a tile's KC-wide step) and every block takes an equal run of units, whole tiles and parts
 * of tiles alike (stream-K: no block waits on a last, partial wave of tiles). A block copies each
 * unit of W, and of X, into one of STAGES buffers (cp.async: STAGES − 1 units in flight while one
 * is summed), its 8 warps each multiply a 16-input step of it on the tensor cores (ldmatrix, mma
 * m16n8k16, f32 accumulation) and add their sums in warp order when a tile, or the block's share of
 * it, ends; a tile shared by several blocks is summed by the last of them to finish (a ticket a
 * tile), their parts in block order — the result does not depend on timing. W row-major (out,
 * in), in a multiple of KC; X rounded to T (rows, in). Two products of the same shape and X (gate
 * and up) may go in one launch.
 *
 * Measured on the H200 (bench/results/h200/rows_lab.log, 16 rows, Llama-2-7B shapes): 2.5–3.2
 * TB/s, 78–83% of cuBLAS's rate (q/k/v 38.1 against 31.1 µs, gate and up 60.2 against cuBLAS's
 * batched 48 µs, the LM head 82.5 against 68.3), the same with 3 to 8 stages of 128 or 256 inputs
 * — not the copies in flight but the block's issue (0.25 instructions a cycle a scheduler, every
 * warp waiting at each unit's barrier) bounds it; the first version, with 64-bit divisions in the
 * copy loop, ran at 1.7–2.6 TB/s, and one bulk copy (TMA, 1-D) a row at ~1.1. What cuBLAS does
 * and this does not: 2-D tensor-map copies (one a stage) into swizzled buffers, waited on with
 * mbarriers by warps that do not copy.
 */
#ifndef GRIFFIN_GEMM_STREAM_LAB_CUH
#define GRIFFIN_GEMM_STREAM_LAB_CUH

#include <algorithm>
#include <type_traits>

#include "cuda_launch.cuh"
#include "cuda_mma.cuh"

namespace gf {

/* Output rows of a tile, warps of a block, rows of X (a decoding batch's sequences). */
constexpr int STREAM_TILE = 64, STREAM_WARPS = 8, STREAM_ROWS = 16;

/* Bytes of a unit's row in shared memory: KC inputs and 16 bytes that put ldmatrix's 8 rows in distinct banks. */
template <int KC> __host__ __device__ constexpr int stream_pitch() { return KC * 2 + 16; }

/* Shared bytes of gemm_stream_kernel<T, KC, STAGES>: the stages (W and X), and every warp's tile sums. */
template <int KC, int STAGES> constexpr size_t gemm_stream_shared() {
  return (size_t)STAGES * (STREAM_TILE + STREAM_ROWS) * stream_pitch<KC>() + (size_t)STREAM_WARPS * 1024 * 4;
}

/* Floats of the parts of tiles a launch of `blocks` blocks leaves to be added (two a block, tiles of up to 128 rows). */
inline size_t gemm_stream_scratch(int blocks) { return (size_t)blocks * 2 * 2048; }

/* The block whose run holds unit u, of `units` over `blocks`: the last c with c·units/blocks ≤ u. */
__device__ __forceinline__ int stream_owner(long u, long units, int blocks) {
  return (int)(((u + 1) * blocks - 1) / units);
}

/* Writes a warp's accumulators (mma.sync's layout) into its slot of sums ([warp][NT·128]) and zeroes them. */
template <int NT = 8> __device__ __forceinline__ void stream_deposit(float (&c)[NT][4], float *sums) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float *mine = sums + warp * NT * 128;
#pragma unroll
  for (int nt = 0; nt < NT; nt++)
#pragma unroll
    for (int e = 0; e < 4; e++) mine[(nt * 4 + e) * 32 + lane] = c[nt][e], c[nt][e] = 0.f;
}

/*
 * Adds the SLOTS partial sums of a tile of 8·NT rows (sums: [slot][NT·128], each slot in
 * stream_deposit's order) into Y, or into the block's part of it (first: the block's first tile,
 * else its last); the last block of a shared tile to get here adds every part, in block order.
 * sync: a barrier of the block's STREAM_WARPS summing warps.
 */
template <int NT = 8, int SLOTS = STREAM_WARPS, typename Sync>
__device__ __forceinline__ void stream_add(float *sums, float *y_a, float *y_b, int rows, int out, int tiles_a,
                                           int tile, bool whole, bool first, int per_tile, long units,
                                           bool accumulate, float *scratch, uint32_t *tickets, bool *last_part,
                                           Sync sync) {
  const int tid = threadIdx.x;
  constexpr int OUTS = NT * 128; /* a tile's outputs */
  sync();
  const bool b = tile >= tiles_a;
  const int o0 = (tile - (b ? tiles_a : 0)) * 8 * NT;
  float *y = b ? y_b : y_a;
  float *part = scratch + ((size_t)blockIdx.x * 2 + (first ? 0 : 1)) * OUTS;
  /* output i: accumulator e of n-tile nt in lane l: token l/4 (+8 for e ≥ 2), row nt·8 + 2(l%4) + e%2 */
  auto store = [&](int i, float total) {
    const int l = i & 31, e = (i >> 5) & 3, nt = i >> 7;
    const int token = (l >> 2) + (e >= 2 ? 8 : 0), row = o0 + nt * 8 + 2 * (l & 3) + (e & 1);
    if (token < rows && row < out) {
      float *dst = y + (size_t)token * out + row;
      *dst = accumulate ? *dst + total : total;
    }
  };
  for (int i = tid; i < OUTS; i += STREAM_WARPS * 32) {
    float total = 0.f;
#pragma unroll
    for (int v = 0; v < SLOTS; v++) total += sums[v * OUTS + i];
    if (whole) store(i, total);
    else part[i] = total;
  }
  if (whole) {
    sync(); /* sums is free for the next tile */
    return;
  }
  __threadfence();
  sync();
  const long t0 = (long)tile * per_tile;
  const int from = stream_owner(t0, units, gridDim.x), to = stream_owner(t0 + per_tile - 1, units, gridDim.x);
  if (tid == 0) *last_part = atomicAdd(&tickets[tile], 1u) == (unsigned)(to - from);
  sync();
  if (!*last_part) return;
  __threadfence();
  for (int i = tid; i < OUTS; i += STREAM_WARPS * 32) {
    float total = 0.f;
    for (int blk = from; blk <= to; blk++) {
      const int blk_first = (int)((long)blk * units / gridDim.x / per_tile);
      total += __ldcg(scratch + ((size_t)blk * 2 + (tile == blk_first ? 0 : 1)) * OUTS + i);
    }
    store(i, total);
  }
  if (tid == 0) tickets[tile] = 0; /* ready for the next launch */
  sync(); /* last_part is read again at the next tile */
}

/* stream_deposit then stream_add over every warp's slot; c is zeroed. */
template <int NT = 8, typename Sync>
__device__ __forceinline__ void stream_finish(float (&c)[NT][4], float *sums, float *y_a, float *y_b, int rows,
                                              int out, int tiles_a, int tile, bool whole, bool first,
                                              int per_tile, long units, bool accumulate, float *scratch,
                                              uint32_t *tickets, bool *last_part, Sync sync) {
  stream_deposit<NT>(c, sums);
  stream_add<NT, STREAM_WARPS>(sums, y_a, y_b, rows, out, tiles_a, tile, whole, first, per_tile, units, accumulate,
                               scratch, tickets, last_part, sync);
}

/*
 * Block c takes units [c·units/grid, (c + 1)·units/grid), units = tiles · (in / KC) in tile-major
 * order; tiles [0, tiles_a) are product a, the rest product b. scratch: two parts of 1024 floats a
 * block (its first tile's and its last's); tickets: a zero for each tile, left so.
 */
template <typename T, int KC, int STAGES>
static __global__ void __launch_bounds__(STREAM_WARPS * 32, 1)
    gemm_stream_kernel(float *__restrict__ y_a, const T *__restrict__ w_a, float *__restrict__ y_b,
                       const T *__restrict__ w_b, const T *__restrict__ x, int rows, int in, int out, int tiles_a,
                       int tiles, bool accumulate, float *__restrict__ scratch, uint32_t *__restrict__ tickets) {
  constexpr int PITCH = stream_pitch<KC>(), STAGE = (STREAM_TILE + STREAM_ROWS) * PITCH, STEPS = KC / 16;
  constexpr int PIECES = KC / 8;                      /* 16-byte pieces of a unit's row */
  constexpr int RS = STREAM_WARPS * 32 / PIECES;      /* rows between a thread's pieces */
  constexpr int W_PIECES = STREAM_TILE / RS, X_PIECES = STREAM_ROWS / RS;
  extern __shared__ __align__(16) unsigned char smem[];
  float *sums = reinterpret_cast<float *>(smem + (size_t)STAGES * STAGE); /* [warp][1024] */
  __shared__ bool last_part;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int per_tile = in / KC;
  const int units = tiles * per_tile;
  const int u0 = (int)((long)blockIdx.x * units / gridDim.x), u1 = (int)((long)(blockIdx.x + 1) * units / gridDim.x);
  const int first_tile = u0 / per_tile;
  /* this thread's pieces: rows r0 + RS·j of a unit (W's, then X's), column piece·8 */
  const int r0 = tid / PIECES, piece = tid % PIECES;
  const unsigned to0 = (unsigned)__cvta_generic_to_shared(smem + r0 * PITCH + piece * 16);
  const T *x_at = x + (size_t)r0 * in + piece * 8;
  /* the next unit to copy: its tile, step within the tile and stage */
  int load_tile = first_tile, load_step = u0 % per_tile, load_stage = 0, loads = u1 - u0;
  const T *w_at = nullptr, *w_base = nullptr; /* rows past out read nothing (source size 0) at w_base */
  int w_valid = 0; /* W rows of this thread below out in load_tile */
  auto aim = [&] {
    const bool b = load_tile >= tiles_a;
    const int o0 = (load_tile - (b ? tiles_a : 0)) * STREAM_TILE;
    w_base = b ? w_b : w_a;
    w_at = w_base + (size_t)(o0 + r0) * in + piece * 8;
    w_valid = out - o0 - r0 <= 0 ? 0 : (out - o0 - r0 + RS - 1) / RS;
  };
  aim();
  auto issue = [&] {
    const unsigned to = to0 + load_stage * STAGE;
    const int k0 = load_step * KC;
#pragma unroll
    for (int j = 0; j < W_PIECES; j++)
      asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to + j * RS * PITCH),
                   "l"(j < w_valid ? w_at + (size_t)j * RS * in + k0 : w_base), "r"(j < w_valid ? 16 : 0));
#pragma unroll
    for (int j = 0; j < X_PIECES; j++)
      asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to + (STREAM_TILE + j * RS) * PITCH),
                   "l"(r0 + j * RS < rows ? x_at + (size_t)j * RS * in + k0 : x), "r"(r0 + j * RS < rows ? 16 : 0));
    if (++load_stage == STAGES) load_stage = 0;
    if (++load_step == per_tile) load_step = 0, load_tile++, aim();
    loads--;
  };

  float c[8][4] = {};
#pragma unroll
  for (int s = 0; s < STAGES - 1; s++) {
    if (loads > 0) issue();
    asm volatile("cp.async.commit_group;");
  }
  /* lane's ldmatrix rows: X (A) tokens (lane / 8 % 2)·8 + lane % 8 at k + (lane / 16)·8; W (B) rows
   * (lane / 16)·8 + lane % 8 of each pair of n-tiles at k + (lane / 8 % 2)·8 */
  constexpr int P = PITCH / 2; /* elements a row */
  const int a_at = (STREAM_TILE + ((lane >> 3) & 1) * 8 + (lane & 7)) * P + (lane >> 4) * 8;
  const int b_at = ((lane >> 4) * 8 + (lane & 7)) * P + ((lane >> 3) & 1) * 8;
  int tile = first_tile, step_in_tile = u0 % per_tile, stage_at = 0;
  for (int u = u0; u < u1; u++) {
    asm volatile("cp.async.wait_group %0;" ::"n"(STAGES - 2));
    __syncthreads(); /* unit u is in; the buffer summed last is free */
    if (loads > 0) issue();
    asm volatile("cp.async.commit_group;");
    const T *stage = reinterpret_cast<const T *>(smem + (size_t)stage_at * STAGE);
    if (++stage_at == STAGES) stage_at = 0;
#pragma unroll
    for (int step = 0; step < STEPS / STREAM_WARPS; step++) {
      const int k = (step * STREAM_WARPS + warp) * 16;
      uint32_t a[4];
      load_matrices<false>(a, stage + a_at + k);
#pragma unroll
      for (int pair = 0; pair < 4; pair++) {
        uint32_t bq[4];
        load_matrices<false>(bq, stage + pair * 16 * P + b_at + k);
        mma_16816<T>(c[2 * pair], a[0], a[1], a[2], a[3], bq[0], bq[1]);
        mma_16816<T>(c[2 * pair + 1], a[0], a[1], a[2], a[3], bq[2], bq[3]);
      }
    }
    const bool tile_ends = step_in_tile == per_tile - 1;
    if (tile_ends || u == u1 - 1)
      stream_finish(c, sums, y_a, y_b, rows, out, tiles_a, tile, tile_ends && u - step_in_tile >= u0,
                    tile == first_tile, per_tile, units, accumulate, scratch, tickets, &last_part,
                    [] { __syncthreads(); });
    if (++step_in_tile == per_tile) step_in_tile = 0, tile++;
  }
  asm volatile("cp.async.wait_group 0;");
}

/*
 * Y_a (rows, out) (+)= X · W_aᵀ, and with w_b also Y_b (+)= X · W_bᵀ in the same launch; X (rows ≤
 * 16, in) rounded to T, in a multiple of KC; `blocks` blocks (a multiprocessor each), scratch of
 * gemm_stream_scratch(blocks) floats and tickets[tiles] zeros. Static: each translation unit
 * raises its own kernel's shared-memory limit.
 */
template <typename T, int KC = 128, int STAGES = 6>
static cudaError_t launch_gemm_stream(cudaStream_t stream, float *y_a, const T *w_a, float *y_b, const T *w_b,
                                      const T *x, int rows, int in, int out, bool accumulate, int blocks,
                                      float *scratch, uint32_t *tickets) {
  if constexpr (std::is_same<T, float>::value) { /* 16-bit weights only */
    (void)stream, (void)y_a, (void)w_a, (void)y_b, (void)w_b, (void)x, (void)rows, (void)in, (void)out;
    (void)accumulate, (void)blocks, (void)scratch, (void)tickets;
    return cudaErrorInvalidValue;
  } else {
    if (rows < 1 || rows > STREAM_ROWS || in % KC != 0) return cudaErrorInvalidValue;
    static bool raised[64] = {}; /* above the 48 KB default, once a device */
    int device = 0;
    if (cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return e;
    if (device >= 64 || !raised[device]) {
      cudaError_t e = cudaFuncSetAttribute(gemm_stream_kernel<T, KC, STAGES>,
                                           cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           (int)gemm_stream_shared<KC, STAGES>());
      if (e != cudaSuccess) return e;
      if (device < 64) raised[device] = true;
    }
    const int tiles_a = (out + STREAM_TILE - 1) / STREAM_TILE, tiles = w_b ? 2 * tiles_a : tiles_a;
    const long units = (long)tiles * (in / KC);
    blocks = (int)std::max(1L, std::min<long>(blocks, units));
    gemm_stream_kernel<T, KC, STAGES><<<blocks, STREAM_WARPS * 32, gemm_stream_shared<KC, STAGES>(), stream>>>(
        y_a, w_a, y_b, w_b, x, rows, in, out, tiles_a, tiles, accumulate, scratch, tickets);
    return cudaGetLastError();
  }
}

} // namespace gf

#endif
