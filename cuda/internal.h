/*
 * internal.h — the engine's own structures, shared by the C++ sources (not part of the ABI).
 * Split as in llama2.c: the configuration (gf_config), the weights (gf_model) and the state
 * of one sequence (gf_session).
 */
#ifndef GRIFFIN_INTERNAL_H
#define GRIFFIN_INTERNAL_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "griffin.h"

namespace gf {

/* Records a formatted message as this thread's last error and returns status. */
gf_status fail(gf_status status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Clears this thread's last error (every entry point starts with it). */
void clear_error();

/* Bytes per element of a gf_dtype (0 for an unknown one). */
size_t dtype_size(int32_t dtype);
/* "F32", "F16", "BF16" or "unknown". */
const char *dtype_name(int32_t dtype);
/* "embed_tokens", "q_proj", …: a tensor kind in Hugging Face's words, for messages. */
const char *kind_name(int32_t kind);

/* One weight matrix (rows × cols, row-major) or vector (rows = 1) in its storage dtype. */
struct Weight {
  int32_t dtype = GF_DTYPE_F32;
  int64_t rows = 0;
  int64_t cols = 0;
  void *data = nullptr; /* 64-byte aligned, owned */
  void *device = nullptr; /* CUDA models: the weight on the GPU, streamed there at load time */
  bool loaded = false;

  int64_t numel() const { return rows * cols; }
  size_t bytes() const { return (size_t)numel() * dtype_size(dtype); }
};

/* Frees a weight's memory. */
void free_weight(Weight &w);

/* Converts count elements of src (src_dtype) into out (dtype), rounding to nearest even. */
void convert_elements(void *out, int32_t dtype, const void *src, int32_t src_dtype, size_t count);

/* The weights of one transformer block. Vectors (norms, biases) are always F32. */
struct LayerWeights {
  Weight attn_norm; /* (hidden) */
  Weight wq;        /* (n_heads·head_dim, hidden) */
  Weight wk;        /* (n_kv_heads·head_dim, hidden) */
  Weight wv;        /* (n_kv_heads·head_dim, hidden) */
  Weight wo;        /* (hidden, n_heads·head_dim) */
  Weight ff_norm;   /* (hidden) */
  Weight w_gate;    /* (ff, hidden); gated blocks only */
  Weight w_up;      /* (ff, hidden); W_1 of a plain block */
  Weight w_down;    /* (hidden, ff); W_2 of a plain block */
  Weight bq;        /* (n_heads·head_dim); GF_BIAS_QKV */
  Weight bk;        /* (n_kv_heads·head_dim); GF_BIAS_QKV */
  Weight bv;        /* (n_kv_heads·head_dim); GF_BIAS_QKV */
  Weight bo;        /* (hidden); GF_BIAS_O */
  Weight b_gate;    /* (ff); GF_BIAS_FF, gated blocks only */
  Weight b_up;      /* (ff); GF_BIAS_FF: b_1 of a plain block */
  Weight b_down;    /* (hidden); GF_BIAS_FF: b_2 of a plain block */
  Weight attn_norm_bias; /* (hidden); GF_NORM_LAYER */
  Weight ff_norm_bias;   /* (hidden); GF_NORM_LAYER */
  std::vector<float> magnitudes; /* (ff) the magnitude baseline's neuron scores */
};

/* Whether a config uses a tensor kind (biases, LayerNorm biases, positions, projections…). */
bool uses_kind(const gf_config &c, int32_t kind);
/* Whether a kind is per layer (takes a layer index) rather than model-wide. */
bool per_layer_kind(int32_t kind);
/* Width of the embeddings and the LM head: embed_dim, or hidden when 0. */
inline int32_t embed_width(const gf_config &c) {
  return c.embed_dim > 0 ? c.embed_dim : c.hidden_size;
}

} // namespace gf

struct gf_model {
  gf_config config{};
  int32_t device = -1;
  gf::Weight embed;      /* (vocab, embed_dim) */
  gf::Weight final_norm; /* (hidden), always F32; absent with no_final_norm */
  gf::Weight lm_head;    /* (vocab, embed_dim); unused when tied */
  gf::Weight final_norm_bias; /* (hidden), F32; GF_NORM_LAYER */
  gf::Weight pos_embed;  /* (max_positions + position_offset, hidden); learned positions */
  gf::Weight project_in;  /* (hidden, embed_dim); embed_dim ≠ hidden */
  gf::Weight project_out; /* (embed_dim, hidden); embed_dim ≠ hidden */
  std::vector<float> inv_freq; /* (head_dim / 2) RoPE inverse frequencies, scaling applied */
  std::vector<gf::LayerWeights> layers;
  bool finalized = false;
  int32_t live_sessions = 0;
  void *gpu = nullptr;       /* the CUDA backend's weights (GpuModel) when device >= 0 */
  void *staging = nullptr;   /* pinned buffers that stream tensors to the GPU while loading */
  uint64_t gpu_bytes = 0;    /* bytes of weights on the device */
};

namespace gf {

/*
 * What a generation-phase step gives each of its sequences: its logits (vocab floats a row), or
 * its greedy token, or its target token's log-probability (float64) and greedy flag — exactly one
 * of logits, tokens and targets is set (with targets, logprobs and greedy too).
 */
struct StepOutputs {
  float *logits = nullptr;
  int32_t *tokens = nullptr;
  const int32_t *targets = nullptr;
  double *logprobs = nullptr;
  uint8_t *greedy = nullptr;
};

} // namespace gf

/* Where a forward pass stands in GRIFFIN's terms. */
enum class Phase {
  prompt,     /* mode gen, prompt phase: full FF, then selection */
  generation, /* mode gen, generation phase: experts only */
  classify    /* mode class: full FF but the last position uses the experts */
};

struct gf_session {
  gf_model *model = nullptr;
  int32_t max_positions = 0;
  int32_t position = 0; /* tokens in the KV cache */

  /* GRIFFIN settings */
  std::vector<double> densities; /* (n_layers) */
  int32_t method = GF_METHOD_TOPK;
  uint64_t seed = 0;
  bool capture = false;

  /* GRIFFIN state of the current sequence */
  std::vector<std::vector<int32_t>> experts; /* per layer, ascending */
  std::vector<char> selected;                /* per layer: experts hold a selection */
  std::vector<std::vector<float>> scores;    /* per layer (ff): last neuron scores */
  std::vector<char> scored;                  /* per layer: scores are valid */
  std::vector<std::vector<float>> activations; /* per layer (rows × ff) when capturing */
  std::vector<int32_t> activation_rows;
  /* CPU: the experts' weights per layer, gathered once after the prompt phase so decoding reads
   * them contiguously (GRIFFIN_CPU_GATHER=0: read in place); empty (no data) where not gathered */
  std::vector<gf::Weight> expert_gate; /* (k, hidden) W_gate[E]; gated blocks */
  std::vector<gf::Weight> expert_up;   /* (k, hidden) W_up[E]; W_1[E] of a plain block */
  std::vector<gf::Weight> expert_down; /* (hidden, k) W_down[:, E]; W_2[:, E] of a plain block */

  /* KV cache */
  std::vector<float> key_cache;   /* (layer, max_positions, n_kv_heads·head_dim) */
  std::vector<float> value_cache; /* (layer, max_positions, n_kv_heads·head_dim) */

  /* scratch, grown to the longest pass */
  std::vector<float> x;      /* (n, hidden) residual stream */
  std::vector<float> e;      /* (n, embed_dim) embeddings before project_in / after project_out */
  std::vector<float> xb;     /* (n, hidden) normed input */
  std::vector<float> xb2;    /* (n, hidden) block output */
  std::vector<float> q;      /* (n, n_heads·head_dim) */
  std::vector<float> k;      /* (n, n_kv_heads·head_dim) */
  std::vector<float> v;      /* (n, n_kv_heads·head_dim) */
  std::vector<float> att;    /* (n, n_heads·head_dim) attention output */
  std::vector<float> hb;     /* (n, ff) z */
  std::vector<float> hb2;    /* (n, ff) up projection */

  /* mode class over a batch (CPU): each sequence's experts per layer; a layer without is absent */
  std::vector<std::vector<std::vector<int32_t>>> batch_experts;
  std::vector<std::vector<char>> batch_selected;

  double prompt_ms = 0;
  double selection_ms = 0;
  void *gpu = nullptr; /* the CUDA backend's state (GpuSession) when the model is on a GPU */
};

namespace gf {
/* Forgets the experts, scores and captured activations of the last sequence (session.cpp). */
void forget_sequence(gf_session *s);
/* Frees the gathered experts of every layer (session.cpp). */
void free_gathered_experts(gf_session *s);
/* Runs n tokens through the model from session->position (forward_cpu.cpp). */
gf_status forward_cpu(gf_session *s, const int32_t *ids, int32_t n, Phase phase,
                      int32_t logit_rows, float *logits);
} // namespace gf

#endif
