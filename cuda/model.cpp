/* model.cpp — gf_model: creation, loading tensors from files or memory, synthetic weights. */
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <unistd.h>
#include <vector>

#include "cuda_backend.h"
#include "internal.h"
#include "kernels_cpu.h"

static_assert(sizeof(gf_config) == 128, "gf_config must stay 128 bytes (ffi/config.ts packs it)");
static_assert(offsetof(gf_config, norm) == 56 && offsetof(gf_config, embed_dim) == 108,
              "gf_config's offsets must match ffi/config.ts");

namespace gf {

void free_weight(Weight &w) {
  free(w.data);
  w.data = nullptr;
  if (w.device) cuda_free_weight(w);
  w.loaded = false;
}

bool per_layer_kind(int32_t kind) {
  return kind >= GF_T_ATTN_NORM && kind <= GF_T_FF_NORM_BIAS;
}

bool uses_kind(const gf_config &c, int32_t kind) {
  const bool layer_norm = c.norm == GF_NORM_LAYER;
  switch (kind) {
  case GF_T_FINAL_NORM: return !c.no_final_norm;
  case GF_T_LM_HEAD: return !c.tied_embeddings;
  case GF_T_W_GATE: return c.gated != 0;
  case GF_T_BQ: case GF_T_BK: case GF_T_BV: return (c.biases & GF_BIAS_QKV) != 0;
  case GF_T_BO: return (c.biases & GF_BIAS_O) != 0;
  case GF_T_B_GATE: return (c.biases & GF_BIAS_FF) != 0 && c.gated;
  case GF_T_B_UP: case GF_T_B_DOWN: return (c.biases & GF_BIAS_FF) != 0;
  case GF_T_ATTN_NORM_BIAS: case GF_T_FF_NORM_BIAS: return layer_norm;
  case GF_T_FINAL_NORM_BIAS: return layer_norm && !c.no_final_norm;
  case GF_T_POS_EMBED: return c.learned_positions != 0;
  case GF_T_PROJECT_IN: case GF_T_PROJECT_OUT: return embed_width(c) != c.hidden_size;
  default: return kind >= 0 && kind < GF_T_COUNT;
  }
}

void convert_elements(void *out, int32_t dtype, const void *src, int32_t src_dtype, size_t count) {
  if (src_dtype == dtype) {
    memcpy(out, src, count * dtype_size(dtype));
    return;
  }
  for (size_t i = 0; i < count; i++) {
    float f;
    if (src_dtype == GF_DTYPE_F32) f = ((const float *)src)[i];
    else if (src_dtype == GF_DTYPE_BF16) f = bf16_to_f32(((const uint16_t *)src)[i]);
    else f = f16_to_f32(((const uint16_t *)src)[i]);
    if (dtype == GF_DTYPE_F32) ((float *)out)[i] = f;
    else if (dtype == GF_DTYPE_BF16) ((uint16_t *)out)[i] = f32_to_bf16(f);
    else ((uint16_t *)out)[i] = f32_to_f16(f);
  }
}

namespace {

bool is_norm(int32_t kind) {
  return kind == GF_T_ATTN_NORM || kind == GF_T_FF_NORM || kind == GF_T_FINAL_NORM;
}

/* Norm weights and biases: vectors, kept in F32 whatever the weight dtype. */
bool is_vector(int32_t kind) {
  return is_norm(kind) || (kind >= GF_T_BQ && kind <= GF_T_FINAL_NORM_BIAS);
}

/* Why a config has no tensor of this kind (for the message when one is given anyway). */
const char *absence_reason(int32_t kind) {
  switch (kind) {
  case GF_T_LM_HEAD: return "the config ties it to the embeddings";
  case GF_T_W_GATE: return "the config's FF block is not gated";
  case GF_T_FINAL_NORM: return "the config has no final norm";
  case GF_T_BQ: case GF_T_BK: case GF_T_BV: return "the config has no q/k/v biases";
  case GF_T_BO: return "the config has no output-projection bias";
  case GF_T_B_GATE: case GF_T_B_UP: case GF_T_B_DOWN: return "the config has no FF biases";
  case GF_T_ATTN_NORM_BIAS: case GF_T_FF_NORM_BIAS: case GF_T_FINAL_NORM_BIAS:
    return "only LayerNorm has biases";
  case GF_T_POS_EMBED: return "the config has no learned positions";
  default: return "embed_dim equals hidden_size (no projection)";
  }
}

/* The slot of a tensor, or null with the last error set. */
Weight *slot(gf_model *m, int32_t kind, int32_t layer) {
  if (kind < 0 || kind >= GF_T_COUNT) {
    fail(GF_ERR_INVALID_ARGUMENT, "unknown tensor kind %d", kind);
    return nullptr;
  }
  if (per_layer_kind(kind) && (layer < 0 || layer >= m->config.n_layers)) {
    fail(GF_ERR_INVALID_ARGUMENT, "layer %d of %s is out of range (the model has %d layers)",
         layer, kind_name(kind), m->config.n_layers);
    return nullptr;
  }
  if (!uses_kind(m->config, kind)) {
    fail(GF_ERR_INVALID_ARGUMENT, "%s given but %s", kind_name(kind), absence_reason(kind));
    return nullptr;
  }
  switch (kind) {
  case GF_T_EMBED: return &m->embed;
  case GF_T_FINAL_NORM: return &m->final_norm;
  case GF_T_LM_HEAD: return &m->lm_head;
  case GF_T_FINAL_NORM_BIAS: return &m->final_norm_bias;
  case GF_T_POS_EMBED: return &m->pos_embed;
  case GF_T_PROJECT_IN: return &m->project_in;
  case GF_T_PROJECT_OUT: return &m->project_out;
  default: break;
  }
  LayerWeights &l = m->layers[(size_t)layer];
  Weight *per[] = {&l.attn_norm, &l.wq,     &l.wk,     &l.wv,     &l.wo,
                   &l.ff_norm,   &l.w_gate, &l.w_up,   &l.w_down, &l.bq,
                   &l.bk,        &l.bv,     &l.bo,     &l.b_gate, &l.b_up,
                   &l.b_down,    &l.attn_norm_bias, &l.ff_norm_bias};
  return per[kind - GF_T_ATTN_NORM];
}

/* Expected (rows, cols) of a kind; vectors are one row. */
void shape_of(const gf_config &c, int32_t kind, int64_t &rows, int64_t &cols) {
  const int64_t h = c.hidden_size, q = (int64_t)c.n_heads * c.head_dim,
                kv = (int64_t)c.n_kv_heads * c.head_dim, e = embed_width(c);
  rows = 1;
  cols = h;
  switch (kind) {
  case GF_T_EMBED: case GF_T_LM_HEAD: rows = c.vocab_size; cols = e; break;
  case GF_T_WQ: rows = q; break;
  case GF_T_WK: case GF_T_WV: rows = kv; break;
  case GF_T_WO: rows = h; cols = q; break;
  case GF_T_W_GATE: case GF_T_W_UP: rows = c.ff_size; break;
  case GF_T_W_DOWN: rows = h; cols = c.ff_size; break;
  case GF_T_BQ: cols = q; break;
  case GF_T_BK: case GF_T_BV: cols = kv; break;
  case GF_T_B_GATE: case GF_T_B_UP: cols = c.ff_size; break;
  case GF_T_POS_EMBED: rows = (int64_t)c.max_positions + c.position_offset; break;
  case GF_T_PROJECT_IN: rows = h; cols = e; break;
  case GF_T_PROJECT_OUT: rows = e; break;
  default: break; /* norms, their biases, bo, b_down: (hidden) */
  }
}

/* Allocates a weight's storage for its kind. */
gf_status prepare(gf_model *m, Weight *w, int32_t kind, bool host = true) {
  shape_of(m->config, kind, w->rows, w->cols);
  w->dtype = is_vector(kind) ? GF_DTYPE_F32 : m->config.weight_dtype;
  if (host && !w->data) {
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
  convert_elements((char *)w->data + at * dtype_size(w->dtype), w->dtype, src, src_dtype,
                   (size_t)count);
}

/* Checks a tensor request and returns its prepared slot (null with the error set). */
Weight *begin_load(gf_model *m, int32_t kind, int32_t layer, int32_t src_dtype, uint64_t nbytes,
                   gf_status *status, bool host = true) {
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
  if ((*status = prepare(m, w, kind, host)) != GF_OK) return nullptr;
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
  if (is_vector(kind)) { /* norms scale by 1 (Gemma's 1 + w: w = 0); biases are 0 */
    const bool one = is_norm(kind) && m->config.norm != GF_NORM_RMS_ONE_PLUS;
    for (int64_t i = 0; i < n; i++) ((float *)w->data)[i] = one ? 1.0f : 0.0f;
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

/* Every weight slot of a model (used or not). */
std::vector<Weight *> all_weights(gf_model *m) {
  std::vector<Weight *> out = {&m->embed,           &m->final_norm, &m->lm_head,
                               &m->final_norm_bias, &m->pos_embed,  &m->project_in,
                               &m->project_out};
  for (LayerWeights &l : m->layers)
    for (Weight *w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ff_norm, &l.w_gate, &l.w_up,
                      &l.w_down, &l.bq, &l.bk, &l.bv, &l.bo, &l.b_gate, &l.b_up, &l.b_down,
                      &l.attn_norm_bias, &l.ff_norm_bias})
      out.push_back(w);
  return out;
}

/*
 * RoPE's inverse frequencies in float32, step by step as transformers computes them:
 * 1 / theta^(2i/d); llama3 then divides the low frequencies (wavelength above
 * original/low_freq_factor) by factor and blends the band between the two wavelengths.
 */
std::vector<float> rope_frequencies(const gf_config &c) {
  const int32_t half = c.head_dim / 2;
  std::vector<float> inv((size_t)half);
  for (int32_t i = 0; i < half; i++)
    inv[(size_t)i] = 1.0f / powf(c.rope_theta, (float)(2 * i) / (float)c.head_dim);
  if (c.rope_scaling != GF_ROPE_LLAMA3) return inv;
  const float factor = c.rope_factor, low = c.rope_low_freq_factor,
              high = c.rope_high_freq_factor, old_context = (float)c.rope_original_max_positions;
  const float low_wavelen = (float)((double)c.rope_original_max_positions / low);
  const float high_wavelen = (float)((double)c.rope_original_max_positions / high);
  const float two_pi = (float)6.283185307179586; /* Python's 2 * math.pi */
  for (float &f : inv) {
    const float wavelen = two_pi / f;
    const float scaled = wavelen > low_wavelen ? f / factor : f;
    const float smooth = (old_context / wavelen - low) / (float)((double)high - (double)low);
    const float blended = (1.0f - smooth) * scaled / factor + smooth * scaled;
    const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
    f = medium ? blended : scaled;
  }
  return inv;
}

/* Checks the architecture options of a config; the message names the field. */
gf_status check_options(const gf_config &c) {
  if (c.norm < GF_NORM_RMS || c.norm > GF_NORM_LAYER)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown norm kind %d", c.norm);
  if (!(c.embed_scale >= 0.0f) || !std::isfinite(c.embed_scale))
    return fail(GF_ERR_INVALID_ARGUMENT, "embed_scale %g must be finite and ≥ 0", c.embed_scale);
  if (c.position_offset < 0 || c.sliding_window < 0 || c.embed_dim < 0)
    return fail(GF_ERR_INVALID_ARGUMENT,
                "position_offset (%d), sliding_window (%d) and embed_dim (%d) must be ≥ 0",
                c.position_offset, c.sliding_window, c.embed_dim);
  if (c.biases & ~(GF_BIAS_QKV | GF_BIAS_O | GF_BIAS_FF))
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown bias bits 0x%x", c.biases);
  if (c.rope_scaling < GF_ROPE_DEFAULT || c.rope_scaling > GF_ROPE_LLAMA3)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown RoPE scaling %d", c.rope_scaling);
  if (c.rope_scaling == GF_ROPE_LLAMA3 &&
      !(c.rope_factor > 0 && c.rope_low_freq_factor > 0 &&
        c.rope_high_freq_factor > c.rope_low_freq_factor && c.rope_original_max_positions > 0))
    return fail(GF_ERR_INVALID_ARGUMENT,
                "llama3 RoPE scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor "
                "and original_max_position_embeddings > 0");
  if (c.learned_positions && c.rope_scaling != GF_ROPE_DEFAULT)
    return fail(GF_ERR_INVALID_ARGUMENT, "learned positions take no RoPE scaling");
  if (!c.learned_positions && c.head_dim % 2 != 0)
    return fail(GF_ERR_INVALID_ARGUMENT, "head_dim (%d) must be even for RoPE", c.head_dim);
  return GF_OK;
}

/*
 * Why the CUDA backend cannot run a config, in the user's words, or null: it runs every option
 * the CPU backend does, within two limits of its kernels' on-chip memory.
 */
const char *cuda_unsupported(const gf_config &c) {
  if (c.head_dim > 1024)
    return "head_dim above 1024 (its attention kernels hold one head in on-chip shared memory)";
  const int32_t widest = std::max({c.hidden_size, c.n_heads * c.head_dim, embed_width(c)});
  if (widest > 56 * 1024)
    return "hidden_size (or heads·head_dim) above 57344 (its decoding kernels hold the input "
           "vector in the 227 KB of shared memory a multiprocessor has)";
  return nullptr;
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
  if (dtype_size(c.weight_dtype) == 0)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown weight dtype %d", c.weight_dtype);
  if (c.activation < GF_ACT_SILU || c.activation > GF_ACT_GELU)
    return fail(GF_ERR_INVALID_ARGUMENT, "unknown activation %d", c.activation);
  if (gf_status status = check_options(c); status != GF_OK) return status;
  if (device >= 0 && cuda_unsupported(c))
    return fail(GF_ERR_UNSUPPORTED,
                "device cuda:%d: the CUDA backend cannot run a model with %s; use the CPU "
                "(--device cpu)",
                device, cuda_unsupported(c));
  if (device >= 0) {
    gf_status status = cuda_check_device(device);
    if (status != GF_OK) return status;
  }
  try {
    gf_model *m = new gf_model();
    m->config = c;
    m->device = device;
    m->layers.resize((size_t)c.n_layers);
    if (!c.learned_positions) m->inv_freq = rope_frequencies(c);
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
  /* a CUDA model's matrices go straight to the GPU: the host never holds them */
  const bool stream = model && model->device >= 0 && !is_vector(kind);
  Weight *w = begin_load(model, kind, layer, src_dtype, nbytes, &status, !stream);
  if (!w) return status;
  if (!path) return fail(GF_ERR_INVALID_ARGUMENT, "path is null");
  if (stream) {
    const int fd = open(path, O_RDONLY);
    if (fd < 0) return fail(GF_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    free(w->data); /* a host copy from an earlier load of this tensor */
    w->data = nullptr;
    status = cuda_stream_weight(model, w, fd, path, offset, nbytes, src_dtype);
    close(fd);
    if (status != GF_OK) return status;
    w->loaded = true;
    return GF_OK;
  }
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
    for (int32_t kind = 0; kind < GF_T_COUNT; kind++) {
      if (!uses_kind(model->config, kind)) continue;
      const bool layered = per_layer_kind(kind);
      for (int32_t l = layered ? 0 : -1; l < (layered ? model->config.n_layers : 0); l++) {
        gf_status s = synthesize_one(model, kind, l, seed);
        if (s != GF_OK) return s;
      }
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
  for (int32_t kind = 0; kind < GF_T_COUNT; kind++) {
    if (per_layer_kind(kind) || !uses_kind(c, kind)) continue;
    Weight *w = slot(model, kind, -1);
    if (!w || !w->loaded) {
      if (kind == GF_T_LM_HEAD)
        return fail(GF_ERR_STATE, "missing tensor lm_head (embeddings are not tied)");
      return fail(GF_ERR_STATE, "missing tensor %s", kind_name(kind));
    }
  }
  /* row norms from the host copy, or on the GPU for tensors streamed there */
  auto norms_of = [model](const Weight &w, std::vector<double> &out) {
    if (w.device) return cuda_row_norms(model, w, out);
    out = row_norms(w);
    return GF_OK;
  };
  try {
    for (int32_t l = 0; l < c.n_layers; l++) {
      LayerWeights &L = model->layers[(size_t)l];
      for (int32_t kind = GF_T_ATTN_NORM; kind <= GF_T_FF_NORM_BIAS; kind++) {
        if (!uses_kind(c, kind)) continue;
        Weight *w = slot(model, kind, l);
        if (!w || !w->loaded)
          return fail(GF_ERR_STATE, "missing tensor %s of layer %d", kind_name(kind), l);
      }
      /* the magnitude baseline: ‖W_gate[j,:]‖·‖W_up[j,:]‖ (plain: ‖W_1[j,:]‖) */
      std::vector<double> up, gate;
      gf_status s = norms_of(L.w_up, up);
      if (s == GF_OK && c.gated) s = norms_of(L.w_gate, gate);
      if (s != GF_OK) return s;
      L.magnitudes.resize((size_t)c.ff_size);
      for (int32_t j = 0; j < c.ff_size; j++)
        L.magnitudes[(size_t)j] = (float)(c.gated ? gate[(size_t)j] * up[(size_t)j] : up[(size_t)j]);
    }
  } catch (const std::bad_alloc &) {
    return fail(GF_ERR_OUT_OF_MEMORY, "out of memory finalizing the model");
  }
  if (c.norm == GF_NORM_RMS_ONE_PLUS) { /* Gemma: the norms scale by 1 + w, formed in fp32 */
    std::vector<Weight *> norms = {&model->final_norm};
    for (LayerWeights &L : model->layers) norms.insert(norms.end(), {&L.attn_norm, &L.ff_norm});
    for (Weight *w : norms)
      for (int64_t i = 0; w->loaded && i < w->numel(); i++) ((float *)w->data)[i] += 1.0f;
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
  uint64_t total = 0;
  for (const Weight *w : all_weights(model)) total += w->loaded ? w->bytes() : 0;
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
  for (Weight *w : all_weights(model)) free_weight(*w);
  delete model;
  return GF_OK;
}
