/*
 * griffin.h — the C ABI of griffin-bench's native engine.
 *
 * Opaque handles, status codes and a per-thread last-error message. No entry point exits or
 * aborts the process: each returns a gf_status, and gf_last_error() says what went wrong.
 * The CPU backend is the reference; the CUDA backend implements the same entry points.
 *
 * Shapes follow Hugging Face's nn.Linear convention: a weight is (out_features, in_features),
 * row-major. The host (TypeScript) parses config.json and safetensors headers and tells the
 * engine where each tensor's bytes lie; the engine reads them itself.
 */
#ifndef GRIFFIN_H
#define GRIFFIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GF_ABI_VERSION 1

/* Status codes: 0 is success; gf_last_error() explains any other. */
typedef enum {
  GF_OK = 0,
  GF_ERR_INVALID_ARGUMENT = 1, /* a bad value: a shape, an id, a density, a null handle */
  GF_ERR_IO = 2,               /* a file could not be opened or read in full */
  GF_ERR_OUT_OF_MEMORY = 3,    /* host or device memory ran out */
  GF_ERR_UNSUPPORTED = 4,      /* a feature this build or backend does not have */
  GF_ERR_STATE = 5,            /* a call out of order (decode before prompt, missing weights) */
  GF_ERR_CUDA = 6,             /* a CUDA runtime error */
  GF_ERR_INTERNAL = 7          /* a bug: please report it */
} gf_status;

/* Normalisation layers. */
typedef enum {
  GF_NORM_RMS = 0,          /* x̂·w, x̂ = x / sqrt(mean(x²) + eps) (Llama, Mistral, Qwen2) */
  GF_NORM_RMS_ONE_PLUS = 1, /* x̂·(1 + w) (Gemma); 1 + w is formed in fp32 at finalize */
  GF_NORM_LAYER = 2         /* (x − mean)/sqrt(var + eps)·w + b (OPT) */
} gf_norm;

/* RoPE frequency scalings (none for learned positions). */
typedef enum {
  GF_ROPE_DEFAULT = 0, /* inv_freq_i = 1 / theta^(2i/head_dim) */
  GF_ROPE_LLAMA3 = 1   /* Llama 3.1's: low frequencies divided by factor, a smooth band between */
} gf_rope_scaling;

/* Which linear layers carry a bias (the config's `biases` bit set). */
enum {
  GF_BIAS_QKV = 1, /* q_proj, k_proj, v_proj (Qwen2, OPT, Llama attention_bias) */
  GF_BIAS_O = 2,   /* o_proj / out_proj (OPT, Llama attention_bias) */
  GF_BIAS_FF = 4   /* gate/up/down or fc1/fc2 (OPT, Llama mlp_bias) */
};

typedef enum { GF_DTYPE_F32 = 0, GF_DTYPE_F16 = 1, GF_DTYPE_BF16 = 2 } gf_dtype;

typedef enum {
  GF_ACT_SILU = 0,      /* x·sigmoid(x) (Llama, Mistral) */
  GF_ACT_GELU_TANH = 1, /* GELU, tanh approximation (Gemma) */
  GF_ACT_RELU = 2,      /* max(x, 0) (OPT, ReLU-Llama) */
  GF_ACT_GELU = 3       /* exact GELU (erf) */
} gf_activation;

/* Expert selection methods (GRIFFIN.md, "Selection methods"). */
typedef enum {
  GF_METHOD_TOPK = 0,
  GF_METHOD_SAMPLE = 1,
  GF_METHOD_TOPK_SAMPLE = 2,
  GF_METHOD_RANDOM = 3,
  GF_METHOD_MAGNITUDE = 4
} gf_method;

/* The model's tensors. Per-layer kinds take a layer index; the others take -1.
 * embed_dim is the config's embed_dim (0: hidden), pos_rows = max_positions + position_offset. */
typedef enum {
  GF_T_EMBED = 0,      /* (vocab, embed_dim) */
  GF_T_FINAL_NORM = 1, /* (hidden); absent when the config has no final norm */
  GF_T_LM_HEAD = 2,    /* (vocab, embed_dim); absent when embeddings are tied */
  GF_T_ATTN_NORM = 3,  /* (hidden) */
  GF_T_WQ = 4,         /* (n_heads·head_dim, hidden) */
  GF_T_WK = 5,         /* (n_kv_heads·head_dim, hidden) */
  GF_T_WV = 6,         /* (n_kv_heads·head_dim, hidden) */
  GF_T_WO = 7,         /* (hidden, n_heads·head_dim) */
  GF_T_FF_NORM = 8,    /* (hidden) */
  GF_T_W_GATE = 9,     /* (ff, hidden); gated blocks only */
  GF_T_W_UP = 10,      /* (ff, hidden); W_1 of a plain block */
  GF_T_W_DOWN = 11,    /* (hidden, ff); W_2 of a plain block */
  /* biases (GF_BIAS_* in the config's `biases`), LayerNorm biases and OPT's extra tensors */
  GF_T_BQ = 12,              /* (n_heads·head_dim); GF_BIAS_QKV */
  GF_T_BK = 13,              /* (n_kv_heads·head_dim); GF_BIAS_QKV */
  GF_T_BV = 14,              /* (n_kv_heads·head_dim); GF_BIAS_QKV */
  GF_T_BO = 15,              /* (hidden); GF_BIAS_O */
  GF_T_B_GATE = 16,          /* (ff); GF_BIAS_FF, gated blocks only */
  GF_T_B_UP = 17,            /* (ff); GF_BIAS_FF: b_1 of a plain block */
  GF_T_B_DOWN = 18,          /* (hidden); GF_BIAS_FF: b_2 of a plain block */
  GF_T_ATTN_NORM_BIAS = 19,  /* (hidden); GF_NORM_LAYER only */
  GF_T_FF_NORM_BIAS = 20,    /* (hidden); GF_NORM_LAYER only */
  GF_T_FINAL_NORM_BIAS = 21, /* (hidden); GF_NORM_LAYER with a final norm */
  GF_T_POS_EMBED = 22,       /* (pos_rows, hidden); learned positions only */
  GF_T_PROJECT_IN = 23,      /* (hidden, embed_dim); embed_dim ≠ hidden only */
  GF_T_PROJECT_OUT = 24,     /* (embed_dim, hidden); embed_dim ≠ hidden only */
  GF_T_COUNT = 25
} gf_tensor_kind;

/*
 * The architecture. Every field is 4 bytes (int32 or float32) so hosts can fill it with a plain
 * byte buffer; `reserved` keeps the size fixed (128 bytes) as fields are added. Zero in every
 * field after weight_dtype gives the plain Llama form.
 */
typedef struct {
  int32_t n_layers;        /* transformer blocks */
  int32_t hidden_size;     /* d_model */
  int32_t ff_size;         /* d_ff: FF neurons per layer */
  int32_t n_heads;         /* query heads */
  int32_t n_kv_heads;      /* key/value heads (grouped-query attention) */
  int32_t head_dim;        /* per-head size */
  int32_t vocab_size;      /* LM head rows */
  int32_t max_positions;   /* longest sequence */
  float norm_eps;          /* RMSNorm / LayerNorm epsilon */
  float rope_theta;        /* RoPE base */
  int32_t activation;      /* gf_activation */
  int32_t gated;           /* 1: z = act(x·W_gateᵀ) ⊙ (x·W_upᵀ); 0: z = act(x·W_1ᵀ + b_1) */
  int32_t tied_embeddings; /* 1: the LM head is the embedding matrix */
  int32_t weight_dtype;    /* gf_dtype the weights are kept in on the device */
  int32_t norm;            /* gf_norm of every norm layer */
  float embed_scale;       /* token embeddings are multiplied by it (Gemma: √hidden); 0 means 1 */
  int32_t post_norm;       /* 1: x = norm(x + f(x)) after each sublayer (OPT-350m) */
  int32_t no_final_norm;   /* 1: no norm before the LM head (OPT post-norm) */
  int32_t learned_positions; /* 1: a learned position table (OPT) is added, no RoPE */
  int32_t position_offset; /* the table row of position p is p + position_offset (OPT: 2) */
  int32_t sliding_window;  /* > 0: a query at p attends to keys in (p − window, p] (Mistral) */
  int32_t rope_scaling;    /* gf_rope_scaling */
  float rope_factor;       /* llama3: factor */
  float rope_low_freq_factor;  /* llama3: low_freq_factor */
  float rope_high_freq_factor; /* llama3: high_freq_factor */
  int32_t rope_original_max_positions; /* llama3: original_max_position_embeddings */
  int32_t biases;          /* GF_BIAS_* bits */
  int32_t embed_dim;       /* width of the embeddings and LM head (OPT word_embed_proj_dim); 0: hidden */
  int32_t reserved[4];
} gf_config;

typedef struct gf_model gf_model;     /* weights of one model on one device */
typedef struct gf_session gf_session; /* one sequence: KV cache, experts, scratch */

/* --- library ---------------------------------------------------------------------------- */

/* The message of the last failed call on this thread ("" when none). */
const char *gf_last_error(void);
/* GF_ABI_VERSION of the built library. */
int32_t gf_abi_version(void);
/* A short description of the build, e.g. "griffin-bench 1 cpu+cuda(sm_90)". */
const char *gf_build_info(void);
/* Number of usable CUDA devices; 0 when the build has no CUDA or the machine no driver. */
gf_status gf_cuda_device_count(int32_t *count);
/*
 * Runs every CUDA kernel against its CPU twin on random inputs drawn from seed, on device 0;
 * writes one line per check into report. GF_ERR_INTERNAL when a kernel disagrees.
 */
gf_status gf_cuda_check_kernels(uint64_t seed, char *report, int32_t capacity);
/* The device's measured read bandwidth (GB/s): a 4 GiB buffer read with 16-byte loads. */
gf_status gf_cuda_read_bandwidth(int32_t device, double *gb_per_second);
/* Bytes of device memory in use (by every process) and in all. */
gf_status gf_cuda_memory(int32_t device, uint64_t *used, uint64_t *total);

/* --- model -------------------------------------------------------------------------------- */

/* Creates an empty model; device -1 is the CPU, N ≥ 0 is CUDA device N. */
gf_status gf_model_create(const gf_config *config, int32_t device, gf_model **out);
/* Reads one tensor of `nbytes` at `offset` of `path` (stored as src_dtype), converting it. */
gf_status gf_model_load_file(gf_model *model, int32_t kind, int32_t layer, int32_t src_dtype,
                             const char *path, uint64_t offset, uint64_t nbytes);
/* Copies one tensor from host memory. */
gf_status gf_model_load_data(gf_model *model, int32_t kind, int32_t layer, int32_t src_dtype,
                             const void *data, uint64_t nbytes);
/* Fills every tensor with seeded random values of a sensible scale (speed benchmarks). */
gf_status gf_model_synthesize(gf_model *model, uint64_t seed);
/* Checks that every tensor is present and precomputes the magnitude baseline's scores. */
gf_status gf_model_finalize(gf_model *model);
/* ‖W_gate[j,:]‖·‖W_up[j,:]‖ (plain: ‖W_1[j,:]‖) for each neuron j of a layer: ff floats. */
gf_status gf_model_neuron_magnitudes(gf_model *model, int32_t layer, float *out);
/* Bytes of weights held on the device. */
gf_status gf_model_weight_bytes(gf_model *model, uint64_t *out);
/* Frees the model; null is a no-op. Sessions must be freed first. */
gf_status gf_model_free(gf_model *model);

/* --- session ------------------------------------------------------------------------------ */

/* A sequence of at most max_positions tokens (≤ the model's). */
gf_status gf_session_create(gf_model *model, int32_t max_positions, gf_session **out);
/* Frees the session; null is a no-op. */
gf_status gf_session_free(gf_session *session);
/* Empties the KV cache and forgets the experts; GRIFFIN settings stay. */
gf_status gf_session_reset(gf_session *session);
/*
 * GRIFFIN settings: one density per layer (n_layers doubles in [0, 1]; 1 means no selection),
 * a gf_method, and the seed of the sampled methods. Empties the session (like reset): the
 * settings take effect at the next prompt.
 */
gf_status gf_session_set_griffin(gf_session *session, const double *densities, int32_t method,
                                 uint64_t seed);
/* Keeps a copy of each layer's prompt activations Z (S × ff) for inspection. */
gf_status gf_session_set_capture(gf_session *session, int32_t enabled);

/*
 * Prompt phase (mode gen) on an empty session: the full FF over n tokens, then expert selection.
 * Writes logits for the last position (logit_rows = 1) or for every position (logit_rows = n).
 */
gf_status gf_prompt(gf_session *session, const int32_t *ids, int32_t n, int32_t logit_rows,
                    float *logits);
/* Generation phase: one token through the experts; writes vocab logits. */
gf_status gf_decode(gf_session *session, int32_t id, float *logits);
/*
 * gf_decode for greedy decoding: *token gets the argmax of the logits (as gf_decode_batch_greedy
 * picks it); on a GPU only the token crosses to the host.
 */
gf_status gf_decode_greedy(gf_session *session, int32_t id, int32_t *token);
/*
 * gf_decode for teacher forcing: *logprob gets the log-probability of target under the logits
 * (log-softmax in float64) and *greedy 1 where target is their argmax (the lowest index among
 * ties), as gf_score_class_batch scores its rows; on a GPU only those cross to the host.
 */
gf_status gf_decode_score(gf_session *session, int32_t id, int32_t target, double *logprob,
                          uint8_t *greedy);
/*
 * Mode class: one pass over n ≥ 2 tokens on a reset session; experts from positions 0..n-2,
 * used at position n-1 only. Writes n × vocab logits.
 */
gf_status gf_forward_class(gf_session *session, const int32_t *ids, int32_t n, float *logits);

/*
 * Generation phase of several sequences at once: sessions[b] (each after its prompt phase, all
 * on one model, each listed once) takes ids[b] as gf_decode would, through its own experts;
 * logits gets count × vocab rows. A GPU runs the step as one pass — products over one row per
 * sequence, each row of the FF block masked to its own sequence's experts, attention against
 * each sequence's own cache — in session 0's scratch; the CPU decodes each session in turn.
 */
gf_status gf_decode_batch(gf_session **sessions, int32_t count, const int32_t *ids,
                          float *logits);
/*
 * gf_decode_batch for greedy decoding: tokens[b] gets the argmax of row b's logits — the lowest
 * index among equal maxima, NaNs passed over, 0 where the first logit is NaN or every logit is
 * −∞ — as engine/sampler.ts's argmax picks it. On a GPU the argmax runs there and only the
 * tokens cross to the host.
 */
gf_status gf_decode_batch_greedy(gf_session **sessions, int32_t count, const int32_t *ids,
                                 int32_t *tokens);
/* gf_decode_batch for teacher forcing: each row scores targets[b] as gf_decode_score does. */
gf_status gf_decode_batch_scores(gf_session **sessions, int32_t count, const int32_t *ids,
                                 const int32_t *targets, double *logprobs, uint8_t *greedy);

/*
 * Mode class over a batch (many requests in one call): count sequences packed one after another
 * in ids, sequence b holding lengths[b] ≥ 2 tokens, each run as gf_forward_class runs it alone
 * (its own experts, from its positions but the last, used at its last position only). Positions
 * first[b] .. lengths[b] − 1 of sequence b are scored: targets holds the token each position
 * predicts, logprobs its log-probability (log-softmax in float64) and greedy 1 where it is the
 * argmax (the lowest index among ties); the three hold Σ_b (lengths[b] − first[b]) entries,
 * sequence after sequence. Σ_b lengths[b] ≤ the session's max_positions. The session is empty
 * afterwards; gf_session_batch_experts reads each sequence's experts.
 */
gf_status gf_score_class_batch(gf_session *session, const int32_t *ids, const int32_t *lengths,
                               const int32_t *first, int32_t count, const int32_t *targets,
                               double *logprobs, uint8_t *greedy);
/* The experts of sequence b of the last gf_score_class_batch at a layer (as gf_session_experts). */
gf_status gf_session_batch_experts(gf_session *session, int32_t sequence, int32_t layer,
                                   int32_t *out, int32_t *count);
/*
 * Every expert of the last gf_score_class_batch in one call: counts (layers × sequences) gets
 * each layer's k per sequence (-1: none selected), out the experts themselves, layer after
 * layer and within a layer sequence after sequence, ascending (at most capacity entries).
 */
gf_status gf_session_batch_experts_all(gf_session *session, int32_t *counts, int32_t *out,
                                       int64_t capacity);

/* Tokens in the KV cache. */
gf_status gf_session_position(gf_session *session, int32_t *out);
/* The experts of a layer, ascending, into out (ff capacity); *count = -1 when none selected. */
gf_status gf_session_experts(gf_session *session, int32_t layer, int32_t *out, int32_t *count);
/* The neuron scores s_j of a layer's last selection (ff floats); *valid = 0 when none. */
gf_status gf_session_neuron_scores(gf_session *session, int32_t layer, float *out,
                                   int32_t *valid);
/* Captured prompt activations of a layer: *rows × ff floats into out (capacity floats); with
 * out null, only *rows is set. */
gf_status gf_session_activations(gf_session *session, int32_t layer, float *out,
                                 int64_t capacity, int32_t *rows);
/* Milliseconds of the last prompt phase (or class pass) and of its expert selection. */
gf_status gf_session_timings(gf_session *session, double *prompt_ms, double *selection_ms);

#ifdef __cplusplus
}
#endif

#endif /* GRIFFIN_H */
