/*
 * cuda_decode_batch.cu — the generation phase of several sequences in one pass (gf_decode_batch
 * on a GPU): their new tokens go through the products together (tensor-core GEMMs over one row
 * per sequence, the weights read once for all), attention for every sequence in one launch, each
 * against its own KV cache (the split decoding kernel, RoPE and cache write fused), and each row
 * of the FF block keeps only its own sequence's experts — the union of the batch's experts is
 * read and every row masked to its own set, so a sequence's FF output sums the same experts as
 * alone. The o and down products are split over their inputs, and each one's slices are summed
 * into the residual together with the norm that follows (add_norm_kernel).
 */
#include <cstring>
#include <vector>

#include "cuda_add_norm.cuh"
#include "cuda_attention_decode.cuh"
#include "cuda_embed.cuh"
#include "cuda_ff_rows.cuh"
#include "cuda_gemm_split.cuh"
#include "cuda_logit_rows.cuh"
#include "cuda_profile.cuh"
#include "cuda_selection.cuh"

namespace gf {
namespace {

/* The device tables a decoding batch's kernels read (in the lead's scratch), and its shape. */
struct BatchTables {
  const int32_t *positions, *counts;
  const int32_t *const *experts;
  const DecodeSequence *states;
  bool one_launch;
  int splits;
};

/* One step's kernels for `count` sequences led by sessions[0] (captured into a graph when the
 * batch repeats; see decode_batch_pass). */
template <typename T>
gf_status enqueue_batch_step(gf_session **sessions, int32_t count, const BatchTables &t, PhaseClock &clock) {
  gf_session *lead = sessions[0];
  GpuSession &g = *gpu_of(lead);
  const GpuModel &m = *gpu_of(lead->model);
  const gf_config &c = lead->model->config;
  const Dims d(c);
  /* the products' operands rounded to T by the norms and the activation (fused_rounding) */
  const bool round_norms = !c.post_norm && fused_rounding<T>(count, d.hidden, false);
  const bool round_z = fused_rounding<T>(count, d.ff, true);
  /* the attention's rows rounded by its own kernel, when they go to the o product in one launch */
  const bool round_att = t.one_launch && fused_rounding<T>(count, d.q_dim, false);
  T *const rounded = (T *)g.cast;
  gf_status st = enqueue_embed<T>(lead, count, false, t.positions);
  bool attn_normed = false; /* the layer's attention norm done with the down product's sum before it */
  for (int32_t l = 0; l < d.layers && st == GF_OK; l++) {
    const GpuLayer &w = m.layers[(size_t)l];
    const Norm attn_norm = norm_of(c, w.attn_norm, w.attn_norm_bias);
    const Norm ff_norm = norm_of(c, w.ff_norm, w.ff_norm_bias);
    const float *attn_in = c.post_norm ? g.x : g.xb;
    if (attn_normed)
      attn_normed = false;
    else if (round_norms)
      norm_rounded_kernel<T><<<count, 256, 0, g.stream>>>(rounded, g.x, d.hidden, attn_norm);
    else if (!c.post_norm)
      norm_kernel<<<count, 256, 0, g.stream>>>(g.xb, g.x, d.hidden, attn_norm, nullptr);
    st = round_norms ? gemm_rounded<T>(g, g.qkv, rounded, (const T *)w.wqkv, count, d.hidden, d.qkv_dim, false, false)
                     : gemm<T>(g, g.qkv, attn_in, (const T *)w.wqkv, count, d.hidden, d.qkv_dim, false, false);
    if (st != GF_OK) break;
    if (w.bqkv) norm_kernel<<<count, 256, 0, g.stream>>>(g.qkv, g.qkv, d.qkv_dim, Norm(), w.bqkv);
    clock.mark("norms, q/k/v");
    /* each sequence's attention against its own cache (RoPE and the cache write fused in) */
    if (t.one_launch) {
      GF_CUDA(launch_attention_split_batch<T>(g.stream, g.att, g.qkv, t.states, count, l, d.heads, d.kv_heads,
                                              d.head_dim, t.splits, m.inv_freq, c.sliding_window,
                                              round_att ? rounded : nullptr));
    } else {
      for (int32_t b = 0; b < count; b++) {
        GpuSession &gb = *gpu_of(sessions[b]);
        const size_t cache_layer = (size_t)sessions[b]->max_positions * d.kv_dim;
        T *key_cache = (T *)gb.key_cache + l * cache_layer, *value_cache = (T *)gb.value_cache + l * cache_layer;
        const float *qkv = g.qkv + (size_t)b * d.qkv_dim;
        float *att = g.att + (size_t)b * d.q_dim;
        if (decode_lanes<T>(d.head_dim) > 0) {
          GF_CUDA(launch_attention_split<T>(false, g.stream, att, gb.partials, gb.tickets, qkv, key_cache,
                                            value_cache, gb.position, d.heads, d.kv_heads, d.head_dim,
                                            gb.attention_splits, m.inv_freq, c.sliding_window));
        } else {
          attention_decode_kernel<T><<<dim3(d.heads, gb.attention_splits), ATTENTION_THREADS, 0, g.stream>>>(
              gb.partials, qkv, key_cache, value_cache, gb.position, d.heads, d.kv_heads, d.head_dim,
              m.inv_freq, c.sliding_window);
          attention_combine_kernel<<<d.heads, std::min(d.head_dim, 1024), 0, g.stream>>>(
              att, gb.partials, gb.attention_splits, d.head_dim);
        }
      }
    }
    clock.mark("attention");
    /* o split over its inputs (cuBLAS tiles only its outputs), the slices' sums in g.up; without a
     * bias, their sum and the FF norm in one launch (add_norm_kernel; GRIFFIN_ADD_NORM=0: two) */
    const int splits = o_splits();
    const void *att = round_att ? rounded : gemm_operand<T>(g, g.att, count, d.q_dim);
    const bool add_norm = !w.bo && !c.post_norm && add_norm_on();
    bool sliced = false;
    if (splits > 1 && !gemm_rows_serves<T>(count, d.q_dim, false) &&
        (size_t)splits * count * d.hidden * 4 <= g.up_bytes)
      st = gemm_split_inputs<T>(g, g.x, att, (const T *)w.wo, count, d.q_dim, d.hidden, splits, g.up,
                                add_norm ? &sliced : nullptr);
    else
      st = gemm_prepared<T>(g, g.x, att, (const T *)w.wo, count, d.q_dim, d.hidden, false, true);
    if (st != GF_OK) break;
    const bool normed = sliced && add_slices_norm<T>(g.stream, g.x, g.up, splits, count, d.hidden, ff_norm,
                                                     round_norms ? rounded : nullptr, g.xb);
    GF_LAUNCHED();
    if (w.bo || c.post_norm)
      norm_kernel<<<count, 256, 0, g.stream>>>(g.x, g.x, d.hidden, c.post_norm ? attn_norm : Norm(), w.bo);
    /* the FF block over every neuron, each row masked to its own sequence's experts */
    const float *ff_in = c.post_norm ? g.x : g.xb;
    if (!normed && round_norms)
      norm_rounded_kernel<T><<<count, 256, 0, g.stream>>>(rounded, g.x, d.hidden, ff_norm);
    else if (!normed && !c.post_norm)
      norm_kernel<<<count, 256, 0, g.stream>>>(g.xb, g.x, d.hidden, ff_norm, nullptr);
    clock.mark("o, norms");
    /* the activations rounded into g.cast (after the products read their input there), masked there */
    FfRounding<T> rounding;
    rounding.in = round_norms ? rounded : nullptr;
    rounding.z = round_z ? rounded : nullptr;
    rounding.keep_z = !round_z;
    /* each row masked to its own experts as the activation writes it (activate_rows_kernel) */
    if ((st = ff_activations<T>(g, w, l, c, d, ff_in, count, nullptr, nullptr, rounding, t.experts + (size_t)l * count,
                                t.counts + (size_t)l * count)) != GF_OK)
      break;
    clock.mark("gate/up, masks");
    /* down over its inputs' slices, their sum and the next layer's attention norm in one launch
     * (GRIFFIN_DOWN_SPLITS=1: cuBLAS's product, then the norm at the next layer's start) */
    const int down = down_splits();
    if (l + 1 < d.layers && down > 1 && !w.b_down && !c.post_norm && add_norm_on() &&
        !gemm_rows_serves<T>(count, d.ff, true) && (size_t)down * count * d.hidden * 4 <= g.up_bytes) {
      const GpuLayer &next = m.layers[(size_t)l + 1];
      const void *z = rounding.z ? (const void *)rounding.z : gemm_operand<T>(g, g.z, count, d.ff);
      bool down_sliced = false;
      st = gemm_split_inputs<T>(g, g.x, z, (const T *)w.w_down_t, count, d.ff, d.hidden, down, g.up, &down_sliced,
                                true);
      if (st != GF_OK) break;
      attn_normed = down_sliced && add_slices_norm<T>(g.stream, g.x, g.up, down, count, d.hidden,
                                                      norm_of(c, next.attn_norm, next.attn_norm_bias),
                                                      round_norms ? rounded : nullptr, g.xb);
      GF_LAUNCHED();
    } else if ((st = ff_output<T>(g, w, c, d, count, ff_norm, rounding.z)) != GF_OK) {
      break;
    }
    clock.mark("down");
  }
  if (st != GF_OK) return st;
  const float *head_in = nullptr;
  if ((st = enqueue_head_input<T>(lead, g.x, count, nullptr, &head_in)) != GF_OK) return st;
  if ((st = gemm<T>(g, g.z, head_in, (const T *)m.lm_head, count, d.width, d.vocab, false, false)) != GF_OK)
    return st;
  clock.mark("lm head");
  return GF_OK;
}

/*
 * Replays the lead's graph of a step for this batch shape (count sequences, t.splits), capturing
 * it the second time the shape comes in a row (a shape seen once, as the last sequences of a
 * batch finish, runs without one). *done: whether the step was enqueued; false leaves it to the
 * caller, as when a capture fails (graphs then stay off for this lead).
 */
template <typename T>
gf_status replay_batch_step(gf_session **sessions, int32_t count, const BatchTables &t, bool *done) {
  GpuSession &g = *gpu_of(sessions[0]);
  *done = false;
  const bool same = g.batch_graph_key[0] == count && g.batch_graph_key[1] == t.splits;
  if (!same) {
    if (g.batch_graph) cudaGraphExecDestroy(g.batch_graph);
    g.batch_graph = nullptr;
    g.batch_graph_key[0] = count, g.batch_graph_key[1] = t.splits;
    return GF_OK;
  }
  if (!g.batch_graph) {
    GF_CUDA(cudaStreamBeginCapture(g.stream, cudaStreamCaptureModeThreadLocal));
    PhaseClock off("decode batch", g.stream, false);
    const gf_status st = enqueue_batch_step<T>(sessions, count, t, off);
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(g.stream, &graph);
    cudaError_t made = cudaErrorUnknown;
    if (st == GF_OK && end == cudaSuccess) made = cudaGraphInstantiate(&g.batch_graph, graph, 0);
    if (graph) cudaGraphDestroy(graph);
    if (made != cudaSuccess) {
      cudaGetLastError(); /* the capture's error is not the step's: it runs without the graph */
      g.batch_graph = nullptr;
      g.batch_graph_failed = true;
      return GF_OK;
    }
  }
  GF_CUDA(cudaGraphLaunch(g.batch_graph, g.stream));
  *done = true;
  return GF_OK;
}

/*
 * Where a decoding batch's tables lie, in the lead's neuron-score partials (which decoding leaves
 * alone): each (layer, row)'s expert pointer, each row's attention state, position and (layer,
 * row)'s expert count. They travel in one copy from pinned memory a step.
 */
struct TableLayout {
  size_t experts = 0, states, positions, counts, bytes;
  TableLayout(int32_t layers, int32_t count) {
    states = experts + (size_t)layers * count * sizeof(void *);
    positions = states + (size_t)count * sizeof(DecodeSequence);
    counts = positions + (size_t)count * 4;
    bytes = counts + (size_t)layers * count * 4;
  }
};

/* A decoding batch's step, each row's outputs into out (its logits, greedy token or target's score). */
template <typename T>
gf_status decode_batch_pass(gf_session **sessions, int32_t count, const int32_t *ids, const StepOutputs &out) {
  gf_session *lead = sessions[0]; /* its scratch holds the batch's rows */
  GpuSession &g = *gpu_of(lead);
  const gf_config &c = lead->model->config;
  const Dims d(c);
  const TableLayout layout(d.layers, count);
  if (layout.bytes > g.batch_host_table_bytes) {
    if (g.batch_host_tables) cudaFreeHost(g.batch_host_tables);
    g.batch_host_tables = nullptr, g.batch_host_table_bytes = 0;
    GF_CUDA(cudaMallocHost(&g.batch_host_tables, layout.bytes));
    g.batch_host_table_bytes = layout.bytes;
  }
  char *host = (char *)g.batch_host_tables, *device = (char *)g.score_partials;
  const int32_t **experts = (const int32_t **)(host + layout.experts);
  DecodeSequence *states = (DecodeSequence *)(host + layout.states);
  int32_t *positions = (int32_t *)(host + layout.positions), *counts = (int32_t *)(host + layout.counts);
  const int32_t *d_positions = (const int32_t *)(device + layout.positions);
  /* each row's position, and each (layer, row)'s experts as the prompt phase left them */
  for (int32_t b = 0; b < count; b++) {
    gf_session *s = sessions[b];
    GpuSession &gb = *gpu_of(s);
    positions[b] = s->position;
    for (int32_t l = 0; l < d.layers; l++) {
      const bool griffin = s->densities[(size_t)l] < 1.0 && gb.expert_count[(size_t)l] >= 0;
      counts[(size_t)l * count + b] = griffin ? gb.expert_count[(size_t)l] : -1;
      experts[(size_t)l * count + b] = gb.experts + (size_t)l * d.ff;
    }
  }
  /* where each sequence keeps its attention state, when every session splits alike (its position
   * the table's); else each session's own kernels read its own position */
  bool one_launch = decode_lanes<T>(d.head_dim) > 0;
  for (int32_t b = 0; b < count; b++) {
    GpuSession &gb = *gpu_of(sessions[b]);
    one_launch = one_launch && gb.attention_splits == g.attention_splits;
    states[b] = DecodeSequence{gb.key_cache, gb.value_cache, (size_t)sessions[b]->max_positions * d.kv_dim,
                               d_positions + b, gb.partials, gb.tickets};
  }
  if (!one_launch)
    for (int32_t b = 0; b < count; b++)
      GF_CUDA(cudaMemcpyAsync(gpu_of(sessions[b])->position, &sessions[b]->position, 4, cudaMemcpyHostToDevice,
                              g.stream));
  GF_CUDA(cudaMemcpyAsync(device, host, layout.bytes, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(g.ids, ids, (size_t)count * 4, cudaMemcpyHostToDevice, g.stream));
  const BatchTables tables{d_positions, (const int32_t *)(device + layout.counts),
                           (const int32_t *const *)(device + layout.experts),
                           (const DecodeSequence *)(device + layout.states), one_launch,
                           decode_batch_splits(d.heads, count, multiprocessors(lead->model->device),
                                               g.attention_splits)};
  /* a step's kernels as one graph (everything they read is in those tables): GRIFFIN_BATCH_GRAPH=0 turns it off */
  bool done = false;
  if (one_launch && !profiling() && !g.batch_graph_failed && env_on("GRIFFIN_BATCH_GRAPH"))
    if (gf_status st = replay_batch_step<T>(sessions, count, tables, &done); st != GF_OK) return st;
  PhaseClock clock("decode batch", g.stream, profiling());
  if (!done)
    if (gf_status st = enqueue_batch_step<T>(sessions, count, tables, clock); st != GF_OK) return st;
  if (!out.logits) { /* only the greedy tokens, or the targets' scores, cross */
    if (gf_status st = step_outputs(g, g.z, count, d.vocab, out); st != GF_OK) return st;
    clock.mark("tokens or scores to the host");
    clock.finish();
    for (int32_t b = 0; b < count; b++) sessions[b]->position++;
    return GF_OK;
  }
  /* the logits through pinned memory (a copy into pageable memory streams at a fraction of it) */
  const size_t floats = (size_t)count * d.vocab;
  if (floats > g.batch_host_floats) {
    if (g.batch_host_logits) cudaFreeHost(g.batch_host_logits);
    g.batch_host_logits = nullptr, g.batch_host_floats = 0;
    GF_CUDA(cudaMallocHost((void **)&g.batch_host_logits, floats * 4));
    g.batch_host_floats = floats;
  }
  GF_CUDA(cudaMemcpyAsync(g.batch_host_logits, g.z, floats * 4, cudaMemcpyDeviceToHost, g.stream));
  GF_CUDA(cudaStreamSynchronize(g.stream));
  memcpy(out.logits, g.batch_host_logits, floats * 4);
  clock.mark("logits to the host");
  clock.finish();
  for (int32_t b = 0; b < count; b++) sessions[b]->position++;
  return GF_OK;
}

} // namespace

gf_status cuda_decode_batch(gf_session **sessions, int32_t count, const int32_t *ids, const StepOutputs &out) {
  gf_session *lead = sessions[0];
  const gf_config &c = lead->model->config;
  GpuSession &g = *gpu_of(lead);
  const Dims d(c);
  /* the lead's scratch must hold the rows, the tables and the logits; its pinned logits buffer
   * the rows' scores */
  if (count > g.capacity || (size_t)count * 9 > (size_t)d.vocab * 4 ||
      (size_t)count * d.vocab > (size_t)g.capacity * d.ff ||
      TableLayout(d.layers, count).bytes > (size_t)SCORE_MAX_CHUNKS * d.ff * sizeof(double))
    return fail(GF_ERR_INVALID_ARGUMENT,
                "%d sequences do not fit the first session's scratch (%d positions); give it "
                "more positions or decode fewer at once", count, g.capacity);
  GF_CUDA(cudaSetDevice(lead->model->device));
  /* every session's stream has finished its own work (its prompt) */
  for (int32_t b = 0; b < count; b++) GF_CUDA(cudaStreamSynchronize(gpu_of(sessions[b])->stream));
  gf_status status = GF_OK;
  GF_DISPATCH(c.weight_dtype, status = decode_batch_pass<T>(sessions, count, ids, out));
  return status;
}

} // namespace gf
