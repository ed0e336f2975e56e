/*
 * gemm_tma_lab.cuh — a laboratory kernel for tools/gemm_lab.cu (`--rows N`), not used by the
 * engine: gemm_stream_lab.cuh's stream-K few-row product (Y (rows ≤ 16, out) (+)= X · Wᵀ, units of
 * 64 output rows × KC inputs, an equal run of units a block, shared tiles summed in block order)
 * with its copies made the way cuBLAS makes them: the chip's tensor-memory-access engine (TMA)
 * copies 64 × 64 boxes of W and 16 × 64 boxes of X (tensor maps, rows past the ends read as
 * zeros) into 128-byte-swizzled stages, a ninth warp issuing them as stages come free, the 8
 * summing warps waiting on each stage's barrier (mbarrier) instead of on one another.
 *
 * Measured on the H200 (bench/results/h200/rows_lab.log, call 9; 16 rows, Llama-2-7B shapes): q/k/v
 * 34.6 µs against cuBLAS's 30.5, gate and up in one launch 53.4 against cuBLAS's batched ~48, the LM
 * head 72.5 against 66.4, o 19.3 against 20.2 — 88–90% of cuBLAS on the larger products (2.8–3.6
 * TB/s), 11–14% faster than the cp.async kernel, the same with 4 or 8 stages of 128 or 256 inputs.
 * Not yet a replacement; what cuBLAS still does differently: 96 blocks of 384 threads (two
 * warpgroups summing with wgmma), 11 stages of 64 inputs. TILE = 128 rows (call 10) is slower:
 * 42.7–44.5 µs for q/k/v. WG: the 8 summing warps as two warpgroups, each summing alternate boxes
 * of a stage with wgmma (W's 64 rows as A, X's 16 as B, straight from the swizzled boxes; sm_90a):
 * correct (gap 2.8e-6) and exactly as fast as ldmatrix + mma.sync (q/k/v 35.1 against 34.9 µs, LM
 * head 73.1 against 73.1; rows_lab.log, 2026-12-02 third session) — the summing was not the limit.
 */
#ifndef GRIFFIN_GEMM_TMA_LAB_CUH
#define GRIFFIN_GEMM_TMA_LAB_CUH

#include <cuda.h>
#include <cudaTypedefs.h>

#include "gemm_stream_lab.cuh"

namespace gf {

/* A barrier in shared memory: its 32-bit shared address. */
__device__ __forceinline__ unsigned shared_at(const void *p) { return (unsigned)__cvta_generic_to_shared(p); }
__device__ __forceinline__ void barrier_init(uint64_t *bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(shared_at(bar)), "r"(count));
}
/* Arrives on bar, telling it `bytes` more are to come from the copy engine. */
__device__ __forceinline__ void barrier_expect(uint64_t *bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(shared_at(bar)), "r"(bytes) : "memory");
}
__device__ __forceinline__ void barrier_arrive(uint64_t *bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(shared_at(bar)) : "memory");
}
/* Waits until bar's phase of the given parity has completed. */
__device__ __forceinline__ void barrier_wait(uint64_t *bar, unsigned parity) {
  asm volatile("{\n .reg .pred done;\n wait_%=:\n"
               " mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
               " @!done bra wait_%=;\n}" ::"r"(shared_at(bar)),
               "r"(parity)
               : "memory");
}
/* The box of map at (inner c0, outer c1) into shared memory at to, completing on bar. */
__device__ __forceinline__ void box_copy(void *to, const CUtensorMap *map, int c0, int c1, uint64_t *bar) {
  asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];"
               ::"r"(shared_at(to)), "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(shared_at(bar))
               : "memory");
}

/* Bytes of a box of X (16 rows), 64 inputs (128 bytes, swizzled) a row; W's boxes have TILE rows. */
constexpr int TMA_X_BOX = 16 * 128;

/* Shared bytes of gemm_tma_kernel<T, KC, STAGES, TILE>: 1024 to align the stages, the stages, the warps' sums. */
template <int KC, int STAGES, int TILE> constexpr size_t gemm_tma_shared() {
  return 1024 + (size_t)STAGES * (KC / 64) * (TILE * 128 + TMA_X_BOX) + (size_t)STREAM_WARPS * TILE * 16 * 4;
}

/* Offset of 16-byte chunk c of row r in a 128-byte-swizzled box (1024-byte aligned). */
__device__ __forceinline__ int swizzled(int r, int c) { return r * 128 + ((c ^ (r & 7)) << 4); }

/*
 * A wgmma matrix descriptor of a 128-byte-swizzled box at p (1024-byte aligned; rows of 64 inputs,
 * K-major): the start address, a stride of 1024 bytes between groups of 8 rows, the 128-byte
 * swizzle. The k-th 16-input step of the box starts 32·k bytes on (add 2k).
 */
__device__ __forceinline__ uint64_t box_descriptor(const void *p) {
  return (uint64_t)((shared_at(p) & 0x3FFFF) >> 4) | ((uint64_t)1 << 16) | ((uint64_t)(1024 >> 4) << 32) |
         ((uint64_t)1 << 62);
}

/* d (m64n16, f32) += A (64 × 16 from a) · B (16 × 16 from b), bf16, both K-major; sm_90a only (NaNs elsewhere). */
__device__ __forceinline__ void wgmma_64x16(float (&d)[8], uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH_FEAT_SM90_ALL
  asm volatile("{\n .reg .pred p;\n setp.ne.b32 p, %10, 0;\n"
               " wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7}, %8, %9, p,"
               " 1, 1, 0, 0;\n}"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
               : "l"(a), "l"(b), "r"(1));
#else
  (void)a, (void)b;
  for (float &v : d) v = NAN;
#endif
}
__device__ __forceinline__ void wgmma_fence() {
#ifdef __CUDA_ARCH_FEAT_SM90_ALL
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#endif
}
/* Closes the wgmma issued since the last call into a group and waits for every group. */
__device__ __forceinline__ void wgmma_settle() {
#ifdef __CUDA_ARCH_FEAT_SM90_ALL
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
#endif
}

/*
 * With pdl (launched as a programmatic dependent of the kernel before, tools/chain_lab.cuh), the
 * copying lane asks for the weights of its first STAGES units before it waits for that kernel
 * (griddepcontrol.wait: the weights do not depend on it, X and the outputs do), then for their X,
 * and lets the kernel after it launch once its last copy is asked for. The summing warps touch X,
 * the outputs, scratch and tickets only after a stage's X has come, so after the wait.
 */
template <typename T, int KC, int STAGES, int TILE, bool WG = false>
static __global__ void __launch_bounds__((STREAM_WARPS + 1) * 32, 1)
    gemm_tma_kernel(const __grid_constant__ CUtensorMap map_a, const __grid_constant__ CUtensorMap map_b,
                    const __grid_constant__ CUtensorMap map_x, float *__restrict__ y_a, float *__restrict__ y_b,
                    int rows, int in, int out, int tiles_a, int tiles, bool accumulate, float *__restrict__ scratch,
                    uint32_t *__restrict__ tickets, bool pdl = false) {
  constexpr int TMA_W_BOX = TILE * 128, NT = TILE / 8;
  constexpr int BOXES = KC / 64, STAGE = BOXES * (TMA_W_BOX + TMA_X_BOX), STEPS = KC / 16;
  extern __shared__ unsigned char raw[];
  unsigned char *smem = raw + ((1024 - (shared_at(raw) & 1023)) & 1023);
  float *sums = reinterpret_cast<float *>(smem + (size_t)STAGES * STAGE);
  __shared__ __align__(8) uint64_t full[STAGES], empty[STAGES];
  __shared__ bool last_part;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int per_tile = in / KC, units = tiles * per_tile;
  const int u0 = (int)((long)blockIdx.x * units / gridDim.x), u1 = (int)((long)(blockIdx.x + 1) * units / gridDim.x);
  const int first_tile = u0 / per_tile;
  if (tid == 0) {
    for (int s = 0; s < STAGES; s++) barrier_init(&full[s], 1), barrier_init(&empty[s], STREAM_WARPS);
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();
  if (warp == STREAM_WARPS) { /* the copying warp, one lane of it */
    if (lane != 0) return;
    /* weight box `box` of the unit at (tile, step) into stage s, completing on full[s] */
    auto weight_box = [&](int s, int tile, int step, int box) {
      const bool b = tile >= tiles_a;
      box_copy(smem + (size_t)s * STAGE + box * TMA_W_BOX, b ? &map_b : &map_a, step * KC + box * 64,
               (tile - (b ? tiles_a : 0)) * TILE, &full[s]);
    };
    const int early = pdl ? min(STAGES, u1 - u0) : 0; /* units whose weights are asked for before the wait */
    for (int e = 0, tile = first_tile, step = u0 % per_tile; e < early; e++) {
      barrier_expect(&full[e], STAGE);
#pragma unroll
      for (int box = 0; box < BOXES; box++) weight_box(e, tile, step, box);
      if (++step == per_tile) step = 0, tile++;
    }
    if (pdl) wait_for_previous();
    int tile = first_tile, step = u0 % per_tile, s = 0, round = 0;
    for (int u = u0; u < u1; u++) {
      const bool asked = u - u0 < early; /* its weights already on their way, s = u − u0, round 0 */
      if (round > 0) barrier_wait(&empty[s], (unsigned)(round - 1) & 1u);
      if (!asked) barrier_expect(&full[s], STAGE);
#pragma unroll
      for (int box = 0; box < BOXES; box++) {
        if (!asked) weight_box(s, tile, step, box);
        box_copy(smem + (size_t)s * STAGE + BOXES * TMA_W_BOX + box * TMA_X_BOX, &map_x, step * KC + box * 64, 0,
                 &full[s]);
      }
      if (++s == STAGES) s = 0, round++;
      if (++step == per_tile) step = 0, tile++;
    }
    if (pdl) let_next_launch();
    return;
  }
  if constexpr (WG) { /* two warpgroups, each summing alternate boxes of a stage with wgmma (W as A: 64 rows) */
    static_assert(TILE == 64 && BOXES % 2 == 0, "a warpgroup's 64 rows a tile, as many boxes each");
    const int group = warp >> 2, quarter = warp & 3;
    float d[8] = {};
    int tile = first_tile, step_in_tile = u0 % per_tile, s = 0, round = 0;
    for (int u = u0; u < u1; u++) {
      barrier_wait(&full[s], (unsigned)round & 1u);
      const unsigned char *stage = smem + (size_t)s * STAGE;
      wgmma_fence();
#pragma unroll
      for (int j = 0; j < BOXES / 2; j++) { /* the same count for both groups: no divergent wgmma */
        const int box = 2 * j + group;
        const uint64_t a = box_descriptor(stage + box * TMA_W_BOX);
        const uint64_t b = box_descriptor(stage + BOXES * TMA_W_BOX + box * TMA_X_BOX);
#pragma unroll
        for (int k = 0; k < 4; k++) wgmma_64x16(d, a + 2 * k, b + 2 * k);
      }
      wgmma_settle();
      __syncwarp();
      if (lane == 0) barrier_arrive(&empty[s]); /* this warp is done with the stage */
      if (++s == STAGES) s = 0, round++;
      const bool tile_ends = step_in_tile == per_tile - 1;
      if (tile_ends || u == u1 - 1) {
        /* d[i]: row 16·quarter + lane/4 (+8 for i%4 ≥ 2), token 8·(i/4) + 2·(lane%4) + i%2, into the
         * group's slot in stream_deposit's order */
#pragma unroll
        for (int i = 0; i < 8; i++) {
          const int row = 16 * quarter + (lane >> 2) + ((i >> 1) & 1) * 8, token = 8 * (i >> 2) + 2 * (lane & 3) + (i & 1);
          const int r = row & 7, e = ((token >> 3) << 1) | (r & 1), l = ((token & 7) << 2) | (r >> 1);
          sums[group * NT * 128 + (((row >> 3) * 4 + e) << 5) + l] = d[i];
          d[i] = 0.f;
        }
        stream_add<NT, 2>(sums, y_a, y_b, rows, out, tiles_a, tile, tile_ends && u - step_in_tile >= u0,
                          tile == first_tile, per_tile, units, accumulate, scratch, tickets, &last_part,
                          [] { asm volatile("bar.sync 1, %0;" ::"n"(STREAM_WARPS * 32) : "memory"); });
      }
      if (++step_in_tile == per_tile) step_in_tile = 0, tile++;
    }
    return;
  }
  float c[NT][4] = {};
  /* lane's ldmatrix rows: X (A) token ((lane / 8) % 2)·8 + lane % 8, chunk + lane / 16; W (B) row
   * (lane / 16)·8 + lane % 8 of each pair of n-tiles, chunk + (lane / 8) % 2 */
  const int a_row = ((lane >> 3) & 1) * 8 + (lane & 7), a_half = lane >> 4;
  const int b_row = (lane >> 4) * 8 + (lane & 7), b_half = (lane >> 3) & 1;
  int tile = first_tile, step_in_tile = u0 % per_tile, s = 0, round = 0;
  for (int u = u0; u < u1; u++) {
    barrier_wait(&full[s], (unsigned)round & 1u);
    const unsigned char *stage = smem + (size_t)s * STAGE;
#pragma unroll
    for (int j = 0; j < STEPS / STREAM_WARPS; j++) {
      const int k = (j * STREAM_WARPS + warp) * 16, box = k / 64, chunk = (k % 64) / 8;
      const unsigned char *w_box = stage + box * TMA_W_BOX, *x_box = stage + BOXES * TMA_W_BOX + box * TMA_X_BOX;
      uint32_t a[4];
      load_matrices<false>(a, x_box + swizzled(a_row, chunk + a_half));
#pragma unroll
      for (int pair = 0; pair < NT / 2; pair++) {
        uint32_t bq[4];
        load_matrices<false>(bq, w_box + swizzled(pair * 16 + b_row, chunk + b_half));
        mma_16816<T>(c[2 * pair], a[0], a[1], a[2], a[3], bq[0], bq[1]);
        mma_16816<T>(c[2 * pair + 1], a[0], a[1], a[2], a[3], bq[2], bq[3]);
      }
    }
    __syncwarp();
    if (lane == 0) barrier_arrive(&empty[s]); /* this warp is done with the stage */
    if (++s == STAGES) s = 0, round++;
    const bool tile_ends = step_in_tile == per_tile - 1;
    if (tile_ends || u == u1 - 1)
      stream_finish<NT>(c, sums, y_a, y_b, rows, out, tiles_a, tile, tile_ends && u - step_in_tile >= u0,
                    tile == first_tile, per_tile, units, accumulate, scratch, tickets, &last_part,
                    [] { asm volatile("bar.sync 1, %0;" ::"n"(STREAM_WARPS * 32) : "memory"); });
    if (++step_in_tile == per_tile) step_in_tile = 0, tile++;
  }
}

/* cuTensorMapEncodeTiled, from the driver (once). */
inline PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static PFN_cuTensorMapEncodeTiled_v12000 encode = nullptr;
  if (!encode) {
    void *fn = nullptr;
    cudaDriverEntryPointQueryResult found;
#if CUDART_VERSION >= 12050
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &found) ==
            cudaSuccess &&
        found == cudaDriverEntryPointSuccess)
#else
    if (cudaGetDriverEntryPoint("cuTensorMapEncodeTiled", &fn, cudaEnableDefault, &found) == cudaSuccess &&
        found == cudaDriverEntryPointSuccess)
#endif
      encode = (PFN_cuTensorMapEncodeTiled_v12000)fn;
  }
  return encode;
}

/* A map of a row-major (outer, inner) matrix of 16-bit values in boxes of box_rows × 64, 128-byte swizzled. */
inline bool box_map(CUtensorMap *map, const void *data, int outer, int inner, int box_rows) {
  PFN_cuTensorMapEncodeTiled_v12000 encode = tensor_map_encoder();
  if (!encode) return false;
  const cuuint64_t dims[2] = {(cuuint64_t)inner, (cuuint64_t)outer}, strides[1] = {(cuuint64_t)inner * 2};
  const cuuint32_t box[2] = {64, (cuuint32_t)box_rows}, steps[2] = {1, 1};
  return encode(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<void *>(data), dims, strides, box, steps,
                CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

/*
 * launch_gemm_stream's product (bf16 weights) by gemm_tma_kernel; w_b null: one product. WG: the
 * wgmma consumers. pdl: launched as a programmatic dependent of the kernel before (its weights'
 * first stages asked for before that kernel ends).
 */
template <int KC = 256, int STAGES = 4, int TILE = 64, bool WG = false>
static cudaError_t launch_gemm_tma(cudaStream_t stream, float *y_a, const __nv_bfloat16 *w_a, float *y_b,
                                   const __nv_bfloat16 *w_b, const __nv_bfloat16 *x, int rows, int in, int out,
                                   bool accumulate, int blocks, float *scratch, uint32_t *tickets, bool pdl = false) {
  using T = __nv_bfloat16;
  static_assert(KC % (16 * STREAM_WARPS) == 0, "every summing warp takes a 16-input step of a unit");
  if (rows < 1 || rows > STREAM_ROWS || in % KC != 0) return cudaErrorInvalidValue;
  CUtensorMap map_a, map_b, map_x;
  if (!box_map(&map_a, w_a, out, in, TILE) || !box_map(&map_b, w_b ? w_b : w_a, out, in, TILE) ||
      !box_map(&map_x, x, rows, in, 16))
    return cudaErrorInvalidValue;
  static bool raised = false;
  if (!raised) {
    cudaError_t e = cudaFuncSetAttribute(gemm_tma_kernel<T, KC, STAGES, TILE, WG>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         (int)gemm_tma_shared<KC, STAGES, TILE>());
    if (e != cudaSuccess) return e;
    raised = true;
  }
  const int tiles_a = (out + TILE - 1) / TILE, tiles = w_b ? 2 * tiles_a : tiles_a;
  blocks = std::max(1, std::min(blocks, tiles * (in / KC)));
  return launch(pdl, gemm_tma_kernel<T, KC, STAGES, TILE, WG>, dim3(blocks), dim3((STREAM_WARPS + 1) * 32),
                gemm_tma_shared<KC, STAGES, TILE>(), stream, map_a, map_b, map_x, y_a, y_b, rows, in, out, tiles_a,
                tiles, accumulate, scratch, tickets, pdl);
}

} // namespace gf

#endif
