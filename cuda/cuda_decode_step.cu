/*
 * cuda_decode_step.cu — a decoding step as one persistent launch (GRIFFIN_STEP_KERNEL=1; by
 * default the step's ~130 kernels run in a graph: measured against them in one H200 call, this
 * launch is 1–3% faster on the Llama-2-7B and Mistral-7B shapes and 1–8% slower on the 13B, Gemma,
 * OPT and Qwen2 shapes, whose rows divide less evenly over its fixed grid). The blocks that fit on
 * the chip at once run the whole step, layer after layer — q/k/v with the attention norm, split
 * attention with RoPE and the cache write, o into the residual, gate/up over the experts with the
 * FF norm, the down projection over the experts, the final norm and the LM head — with a grid
 * barrier between dependent phases instead of a kernel boundary. Each phase is the device
 * function its own kernel runs (warp_rows, attention_split, down_block), so every row sums as
 * there; each block issues its first weight loads of a phase before it waits at the phase's
 * barrier. Gate and up rows are units of their own (a neuron's two rows may go to two warps, which
 * halves the tail of the warps with one neuron more) and the activation is applied by the down
 * projection's blocks as they stage their chunk. GRIFFIN_STEP_TRACE=1 times each phase's median
 * block, its slowest block and its barrier.
 */
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cuda_attention_decode.cuh"
#include "cuda_decode_step.cuh"
#include "cuda_embed.cuh"
#include "cuda_grid_barrier.cuh"
#include "cuda_profile.cuh"

namespace gf {
namespace {

/* One layer as the step kernel reads it (a table on the device, rebuilt after each prompt). */
struct StepLayer {
  const void *wqkv, *wo, *w_gate, *w_up, *w_down_t;
  const float *bqkv, *bo, *b_gate, *b_up, *b_down;
  Norm attn_norm, ff_norm;
  const int32_t *experts; /* null: every neuron */
  int count;              /* the FF rows read (experts, or ff) */
  void *key_cache, *value_cache;
};

/* Everything else a step reads and writes: the session's buffers, the model's ends, the shapes. */
struct StepArgs {
  const StepLayer *layers;
  int n_layers, hidden, q_dim, qkv_dim, heads, kv_heads, vocab, act, window, splits, down_chunks;
  float *x, *qkv, *att, *z, *up, *partials, *logits; /* z, up: the FF's pre-activations */
  uint32_t *head_tickets, *down_tickets, *sync;
  const int32_t *ids, *position;
  const void *embed, *pos_embed, *lm_head;
  float embed_scale;
  int position_offset;
  Norm final_norm;
  const float *inv_freq;
  uint64_t *arrivals, *releases; /* GRIFFIN_STEP_TRACE=1 (see GridBarrier); null otherwise */
};

template <typename T, int L>
static __global__ void __launch_bounds__(256, 2) decode_step_kernel(StepArgs a) {
  extern __shared__ float staged[];
  __shared__ uint32_t passed;
  __shared__ bool ok;
  constexpr int V = 16 / sizeof(T);
  if (threadIdx.x == 0) passed = 0, ok = true;
  __syncthreads();
  GridBarrier barrier{a.sync, &passed, &ok};
  barrier.arrivals = a.arrivals, barrier.releases = a.releases;
  const int block = blockIdx.x, blocks = gridDim.x;
  { /* the token's embedding (scaled, learned position added), as embed_kernel */
    const T *row = (const T *)a.embed + (size_t)a.ids[0] * a.hidden;
    const T *pos = a.pos_embed ? (const T *)a.pos_embed + (size_t)(*a.position + a.position_offset) * a.hidden
                               : nullptr;
    for (int i = block * blockDim.x + threadIdx.x; i < a.hidden; i += blocks * blockDim.x) {
      float v = to_float(row[i]);
      if (a.embed_scale != 1.0f) v *= a.embed_scale;
      if (pos) v += to_float(pos[i]);
      a.x[i] = v;
    }
  }
  const int tiles = (a.hidden + 32 * V - 1) / (32 * V), items = a.heads * a.splits;
  for (int l = 0; l < a.n_layers; l++) {
    const StepLayer &w = a.layers[l]; /* read where used: registers go to the loads in flight */
    gemv_rows<T>(staged, a.qkv, (const T *)w.wqkv, a.x, a.qkv_dim, a.hidden, nullptr, nullptr, w.attn_norm,
                 w.bqkv, block, blocks, barrier);
    int n = 0;
    for (int item = block; item < items && ok; item += blocks, n++)
      attention_split<T, L>(a.att, a.partials, a.head_tickets, a.qkv, (T *)w.key_cache, (T *)w.value_cache,
                            a.position, a.heads, a.kv_heads, a.inv_freq, a.window, item % a.heads,
                            item / a.heads, a.splits, barrier.first(n == 0));
    if (n == 0) barrier();
    gemv_rows<T>(staged, a.x, (const T *)w.wo, a.att, a.hidden, a.q_dim, nullptr, a.x, Norm(), w.bo, block,
                 blocks, barrier);
    { /* gate and up rows as units of their own (a neuron's two rows may go to two warps: half the
       * tail of a warp with one neuron more); the activation waits for the down projection */
      const T *w_gate = (const T *)w.w_gate, *w_up = (const T *)w.w_up;
      const int32_t *experts = w.experts;
      const float *b_gate = w.b_gate, *b_up = w.b_up;
      const int count = w.count, units = w_gate ? 2 * count : count;
      warp_rows<T>(
          staged, a.x, units, a.hidden, w.ff_norm,
          [&](int u) {
            const bool up = !w_gate || u >= count;
            const int i = up && w_gate ? u - count : u;
            return (up ? w_up : w_gate) + (size_t)(experts ? experts[i] : i) * a.hidden;
          },
          true,
          [&](int u, float acc) {
            const bool up = !w_gate || u >= count;
            const int i = up && w_gate ? u - count : u;
            const int e = experts ? experts[i] : i;
            if (up) {
              if (b_up) acc += b_up[e];
              (w_gate ? a.up : a.z)[i] = acc;
            } else {
              if (b_gate) acc += b_gate[e];
              a.z[i] = acc;
            }
          },
          block, blocks, barrier);
    }
    const int per_chunk = (w.count + a.down_chunks - 1) / a.down_chunks;
    const int chunks = (w.count + per_chunk - 1) / per_chunk;
    n = 0;
    for (int item = block; item < tiles * chunks && ok; item += blocks, n++)
      down_block<T>(a.x, a.partials, a.down_tickets, (const T *)w.w_down_t, a.z, w.experts, w.count, a.hidden,
                    per_chunk, w.b_down, item % tiles, item / tiles, chunks, barrier.first(n == 0),
                    w.w_gate ? a.up : nullptr, a.act, staged);
    if (n == 0) barrier();
    if (!ok) break;
  }
  gemv_rows<T>(staged, a.logits, (const T *)a.lm_head, a.x, a.vocab, a.hidden, nullptr, nullptr, a.final_norm,
               nullptr, block, blocks, barrier);
  if (!ok && threadIdx.x == 0) a.logits[0] = NAN; /* the host then reads sync[1] */
}

/*
 * Why the step kernel does not run this session, or null when it does: it takes 16-bit weights,
 * pre-norm blocks, no projections in or out, heads of 64, 128 or 256 elements, and every layer
 * reading some FF rows.
 */
const char *step_refusal(gf_session *s) {
  const gf_config &c = s->model->config;
  const GpuModel &m = *gpu_of(s->model);
  const GpuSession &g = *gpu_of(s);
  if (c.weight_dtype != GF_DTYPE_BF16 && c.weight_dtype != GF_DTYPE_F16) return "its weights are not 16-bit";
  if (c.post_norm) return "its blocks are post-norm";
  if (m.project_in || m.project_out) return "it projects its embeddings in and out";
  if (c.head_dim != 64 && c.head_dim != 128 && c.head_dim != 256) return "its heads are not 64, 128 or 256 wide";
  if (c.hidden_size % 8 != 0 || c.n_heads * c.head_dim % 8 != 0) return "its widths are not multiples of 8";
  if ((size_t)c.ff_size > (size_t)c.hidden_size * 128) return "its FF block is over 128 times its width";
  for (int32_t l = 0; l < c.n_layers; l++)
    if (s->densities[(size_t)l] < 1.0 && g.expert_count[(size_t)l] == 0) return "a layer keeps no experts";
  return nullptr;
}

/* Whether the step records when each block reaches each barrier: GRIFFIN_STEP_TRACE=1. */
bool tracing() {
  const char *v = getenv("GRIFFIN_STEP_TRACE");
  return v && strcmp(v, "1") == 0;
}

template <typename T, int L>
gf_status launch_step(gf_session *s) {
  GpuSession &g = *gpu_of(s);
  const GpuModel &m = *gpu_of(s->model);
  const gf_config &c = s->model->config;
  const Dims d(c);
  const auto kernel = decode_step_kernel<T, L>;
  const size_t shared = (size_t)std::max(d.hidden, d.q_dim) * 4;
  constexpr int V = 16 / sizeof(T);
  const int tiles = (d.hidden + 32 * V - 1) / (32 * V);
  if (!g.step_ready) { /* the grid, and each layer's weights and experts: once per prompt */
    int fit = 0;
    if (shared > (48u << 10))
      GF_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared));
    GF_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&fit, kernel, 256, shared));
    if (fit < 1) return fail(GF_ERR_UNSUPPORTED, "the persistent decoding step does not fit on a multiprocessor");
    g.step_blocks = multiprocessors(m.device) * fit;
    std::vector<StepLayer> table((size_t)d.layers);
    const size_t cache_layer = (size_t)s->max_positions * d.kv_dim;
    for (int32_t l = 0; l < d.layers; l++) {
      const GpuLayer &w = m.layers[(size_t)l];
      const bool griffin = s->densities[(size_t)l] < 1.0 && g.expert_count[(size_t)l] >= 0;
      StepLayer &t = table[(size_t)l];
      t = StepLayer{w.wqkv, w.wo, c.gated ? w.w_gate : nullptr, w.w_up, w.w_down_t, w.bqkv, w.bo,
                    c.gated ? w.b_gate : nullptr, w.b_up, w.b_down,
                    norm_of(c, w.attn_norm, w.attn_norm_bias), norm_of(c, w.ff_norm, w.ff_norm_bias),
                    griffin ? g.experts + (size_t)l * d.ff : nullptr, griffin ? g.expert_count[(size_t)l] : d.ff,
                    (T *)g.key_cache + l * cache_layer, (T *)g.value_cache + l * cache_layer};
      if (griffin && (size_t)l < g.compact_offset.size() && g.compact_offset[(size_t)l] != SIZE_MAX) {
        const T *gate = (const T *)((char *)g.compact + g.compact_offset[(size_t)l]); /* gathered copies */
        t.w_gate = c.gated ? gate : nullptr;
        t.w_up = gate + (size_t)t.count * d.hidden;
        t.w_down_t = gate + 2 * (size_t)t.count * d.hidden;
        t.experts = nullptr;
      }
    }
    if (!g.step_layers) GF_CUDA(cudaMalloc(&g.step_layers, (size_t)d.layers * sizeof(StepLayer)));
    GF_CUDA(cudaMemcpyAsync(g.step_layers, table.data(), table.size() * sizeof(StepLayer), cudaMemcpyHostToDevice,
                            g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream)); /* the table leaves scope */
    g.step_ready = true;
  }
  const int blocks = g.step_blocks;
  StepArgs a;
  a.layers = (const StepLayer *)g.step_layers;
  a.n_layers = d.layers, a.hidden = d.hidden, a.q_dim = d.q_dim, a.qkv_dim = d.qkv_dim;
  a.heads = d.heads, a.kv_heads = d.kv_heads, a.vocab = d.vocab, a.act = (int)c.activation;
  a.window = c.sliding_window;
  a.splits = std::max(1, std::min(g.attention_splits, blocks / d.heads));
  /* chunks: a wave of (tile, chunk) blocks, each chunk's activations within the staging buffer */
  const int staging = (int)(shared / 4), fewest = (d.ff + staging - 1) / staging;
  a.down_chunks = std::max({1, fewest, std::min(blocks / tiles, (int)(g.partials_floats / d.hidden))});
  a.x = g.x, a.qkv = g.qkv, a.att = g.att, a.z = g.z, a.up = g.up, a.partials = g.partials, a.logits = g.logits;
  a.head_tickets = g.tickets, a.down_tickets = g.tickets + d.heads, a.sync = g.step_sync;
  a.ids = g.ids, a.position = g.position;
  a.embed = m.embed, a.pos_embed = m.pos_embed, a.lm_head = m.lm_head;
  a.embed_scale = c.embed_scale != 0.f ? c.embed_scale : 1.f;
  a.position_offset = c.position_offset;
  a.final_norm = final_norm(c, m);
  a.inv_freq = m.inv_freq;
  a.arrivals = a.releases = nullptr;
  if (tracing()) { /* a barrier before each phase but the first: 5 a layer and the LM head's */
    const int barriers = 5 * d.layers + 1;
    if (!g.step_trace || g.step_trace_blocks != blocks || g.step_trace_barriers != barriers) {
      if (g.step_trace) cudaFree(g.step_trace);
      g.step_trace = nullptr;
      GF_CUDA(cudaMalloc(&g.step_trace, (size_t)barriers * (blocks + 1) * sizeof(uint64_t)));
      g.step_trace_blocks = blocks, g.step_trace_barriers = barriers;
    }
    a.arrivals = g.step_trace, a.releases = g.step_trace + (size_t)barriers * blocks;
  }
  GF_CUDA(cudaMemsetAsync(g.step_sync, 0, 2 * sizeof(uint32_t), g.stream));
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3(blocks);
  config.blockDim = dim3(256);
  config.dynamicSmemBytes = shared;
  config.stream = g.stream;
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeCooperative; /* every block resident at once, or no launch */
  attribute[0].val.cooperative = 1;
  config.attrs = attribute;
  config.numAttrs = 1;
  GF_CUDA(cudaLaunchKernelEx(&config, kernel, a));
  return GF_OK;
}

} // namespace

gf_status step_trace_collect(gf_session *s) {
  GpuSession &g = *gpu_of(s);
  if (!tracing() || !g.step_trace) return GF_OK;
  const int blocks = g.step_trace_blocks, barriers = g.step_trace_barriers;
  std::vector<uint64_t> t((size_t)barriers * (blocks + 1));
  GF_CUDA(cudaMemcpy(t.data(), g.step_trace, t.size() * sizeof(uint64_t), cudaMemcpyDeviceToHost));
  const uint64_t *releases = t.data() + (size_t)barriers * blocks;
  /* the phase that ends at barrier k: embed (k = 0), then per layer q/k/v, attention, o,
   * gate/up, down; each split into its median block's work, the slowest block's lag and the
   * barrier's own latency (release after the last arrival) */
  static const char *kinds[] = {"down", "q/k/v", "attention", "o", "gate/up"};
  const std::string pass = "persistent step (GRIFFIN_STEP_TRACE)";
  std::vector<uint64_t> arrived((size_t)blocks);
  for (int k = 1; k < barriers; k++) {
    const uint64_t start = releases[k - 1];
    for (int b = 0; b < blocks; b++) arrived[(size_t)b] = t[(size_t)k * blocks + b];
    std::sort(arrived.begin(), arrived.end());
    const double median = (double)(arrived[(size_t)blocks / 2] - start) * 1e-6;
    const double slowest = (double)(arrived.back() - arrived[(size_t)blocks / 2]) * 1e-6;
    const double latency = (double)(releases[k] - arrived.back()) * 1e-6;
    const std::string kind = kinds[k % 5];
    add_phase_time(pass, kind + " work", median, 0);
    add_phase_time(pass, kind + " slowest block", slowest, 0);
    add_phase_time(pass, kind + " barrier", latency, 0);
  }
  add_phase_time(pass, "embed, first barrier", (double)(releases[0] - t[0]) * 1e-6, 1);
  return GF_OK;
}

int step_kernel_mode() {
  const char *v = getenv("GRIFFIN_STEP_KERNEL");
  if (!v) return 0;
  return strcmp(v, "require") == 0 ? 2 : strcmp(v, "1") == 0 ? 1 : 0;
}

gf_status enqueue_step_kernel(gf_session *s, bool require, bool *done) {
  *done = false;
  if (const char *why = step_refusal(s)) {
    if (require) return fail(GF_ERR_UNSUPPORTED, "the persistent decoding step does not run this model: %s", why);
    return GF_OK;
  }
  gf_status st = GF_OK;
  const int head_dim = s->model->config.head_dim;
  if (s->model->config.weight_dtype == GF_DTYPE_BF16) {
    using T = __nv_bfloat16;
    st = head_dim == 64 ? launch_step<T, 8>(s) : head_dim == 128 ? launch_step<T, 16>(s) : launch_step<T, 32>(s);
  } else {
    using T = __half;
    st = head_dim == 64 ? launch_step<T, 8>(s) : head_dim == 128 ? launch_step<T, 16>(s) : launch_step<T, 32>(s);
  }
  *done = st == GF_OK;
  return st;
}

gf_status step_kernel_failed(gf_session *s, bool *failed) {
  uint32_t flag = 0;
  GF_CUDA(cudaMemcpy(&flag, gpu_of(s)->step_sync + 1, 4, cudaMemcpyDeviceToHost));
  *failed = flag != 0;
  return GF_OK;
}

} // namespace gf
