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
#include "kernels_cpu.h"

using namespace gf;

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
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

extern "C" gf_status gf_session_batch_experts_all(gf_session *session, int32_t *counts,
                                                  int32_t *out, int64_t capacity) {
  clear_error();
  if (!session || !counts || !out)
    return fail(GF_ERR_INVALID_ARGUMENT, "session, counts and out must not be null");
  if (session->gpu) return cuda_batch_experts_all(session, counts, out, capacity);
  const int32_t n = (int32_t)session->batch_experts.size();
  int64_t at = 0;
  for (int32_t l = 0; l < session->model->config.n_layers; l++)
    for (int32_t b = 0; b < n; b++) {
      const std::vector<char> &selected = session->batch_selected[(size_t)b];
      const bool any = !selected.empty() && selected[(size_t)l];
      const std::vector<int32_t> &e = session->batch_experts[(size_t)b][(size_t)l];
      counts[(size_t)l * n + b] = any ? (int32_t)e.size() : -1;
      if (!any) continue;
      if (at + (int64_t)e.size() > capacity)
        return fail(GF_ERR_INVALID_ARGUMENT, "the batch's experts need more than %lld entries",
                    (long long)capacity);
      std::copy(e.begin(), e.end(), out + at);
      at += (int64_t)e.size();
    }
  return GF_OK;
}
