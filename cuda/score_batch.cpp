/*
 * score_batch.cpp — mode class over a batch of sequences (gf_score_class_batch): the checks, the
 * CPU backend's way (each sequence through forward_cpu alone, its scored rows' log-softmax in
 * float64 — the reference the GPU's packed batch is held to), and each sequence's experts.
 */
#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>

#include "cuda_backend.h"
#include "internal.h"

using namespace gf;

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

/* log-softmax of row at target (x − (max + log Σ exp(x − max)), as engine/score.ts) and argmax. */
void score_row(const float *row, int32_t vocab, int32_t target, double *logprob, uint8_t *greedy) {
  float max = -INFINITY;
  int32_t best = 0;
  for (int32_t i = 0; i < vocab; i++)
    if (row[i] > max) max = row[i], best = i;
  double sum = 0;
  for (int32_t i = 0; i < vocab; i++) sum += std::exp((double)row[i] - (double)max);
  *logprob = (double)row[target] - ((double)max + std::log(sum));
  *greedy = best == target ? 1 : 0;
}

/* Each sequence alone, as gf_forward_class runs it; its experts kept per layer. */
gf_status score_cpu(gf_session *s, const int32_t *ids, const int32_t *lengths, const int32_t *first,
                    int32_t count, const int32_t *targets, double *logprobs, uint8_t *greedy) {
  const int32_t vocab = s->model->config.vocab_size;
  std::vector<float> logits;
  size_t at = 0, out = 0;
  for (int32_t b = 0; b < count; b++) {
    const int32_t n = lengths[b], rows = n - first[b];
    logits.resize((size_t)rows * vocab);
    forget_sequence(s);
    gf_status status = forward_cpu(s, ids + at, n, Phase::classify, rows, logits.data());
    if (status != GF_OK) return status;
    for (int32_t r = 0; r < rows; r++, out++)
      score_row(logits.data() + (size_t)r * vocab, vocab, targets[out], logprobs + out, greedy + out);
    s->batch_experts[(size_t)b] = s->experts;
    s->batch_selected[(size_t)b] = s->selected;
    at += (size_t)n;
  }
  return GF_OK;
}

} // namespace

extern "C" gf_status gf_score_class_batch(gf_session *session, const int32_t *ids,
                                          const int32_t *lengths, const int32_t *first,
                                          int32_t count, const int32_t *targets,
                                          double *logprobs, uint8_t *greedy) {
  clear_error();
  if (!session || !ids || !lengths || !first || !targets || !logprobs || !greedy)
    return fail(GF_ERR_INVALID_ARGUMENT, "session and every array must not be null");
  if (count < 1) return fail(GF_ERR_INVALID_ARGUMENT, "a batch needs at least one sequence");
  const int32_t vocab = session->model->config.vocab_size;
  int64_t total = 0, scored = 0;
  for (int32_t b = 0; b < count; b++) {
    if (lengths[b] < 2)
      return fail(GF_ERR_INVALID_ARGUMENT, "sequence %d: mode class needs at least 2 tokens, got %d",
                  b, lengths[b]);
    if (first[b] < 0 || first[b] >= lengths[b])
      return fail(GF_ERR_INVALID_ARGUMENT, "sequence %d: first scored position %d is not in 0..%d",
                  b, first[b], lengths[b] - 1);
    total += lengths[b];
    scored += lengths[b] - first[b];
  }
  if (total > session->max_positions)
    return fail(GF_ERR_INVALID_ARGUMENT,
                "the batch holds %lld tokens but the session takes at most %d; split it",
                (long long)total, session->max_positions);
  for (int64_t i = 0; i < total; i++)
    if (ids[i] < 0 || ids[i] >= vocab)
      return fail(GF_ERR_INVALID_ARGUMENT, "token id %d at packed position %lld is outside the "
                  "vocabulary (0..%d)", ids[i], (long long)i, vocab - 1);
  for (int64_t i = 0; i < scored; i++)
    if (targets[i] < 0 || targets[i] >= vocab)
      return fail(GF_ERR_INVALID_ARGUMENT, "target %d (entry %lld) is outside the vocabulary",
                  targets[i], (long long)i);
  const double start = now_ms();
  gf_status status;
  try {
    session->batch_experts.assign((size_t)count, {});
    session->batch_selected.assign((size_t)count, {});
    status = session->gpu
                 ? cuda_score_class_batch(session, ids, lengths, first, count, targets, logprobs, greedy)
                 : score_cpu(session, ids, lengths, first, count, targets, logprobs, greedy);
  } catch (const std::bad_alloc &) {
    status = fail(GF_ERR_OUT_OF_MEMORY, "out of memory scoring a batch of %d sequences", count);
  }
  forget_sequence(session);
  session->prompt_ms = now_ms() - start;
  return status;
}

extern "C" gf_status gf_session_batch_experts(gf_session *session, int32_t sequence,
                                              int32_t layer, int32_t *out, int32_t *count) {
  clear_error();
  if (!session || !out || !count)
    return fail(GF_ERR_INVALID_ARGUMENT, "session, out and count must not be null");
  if (layer < 0 || layer >= session->model->config.n_layers)
    return fail(GF_ERR_INVALID_ARGUMENT, "layer %d is out of range", layer);
  if (session->gpu) return cuda_batch_experts(session, sequence, layer, out, count);
  if (sequence < 0 || sequence >= (int32_t)session->batch_experts.size())
    return fail(GF_ERR_INVALID_ARGUMENT, "sequence %d is not in the last batch (%zu sequences)",
                sequence, session->batch_experts.size());
  const std::vector<char> &selected = session->batch_selected[(size_t)sequence];
  if (selected.empty() || !selected[(size_t)layer]) {
    *count = -1;
    return GF_OK;
  }
  const std::vector<int32_t> &e = session->batch_experts[(size_t)sequence][(size_t)layer];
  std::copy(e.begin(), e.end(), out);
  *count = (int32_t)e.size();
  return GF_OK;
}
