/*
 * cuda_session.cu — a sequence's state on the GPU: KV cache, scratch sized for the longest
 * prompt, selection buffers; and bringing the experts and scores back for inspection (of the
 * sequence, or of every sequence of the last class-mode batch).
 */
#include <algorithm>

#include "cuda_attention_decode.cuh"
#include "cuda_attention_prompt.cuh"
#include "cuda_layers.cuh"
#include "cuda_selection.cuh"

namespace gf {

namespace {

gf_status alloc(GpuSession &g, size_t bytes, void **out) {
  GF_CUDA(cudaMalloc(out, std::max<size_t>(bytes, 16)));
  g.allocations.push_back(*out);
  return GF_OK;
}

void release(GpuSession *g) {
  if (g->decode_graph) cudaGraphExecDestroy(g->decode_graph);
  if (g->batch_graph) cudaGraphExecDestroy(g->batch_graph);
  for (void *p : g->allocations) cudaFree(p);
  if (g->compact) cudaFree(g->compact);
  if (g->batch_experts) cudaFree(g->batch_experts);
  if (g->host_logits) cudaFreeHost(g->host_logits);
  if (g->batch_host_logits) cudaFreeHost(g->batch_host_logits);
  if (g->batch_host_tables) cudaFreeHost(g->batch_host_tables);
  if (g->step_layers) cudaFree(g->step_layers);
  if (g->step_trace) cudaFree(g->step_trace);
  for (cudaEvent_t e : g->selection_events) cudaEventDestroy(e);
#ifdef GF_HAVE_CUBLASLT
  delete g->invariant;
#endif
#ifdef GF_HAVE_CUBLAS
  if (g->cublas) cublasDestroy(g->cublas);
#endif
  if (g->stream) cudaStreamDestroy(g->stream);
  delete g;
}

gf_status build(gf_session *s, GpuSession &g) {
  const gf_model *m = s->model;
  const Dims d(m->config);
  const size_t rows = (size_t)s->max_positions, elem = dtype_size(m->config.weight_dtype);
  GF_CUDA(cudaStreamCreateWithFlags(&g.stream, cudaStreamNonBlocking));
#ifdef GF_HAVE_CUBLAS
  if (cublasCreate(&g.cublas) != CUBLAS_STATUS_SUCCESS)
    return fail(GF_ERR_CUDA, "cuBLAS could not start on cuda:%d", m->device);
  cublasSetStream(g.cublas, g.stream);
#endif
  g.selection_events.assign((size_t)d.layers * 2 + 2, nullptr);
  for (cudaEvent_t &e : g.selection_events) GF_CUDA(cudaEventCreate(&e));
  const size_t cache = (size_t)d.layers * rows * d.kv_dim * elem;
  const size_t widest = (size_t)std::max({d.hidden, d.ff, d.q_dim, d.width});
  int sms = 0;
  GF_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, m->device));
  bool split_kernel = false; /* as enqueue_decode decides */
  GF_DISPATCH(m->config.weight_dtype, split_kernel = decode_lanes<T>(d.head_dim) > 0);
  g.attention_splits = split_kernel ? decode_splits(d.heads, s->max_positions, sms)
                                    : (s->max_positions + ATTENTION_CHUNK - 1) / ATTENTION_CHUNK;
  g.partials_floats = std::max((size_t)d.hidden * 128,
                               (size_t)d.heads * g.attention_splits * (d.head_dim + 2));
  const size_t tickets = (size_t)d.heads + down_tiles(d.hidden, 1);
  g.attention_scratch_bytes = prompt_attention_scratch(s->max_positions, d.heads, elem);
  struct { void **out; size_t bytes; } plan[] = {
      {&g.key_cache, cache},
      {&g.value_cache, cache},
      {(void **)&g.ids, rows * 4},
      {(void **)&g.position, 4},
      {(void **)&g.x, rows * d.hidden * 4},
      {(void **)&g.xb, rows * d.hidden * 4},
      {(void **)&g.e, d.width != d.hidden ? rows * d.width * 4 : 16},
      {(void **)&g.qkv, rows * d.qkv_dim * 4},
      {(void **)&g.att, rows * d.q_dim * 4},
      {(void **)&g.z, rows * d.ff * 4},
      {(void **)&g.up, rows * d.ff * 4},
      {&g.cast, rows * widest * elem},
      {(void **)&g.partials, g.partials_floats * 4},
      {(void **)&g.tickets, tickets * 4},
      {&g.attention_scratch, g.attention_scratch_bytes},
      {(void **)&g.logits, (size_t)d.vocab * 4},
      {(void **)&g.row_inverse, rows * 8},
      {(void **)&g.score_partials, (size_t)SCORE_MAX_CHUNKS * d.ff * 8},
      {(void **)&g.score_tickets, (size_t)score_tiles(d.ff) * 4},
      {(void **)&g.scores, (size_t)d.layers * d.ff * 8},
      {(void **)&g.experts, (size_t)d.layers * d.ff * 4},
      {(void **)&g.counts, (size_t)d.layers * 4},
      {(void **)&g.flags, (size_t)d.ff},
      {(void **)&g.batch_index, rows * 7 * 4},
      {(void **)&g.batch_logprobs, rows * 8},
      {(void **)&g.batch_greedy, rows},
      {(void **)&g.greedy_tokens, rows * 4},
      {(void **)&g.step_sync, 2 * sizeof(uint32_t)},
  };
  for (auto &p : plan) {
    gf_status status = alloc(g, p.bytes, p.out);
    if (status != GF_OK) return status;
  }
#ifdef GF_HAVE_CUBLAS
  if (m->config.gated && m->config.weight_dtype != GF_DTYPE_F32) { /* gemm_pair's operands, layer by layer */
    std::vector<void *> pairs((size_t)d.layers * 6);
    for (int32_t l = 0; l < d.layers; l++) {
      const GpuLayer &w = gpu_of(s->model)->layers[(size_t)l];
      void *const row[6] = {w.w_gate, w.w_up, g.cast, g.cast, g.z, g.up};
      std::copy(row, row + 6, pairs.begin() + (size_t)l * 6);
    }
    if (gf_status status = alloc(g, pairs.size() * sizeof(void *), (void **)&g.ff_pairs); status != GF_OK)
      return status;
    GF_CUDA(cudaMemcpyAsync(g.ff_pairs, pairs.data(), pairs.size() * sizeof(void *), cudaMemcpyHostToDevice,
                            g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream)); /* pairs leaves scope */
  }
#endif
  GF_CUDA(cudaMemsetAsync(g.tickets, 0, tickets * 4, g.stream));
  GF_CUDA(cudaMemsetAsync(g.score_tickets, 0, (size_t)score_tiles(d.ff) * 4, g.stream));
  GF_CUDA(cudaMallocHost((void **)&g.host_logits, (size_t)d.vocab * 4));
  g.expert_count.assign((size_t)d.layers, -1);
  g.capacity = s->max_positions;
  g.cast_bytes = rows * widest * elem;
  g.up_bytes = rows * d.ff * 4;
  GF_CUDA(cudaStreamSynchronize(g.stream));
  return GF_OK;
}

} // namespace

gf_status cuda_session_create(gf_session *s) {
  GF_CUDA(cudaSetDevice(s->model->device));
  GpuSession *g = new GpuSession();
  gf_status status = build(s, *g);
  if (status != GF_OK) {
    release(g);
    return status;
  }
  s->gpu = g;
  return GF_OK;
}

void cuda_print_profile();

void cuda_session_free(gf_session *s) {
  if (!s->gpu) return;
  cuda_print_profile();
  cudaSetDevice(s->model->device);
  release(gpu_of(s));
  s->gpu = nullptr;
}

gf_status cuda_fetch_selection(gf_session *s) {
  GpuSession &g = *gpu_of(s);
  if (s->position == 0) g.selection_on_host = true; /* reset since: no sequence, no experts */
  if (g.selection_on_host) return GF_OK;
  const int32_t ff = s->model->config.ff_size;
  GF_CUDA(cudaStreamSynchronize(g.stream));
  std::vector<double> scores((size_t)ff);
  for (size_t l = 0; l < g.expert_count.size(); l++) {
    const int32_t k = g.expert_count[l];
    if (k < 0) continue;
    s->experts[l].resize((size_t)k);
    GF_CUDA(cudaMemcpy(s->experts[l].data(), g.experts + l * ff, (size_t)k * 4,
                       cudaMemcpyDeviceToHost));
    s->selected[l] = 1;
    if (s->method != GF_METHOD_MAGNITUDE) {
      GF_CUDA(cudaMemcpy(scores.data(), g.scores + l * ff, (size_t)ff * 8, cudaMemcpyDeviceToHost));
      s->scores[l].assign(scores.begin(), scores.end());
    } else {
      s->scores[l] = s->model->layers[l].magnitudes;
    }
    s->scored[l] = 1;
  }
  g.selection_on_host = true;
  return GF_OK;
}

gf_status cuda_batch_experts(gf_session *s, int32_t sequence, int32_t layer, int32_t *out,
                             int32_t *count) {
  GpuSession &g = *gpu_of(s);
  const gf_config &c = s->model->config;
  if (sequence < 0 || sequence >= g.batch_count)
    return fail(GF_ERR_INVALID_ARGUMENT, "sequence %d is not in the last batch (%d sequences)",
                sequence, g.batch_count);
  *count = g.batch_expert_counts[(size_t)sequence * c.n_layers + layer];
  if (*count <= 0) return GF_OK;
  GF_CUDA(cudaMemcpy(out, g.batch_experts + ((size_t)layer * g.batch_count + sequence) * c.ff_size,
                     (size_t)*count * 4, cudaMemcpyDeviceToHost));
  return GF_OK;
}

gf_status cuda_batch_experts_all(gf_session *s, int32_t *counts, int32_t *out, int64_t capacity) {
  GpuSession &g = *gpu_of(s);
  const gf_config &c = s->model->config;
  const int32_t n = g.batch_count, ff = c.ff_size;
  int64_t at = 0;
  for (int32_t l = 0; l < c.n_layers; l++) {
    const int32_t k = n > 0 ? g.batch_expert_counts[(size_t)l] : -1; /* one k a layer */
    for (int32_t b = 0; b < n; b++) counts[(size_t)l * n + b] = g.batch_expert_counts[(size_t)b * c.n_layers + l];
    if (k <= 0) continue;
    if (at + (int64_t)k * n > capacity)
      return fail(GF_ERR_INVALID_ARGUMENT, "the batch's experts need more than %lld entries",
                  (long long)capacity);
    GF_CUDA(cudaMemcpy2D(out + at, (size_t)k * 4, g.batch_experts + (size_t)l * n * ff, (size_t)ff * 4,
                         (size_t)k * 4, (size_t)n, cudaMemcpyDeviceToHost));
    at += (int64_t)k * n;
  }
  return GF_OK;
}

} // namespace gf
