/*
 * cuda_batch.cuh — mode class over a packed batch of sequences on the GPU: what the prompt pass
 * needs to know of the batch, and the scored rows' log-probabilities computed on the device (a
 * row's log-softmax at its target and whether the target is its argmax), so that only those
 * cross to the host. The CPU twin is score_batch.cpp.
 */
#ifndef GRIFFIN_CUDA_BATCH_CUH
#define GRIFFIN_CUDA_BATCH_CUH

#include "cuda_layers.cuh"

namespace gf {

/* A packed batch in mode class: sequence b holds rows offsets[b] .. offsets[b] + lengths[b] − 1. */
struct ClassBatch {
  int32_t count = 0;
  std::vector<int32_t> offsets, lengths, first; /* first[b]: the first scored position */
  const int32_t *positions = nullptr; /* device (rows): each row's position in its sequence */
  int32_t *experts = nullptr;         /* device (layers, count, ff): each sequence's experts */
  double *scores = nullptr;           /* device (count, ff): one layer's neuron scores */
  int32_t *counts = nullptr;          /* device (count): k of each sequence, for top-k */
  const int32_t *last_rows = nullptr; /* device (count): each sequence's last row */
  std::vector<int32_t> expert_counts; /* (count, layers): k, or -1 where nothing was selected */
  const int32_t *scored_rows = nullptr; /* device (R): the rows whose next token is scored */
  const int32_t *targets = nullptr;     /* device (R): those tokens */
  double *logprobs = nullptr;           /* device (R) out */
  uint8_t *greedy = nullptr;            /* device (R) out */
  int32_t scored = 0;                   /* R */
};

/*
 * Mode class: the last row of each sequence keeps only its k experts (a block per sequence;
 * saved holds count × ff floats of scratch).
 */
static __global__ void mask_last_rows_kernel(float *__restrict__ z, float *__restrict__ saved,
                                             const int32_t *__restrict__ last_rows,
                                             const int32_t *__restrict__ experts, int k, int ff) {
  float *row = z + (size_t)last_rows[blockIdx.x] * ff;
  const int32_t *mine = experts + (size_t)blockIdx.x * ff;
  float *keep = saved + (size_t)blockIdx.x * ff;
  for (int i = threadIdx.x; i < k; i += blockDim.x) keep[i] = row[mine[i]];
  __syncthreads();
  for (int j = threadIdx.x; j < ff; j += blockDim.x) row[j] = 0.f;
  __syncthreads();
  for (int i = threadIdx.x; i < k; i += blockDim.x) row[mine[i]] = keep[i];
}

/*
 * Row r of logits (vocab wide): logprobs[r] = x[t] − (max + log Σ exp(x − max)) in float64 at
 * its target t, greedy[r] = 1 when t is the row's argmax (the lowest index among ties), as
 * engine/score.ts computes them from the host's logits. Grid: rows; block 256.
 */
static __global__ void __launch_bounds__(256)
    logprob_rows_kernel(double *__restrict__ logprobs, uint8_t *__restrict__ greedy,
                        const float *__restrict__ logits, const int32_t *__restrict__ targets,
                        int vocab) {
  __shared__ float best_value[256];
  __shared__ int best_index[256];
  __shared__ double sums[256];
  const float *row = logits + (size_t)blockIdx.x * vocab;
  float best = -INFINITY;
  int index = vocab;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x)
    if (row[i] > best) best = row[i], index = i; /* ascending: the first of ties stays */
  best_value[threadIdx.x] = best, best_index[threadIdx.x] = index;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      const float v = best_value[threadIdx.x + stride];
      const int j = best_index[threadIdx.x + stride];
      if (v > best_value[threadIdx.x] || (v == best_value[threadIdx.x] && j < best_index[threadIdx.x]))
        best_value[threadIdx.x] = v, best_index[threadIdx.x] = j;
    }
    __syncthreads();
  }
  const double max = best_value[0];
  double sum = 0;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) sum += exp((double)row[i] - max);
  sums[threadIdx.x] = sum;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) sums[threadIdx.x] += sums[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const int t = targets[blockIdx.x];
    logprobs[blockIdx.x] = (double)row[t] - (max + log(sums[0]));
    greedy[blockIdx.x] = best_index[0] == t ? 1 : 0;
  }
}

} // namespace gf

#endif
