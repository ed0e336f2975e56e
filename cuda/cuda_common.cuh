/*
 * cuda_common.cuh — what the CUDA backend's files share: error checks that return a status,
 * the weight types, and the device-side model and session state.
 */
#ifndef GRIFFIN_CUDA_COMMON_CUH
#define GRIFFIN_CUDA_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cuda_backend.h"

#ifdef GF_HAVE_CUBLAS
#include <cublas_v2.h>
#endif

/* Returns a gf_status from the enclosing function when a CUDA call fails. */
#define GF_CUDA(call)                                                                          \
  do {                                                                                         \
    cudaError_t gf_err_ = (call);                                                              \
    if (gf_err_ != cudaSuccess)                                                                \
      return gf::fail(gf_err_ == cudaErrorMemoryAllocation ? GF_ERR_OUT_OF_MEMORY : GF_ERR_CUDA, \
                      "%s (%s:%d: %s)", cudaGetErrorString(gf_err_), __FILE__, __LINE__, #call); \
  } while (0)

/* Checks the last kernel launch. */
#define GF_LAUNCHED() GF_CUDA(cudaGetLastError())

namespace gf {

#ifdef GF_HAVE_CUBLAS
/* The CUDA data type of each weight type, as cuBLAS and cuBLASLt name it. */
template <typename T> constexpr cudaDataType_t cuda_type();
template <> constexpr cudaDataType_t cuda_type<float>() { return CUDA_R_32F; }
template <> constexpr cudaDataType_t cuda_type<__half>() { return CUDA_R_16F; }
template <> constexpr cudaDataType_t cuda_type<__nv_bfloat16>() { return CUDA_R_16BF; }
#endif

/* Element conversions to and from float, for every weight type. */
__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

/* Calls body with T bound to the C++ type of a gf_dtype. */
#define GF_DISPATCH(dtype, ...)                                                                \
  switch (dtype) {                                                                             \
  case GF_DTYPE_F16: { using T = __half; __VA_ARGS__; break; }                                 \
  case GF_DTYPE_BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }                         \
  default: { using T = float; __VA_ARGS__; break; }                                            \
  }

/* One transformer block's weights on the device (T = the model's weight type). */
struct GpuLayer {
  void *wqkv = nullptr;     /* (q_dim + 2·kv_dim, hidden): q, k, v projections stacked */
  void *wo = nullptr;       /* (hidden, q_dim) */
  void *w_gate = nullptr;   /* (ff, hidden) */
  void *w_up = nullptr;     /* (ff, hidden) */
  void *w_down_t = nullptr; /* (ff, hidden): W_downᵀ, so a neuron's weights are one row */
  float *attn_norm = nullptr; /* (hidden) */
  float *ff_norm = nullptr;   /* (hidden) */
  float *attn_norm_bias = nullptr; /* (hidden) LayerNorm's bias; null for RMSNorm */
  float *ff_norm_bias = nullptr;   /* (hidden) LayerNorm's bias; null for RMSNorm */
  float *bqkv = nullptr;   /* (q_dim + 2·kv_dim) q, k, v biases stacked; null without */
  float *bo = nullptr;     /* (hidden); null without */
  float *b_gate = nullptr; /* (ff); null without */
  float *b_up = nullptr;   /* (ff) b_1 of a plain block; null without */
  float *b_down = nullptr; /* (hidden) b_2 of a plain block; null without */
};

/* A model's weights on its device. */
struct GpuModel {
  int32_t device = 0;
  int32_t dtype = GF_DTYPE_BF16;
  void *embed = nullptr;      /* (vocab, hidden) */
  void *lm_head = nullptr;    /* (vocab, hidden); the embeddings when tied */
  float *final_norm = nullptr;      /* (hidden); null with no final norm */
  float *final_norm_bias = nullptr; /* (hidden) LayerNorm's bias; null for RMSNorm */
  float *inv_freq = nullptr;  /* (head_dim / 2) RoPE inverse frequencies, scaling applied; null
                                 with learned positions */
  void *pos_embed = nullptr;   /* (max_positions + offset, hidden) learned positions; or null */
  void *project_in = nullptr;  /* (hidden, embed_dim) when embed_dim ≠ hidden; or null */
  void *project_out = nullptr; /* (embed_dim, hidden) when embed_dim ≠ hidden; or null */
  std::vector<GpuLayer> layers;
  std::vector<void *> allocations;
};

struct InvariantProducts; /* cuda_gemm_invariant.cuh */

/* One sequence's state on the device. */
struct GpuSession {
  cudaStream_t stream = nullptr;
#ifdef GF_HAVE_CUBLAS
  cublasHandle_t cublas = nullptr;
#endif
  bool invariant_on = false; /* a class pass's products batch-invariant (InvariantScope) */
  InvariantProducts *invariant = nullptr;
  std::vector<void *> allocations;
  void *key_cache = nullptr;   /* T (layers, max_positions, kv_dim) */
  void *value_cache = nullptr; /* T (layers, max_positions, kv_dim) */
  int32_t *ids = nullptr;      /* (max_positions) token ids of the pass; ids[0] in decoding */
  int32_t *position = nullptr; /* (1) the decoding position */
  float *x = nullptr;          /* (n, hidden) residual stream */
  float *xb = nullptr;         /* (n, hidden) normed */
  float *e = nullptr;          /* (n, embed_dim) embeddings before project_in / after project_out */
  float *qkv = nullptr;        /* (n, q_dim + 2·kv_dim) */
  float *att = nullptr;        /* (n, q_dim) */
  float *z = nullptr;          /* (n, ff) */
  float *up = nullptr;         /* (n, ff) */
  void *cast = nullptr;        /* T (n, max(hidden, ff, q_dim)) GEMM operand */
  /* (layers, 6) on the device: W_gate, W_up, cast, cast, z, up of each layer — gate and up of a
   * few rows in one batched call (gemm_pair); null for plain blocks or without cuBLAS */
  void **ff_pairs = nullptr;
  size_t cast_bytes = 0, up_bytes = 0; /* what cast and up hold */
  float *partials = nullptr;   /* down-projection partial sums / attention partials */
  size_t partials_floats = 0;
  uint32_t *tickets = nullptr; /* zeros: a counter per attention head, then per down tile */
  void *attention_scratch = nullptr;  /* prompt attention: scores (f32), then probabilities (T) */
  size_t attention_scratch_bytes = 0;
  int32_t attention_splits = 1; /* splits per head of decoding attention */
  int gemv_resident = 1, gate_up_resident = 1; /* blocks of each that fit on a multiprocessor */
  float *logits = nullptr;     /* (vocab) of the last position */
  float *host_logits = nullptr; /* pinned (vocab) */
  double *row_inverse = nullptr; /* (max_positions) 1/‖Z_t‖ */
  double *score_partials = nullptr; /* (SCORE_MAX_CHUNKS, ff) neuron scores' partial sums */
  uint32_t *score_tickets = nullptr; /* zeros: a counter per neuron-score tile */
  double *scores = nullptr;      /* (layers, ff) neuron scores */
  int32_t *experts = nullptr;    /* (layers, ff) ascending */
  std::vector<int32_t> expert_count; /* per layer; -1 when the layer selected none */
  int32_t *counts = nullptr;     /* (layers) k of each top-k layer, -1 for the others */
  uint8_t *flags = nullptr;      /* (ff) class mode: the experts of the current layer */
  std::vector<cudaEvent_t> selection_events; /* (2 · layers) around each layer's selection */
  /* GRIFFIN_COMPACT=1: the experts' rows of W_gate, W_up, W_downᵀ gathered, per layer (0: none) */
  void *compact = nullptr;
  size_t compact_bytes = 0;
  std::vector<size_t> compact_offset; /* bytes into compact of each layer's copy */
  /* the decoding step as a CUDA graph, valid for the current experts */
  cudaGraphExec_t decode_graph = nullptr;
  /* a decoding batch's step (this session leading) as a CUDA graph, for batch_graph_key's
   * sequences and splits; off after a capture failed */
  cudaGraphExec_t batch_graph = nullptr;
  int32_t batch_graph_key[2] = {-1, -1};
  bool batch_graph_failed = false;
  float *batch_host_logits = nullptr; /* pinned (sequences, vocab): a decoding batch's logits */
  void *batch_host_tables = nullptr;  /* pinned: a decoding batch's tables, one copy a step */
  size_t batch_host_table_bytes = 0;
  /* the persistent decoding step (GRIFFIN_STEP_KERNEL=1): its layer table (made once a prompt),
   * and its grid barrier's counter and failure mark */
  void *step_layers = nullptr;
  bool step_ready = false;
  int32_t step_blocks = 0; /* its grid: the blocks that fit on the chip at once */
  uint32_t *step_sync = nullptr;
  /* GRIFFIN_STEP_TRACE=1: each block's arrival at each barrier, then block 0's releases (ns) */
  uint64_t *step_trace = nullptr;
  int32_t step_trace_blocks = 0, step_trace_barriers = 0;
  size_t batch_host_floats = 0;
  bool selection_on_host = true; /* host copies of experts and scores are current */
  /* mode class over a packed batch (gf_score_class_batch) */
  int32_t *batch_index = nullptr;  /* (7, max_positions): positions, scored rows, targets, last
                                      rows, counts, offsets, lengths */
  double *batch_logprobs = nullptr; /* (max_positions) */
  uint8_t *batch_greedy = nullptr;  /* (max_positions) */
  int32_t *greedy_tokens = nullptr; /* (max_positions) a step's greedy tokens, or its targets */
  int32_t *batch_experts = nullptr; /* (layers, sequences, ff) experts, then (sequences, ff)
                                       scores (f64), grown on demand */
  size_t batch_experts_bytes = 0;
  int32_t batch_count = 0;          /* sequences of the last batch */
  std::vector<int32_t> batch_expert_counts; /* (sequences, layers): k, or -1 */
  int32_t capacity = 0;          /* rows the scratch holds */
};

/* The device state of a model or session. */
inline GpuModel *gpu_of(gf_model *m) { return (GpuModel *)m->gpu; }
inline GpuSession *gpu_of(gf_session *s) { return (GpuSession *)s->gpu; }

/* Multiprocessors of CUDA device `device`, asked once a process (132, an H200's, if unknown). */
inline int multiprocessors(int device) {
  static int count[64] = {0};
  if (device < 0 || device >= 64) return 132;
  if (!count[device]) cudaDeviceGetAttribute(&count[device], cudaDevAttrMultiProcessorCount, device);
  return count[device] ? count[device] : 132;
}

/* Multiprocessors of the current CUDA device (the one a launch goes to). */
inline int current_multiprocessors() {
  int device = 0;
  cudaGetDevice(&device);
  return multiprocessors(device);
}

/* Derived sizes of a config. */
struct Dims {
  int32_t hidden, ff, heads, kv_heads, head_dim, q_dim, kv_dim, qkv_dim, vocab, layers, width,
      widest;
  explicit Dims(const gf_config &c)
      : hidden(c.hidden_size), ff(c.ff_size), heads(c.n_heads), kv_heads(c.n_kv_heads),
        head_dim(c.head_dim), q_dim(c.n_heads * c.head_dim), kv_dim(c.n_kv_heads * c.head_dim),
        qkv_dim(c.n_heads * c.head_dim + 2 * c.n_kv_heads * c.head_dim), vocab(c.vocab_size),
        layers(c.n_layers), width(embed_width(c)),
        widest(std::max(std::max(hidden, q_dim), embed_width(c))) {}
};

/*
 * A norm layer as the kernels take it: RMSNorm x̂·w (b null; Gemma's 1 + w is already in w),
 * LayerNorm (x − mean)·inv·w + b (b set), or none (w null).
 */
struct Norm {
  const float *w = nullptr;
  const float *b = nullptr;
  float eps = 0.f;
};

/* The model's norm with weight w and bias b (LayerNorm's; null for RMSNorm). */
inline Norm norm_of(const gf_config &c, const float *w, const float *b) {
  Norm n;
  n.w = w;
  n.b = c.norm == GF_NORM_LAYER ? b : nullptr;
  n.eps = c.norm_eps;
  return n;
}

} // namespace gf

#endif
