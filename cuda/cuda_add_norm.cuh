/*
 * cuda_add_norm.cuh — a decoding batch's residual sum and the norm after it in one launch. The o
 * projection's input slices (gemm_split_inputs) are added into x as add_slices_kernel adds them,
 * and each row is normalised as norm_kernel normalises it (RMSNorm, or LayerNorm with a bias),
 * written rounded to T for the next product or in f32. One block a row (norm_rounded_kernel) puts
 * 16 blocks on the chip; here a cluster of ADD_NORM_BLOCKS blocks takes a row, each block a run of
 * its columns held in registers, and the blocks' partial sums meet in distributed shared memory,
 * added in rank order, so every block of a row normalises with the same statistics. The sums are
 * grouped differently from norm_kernel's, so the normalised rows may differ from it in the last
 * bits; x equals add_slices_kernel's to the bit. Checked against the two kernels it replaces in
 * cuda_check_add_norm.cu.
 */
#ifndef GRIFFIN_CUDA_ADD_NORM_CUH
#define GRIFFIN_CUDA_ADD_NORM_CUH

#include <cooperative_groups.h>

#include "cuda_gemm_split.cuh"
#include "cuda_gemv.cuh"

namespace gf {

constexpr int ADD_NORM_BLOCKS = 8, ADD_NORM_THREADS = 128, ADD_NORM_HELD = 4;

/* Whether add_norm_kernel takes rows of d columns: whole float4s, ADD_NORM_HELD of them a thread at most. */
inline bool add_norm_serves(int d) {
  return d > 0 && d % 4 == 0 && d / 4 <= ADD_NORM_BLOCKS * ADD_NORM_THREADS * ADD_NORM_HELD;
}

/* Whether a decoding batch adds o's slices and norms in one launch: on unless GRIFFIN_ADD_NORM=0 (read once). */
inline bool add_norm_on() {
  static const bool on = env_on("GRIFFIN_ADD_NORM");
  return on;
}

/* The sum of v over the cluster's blocks (each block's from its shared `mine`), in rank order. */
__device__ __forceinline__ float cluster_sum(float v, float *mine, float *reduce) {
  namespace cg = cooperative_groups;
  cg::cluster_group cluster = cg::this_cluster();
  v = block_reduce(v, false, reduce);
  if (threadIdx.x == 0) *mine = v;
  cluster.sync();
  float total = 0.f;
  for (unsigned r = 0; r < cluster.num_blocks(); r++) total += *cluster.map_shared_rank(mine, r);
  return total;
}

/*
 * Row blockIdx.y of x (rows · d) gets Σ_s partial[s] (the slices in order, as add_slices_kernel),
 * then normed = norm(x row) (norm.w set; norm.b: LayerNorm), to rounded (T) when given, else to
 * normed (f32). Grid (ADD_NORM_BLOCKS, rows), clusters of a row's blocks; add_norm_serves(d).
 */
template <typename T>
static __global__ void __cluster_dims__(ADD_NORM_BLOCKS, 1, 1) __launch_bounds__(ADD_NORM_THREADS)
    add_norm_kernel(float *__restrict__ x, const float *__restrict__ partial, int splits, int d, Norm norm,
                    T *__restrict__ rounded, float *__restrict__ normed) {
  __shared__ float reduce[32], stats[2];
  const int row = blockIdx.y, n4 = d / 4, per = (n4 + ADD_NORM_BLOCKS - 1) / ADD_NORM_BLOCKS;
  const int lo = (int)blockIdx.x * per, hi = min(n4, lo + per);
  const size_t slice = (size_t)gridDim.y * d, at = (size_t)row * d;
  float4 *xr = reinterpret_cast<float4 *>(x + at);
  float4 v[ADD_NORM_HELD];
  float sum = 0.f, ss = 0.f;
#pragma unroll
  for (int k = 0; k < ADD_NORM_HELD; k++) {
    const int i = lo + threadIdx.x + k * ADD_NORM_THREADS;
    if (i >= hi) continue;
    float4 s = make_float4(0.f, 0.f, 0.f, 0.f);
    for (int p = 0; p < splits; p++) {
      const float4 q = reinterpret_cast<const float4 *>(partial + (size_t)p * slice + at)[i];
      s.x += q.x, s.y += q.y, s.z += q.z, s.w += q.w;
    }
    float4 a = xr[i];
    a.x += s.x, a.y += s.y, a.z += s.z, a.w += s.w;
    xr[i] = a;
    v[k] = a;
    sum += (a.x + a.y) + (a.z + a.w);
    ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w;
  }
  float mean = 0.f;
  if (norm.b) { /* LayerNorm: the mean first, then the squares of the deviations */
    mean = cluster_sum(sum, &stats[0], reduce) / d;
    ss = 0.f;
#pragma unroll
    for (int k = 0; k < ADD_NORM_HELD; k++) {
      if (lo + threadIdx.x + k * ADD_NORM_THREADS >= hi) continue;
      const float a = v[k].x - mean, b = v[k].y - mean, c = v[k].z - mean, e = v[k].w - mean;
      ss += a * a + b * b + c * c + e * e;
    }
  }
  const float inv = 1.0f / sqrtf(cluster_sum(ss, &stats[1], reduce) / d + norm.eps);
#pragma unroll
  for (int k = 0; k < ADD_NORM_HELD; k++) {
    const int i = lo + threadIdx.x + k * ADD_NORM_THREADS;
    if (i >= hi) continue;
    const float4 w = reinterpret_cast<const float4 *>(norm.w)[i];
    float4 o;
    if (norm.b) {
      const float4 b = reinterpret_cast<const float4 *>(norm.b)[i];
      o = make_float4((v[k].x - mean) * inv * w.x + b.x, (v[k].y - mean) * inv * w.y + b.y,
                      (v[k].z - mean) * inv * w.z + b.z, (v[k].w - mean) * inv * w.w + b.w);
    } else {
      o = make_float4(w.x * (v[k].x * inv), w.y * (v[k].y * inv), w.z * (v[k].z * inv), w.w * (v[k].w * inv));
    }
    if (rounded) {
      store4(rounded + at + 4 * (size_t)i, o);
    } else {
      reinterpret_cast<float4 *>(normed + at)[i] = o;
    }
  }
  cooperative_groups::this_cluster().sync(); /* no block leaves while another reads its stats */
}

/*
 * x (rows · d) += the slices' sums, then the rows normalised (norm.w set) into rounded (T) or
 * normed (f32); false when it does not serve (d, alignment), and nothing is launched.
 */
template <typename T>
bool launch_add_norm(cudaStream_t stream, float *x, const float *partial, int splits, int rows, int d,
                     const Norm &norm, T *rounded, float *normed) {
  if (!add_norm_serves(d) || !norm.w || !aligned16(x) || !aligned16(partial) || !aligned16(norm.w) ||
      (norm.b && !aligned16(norm.b)) || (!rounded && !aligned16(normed)) || !store4_aligned(rounded))
    return false;
  add_norm_kernel<T><<<dim3(ADD_NORM_BLOCKS, rows), ADD_NORM_THREADS, 0, stream>>>(x, partial, splits, d, norm,
                                                                                     rounded, normed);
  return true;
}

/*
 * The slices (gemm_split_inputs's, `splits` of rows · d) added into x, and the rows normalised as
 * launch_add_norm does when it serves them (true); else the slices alone (launch_add_slices) and
 * false: the caller then runs the norm.
 */
template <typename T>
bool add_slices_norm(cudaStream_t stream, float *x, const float *partial, int splits, int rows, int d,
                     const Norm &norm, T *rounded, float *normed) {
  if (launch_add_norm<T>(stream, x, partial, splits, rows, d, norm, rounded, normed)) return true;
  launch_add_slices(stream, x, partial, splits, (size_t)rows * d);
  return false;
}

} // namespace gf

#endif
