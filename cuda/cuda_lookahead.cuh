/*
 * cuda_lookahead.cuh — weights fetched into the L2 cache ahead of the decoding kernel that reads
 * them. A decoding step is a chain of dependent kernels; between two of them (the last rows
 * summed, the next grid launched, its input staged) the memory would idle. Each kernel is told
 * which rows the next weight-streaming kernel loads first (a Lookahead) and asks the L2 for them
 * once its own loads are issued, so the step's bytes stream without the gaps; attention, which
 * reads little, fetches the whole of W_o. Only caching changes: results are the same bits.
 * GRIFFIN_LOOKAHEAD_MB sets how far ahead (0: off).
 */
#ifndef GRIFFIN_CUDA_LOOKAHEAD_CUH
#define GRIFFIN_CUDA_LOOKAHEAD_CUH

#include <algorithm>
#include <cstdlib>

#include "cuda_common.cuh"

namespace gf {

/*
 * Rows of one or two matrices with the same layout (gate and up): `groups` runs of `run` rows,
 * run j from row j·stride (rows past count left out), row i at base + e_i·pitch, e_i = experts ?
 * experts[i] : i, `bytes` long. An empty Lookahead (groups 0) fetches nothing.
 */
struct Lookahead {
  const char *base = nullptr, *base2 = nullptr;
  const int32_t *experts = nullptr;
  int count = 0, groups = 0, run = 0, stride = 0;
  uint32_t bytes = 0;
  size_t pitch = 0;
};

/* Asks the L2 for bytes at p (16-byte aligned bulk requests on sm_90, else 128-byte lines). */
__device__ __forceinline__ void fetch_l2(const char *p, uint32_t bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  if ((((uintptr_t)p | bytes) & 15) == 0) {
    asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p), "r"(bytes) : "memory");
    return;
  }
#endif
  for (uint32_t at = 0; at < bytes; at += 128) asm volatile("prefetch.global.L2 [%0];" ::"l"(p + at));
}

/*
 * This thread's share of a's rows: worker `worker` of `workers` warps, each lane its own row
 * (rows worker + lane·workers + k·32·workers), so that every warp of the grid asks for a few.
 */
__device__ __forceinline__ void fetch_ahead(const Lookahead &a, int worker, int workers) {
  const int lane = threadIdx.x & 31, per_matrix = a.groups * a.run;
  const int items = a.base2 ? 2 * per_matrix : per_matrix;
  for (int i = worker + lane * workers; i < items; i += 32 * workers) {
    const int k = i % per_matrix, row = (k / a.run) * a.stride + k % a.run;
    if (row >= a.count) continue;
    const size_t e = a.experts ? (size_t)a.experts[row] : (size_t)row;
    fetch_l2((i < per_matrix ? a.base : a.base2) + e * a.pitch, a.bytes);
  }
}

/* Bytes of lookahead per kernel: GRIFFIN_LOOKAHEAD_MB (default 16; 0 turns it off). */
inline size_t lookahead_bytes() {
  static long mb = -1;
  if (mb < 0) {
    const char *v = getenv("GRIFFIN_LOOKAHEAD_MB");
    mb = v && *v ? std::max(0L, strtol(v, nullptr, 10)) : 16;
  }
  return (size_t)mb << 20;
}

/*
 * The first rows a resident product reads (rows 0, 1, … in order, through experts), up to
 * `budget` bytes over one matrix or both (second: gate with up).
 */
inline Lookahead rows_ahead(const void *first, const void *second, const int32_t *experts,
                            int count, size_t row_bytes, size_t budget) {
  Lookahead a;
  const size_t per_row = row_bytes * (second ? 2 : 1);
  if (count <= 0 || row_bytes == 0 || budget < per_row || row_bytes > UINT32_MAX) return a;
  a.base = (const char *)first, a.base2 = (const char *)second, a.experts = experts;
  a.count = count, a.groups = 1, a.stride = 0;
  a.run = (int)std::min<size_t>((size_t)count, budget / per_row);
  a.bytes = (uint32_t)row_bytes, a.pitch = row_bytes;
  return a;
}

/*
 * The first rows of each of the down projection's expert chunks (chunks of per_chunk rows, each
 * block's warps taking its first `first_rows` together), up to `budget` bytes.
 */
inline Lookahead chunks_ahead(const void *w_down_t, const int32_t *experts, int count, int chunks,
                              int per_chunk, int first_rows, size_t row_bytes, size_t budget) {
  Lookahead a;
  if (count <= 0 || chunks <= 0 || row_bytes == 0 || row_bytes > UINT32_MAX) return a;
  const int run = (int)std::min<size_t>({(size_t)first_rows, (size_t)per_chunk,
                                         budget / ((size_t)chunks * row_bytes)});
  if (run <= 0) return a;
  a.base = (const char *)w_down_t, a.experts = experts;
  a.count = count, a.groups = chunks, a.run = run, a.stride = per_chunk;
  a.bytes = (uint32_t)row_bytes, a.pitch = row_bytes;
  return a;
}

} // namespace gf

#endif
