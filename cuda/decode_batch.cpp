/*
 * decode_batch.cpp — gf_decode_batch: the generation phase of several sequences at once, with each
 * row's logits, or (gf_decode_batch_greedy) its greedy token, or (gf_decode_batch_scores) its
 * target's log-probability and greedy flag. The CPU backend decodes each session in turn (the
 * reference); a GPU runs them as one pass (cuda_decode_batch.cu).
 */
#include <vector>

#include "cuda_backend.h"
#include "internal.h"
#include "kernels_cpu.h"

using namespace gf;

namespace {

/* The arguments every entry point takes, checked (the sessions, one model, room, the ids). */
gf_status check_batch(gf_session **sessions, int32_t count, const int32_t *ids) {
  if (count < 1) return fail(GF_ERR_INVALID_ARGUMENT, "a batch needs at least one sequence");
  const gf_model *model = sessions[0] ? sessions[0]->model : nullptr;
  for (int32_t b = 0; b < count; b++) {
    const gf_session *s = sessions[b];
    if (!s) return fail(GF_ERR_INVALID_ARGUMENT, "session %d is null", b);
    if (s->model != model)
      return fail(GF_ERR_INVALID_ARGUMENT, "session %d runs another model than session 0", b);
    for (int32_t a = 0; a < b; a++)
      if (sessions[a] == s) return fail(GF_ERR_INVALID_ARGUMENT, "session %d is listed twice", b);
    if (s->position == 0)
      return fail(GF_ERR_STATE, "session %d: the generation phase needs a prompt phase first", b);
    if (s->position + 1 > s->max_positions)
      return fail(GF_ERR_INVALID_ARGUMENT, "session %d is full (%d positions)", b, s->max_positions);
    if (ids[b] < 0 || ids[b] >= model->config.vocab_size)
      return fail(GF_ERR_INVALID_ARGUMENT, "token id %d of session %d is outside the vocabulary",
                  ids[b], b);
  }
  return GF_OK;
}

/* The entry points, checked, each sequence's outputs into out (StepOutputs). */
gf_status decode_batch(gf_session **sessions, int32_t count, const int32_t *ids, const StepOutputs &out) {
  if (gf_status status = check_batch(sessions, count, ids); status != GF_OK) return status;
  const int32_t vocab = sessions[0]->model->config.vocab_size;
  for (int32_t b = 0; out.targets && b < count; b++)
    if (out.targets[b] < 0 || out.targets[b] >= vocab)
      return fail(GF_ERR_INVALID_ARGUMENT, "target %d of session %d is outside the vocabulary", out.targets[b], b);
  if (sessions[0]->model->device >= 0) return cuda_decode_batch(sessions, count, ids, out);
  std::vector<float> row(out.logits ? 0 : (size_t)vocab);
  for (int32_t b = 0; b < count; b++) {
    float *logits = out.logits ? out.logits + (size_t)b * vocab : row.data();
    if (gf_status status = gf_decode(sessions[b], ids[b], logits); status != GF_OK) return status;
    if (out.tokens) out.tokens[b] = greedy_token(logits, vocab);
    if (out.targets) score_row(logits, vocab, out.targets[b], out.logprobs + b, out.greedy + b);
  }
  return GF_OK;
}

} // namespace

extern "C" gf_status gf_decode_batch(gf_session **sessions, int32_t count, const int32_t *ids,
                                     float *logits) {
  clear_error();
  if (!sessions || !ids || !logits)
    return fail(GF_ERR_INVALID_ARGUMENT, "sessions, ids and logits must not be null");
  StepOutputs out;
  out.logits = logits;
  return decode_batch(sessions, count, ids, out);
}

extern "C" gf_status gf_decode_batch_greedy(gf_session **sessions, int32_t count, const int32_t *ids,
                                            int32_t *tokens) {
  clear_error();
  if (!sessions || !ids || !tokens)
    return fail(GF_ERR_INVALID_ARGUMENT, "sessions, ids and tokens must not be null");
  StepOutputs out;
  out.tokens = tokens;
  return decode_batch(sessions, count, ids, out);
}

extern "C" gf_status gf_decode_batch_scores(gf_session **sessions, int32_t count, const int32_t *ids,
                                            const int32_t *targets, double *logprobs, uint8_t *greedy) {
  clear_error();
  if (!sessions || !ids || !targets || !logprobs || !greedy)
    return fail(GF_ERR_INVALID_ARGUMENT, "sessions, ids, targets, logprobs and greedy must not be null");
  StepOutputs out;
  out.targets = targets, out.logprobs = logprobs, out.greedy = greedy;
  return decode_batch(sessions, count, ids, out);
}
