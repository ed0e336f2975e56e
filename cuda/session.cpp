/* session.cpp — gf_session: one sequence's KV cache, GRIFFIN settings and experts. */
#include <chrono>
#include <cstring>
#include <new>

#include "cuda_backend.h"
#include "internal.h"
#include "kernels_cpu.h"

using namespace gf;

void gf::free_gathered_experts(gf_session *s) {
  for (auto *list : {&s->expert_gate, &s->expert_up, &s->expert_down}) {
    for (Weight &w : *list) free_gathered(w);
    list->clear();
  }
}

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

/* Forgets the experts, scores and captured activations of the last sequence. */
void gf::forget_sequence(gf_session *s) {
  const size_t layers = s->densities.size();
  free_gathered_experts(s);
  s->position = 0;
  s->experts.assign(layers, {});
  s->selected.assign(layers, 0);
  s->scores.assign(layers, {});
  s->scored.assign(layers, 0);
  s->activations.assign(layers, {});
  s->activation_rows.assign(layers, 0);
  s->prompt_ms = 0;
  s->selection_ms = 0;
}

namespace {

gf_status check_layer(gf_session *s, int32_t layer) {
  if (!s) return fail(GF_ERR_INVALID_ARGUMENT, "session handle is null");
  if (layer < 0 || layer >= s->model->config.n_layers)
    return fail(GF_ERR_INVALID_ARGUMENT, "layer %d is out of range (the model has %d layers)",
                layer, s->model->config.n_layers);
  return GF_OK;
}

/* Runs a forward pass, turning allocation failures into a status. */
gf_status run(gf_session *s, const int32_t *ids, int32_t n, Phase phase, int32_t logit_rows,
              float *logits) {
  try {
    if (s->gpu) return forward_cuda(s, ids, n, phase, logit_rows, logits);
    return forward_cpu(s, ids, n, phase, logit_rows, logits);
  } catch (const std::bad_alloc &) {
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory in a forward pass of %d tokens", n);
  }
}

} // namespace

extern "C" gf_status gf_session_create(gf_model *model, int32_t max_positions, gf_session **out) {
  clear_error();
  if (!model || !out) return fail(GF_ERR_INVALID_ARGUMENT, "model and out must not be null");
  *out = nullptr;
  if (!model->finalized) return fail(GF_ERR_STATE, "the model is not finalized");
  const gf_config &c = model->config;
  if (max_positions <= 0 || max_positions > c.max_positions)
    return fail(GF_ERR_INVALID_ARGUMENT, "max_positions %d must be in 1..%d", max_positions,
                c.max_positions);
  try {
    gf_session *s = new gf_session();
    s->model = model;
    s->max_positions = max_positions;
    s->densities.assign((size_t)c.n_layers, 1.0);
    forget_sequence(s);
    if (model->device >= 0) { /* the KV cache lives on the GPU */
      gf_status status = cuda_session_create(s);
      if (status != GF_OK) {
        delete s;
        return status;
      }
    } else {
      const size_t cache = (size_t)c.n_layers * max_positions * c.n_kv_heads * c.head_dim;
      s->key_cache.assign(cache, 0.0f);
      s->value_cache.assign(cache, 0.0f);
    }
    model->live_sessions++;
    *out = s;
    return GF_OK;
  } catch (const std::bad_alloc &) {
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory for a KV cache of %d positions",
                max_positions);
  }
}

extern "C" gf_status gf_session_free(gf_session *session) {
  clear_error();
  if (!session) return GF_OK;
  cuda_session_free(session);
  free_gathered_experts(session);
  session->model->live_sessions--;
  delete session;
  return GF_OK;
}

extern "C" gf_status gf_session_reset(gf_session *session) {
  clear_error();
  if (!session) return fail(GF_ERR_INVALID_ARGUMENT, "session handle is null");
  forget_sequence(session);
  return GF_OK;
}

extern "C" gf_status gf_session_set_griffin(gf_session *session, const double *densities,
                                            int32_t method, uint64_t seed) {
  clear_error();
  if (!session || !densities)
    return fail(GF_ERR_INVALID_ARGUMENT, "session and densities must not be null");
  if (method < GF_METHOD_TOPK || method > GF_METHOD_MAGNITUDE)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown selection method %d", method);
  const int32_t layers = session->model->config.n_layers;
  for (int32_t l = 0; l < layers; l++)
    if (!(densities[l] >= 0.0 && densities[l] <= 1.0))
      return fail(GF_ERR_INVALID_ARGUMENT, "density %g of layer %d is not in [0, 1]", densities[l],
                  l);
  session->densities.assign(densities, densities + layers);
  session->method = method;
  session->seed = seed;
  forget_sequence(session); /* experts belong to a sequence and its settings */
  return GF_OK;
}

extern "C" gf_status gf_session_set_capture(gf_session *session, int32_t enabled) {
  clear_error();
  if (!session) return fail(GF_ERR_INVALID_ARGUMENT, "session handle is null");
  session->capture = enabled != 0;
  return GF_OK;
}

extern "C" gf_status gf_prompt(gf_session *session, const int32_t *ids, int32_t n,
                               int32_t logit_rows, float *logits) {
  clear_error();
  if (!session || !ids || !logits)
    return fail(GF_ERR_INVALID_ARGUMENT, "session, ids and logits must not be null");
  if (n < 1) return fail(GF_ERR_INVALID_ARGUMENT, "the prompt is empty");
  if (logit_rows != 1 && logit_rows != n)
    return fail(GF_ERR_INVALID_ARGUMENT, "logit_rows must be 1 or n (%d), not %d", n, logit_rows);
  if (session->position != 0)
    return fail(GF_ERR_STATE, "the prompt phase needs an empty session: reset it first");
  forget_sequence(session);
  const double start = now_ms();
  gf_status status = run(session, ids, n, Phase::prompt, logit_rows, logits);
  session->prompt_ms = now_ms() - start;
  if (status != GF_OK) forget_sequence(session);
  return status;
}

extern "C" gf_status gf_decode(gf_session *session, int32_t id, float *logits) {
  clear_error();
  if (!session || !logits) return fail(GF_ERR_INVALID_ARGUMENT, "session and logits must not be null");
  if (session->position == 0)
    return fail(GF_ERR_STATE, "the generation phase needs a prompt phase first");
  return run(session, &id, 1, Phase::generation, 1, logits);
}

namespace {

/* gf_decode_greedy and gf_decode_score: one step into out's token or target's score. */
gf_status decode_into(gf_session *session, int32_t id, const StepOutputs &out) {
  if (session->position == 0)
    return fail(GF_ERR_STATE, "the generation phase needs a prompt phase first");
  const int32_t vocab = session->model->config.vocab_size;
  if (out.targets && (out.targets[0] < 0 || out.targets[0] >= vocab))
    return fail(GF_ERR_INVALID_ARGUMENT, "target %d is outside the vocabulary (0..%d)", out.targets[0], vocab - 1);
  if (session->gpu) return cuda_decode_step(session, id, out);
  std::vector<float> logits((size_t)vocab);
  gf_status status = run(session, &id, 1, Phase::generation, 1, logits.data());
  if (status != GF_OK) return status;
  if (out.tokens) *out.tokens = greedy_token(logits.data(), vocab);
  if (out.targets) score_row(logits.data(), vocab, out.targets[0], out.logprobs, out.greedy);
  return GF_OK;
}

} // namespace

extern "C" gf_status gf_decode_greedy(gf_session *session, int32_t id, int32_t *token) {
  clear_error();
  if (!session || !token) return fail(GF_ERR_INVALID_ARGUMENT, "session and token must not be null");
  StepOutputs out;
  out.tokens = token;
  return decode_into(session, id, out);
}

extern "C" gf_status gf_decode_score(gf_session *session, int32_t id, int32_t target, double *logprob,
                                     uint8_t *greedy) {
  clear_error();
  if (!session || !logprob || !greedy)
    return fail(GF_ERR_INVALID_ARGUMENT, "session, logprob and greedy must not be null");
  StepOutputs out;
  out.targets = &target, out.logprobs = logprob, out.greedy = greedy;
  return decode_into(session, id, out);
}

extern "C" gf_status gf_forward_class(gf_session *session, const int32_t *ids, int32_t n,
                                      float *logits) {
  clear_error();
  if (!session || !ids || !logits)
    return fail(GF_ERR_INVALID_ARGUMENT, "session, ids and logits must not be null");
  if (n < 2) return fail(GF_ERR_INVALID_ARGUMENT, "mode class needs at least 2 tokens, got %d", n);
  forget_sequence(session);
  const double start = now_ms();
  gf_status status = run(session, ids, n, Phase::classify, n, logits);
  session->prompt_ms = now_ms() - start;
  return status;
}

extern "C" gf_status gf_session_position(gf_session *session, int32_t *out) {
  clear_error();
  if (!session || !out) return fail(GF_ERR_INVALID_ARGUMENT, "session and out must not be null");
  *out = session->position;
  return GF_OK;
}

extern "C" gf_status gf_session_experts(gf_session *session, int32_t layer, int32_t *out,
                                        int32_t *count) {
  clear_error();
  gf_status status = check_layer(session, layer);
  if (status != GF_OK) return status;
  if (!out || !count) return fail(GF_ERR_INVALID_ARGUMENT, "out and count must not be null");
  if (session->gpu && (status = cuda_fetch_selection(session)) != GF_OK) return status;
  if (!session->selected[(size_t)layer]) {
    *count = -1;
    return GF_OK;
  }
  const std::vector<int32_t> &e = session->experts[(size_t)layer];
  memcpy(out, e.data(), e.size() * sizeof(int32_t));
  *count = (int32_t)e.size();
  return GF_OK;
}

extern "C" gf_status gf_session_neuron_scores(gf_session *session, int32_t layer, float *out,
                                              int32_t *valid) {
  clear_error();
  gf_status status = check_layer(session, layer);
  if (status != GF_OK) return status;
  if (!out || !valid) return fail(GF_ERR_INVALID_ARGUMENT, "out and valid must not be null");
  if (session->gpu && (status = cuda_fetch_selection(session)) != GF_OK) return status;
  *valid = session->scored[(size_t)layer];
  if (*valid) {
    const std::vector<float> &sc = session->scores[(size_t)layer];
    memcpy(out, sc.data(), sc.size() * sizeof(float));
  }
  return GF_OK;
}

extern "C" gf_status gf_session_activations(gf_session *session, int32_t layer, float *out,
                                            int64_t capacity, int32_t *rows) {
  clear_error();
  gf_status status = check_layer(session, layer);
  if (status != GF_OK) return status;
  if (!rows) return fail(GF_ERR_INVALID_ARGUMENT, "rows must not be null");
  const std::vector<float> &a = session->activations[(size_t)layer];
  *rows = session->activation_rows[(size_t)layer];
  if (!out) return GF_OK; /* a query of the size */
  if ((int64_t)a.size() > capacity)
    return fail(GF_ERR_INVALID_ARGUMENT, "the buffer holds %lld floats but %zu are needed",
                (long long)capacity, a.size());
  memcpy(out, a.data(), a.size() * sizeof(float));
  return GF_OK;
}

extern "C" gf_status gf_session_timings(gf_session *session, double *prompt_ms,
                                        double *selection_ms) {
  clear_error();
  if (!session || !prompt_ms || !selection_ms)
    return fail(GF_ERR_INVALID_ARGUMENT, "session and outputs must not be null");
  *prompt_ms = session->prompt_ms;
  *selection_ms = session->selection_ms;
  return GF_OK;
}
