/*
 * cuda_batch.cuh — mode class over a packed batch of sequences on the GPU: what the prompt pass
 * needs to know of the batch, each sequence's selection, and the scored rows' log-probabilities
 * computed on the device (a row's log-softmax at its target and whether the target is its
 * argmax), so that only those cross to the host. The CPU twin is score_batch.cpp.
 */
#ifndef GRIFFIN_CUDA_BATCH_CUH
#define GRIFFIN_CUDA_BATCH_CUH

#include "cuda_embed.cuh"
#include "cuda_ff_rows.cuh"
#include "cuda_logit_rows.cuh"
#include "cuda_selection.cuh"
#include "selection.h"

namespace gf {

/* A packed batch in mode class: sequence b holds rows offsets[b] .. offsets[b] + lengths[b] − 1. */
struct ClassBatch {
  int32_t count = 0;
  std::vector<int32_t> offsets, lengths, first; /* first[b]: the first scored position */
  const int32_t *positions = nullptr; /* device (rows): each row's position in its sequence */
  const int32_t *device_offsets = nullptr, *device_lengths = nullptr; /* device (count) */
  int32_t *experts = nullptr;         /* device (layers, count, ff): each sequence's experts */
  const int32_t *const *expert_table = nullptr; /* device (layers, count): where each set starts */
  const int32_t *count_table = nullptr; /* device (layers, count): k, or −1 (no selection) */
  double *scores = nullptr;           /* device (count, ff): one layer's neuron scores */
  const int32_t *last_rows = nullptr; /* device (count): each sequence's last row */
  std::vector<int32_t> expert_counts; /* (count, layers): k, or -1 where nothing was selected */
  const int32_t *scored_rows = nullptr; /* device (R): the rows whose next token is scored */
  const int32_t *targets = nullptr;     /* device (R): those tokens */
  double *logprobs = nullptr;           /* device (R) out */
  uint8_t *greedy = nullptr;            /* device (R) out */
  int32_t scored = 0;                   /* R */
};

/*
 * Mode class over a packed batch, layer l: every sequence's neuron scores from its rows but the
 * last in one launch, its experts (top-k on the GPU, one launch for all; the other methods choose
 * on the host with the CPU backend's code, from the same seed as the sequence alone would), and
 * its last row masked to them: z in f32 where it is kept (rounding.keep_z), and its rounding for
 * the down product where the activation wrote one (rounding.z).
 */
template <typename T>
gf_status select_batch_layer(gf_session *s, GpuSession &g, ClassBatch &batch, int32_t l, int sms,
                             const FfRounding<T> &rounding) {
  const gf_config &c = s->model->config;
  const int ff = c.ff_size, k = expert_count(ff, s->densities[(size_t)l]), count = batch.count;
  int32_t *experts = batch.experts + (size_t)l * count * ff; /* (count, ff) of this layer */
  if (s->method != GF_METHOD_MAGNITUDE) {
    gf_status st = launch_neuron_scores_packed(g.stream, batch.scores, g.z, g.row_inverse, batch.device_offsets,
                                               batch.device_lengths, count, ff, sms);
    if (st != GF_OK) return st;
  }
  if (s->method == GF_METHOD_TOPK) {
    gf_status st = launch_top_k(g.stream, experts, nullptr, batch.scores, batch.count_table + (size_t)l * count, ff, count);
    if (st != GF_OK) return st;
  } else { /* on the host, each sequence from its own scores (magnitude: the same set for all) */
    std::vector<double> host;
    if (s->method == GF_METHOD_MAGNITUDE) {
      const std::vector<float> &m = s->model->layers[(size_t)l].magnitudes;
      host.assign(m.begin(), m.end());
    } else {
      host.resize((size_t)count * ff);
      GF_CUDA(cudaMemcpyAsync(host.data(), batch.scores, host.size() * 8, cudaMemcpyDeviceToHost, g.stream));
      GF_CUDA(cudaStreamSynchronize(g.stream));
    }
    std::vector<int32_t> chosen((size_t)count * k);
    for (int32_t b = 0; b < count; b++) {
      std::vector<int32_t> mine;
      if (s->method == GF_METHOD_MAGNITUDE && b > 0) {
        mine.assign(chosen.begin(), chosen.begin() + k);
      } else {
        const size_t at = s->method == GF_METHOD_MAGNITUDE ? 0 : (size_t)b * ff;
        mine = select_experts(std::vector<double>(host.begin() + at, host.begin() + at + ff), k, s->method, s->seed, l);
      }
      if ((int)mine.size() != k)
        return fail(GF_ERR_INTERNAL, "layer %d chose %d experts where %d were asked", l, (int)mine.size(), k);
      std::copy(mine.begin(), mine.end(), chosen.begin() + (size_t)b * k);
    }
    if (k > 0)
      GF_CUDA(cudaMemcpy2DAsync(experts, (size_t)ff * 4, chosen.data(), (size_t)k * 4, (size_t)k * 4, count,
                                cudaMemcpyHostToDevice, g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream)); /* `chosen` goes out of scope */
  }
  for (int32_t b = 0; b < count; b++) batch.expert_counts[(size_t)b * c.n_layers + l] = k;
  const int32_t *const *sets = batch.expert_table + (size_t)l * count;
  const int32_t *ks = batch.count_table + (size_t)l * count;
  if (rounding.keep_z || !rounding.z)
    mask_rows_kernel<float><<<count, 256, 0, g.stream>>>(g.z, g.up, batch.last_rows, sets, ks, ff);
  if (rounding.z) mask_rows_kernel<T><<<count, 256, 0, g.stream>>>(rounding.z, (T *)g.up, batch.last_rows, sets, ks, ff);
  GF_LAUNCHED();
  return GF_OK;
}

/*
 * The scored rows of a packed batch: final norm (of those rows only), projection out, LM head a
 * block of rows at a time through the z scratch, and each row's log-probability at its target.
 */
template <typename T>
gf_status score_batch_rows(gf_session *s, GpuSession &g, const GpuModel &m, ClassBatch &batch) {
  const gf_config &c = s->model->config;
  const Dims d(c);
  const int rows = batch.scored;
  if (rows == 0) return GF_OK;
  const float *head_in = nullptr;
  if (gf_status st = enqueue_head_input<T>(s, g.x, rows, batch.scored_rows, &head_in); st != GF_OK) return st;
  const int block = std::max(1, (int)(((size_t)g.capacity * d.ff) / d.vocab));
  for (int first = 0; first < rows; first += block) {
    const int n = std::min(block, rows - first);
    gf_status st = gemm<T>(g, g.z, head_in + (size_t)first * d.width, (const T *)m.lm_head, n, d.width, d.vocab, false, false);
    if (st != GF_OK) return st;
    logprob_rows_kernel<<<n, 256, 0, g.stream>>>(batch.logprobs + first, batch.greedy + first, g.z,
                                                 batch.targets + first, d.vocab);
    GF_LAUNCHED();
  }
  return GF_OK;
}

} // namespace gf

#endif
