/* model.cpp — gf_model: creation, loading tensors from files or memory, synthetic weights. */
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "cuda_backend.h"
#include "internal.h"
#include "kernels_cpu.h"

namespace gf {

void free_weight(Weight &w) {
  free(w.data);
  w.data = nullptr;
  w.loaded = false;
}

namespace {

bool is_norm(int32_t kind) {
  return kind == GF_T_ATTN_NORM || kind == GF_T_FF_NORM || kind == GF_T_FINAL_NORM;
}

bool per_layer(int32_t kind) { return kind >= GF_T_ATTN_NORM && kind < GF_T_COUNT; }

/* The slot of a tensor, or null with the last error set. */
Weight *slot(gf_model *m, int32_t kind, int32_t layer) {
  if (kind < 0 || kind >= GF_T_COUNT) {
    fail(GF_ERR_INVALID_ARGUMENT, "unknown tensor kind %d", kind);
    return nullptr;
  }
  if (per_layer(kind) && (layer < 0 || layer >= m->config.n_layers)) {
    fail(GF_ERR_INVALID_ARGUMENT, "layer %d of %s is out of range (the model has %d layers)",
         layer, kind_name(kind), m->config.n_layers);
    return nullptr;
  }
  if (kind == GF_T_LM_HEAD && m->config.tied_embeddings) {
    fail(GF_ERR_INVALID_ARGUMENT, "lm_head given but the config ties it to the embeddings");
    return nullptr;
  }
  if (kind == GF_T_W_GATE && !m->config.gated) {
    fail(GF_ERR_INVALID_ARGUMENT, "gate_proj given but the config's FF block is not gated");
    return nullptr;
  }
  switch (kind) {
  case GF_T_EMBED: return &m->embed;
  case GF_T_FINAL_NORM: return &m->final_norm;
  case GF_T_LM_HEAD: return &m->lm_head;
  default: break;
  }
  LayerWeights &l = m->layers[(size_t)layer];
  Weight *per[] = {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo,
                   &l.ff_norm,   &l.w_gate, &l.w_up, &l.w_down};
  return per[kind - GF_T_ATTN_NORM];
}

/* Expected (rows, cols) of a kind. */
void shape_of(const gf_config &c, int32_t kind, int64_t &rows, int64_t &cols) {
  const int64_t h = c.hidden_size, q = (int64_t)c.n_heads * c.head_dim,
                kv = (int64_t)c.n_kv_heads * c.head_dim;
  rows = 1;
  cols = h;
  switch (kind) {
  case GF_T_EMBED: case GF_T_LM_HEAD: rows = c.vocab_size; break;
  case GF_T_WQ: rows = q; break;
  case GF_T_WK: case GF_T_WV: rows = kv; break;
  case GF_T_WO: rows = h; cols = q; break;
  case GF_T_W_GATE: case GF_T_W_UP: rows = c.ff_size; break;
  case GF_T_W_DOWN: rows = h; cols = c.ff_size; break;
  default: break; /* norms: (hidden) */
  }
}

/* Allocates a weight's storage for its kind. */
gf_status prepare(gf_model *m, Weight *w, int32_t kind) {
  shape_of(m->config, kind, w->rows, w->cols);
  w->dtype = is_norm(kind) ? GF_DTYPE_F32 : m->config.weight_dtype;
  if (!w->data) {
    size_t bytes = (w->bytes() + 63) / 64 * 64;
    w->data = aligned_alloc(64, bytes);
    if (!w->data)
      return fail(GF_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s", bytes,
                  kind_name(kind));
  }
  return GF_OK;
}

/* Converts count elements of src (src_dtype) into w's storage starting at element `at`. */
void convert_into(Weight *w, int64_t at, const void *src, int32_t src_dtype, int64_t count) {
  if (src_dtype == w->dtype) {
    memcpy((char *)w->data + at * dtype_size(w->dtype), src, (size_t)count * dtype_size(w->dtype));
    return;
  }
  for (int64_t i = 0; i < count; i++) {
    float f;
    if (src_dtype == GF_DTYPE_F32) f = ((const float *)src)[i];
    else if (src_dtype == GF_DTYPE_BF16) f = bf16_to_f32(((const uint16_t *)src)[i]);
    else f = f16_to_f32(((const uint16_t *)src)[i]);
    if (w->dtype == GF_DTYPE_F32) ((float *)w->data)[at + i] = f;
    else if (w->dtype == GF_DTYPE_BF16) ((uint16_t *)w->data)[at + i] = f32_to_bf16(f);
    else ((uint16_t *)w->data)[at + i] = f32_to_f16(f);
  }
}

/* Checks a tensor request and returns its prepared slot (null with the error set). */
Weight *begin_load(gf_model *m, int32_t kind, int32_t layer, int32_t src_dtype, uint64_t nbytes,
                   gf_status *status) {
  *status = GF_ERR_INVALID_ARGUMENT;
  if (!m) { fail(GF_ERR_INVALID_ARGUMENT, "model handle is null"); return nullptr; }
  if (m->finalized) {
    *status = fail(GF_ERR_STATE, "the model is finalized; tensors can no longer be loaded");
    return nullptr;
  }
  if (dtype_size(src_dtype) == 0) {
    fail(GF_ERR_INVALID_ARGUMENT, "unknown source dtype %d for %s", src_dtype, kind_name(kind));
    return nullptr;
  }
  Weight *w = slot(m, kind, layer);
  if (!w) return nullptr;
  int64_t rows, cols;
  shape_of(m->config, kind, rows, cols);
  const uint64_t expected = (uint64_t)(rows * cols) * dtype_size(src_dtype);
  if (nbytes != expected) {
    fail(GF_ERR_INVALID_ARGUMENT,
         "%s (layer %d) has %llu bytes but the config implies %lld×%lld %s = %llu bytes",
         kind_name(kind), layer, (unsigned long long)nbytes, (long long)rows, (long long)cols,
         dtype_name(src_dtype), (unsigned long long)expected);
    return nullptr;
  }
  if ((*status = prepare(m, w, kind)) != GF_OK) return nullptr;
  return w;
}

/* A standard normal draw from a splitmix64 stream (Box–Muller). */
struct Gaussian {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float draw() {
    const double u1 = ((double)(next() >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = (double)(next() >> 11) / 9007199254740992.0;
    return (float)(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
};

gf_status synthesize_one(gf_model *m, int32_t kind, int32_t layer, uint64_t seed) {
  Weight *w = slot(m, kind, layer);
  if (!w) return GF_ERR_INVALID_ARGUMENT;
  gf_status status = prepare(m, w, kind);
  if (status != GF_OK) return status;
  const int64_t n = w->numel();
  if (is_norm(kind)) {
    for (int64_t i = 0; i < n; i++) ((float *)w->data)[i] = 1.0f;
  } else {
    /* N(0, 1/cols): activations keep their scale through the layers */
    const float scale = 1.0f / std::sqrt((float)w->cols);
    const int64_t block = 1 << 16;
#pragma omp parallel for schedule(static)
    for (int64_t first = 0; first < n; first += block) {
      Gaussian g{seed ^ ((uint64_t)(kind * 1000003 + layer + 7) << 32) ^ (uint64_t)first};
      float values[1 << 10];
      for (int64_t at = first; at < std::min(n, first + block); at += 1 << 10) {
        const int64_t count = std::min<int64_t>(1 << 10, std::min(n, first + block) - at);
        for (int64_t i = 0; i < count; i++) values[i] = g.draw() * scale;
        convert_into(w, at, values, GF_DTYPE_F32, count);
      }
    }
  }
  w->loaded = true;
  return GF_OK;
}

/* ‖row‖₂ of each row of w, in double. */
std::vector<double> row_norms(const Weight &w) {
  std::vector<double> norms((size_t)w.rows);
#pragma omp parallel
  {
    std::vector<float> row((size_t)w.cols);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < w.rows; r++) {
      weight_row(w, r, row.data());
      double ss = 0;
      for (int64_t i = 0; i < w.cols; i++) ss += (double)row[i] * row[i];
      norms[(size_t)r] = std::sqrt(ss);
    }
  }
  return norms;
}

} // namespace
} // namespace gf

using namespace gf;

extern "C" gf_status gf_model_create(const gf_config *config, int32_t device, gf_model **out) {
  clear_error();
  if (!config || !out) return fail(GF_ERR_INVALID_ARGUMENT, "config and out must not be null");
  *out = nullptr;
  const gf_config &c = *config;
  if (c.n_layers <= 0 || c.hidden_size <= 0 || c.ff_size <= 0 || c.n_heads <= 0 ||
      c.n_kv_heads <= 0 || c.head_dim <= 0 || c.vocab_size <= 0 || c.max_positions <= 0)
    return fail(GF_ERR_INVALID_ARGUMENT, "every size in the config must be positive");
  if (c.n_heads % c.n_kv_heads != 0)
    return fail(GF_ERR_INVALID_ARGUMENT, "n_heads (%d) must be a multiple of n_kv_heads (%d)",
                c.n_heads, c.n_kv_heads);
  if (c.head_dim % 2 != 0)
    return fail(GF_ERR_INVALID_ARGUMENT, "head_dim (%d) must be even for RoPE", c.head_dim);
  if (dtype_size(c.weight_dtype) == 0)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown weight dtype %d", c.weight_dtype);
  if (c.activation < GF_ACT_SILU || c.activation > GF_ACT_GELU)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown activation %d", c.activation);
  if (device >= 0) {
    gf_status status = cuda_check_device(device);
    if (status != GF_OK) return status;
  }
  try {
    gf_model *m = new gf_model();
    m->config = c;
    m->device = device;
    m->layers.resize((size_t)c.n_layers);
    *out = m;
    return GF_OK;
  } catch (const std::bad_alloc &) {
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory creating the model");
  }
}

extern "C" gf_status gf_model_load_file(gf_model *model, int32_t kind, int32_t layer,
                                        int32_t src_dtype, const char *path, uint64_t offset,
                                        uint64_t nbytes) {
  clear_error();
  gf_status status;
  Weight *w = begin_load(model, kind, layer, src_dtype, nbytes, &status);
  if (!w) return status;
  if (!path) return fail(GF_ERR_INVALID_ARGUMENT, "path is null");
  FILE *f = fopen(path, "rb");
  if (!f) return fail(GF_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  if (fseeko(f, (off_t)offset, SEEK_SET) != 0) {
    fclose(f);
    return fail(GF_ERR_IO, "cannot seek to byte %llu of %s", (unsigned long long)offset, path);
  }
  const size_t elem = dtype_size(src_dtype);
  const int64_t count = (int64_t)(nbytes / elem);
  const int64_t chunk = (int64_t)((8u << 20) / elem);
  std::vector<char> buffer;
  try {
    buffer.resize(src_dtype == w->dtype ? 0 : (size_t)std::min(count, chunk) * elem);
  } catch (const std::bad_alloc &) {
    fclose(f);
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory reading %s", path);
  }
  for (int64_t at = 0; at < count; at += chunk) {
    const int64_t n = std::min(chunk, count - at);
    char *target = src_dtype == w->dtype ? (char *)w->data + at * elem : buffer.data();
    if (fread(target, elem, (size_t)n, f) != (size_t)n) {
      fclose(f);
      return fail(GF_ERR_IO, "%s ends before %s (layer %d) is complete (wanted %llu bytes at %llu)",
                  path, kind_name(kind), layer, (unsigned long long)nbytes,
                  (unsigned long long)offset);
    }
    if (src_dtype != w->dtype) convert_into(w, at, buffer.data(), src_dtype, n);
  }
  fclose(f);
  w->loaded = true;
  return GF_OK;
}

extern "C" gf_status gf_model_load_data(gf_model *model, int32_t kind, int32_t layer,
                                        int32_t src_dtype, const void *data, uint64_t nbytes) {
  clear_error();
  gf_status status;
  Weight *w = begin_load(model, kind, layer, src_dtype, nbytes, &status);
  if (!w) return status;
  if (!data) return fail(GF_ERR_INVALID_ARGUMENT, "data is null");
  convert_into(w, 0, data, src_dtype, (int64_t)(nbytes / dtype_size(src_dtype)));
  w->loaded = true;
  return GF_OK;
}

extern "C" gf_status gf_model_synthesize(gf_model *model, uint64_t seed) {
  clear_error();
  if (!model) return fail(GF_ERR_INVALID_ARGUMENT, "model handle is null");
  if (model->finalized) return fail(GF_ERR_STATE, "the model is already finalized");
  try {
    for (int32_t kind : {GF_T_EMBED, GF_T_FINAL_NORM, GF_T_LM_HEAD}) {
      if (kind == GF_T_LM_HEAD && model->config.tied_embeddings) continue;
      gf_status s = synthesize_one(model, kind, -1, seed);
      if (s != GF_OK) return s;
    }
    for (int32_t l = 0; l < model->config.n_layers; l++)
      for (int32_t kind = GF_T_ATTN_NORM; kind < GF_T_COUNT; kind++) {
        if (kind == GF_T_W_GATE && !model->config.gated) continue;
        gf_status s = synthesize_one(model, kind, l, seed);
        if (s != GF_OK) return s;
      }
  } catch (const std::bad_alloc &) {
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory synthesizing weights");
  }
  return GF_OK;
}

extern "C" gf_status gf_model_finalize(gf_model *model) {
  clear_error();
  if (!model) return fail(GF_ERR_INVALID_ARGUMENT, "model handle is null");
  if (model->finalized) return GF_OK;
  const gf_config &c = model->config;
  auto missing = [](const Weight &w) { return !w.loaded; };
  if (missing(model->embed)) return fail(GF_ERR_STATE, "missing tensor embed_tokens");
  if (missing(model->final_norm)) return fail(GF_ERR_STATE, "missing tensor norm (final)");
  if (!c.tied_embeddings && missing(model->lm_head))
    return fail(GF_ERR_STATE, "missing tensor lm_head (embeddings are not tied)");
  try {
    for (int32_t l = 0; l < c.n_layers; l++) {
      LayerWeights &L = model->layers[(size_t)l];
      for (int32_t kind = GF_T_ATTN_NORM; kind < GF_T_COUNT; kind++) {
        if (kind == GF_T_W_GATE && !c.gated) continue;
        Weight *w = slot(model, kind, l);
        if (!w || !w->loaded)
          return fail(GF_ERR_STATE, "missing tensor %s of layer %d", kind_name(kind), l);
      }
      /* the magnitude baseline: ‖W_gate[j,:]‖·‖W_up[j,:]‖ (plain: ‖W_1[j,:]‖) */
      std::vector<double> up = row_norms(L.w_up);
      std::vector<double> gate = c.gated ? row_norms(L.w_gate) : std::vector<double>();
      L.magnitudes.resize((size_t)c.ff_size);
      for (int32_t j = 0; j < c.ff_size; j++)
        L.magnitudes[(size_t)j] = (float)(c.gated ? gate[(size_t)j] * up[(size_t)j] : up[(size_t)j]);
    }
  } catch (const std::bad_alloc &) {
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory finalizing the model");
  }
  if (model->device >= 0) { /* the weights move to the GPU; the host copies are freed */
    gf_status status = cuda_upload(model);
    if (status != GF_OK) return status;
  }
  model->finalized = true;
  return GF_OK;
}

extern "C" gf_status gf_model_neuron_magnitudes(gf_model *model, int32_t layer, float *out) {
  clear_error();
  if (!model || !out) return fail(GF_ERR_INVALID_ARGUMENT, "model and out must not be null");
  if (!model->finalized) return fail(GF_ERR_STATE, "the model is not finalized");
  if (layer < 0 || layer >= model->config.n_layers)
    return fail(GF_ERR_INVALID_ARGUMENT, "layer %d is out of range", layer);
  const std::vector<float> &m = model->layers[(size_t)layer].magnitudes;
  memcpy(out, m.data(), m.size() * sizeof(float));
  return GF_OK;
}

extern "C" gf_status gf_model_weight_bytes(gf_model *model, uint64_t *out) {
  clear_error();
  if (!model || !out) return fail(GF_ERR_INVALID_ARGUMENT, "model and out must not be null");
  if (model->gpu) {
    *out = model->gpu_bytes;
    return GF_OK;
  }
  uint64_t total = model->embed.bytes() + model->final_norm.bytes() + model->lm_head.bytes();
  for (const LayerWeights &l : model->layers)
    for (const Weight *w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ff_norm, &l.w_gate,
                            &l.w_up, &l.w_down})
      total += w->loaded ? w->bytes() : 0;
  *out = total;
  return GF_OK;
}

extern "C" gf_status gf_model_free(gf_model *model) {
  clear_error();
  if (!model) return GF_OK;
  if (model->live_sessions > 0)
    return fail(GF_ERR_STATE, "the model still has %d open session(s); free them first",
                model->live_sessions);
  cuda_free_model(model);
  free_weight(model->embed);
  free_weight(model->final_norm);
  free_weight(model->lm_head);
  for (LayerWeights &l : model->layers)
    for (Weight *w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ff_norm, &l.w_gate, &l.w_up,
                      &l.w_down})
      free_weight(*w);
  delete model;
  return GF_OK;
}
