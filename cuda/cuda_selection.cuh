/*
 * cuda_selection.cuh — GRIFFIN's expert selection on the GPU: neuron scores from the prompt's
 * activations (float64 accumulation, as the CPU twin neuron_scores), and an exact top-k by radix
 * select over the scores' bits with ties to the lower index (as select_experts), written in
 * ascending order. One block per layer: every layer's selection in one launch.
 */
#ifndef GRIFFIN_CUDA_SELECTION_CUH
#define GRIFFIN_CUDA_SELECTION_CUH

#include <algorithm>

#include "cuda_common.cuh"

namespace gf {

/* Most row chunks of the neuron scores (partial sums held: chunks · ff doubles). */
constexpr int SCORE_MAX_CHUNKS = 32;
/* Threads of a neuron-score block; each takes C adjacent neurons. */
constexpr int SCORE_THREADS = 256;

/*
 * ss[c] += (Z[t][j + c] · inverse[t])² for rows t = first .. last − 1 in order: the one sum both
 * neuron-score kernels take, so that a packed batch scores each sequence bit for bit as alone.
 */
template <int C>
__device__ __forceinline__ void add_score_rows(double (&ss)[C], const float *__restrict__ z,
                                               const double *__restrict__ inverse, int first,
                                               int last, int ff, int j) {
#pragma unroll 8
  for (int t = first; t < last; t++) {
    const double inv = inverse[t];
    float v[C];
    if constexpr (C == 4) {
      const float4 q = __ldcs(reinterpret_cast<const float4 *>(z + (size_t)t * ff + j));
      v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
    } else {
      v[0] = __ldcs(z + (size_t)t * ff + j);
    }
#pragma unroll
    for (int c = 0; c < C; c++) {
      const double n = (double)v[c] * inv;
      ss[c] += n * n;
    }
  }
}

/* Whether the neuron scores read z four neurons a thread (ff a multiple of 4, z 16-byte aligned). */
inline bool score_vectors(const float *z, int ff) { return ff % 4 == 0 && ((uintptr_t)z & 15) == 0; }

/* Column tiles of launch_neuron_scores's grid (SCORE_THREADS threads of 1 or 4 neurons each). */
inline int score_column_tiles(int ff, bool vectors) {
  const int columns = SCORE_THREADS * (vectors ? 4 : 1);
  return (ff + columns - 1) / columns;
}

/* Row chunks of the neuron scores over `rows` rows with `tiles` column tiles (launch_neuron_scores's). */
__host__ __device__ inline int score_chunks(int rows, int tiles, int sms) {
  int chunks = (2 * sms + tiles - 1) / tiles;
  if (chunks > SCORE_MAX_CHUNKS) chunks = SCORE_MAX_CHUNKS;
  if (chunks > rows) chunks = rows;
  return chunks < 1 ? 1 : chunks;
}

/*
 * s_j = sqrt(Σ_t (Z[t][j] · inverse[t])²), inverse[t] = 1 / ‖Z_t‖₂ (activate_rows_kernel writes
 * it). Block (tile, chunk) sums the chunk's rows for the tile's SCORE_THREADS · C neurons into
 * partial[chunk]; the tile's last block to finish (tickets[tile]) adds the chunks in chunk order
 * and takes the root, so the scores do not depend on which block came last.
 */
template <int C>
static __global__ void __launch_bounds__(SCORE_THREADS)
    neuron_scores_kernel(double *__restrict__ scores, double *__restrict__ partial,
                         uint32_t *__restrict__ tickets, const float *__restrict__ z,
                         const double *__restrict__ inverse, int rows, int ff, int per_chunk) {
  __shared__ bool last_block;
  const int j = (blockIdx.x * SCORE_THREADS + threadIdx.x) * C;
  const int first = blockIdx.y * per_chunk, last = min(rows, first + per_chunk);
  double ss[C] = {};
  if (j < ff) {
    add_score_rows<C>(ss, z, inverse, first, last, ff, j);
#pragma unroll
    for (int c = 0; c < C; c++) partial[(size_t)blockIdx.y * ff + j + c] = ss[c];
  }
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last_block = atomicAdd(&tickets[blockIdx.x], 1u) == gridDim.y - 1;
  __syncthreads();
  if (!last_block) return;
  __threadfence();
  if (j < ff) { /* the loads of several chunks in flight, added in chunk order */
    double total[C] = {};
#pragma unroll 8
    for (int chunk = 0; chunk < (int)gridDim.y; chunk++) {
      const double *p = partial + (size_t)chunk * ff + j;
      if constexpr (C == 4) {
        const double2 a = __ldcg(reinterpret_cast<const double2 *>(p));
        const double2 b = __ldcg(reinterpret_cast<const double2 *>(p + 2));
        total[0] += a.x, total[1] += a.y, total[2] += b.x, total[3] += b.y;
      } else {
        total[0] += __ldcg(p);
      }
    }
#pragma unroll
    for (int c = 0; c < C; c++) scores[j + c] = sqrt(total[c]);
  }
  if (threadIdx.x == 0) tickets[blockIdx.x] = 0; /* ready for the next layer */
}

/* Tickets the neuron-score launch needs (zeros, left so). */
inline int score_tiles(int ff) { return (ff + SCORE_THREADS - 1) / SCORE_THREADS; }

/*
 * Neuron scores of `rows` rows of z (ff wide; none: zeros) with their inverse norms into scores, through
 * partial (SCORE_MAX_CHUNKS · ff doubles) and score_tiles(ff) tickets; about two blocks per
 * multiprocessor.
 */
inline gf_status launch_neuron_scores(cudaStream_t stream, double *scores, double *partial,
                                      uint32_t *tickets, const float *z, const double *inverse,
                                      int rows, int ff, int sms) {
  if (rows <= 0) { /* no rows (class mode on a one-token prompt): every score is 0 */
    GF_CUDA(cudaMemsetAsync(scores, 0, (size_t)ff * 8, stream));
    return GF_OK;
  }
  const bool vectors = score_vectors(z, ff);
  const int tiles = score_column_tiles(ff, vectors);
  const int chunks = score_chunks(rows, tiles, sms);
  const int per_chunk = (rows + chunks - 1) / chunks;
  const dim3 grid(tiles, (rows + per_chunk - 1) / per_chunk);
  if (vectors)
    neuron_scores_kernel<4><<<grid, SCORE_THREADS, 0, stream>>>(scores, partial, tickets, z, inverse,
                                                                rows, ff, per_chunk);
  else
    neuron_scores_kernel<1><<<grid, SCORE_THREADS, 0, stream>>>(scores, partial, tickets, z, inverse,
                                                                rows, ff, per_chunk);
  GF_LAUNCHED();
  return GF_OK;
}

/* Warps of a packed neuron-score block: each sums its own chunks of one sequence's rows. */
constexpr int PACKED_SCORE_WARPS = 8;

/*
 * A packed batch's neuron scores in one launch (mode class): sequence b's scores (scores + b·ff)
 * from its rows offsets[b] .. offsets[b] + lengths[b] − 2 (all but the last), in the chunks
 * launch_neuron_scores would cut them into (it tiles the columns `tiles` ways), each chunk summed in
 * row order and the chunks added in chunk order — the same float64 operations, so the same bits as
 * the sequence alone. A block per (32·C columns, sequence): its warps sum chunks side by side into
 * shared memory, then its threads add them up column by column. Grid (columns / 32·C, sequences).
 */
template <int C>
static __global__ void __launch_bounds__(32 * PACKED_SCORE_WARPS)
    neuron_scores_packed_kernel(double *__restrict__ scores, const float *__restrict__ z,
                                const double *__restrict__ inverse, const int32_t *__restrict__ offsets,
                                const int32_t *__restrict__ lengths, int ff, int tiles, int sms) {
  constexpr int COLUMNS = 32 * C;
  __shared__ double partial[SCORE_MAX_CHUNKS][COLUMNS];
  const int b = blockIdx.y, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int rows = lengths[b] - 1, start = offsets[b];
  const int chunks = score_chunks(rows, tiles, sms);
  const int per_chunk = rows > 0 ? (rows + chunks - 1) / chunks : 1;
  const int used = rows > 0 ? (rows + per_chunk - 1) / per_chunk : 0; /* chunks that hold rows */
  const int j = blockIdx.x * COLUMNS + lane * C;
  if (j < ff) {
    for (int chunk = warp; chunk < used; chunk += PACKED_SCORE_WARPS) {
      double ss[C] = {};
      const int first = chunk * per_chunk;
      add_score_rows<C>(ss, z + (size_t)start * ff, inverse + start, first, min(rows, first + per_chunk), ff, j);
#pragma unroll
      for (int c = 0; c < C; c++) partial[chunk][lane * C + c] = ss[c];
    }
  }
  __syncthreads();
  for (int column = threadIdx.x; column < COLUMNS; column += blockDim.x) {
    if (blockIdx.x * COLUMNS + column >= ff) break;
    double total = 0;
    for (int chunk = 0; chunk < used; chunk++) total += partial[chunk][column];
    scores[(size_t)b * ff + blockIdx.x * COLUMNS + column] = sqrt(total);
  }
}

/* Neuron scores of every sequence of a packed batch (count × ff), z holding the batch's rows. */
inline gf_status launch_neuron_scores_packed(cudaStream_t stream, double *scores, const float *z,
                                             const double *inverse, const int32_t *offsets,
                                             const int32_t *lengths, int count, int ff, int sms) {
  const bool vectors = score_vectors(z, ff);
  const int tiles = score_column_tiles(ff, vectors); /* the chunks a sequence alone is cut into */
  const int columns = 32 * (vectors ? 4 : 1);
  const dim3 grid((ff + columns - 1) / columns, count);
  if (vectors)
    neuron_scores_packed_kernel<4><<<grid, 32 * PACKED_SCORE_WARPS, 0, stream>>>(scores, z, inverse, offsets, lengths,
                                                                                 ff, tiles, sms);
  else
    neuron_scores_packed_kernel<1><<<grid, 32 * PACKED_SCORE_WARPS, 0, stream>>>(scores, z, inverse, offsets, lengths,
                                                                                 ff, tiles, sms);
  GF_LAUNCHED();
  return GF_OK;
}

/* Exclusive prefix sum of v over the block (blockDim ≤ 1024); *total gets the sum. */
__device__ __forceinline__ int block_exclusive_scan(int v, int *shared, int *total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  int inclusive = v;
#pragma unroll
  for (int offset = 1; offset < 32; offset <<= 1) {
    const int o = __shfl_up_sync(0xffffffffu, inclusive, offset);
    if (lane >= offset) inclusive += o;
  }
  __syncthreads();
  if (lane == 31) shared[warp] = inclusive;
  __syncthreads();
  int before = 0, sum = 0;
  for (int w = 0; w < warps; w++) {
    if (w < warp) before += shared[w];
    sum += shared[w];
  }
  *total = sum;
  return before + inclusive - v;
}

/*
 * Per layer l (one block each): the k = counts[l] largest scores (k < 0: skip the layer), ties
 * to the lower index, into experts[l·ff ...] ascending; flags[l·ff + j] = 1 for them when flags
 * is given. Scores are non-negative doubles, so their bit patterns order as they do. With early,
 * the select stops at the first byte whose bin of the k-th holds just the keys still needed
 * (GRIFFIN_TOPK_EARLY=0: every byte): the same experts.
 */
static __global__ void top_k_kernel(int32_t *__restrict__ experts, uint8_t *__restrict__ flags,
                                    const double *__restrict__ scores,
                                    const int32_t *__restrict__ counts, int ff, bool early) {
  __shared__ int histogram[256];
  __shared__ int at_or_above[257]; /* at_or_above[b]: candidates in bins b..255; [256] = 0 */
  __shared__ int scan[32];
  __shared__ unsigned long long chosen;
  __shared__ int needed;
  __shared__ bool settled; /* the bin of the k-th holds just the keys still needed: all of them go */
  const int l = blockIdx.x, k = counts[l];
  if (k < 0) return;
  const unsigned long long *bits =
      reinterpret_cast<const unsigned long long *>(scores + (size_t)l * ff);
  /* radix select: the k-th largest bit pattern, a byte at a time from the top */
  unsigned long long prefix = 0, mask = 0;
  if (threadIdx.x == 0) needed = k, at_or_above[256] = 0, settled = false;
  for (int shift = 56; shift >= 0 && k > 0 && k < ff; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += blockDim.x) histogram[b] = 0;
    __syncthreads();
    for (int base = 0; base < ff; base += blockDim.x) { /* whole warps: lanes with one bin add once */
      const int j = base + threadIdx.x;
      const unsigned long long u = j < ff ? bits[j] : 0;
      const bool candidate = j < ff && (u & mask) == prefix;
      const int bin = candidate ? (int)((u >> shift) & 255) : -1;
      const unsigned same = __match_any_sync(0xffffffffu, bin);
      if (candidate && (threadIdx.x & 31) == __ffs(same) - 1) atomicAdd(&histogram[bin], __popc(same));
    }
    __syncthreads();
    /* candidates at or above each bin (a suffix sum), then the bin the k-th falls in: the highest
     * b with at_or_above[b] ≥ needed, as a walk down from 255 would stop */
    const int t = threadIdx.x, want = needed; /* read before the barriers; written after them */
    const int v = t < 256 ? histogram[255 - t] : 0;
    int total;
    const int inclusive = block_exclusive_scan(v, scan, &total) + v;
    if (t < 256) at_or_above[255 - t] = inclusive;
    __syncthreads();
    if (t < 256 && (at_or_above[t] >= want || t == 0) && at_or_above[t + 1] < want) {
      needed = want - at_or_above[t + 1];
      chosen = (unsigned long long)t << shift;
      settled = at_or_above[t] - at_or_above[t + 1] == needed; /* the bin holds no more */
    }
    __syncthreads();
    prefix |= chosen;
    mask |= 255ull << shift;
    if (early && settled) break; /* the bytes below would change no choice: stop (bit patterns by `mask`) */
  }
  __syncthreads();
  /* keep every key above the k-th, and the first `needed` equal to it in index order; keys are the
   * bit patterns' bytes read so far (all of them unless settled early, where the equal ones all go) */
  const unsigned long long threshold = prefix;
  const int take_equal = needed;
  int equal_base = 0, out_base = 0;
  for (int base = 0; base < ff; base += blockDim.x) {
    const int j = base + threadIdx.x;
    const unsigned long long u = j < ff ? bits[j] & mask : 0;
    const bool all = k >= ff, none = k <= 0;
    const int equal = !all && !none && j < ff && u == threshold;
    int equal_total, out_total;
    const int equal_rank = equal_base + block_exclusive_scan(equal, scan, &equal_total);
    const int take = j < ff && !none && (all || u > threshold || (equal && equal_rank < take_equal));
    const int at = out_base + block_exclusive_scan(take, scan, &out_total);
    if (take) experts[(size_t)l * ff + at] = j;
    if (flags && j < ff) flags[(size_t)l * ff + j] = (uint8_t)take;
    equal_base += equal_total;
    out_base += out_total;
  }
}

/* flags[j] = 1 for the listed experts (a zeroed flags array first). */
static __global__ void flag_list_kernel(uint8_t *__restrict__ flags, const int32_t *__restrict__ experts,
                                        int k) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < k) flags[experts[i]] = 1;
}

/* The top-k launch for `layers` consecutive layers starting at the given pointers. */
inline gf_status launch_top_k(cudaStream_t stream, int32_t *experts, uint8_t *flags,
                              const double *scores, const int32_t *counts, int ff, int layers) {
  static const bool early = env_on("GRIFFIN_TOPK_EARLY");
  top_k_kernel<<<layers, 1024, 0, stream>>>(experts, flags, scores, counts, ff, early);
  GF_LAUNCHED();
  return GF_OK;
}

} // namespace gf

#endif
