/*
 * forward_cpu.cpp — the decoder forward pass on the CPU, with GRIFFIN's FF block:
 * full in the prompt phase (then expert selection), experts only in the generation phase,
 * and the class mode's last-position masking. One pass serves every architecture through the
 * config's options: RMSNorm, Gemma's (1 + w) RMSNorm or LayerNorm; pre- or post-norm blocks;
 * RoPE (optionally llama3-scaled) or learned positions; sliding-window attention; biases; OPT's
 * embedding projections.
 */
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "internal.h"
#include "kernels_cpu.h"
#include "selection.h"

namespace gf {
namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

void grow(std::vector<float> &v, int64_t n) {
  if ((int64_t)v.size() < n) v.resize((size_t)n);
}

/* The config's norm of n rows of x (n, hidden) into out. */
void norm(const gf_config &c, float *out, const float *x, const Weight &weight, const Weight &bias,
          int32_t n) {
  if (c.norm == GF_NORM_LAYER) layernorm(out, x, weight, bias, n, c.hidden_size, c.norm_eps);
  else rmsnorm(out, x, weight, n, c.hidden_size, c.norm_eps); /* Gemma's 1 + w is in weight */
}

/* y (n, W.rows) = x·Wᵀ + b, the bias only where the model has one. */
void linear(float *y, const float *x, const Weight &w, const Weight &b, int32_t n) {
  matmul(y, x, w, n);
  if (b.loaded) add_bias(y, b, nullptr, (int32_t)w.rows, n);
}

/* Chooses layer l's experts from the first `rows` rows of z (rows × ff). */
void select_layer(gf_session *s, int32_t l, const float *z, int32_t rows) {
  const gf_config &c = s->model->config;
  const double density = s->densities[(size_t)l];
  const int32_t k = expert_count(c.ff_size, density);
  std::vector<double> scores;
  if (s->method == GF_METHOD_MAGNITUDE) {
    const std::vector<float> &m = s->model->layers[(size_t)l].magnitudes;
    scores.assign(m.begin(), m.end());
  } else {
    neuron_scores(z, rows, c.ff_size, scores);
  }
  s->scores[(size_t)l].assign(scores.begin(), scores.end());
  s->scored[(size_t)l] = 1;
  s->experts[(size_t)l] = select_experts(scores, k, s->method, s->seed, l);
  s->selected[(size_t)l] = 1;
}

/* Whether the experts' weights are gathered after the prompt phase (GRIFFIN_CPU_GATHER=0: no,
 * decoding reads them in place, the same products summed the same way). */
bool gather_enabled() {
  const char *v = getenv("GRIFFIN_CPU_GATHER");
  return !(v && v[0] == '0');
}

/* Gathers layer l's experts' rows of W_gate, W_up and columns of W_down into contiguous
 * copies; where memory is short the layer keeps reading them in place. */
void gather_layer(gf_session *s, int32_t l) {
  const LayerWeights &w = s->model->layers[(size_t)l];
  const std::vector<int32_t> &e = s->experts[(size_t)l];
  const int32_t k = (int32_t)e.size();
  const size_t layers = s->densities.size();
  for (auto *list : {&s->expert_gate, &s->expert_up, &s->expert_down})
    if (list->size() != layers) list->resize(layers);
  Weight &gate = s->expert_gate[(size_t)l], &up = s->expert_up[(size_t)l],
         &down = s->expert_down[(size_t)l];
  free_gathered(gate);
  free_gathered(up);
  free_gathered(down);
  if (k == 0) return;
  const bool gated = s->model->config.gated;
  if ((gated && !gather_rows(gate, w.w_gate, e.data(), k)) || !gather_rows(up, w.w_up, e.data(), k) ||
      !gather_cols(down, w.w_down, e.data(), k)) {
    free_gathered(gate);
    free_gathered(up);
    free_gathered(down);
  }
}

/* The FF block of layer l on s->xb (n rows), output in s->xb2. */
void feed_forward(gf_session *s, int32_t l, int32_t n, Phase phase) {
  const gf_config &c = s->model->config;
  const LayerWeights &w = s->model->layers[(size_t)l];
  const int32_t ff = c.ff_size, h = c.hidden_size;
  const bool griffin = s->densities[(size_t)l] < 1.0;

  if (phase == Phase::generation && griffin) { /* experts only: W[E], b[E], W_down[:, E], b_down */
    const std::vector<int32_t> &e = s->experts[(size_t)l];
    const int32_t k = (int32_t)e.size();
    if (k == 0) { /* density 0: the FF adds nothing but its output bias */
      memset(s->xb2.data(), 0, sizeof(float) * (size_t)n * h);
      if (w.b_down.loaded) add_bias(s->xb2.data(), w.b_down, nullptr, h, n);
      return;
    }
    /* the gathered copies when the prompt phase made them: the same products, contiguous */
    const bool gathered = (size_t)l < s->expert_down.size() && s->expert_down[(size_t)l].loaded;
    const auto rows = [&](float *y, const Weight &full, const std::vector<Weight> &copies) {
      if (gathered) matmul(y, s->xb.data(), copies[(size_t)l], n);
      else matmul_rows(y, s->xb.data(), full, e.data(), k, n);
    };
    if (c.gated) {
      rows(s->hb.data(), w.w_gate, s->expert_gate);
      if (w.b_gate.loaded) add_bias(s->hb.data(), w.b_gate, e.data(), k, n);
      rows(s->hb2.data(), w.w_up, s->expert_up);
      if (w.b_up.loaded) add_bias(s->hb2.data(), w.b_up, e.data(), k, n);
      activate(s->hb.data(), s->hb2.data(), (int64_t)n * k, c.activation);
    } else {
      rows(s->hb.data(), w.w_up, s->expert_up);
      if (w.b_up.loaded) add_bias(s->hb.data(), w.b_up, e.data(), k, n);
      activate(s->hb.data(), nullptr, (int64_t)n * k, c.activation);
    }
    if (gathered) matmul(s->xb2.data(), s->hb.data(), s->expert_down[(size_t)l], n);
    else matmul_cols(s->xb2.data(), s->hb.data(), w.w_down, e.data(), k, n);
    if (w.b_down.loaded) add_bias(s->xb2.data(), w.b_down, nullptr, h, n);
    return;
  }

  /* the full block: z = act(x·W_gateᵀ + b_gate) ⊙ (x·W_upᵀ + b_up), or z = act(x·W_1ᵀ + b_1) */
  if (c.gated) {
    linear(s->hb.data(), s->xb.data(), w.w_gate, w.b_gate, n);
    linear(s->hb2.data(), s->xb.data(), w.w_up, w.b_up, n);
    activate(s->hb.data(), s->hb2.data(), (int64_t)n * ff, c.activation);
  } else {
    linear(s->hb.data(), s->xb.data(), w.w_up, w.b_up, n);
    activate(s->hb.data(), nullptr, (int64_t)n * ff, c.activation);
  }
  if (s->capture && phase != Phase::generation) {
    s->activations[(size_t)l].assign(s->hb.begin(), s->hb.begin() + (int64_t)n * ff);
    s->activation_rows[(size_t)l] = n;
  }
  if (griffin && phase == Phase::prompt) {
    const double start = now_ms();
    select_layer(s, l, s->hb.data(), n);
    s->selection_ms += now_ms() - start;
    if (gather_enabled()) gather_layer(s, l); /* counted in the prompt phase, not selection */
  } else if (griffin && phase == Phase::classify) {
    const double start = now_ms();
    select_layer(s, l, s->hb.data(), n - 1); /* every position but the last */
    /* the last position keeps only the experts */
    float *last = s->hb.data() + (int64_t)(n - 1) * ff;
    std::vector<char> keep((size_t)ff, 0);
    for (int32_t j : s->experts[(size_t)l]) keep[(size_t)j] = 1;
    for (int32_t j = 0; j < ff; j++)
      if (!keep[(size_t)j]) last[j] = 0;
    s->selection_ms += now_ms() - start;
  }
  linear(s->xb2.data(), s->hb.data(), w.w_down, w.b_down, n);
}

/* Token embeddings into s->x: projected in (OPT-350m), scaled (Gemma), positions added (OPT). */
void embed(gf_session *s, const int32_t *ids, int32_t n, int32_t start) {
  const gf_model *m = s->model;
  const gf_config &c = m->config;
  const int32_t h = c.hidden_size, width = embed_width(c);
  const bool project = width != h;
  float *rows = project ? s->e.data() : s->x.data();
  for (int32_t t = 0; t < n; t++) weight_row(m->embed, ids[t], rows + (int64_t)t * width);
  if (project) matmul(s->x.data(), s->e.data(), m->project_in, n);
  if (c.embed_scale != 0.0f && c.embed_scale != 1.0f)
    for (int64_t i = 0; i < (int64_t)n * h; i++) s->x[(size_t)i] *= c.embed_scale;
  if (c.learned_positions) {
    float *row = s->xb.data();
    for (int32_t t = 0; t < n; t++) {
      weight_row(m->pos_embed, (int64_t)start + t + c.position_offset, row);
      float *xt = s->x.data() + (int64_t)t * h;
      for (int32_t i = 0; i < h; i++) xt[i] += row[i];
    }
  }
}

/* Post-norm blocks: x = norm(x) in place (through xb, which then equals x). */
void norm_residual(gf_session *s, const Weight &weight, const Weight &bias, int32_t n) {
  const gf_config &c = s->model->config;
  norm(c, s->xb.data(), s->x.data(), weight, bias, n);
  memcpy(s->x.data(), s->xb.data(), sizeof(float) * (size_t)n * c.hidden_size);
}

} // namespace

gf_status forward_cpu(gf_session *s, const int32_t *ids, int32_t n, Phase phase,
                      int32_t logit_rows, float *logits) {
  const gf_model *m = s->model;
  const gf_config &c = m->config;
  const int32_t h = c.hidden_size, q_dim = c.n_heads * c.head_dim,
                kv_dim = c.n_kv_heads * c.head_dim, start = s->position;
  for (int32_t t = 0; t < n; t++)
    if (ids[t] < 0 || ids[t] >= c.vocab_size)
      return fail(GF_ERR_INVALID_ARGUMENT, "token id %d at position %d is outside the vocabulary (0..%d)",
                  ids[t], t, c.vocab_size - 1);
  if (start + n > s->max_positions)
    return fail(GF_ERR_INVALID_ARGUMENT,
                "the sequence would hold %d tokens but the session takes at most %d",
                start + n, s->max_positions);

  grow(s->x, (int64_t)n * h);
  grow(s->e, (int64_t)n * embed_width(c));
  grow(s->xb, (int64_t)n * h);
  grow(s->xb2, (int64_t)n * h);
  grow(s->q, (int64_t)n * q_dim);
  grow(s->k, (int64_t)n * kv_dim);
  grow(s->v, (int64_t)n * kv_dim);
  grow(s->att, (int64_t)n * q_dim);
  grow(s->hb, (int64_t)n * c.ff_size);
  grow(s->hb2, (int64_t)n * c.ff_size);

  /* token embeddings (and learned positions) */
  embed(s, ids, n, start);

  for (int32_t l = 0; l < c.n_layers; l++) {
    const LayerWeights &w = m->layers[(size_t)l];
    float *key_cache = s->key_cache.data() + (int64_t)l * s->max_positions * kv_dim;
    float *value_cache = s->value_cache.data() + (int64_t)l * s->max_positions * kv_dim;

    /* attention norm (pre-norm; a post-norm block reads x itself) */
    if (!c.post_norm) norm(c, s->xb.data(), s->x.data(), w.attn_norm, w.attn_norm_bias, n);
    const float *attn_in = c.post_norm ? s->x.data() : s->xb.data();
    /* q, k, v projections (with biases where present) and RoPE */
    linear(s->q.data(), attn_in, w.wq, w.bq, n);
    linear(s->k.data(), attn_in, w.wk, w.bk, n);
    linear(s->v.data(), attn_in, w.wv, w.bv, n);
    if (!c.learned_positions) {
      rope(s->q.data(), n, c.n_heads, c.head_dim, start, m->inv_freq.data());
      rope(s->k.data(), n, c.n_kv_heads, c.head_dim, start, m->inv_freq.data());
    }
    /* into the KV cache, then causal (sliding-window) grouped-query attention */
    memcpy(key_cache + (int64_t)start * kv_dim, s->k.data(), sizeof(float) * (size_t)n * kv_dim);
    memcpy(value_cache + (int64_t)start * kv_dim, s->v.data(), sizeof(float) * (size_t)n * kv_dim);
    attention(s->att.data(), s->q.data(), key_cache, value_cache, n, start, c.n_heads,
              c.n_kv_heads, c.head_dim, c.sliding_window);
    /* output projection and residual (post-norm: then the norm) */
    linear(s->xb2.data(), s->att.data(), w.wo, w.bo, n);
    for (int64_t i = 0; i < (int64_t)n * h; i++) s->x[(size_t)i] += s->xb2[(size_t)i];
    if (c.post_norm) norm_residual(s, w.attn_norm, w.attn_norm_bias, n);

    /* FF norm, the (GRIFFIN) FF block on xb, residual (post-norm: then the norm; xb holds
     * the normed x already) */
    if (!c.post_norm) norm(c, s->xb.data(), s->x.data(), w.ff_norm, w.ff_norm_bias, n);
    feed_forward(s, l, n, phase);
    for (int64_t i = 0; i < (int64_t)n * h; i++) s->x[(size_t)i] += s->xb2[(size_t)i];
    if (c.post_norm) norm_residual(s, w.ff_norm, w.ff_norm_bias, n);
  }
  s->position = start + n;

  /* final norm, projection out (OPT-350m) and LM head on the rows asked for */
  const int32_t first = n - logit_rows;
  const float *rows = s->x.data() + (int64_t)first * h;
  if (c.no_final_norm) memcpy(s->xb.data(), rows, sizeof(float) * (size_t)logit_rows * h);
  else norm(c, s->xb.data(), rows, m->final_norm, m->final_norm_bias, logit_rows);
  const float *head_in = s->xb.data();
  if (embed_width(c) != h) {
    matmul(s->e.data(), s->xb.data(), m->project_out, logit_rows);
    head_in = s->e.data();
  }
  matmul(logits, head_in, c.tied_embeddings ? m->embed : m->lm_head, logit_rows);
  return GF_OK;
}

} // namespace gf
