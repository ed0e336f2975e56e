/*
 * cuda_forward.cu — the forward pass on the GPU, the CUDA twin of forward_cpu.cpp: the prompt
 * phase (tensor-core GEMMs, selection on the GPU), the generation phase (weight-streaming
 * matrix–vector products over the experts only, replayed as one CUDA graph per sequence), and
 * class mode's single pass, of one sequence or of a packed batch (cuda_batch.cuh).
 */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda_attention_decode.cuh"
#include "cuda_batch.cuh"
#include "cuda_embed.cuh"
#include "cuda_attention_packed.cuh"
#include "cuda_ff_rows.cuh"
#include "cuda_compact.cuh"
#include "cuda_decode_step.cuh"
#include "cuda_gemm.cuh"
#include "cuda_logit_rows.cuh"
#include "cuda_profile.cuh"
#include "cuda_selection.cuh"
#include "selection.h"

namespace gf {
namespace {

/* Neuron scores of layer l from the first `rows` rows of g.z (g.row_inverse holds their norms). */
gf_status score_layer(GpuSession &g, int32_t l, int32_t rows, int ff, int sms) {
  return launch_neuron_scores(g.stream, g.scores + (size_t)l * ff, g.score_partials, g.score_tickets,
                              g.z, g.row_inverse, rows, ff, sms);
}

/*
 * Magnitude and the sampled methods choose on the host, with the CPU backend's code, from the
 * magnitudes or from the scores of g.scores[l]; the experts go to the device.
 */
gf_status select_on_host(gf_session *s, GpuSession &g, int32_t l, bool need_flags) {
  const int ff = s->model->config.ff_size;
  const int k = expert_count(ff, s->densities[(size_t)l]);
  int32_t *experts = g.experts + (size_t)l * ff;
  std::vector<double> host;
  if (s->method == GF_METHOD_MAGNITUDE) {
    const std::vector<float> &m = s->model->layers[(size_t)l].magnitudes;
    host.assign(m.begin(), m.end());
  } else {
    host.resize((size_t)ff);
    GF_CUDA(cudaMemcpyAsync(host.data(), g.scores + (size_t)l * ff, (size_t)ff * 8,
                            cudaMemcpyDeviceToHost, g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream));
  }
  std::vector<int32_t> chosen = select_experts(host, k, s->method, s->seed, l);
  GF_CUDA(cudaMemcpyAsync(experts, chosen.data(), chosen.size() * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaStreamSynchronize(g.stream)); /* `chosen` goes out of scope */
  if (need_flags) {
    GF_CUDA(cudaMemsetAsync(g.flags, 0, (size_t)ff, g.stream));
    if (!chosen.empty()) {
      flag_list_kernel<<<((int)chosen.size() + 255) / 256, 256, 0, g.stream>>>(g.flags, experts, (int)chosen.size());
      GF_LAUNCHED();
    }
  }
  g.expert_count[(size_t)l] = (int32_t)chosen.size();
  return GF_OK;
}

/* GRIFFIN_COMPACT=1: each GRIFFIN layer's experts' rows gathered into g.compact (gate, up, down). */
template <typename T>
gf_status gather_experts(gf_session *s, GpuSession &g, const GpuModel &m, const Dims &d) {
  if ((size_t)d.hidden * sizeof(T) % 16 != 0)
    return fail(GF_ERR_UNSUPPORTED, "GRIFFIN_COMPACT needs rows of whole 16-byte vectors");
  if (s->model->config.biases & GF_BIAS_FF)
    return fail(GF_ERR_UNSUPPORTED, "GRIFFIN_COMPACT does not gather the FF biases; unset it");
  g.compact_offset.assign((size_t)d.layers, SIZE_MAX);
  size_t total = 0;
  for (int32_t l = 0; l < d.layers; l++) {
    if (s->densities[(size_t)l] >= 1.0 || g.expert_count[(size_t)l] <= 0) continue;
    g.compact_offset[(size_t)l] = total;
    total += 3 * (size_t)g.expert_count[(size_t)l] * d.hidden * sizeof(T);
  }
  if (total > g.compact_bytes) {
    if (g.compact) cudaFree(g.compact);
    g.compact = nullptr, g.compact_bytes = 0;
    GF_CUDA(cudaMalloc(&g.compact, total));
    g.compact_bytes = total;
  }
  const int vectors = (int)((size_t)d.hidden * sizeof(T) / 16);
  for (int32_t l = 0; l < d.layers; l++) {
    if (g.compact_offset[(size_t)l] == SIZE_MAX) continue;
    const GpuLayer &w = m.layers[(size_t)l];
    const int k = g.expert_count[(size_t)l];
    gather_rows_kernel<<<dim3(k, 3), 256, 0, g.stream>>>(
        (uint4 *)((char *)g.compact + g.compact_offset[(size_t)l]), (const uint4 *)w.w_gate,
        (const uint4 *)w.w_up, (const uint4 *)w.w_down_t, g.experts + (size_t)l * d.ff, k, vectors);
    GF_LAUNCHED();
  }
  return GF_OK;
}

/* Lets the decoding products stage `bytes` of input in shared memory (above the 48 KB default). */
template <typename T> gf_status allow_staging(size_t bytes) {
  if (bytes <= (48u << 10)) return GF_OK;
  GF_CUDA(cudaFuncSetAttribute(gemv_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
  GF_CUDA(cudaFuncSetAttribute(gate_up_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
  return GF_OK;
}

/* The prompt phase (gen) or the class-mode pass over n tokens from position 0. */
template <typename T>
gf_status prompt_pass(gf_session *s, const int32_t *ids, int32_t n, Phase phase,
                      int32_t logit_rows, float *logits, ClassBatch *batch = nullptr) {
  GpuSession &g = *gpu_of(s);
  const GpuModel &m = *gpu_of(s->model);
  const gf_config &c = s->model->config;
  const Dims d(c);
  const int sms = multiprocessors(m.device);
  const InvariantScope invariant(g, phase == Phase::classify);
  if (gf_status st = allow_staging<T>(GemvShape::shared(d.widest)); st != GF_OK) return st;
  if (g.decode_graph) {
    cudaGraphExecDestroy(g.decode_graph);
    g.decode_graph = nullptr;
  }
  g.step_ready = false; /* the persistent step's layer table holds the last prompt's experts */
  std::fill(g.expert_count.begin(), g.expert_count.end(), -1);
  g.compact_offset.clear();
  g.selection_on_host = true;
  /* k of every layer that takes the GPU's top-k; -1 elsewhere */
  std::vector<int32_t> counts((size_t)d.layers, -1);
  bool any_top_k = false;
  for (int32_t l = 0; l < d.layers; l++)
    if (s->densities[(size_t)l] < 1.0 && s->method == GF_METHOD_TOPK) {
      counts[(size_t)l] = expert_count(d.ff, s->densities[(size_t)l]);
      any_top_k = true;
    }
  GF_CUDA(cudaMemcpyAsync(g.counts, counts.data(), counts.size() * 4, cudaMemcpyHostToDevice, g.stream));
  const int32_t zero = 0;
  GF_CUDA(cudaMemcpyAsync(g.ids, ids, (size_t)n * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(g.position, &zero, 4, cudaMemcpyHostToDevice, g.stream));
  const int32_t *positions = batch ? batch->positions : nullptr;
  PhaseClock clock(batch ? "class batch" : "prompt", g.stream, profiling());
  gf_status st = enqueue_embed<T>(s, n, false, positions);
  if (st != GF_OK) return st;
  clock.mark("embed");
  float selection_ms = 0;
  const size_t cache_layer = (size_t)s->max_positions * d.kv_dim;
  /* the products' operands rounded to T by the kernels that write them (fused_rounding): the
   * pre-norm norms', the attention's (into g.z, free until the FF products; as large as g.up; a
   * path without a rounding kernel casts its rows there, as the product would) and the
   * activations' */
  const bool round_norms = !c.post_norm && fused_rounding<T>(n, d.hidden, false);
  T *rounded_att =
      fused_rounding<T>(n, d.q_dim, false) && (size_t)n * d.q_dim * sizeof(T) <= g.up_bytes ? (T *)g.z : nullptr;
  const bool round_z = fused_rounding<T>(n, d.ff, true);
  for (int32_t l = 0; l < d.layers && st == GF_OK; l++) {
    const GpuLayer &w = m.layers[(size_t)l];
    T *key_cache = (T *)g.key_cache + l * cache_layer, *value_cache = (T *)g.value_cache + l * cache_layer;
    const Norm attn_norm = norm_of(c, w.attn_norm, w.attn_norm_bias);
    const Norm ff_norm = norm_of(c, w.ff_norm, w.ff_norm_bias);
    /* attention: pre-norm reads norm(x), post-norm x itself */
    const float *attn_in = c.post_norm ? g.x : g.xb;
    if (round_norms) /* norm(x) rounded to T as the product takes it, in g.cast */
      norm_rounded_kernel<T><<<n, 256, 0, g.stream>>>((T *)g.cast, g.x, d.hidden, attn_norm);
    else if (!c.post_norm)
      norm_kernel<<<n, 256, 0, g.stream>>>(g.xb, g.x, d.hidden, attn_norm, nullptr);
    clock.mark("attention norm");
    st = round_norms ? gemm_rounded<T>(g, g.qkv, (const T *)g.cast, (const T *)w.wqkv, n, d.hidden, d.qkv_dim, false, false)
                     : gemm<T>(g, g.qkv, attn_in, (const T *)w.wqkv, n, d.hidden, d.qkv_dim, false, false);
    if (st != GF_OK) break;
    clock.mark("q/k/v");
    rope_cache_kernel<T><<<n, 256, 0, g.stream>>>(g.qkv, key_cache, value_cache, g.position, d.heads,
                                                  d.kv_heads, d.head_dim, m.inv_freq, w.bqkv, positions);
    GF_LAUNCHED();
    clock.mark("rope, cache");
    if (batch) {
      PackedSequences packed;
      packed.offsets = &batch->offsets, packed.lengths = &batch->lengths;
      packed.device_offsets = batch->device_offsets, packed.device_lengths = batch->device_lengths;
      st = attention_packed<T>(g, g.att, g.qkv, key_cache, value_cache, packed, d.heads, d.kv_heads,
                               d.head_dim, c.sliding_window, rounded_att);
    } else {
      /* class mode alone: the packed batch's kernel (bf16 scores of a request alone and packed
       * differed by up to 0.05 on Llama-2-7B through cuBLAS's attention; tools/batch_drift.ts) */
      st = attention_prompt<T>(g, g.att, g.qkv, key_cache, value_cache, n, d.heads, d.kv_heads, d.head_dim,
                               c.sliding_window, rounded_att, phase == Phase::classify);
    }
    if (st != GF_OK) break;
    clock.mark("attention");
    st = rounded_att ? gemm_rounded<T>(g, g.x, rounded_att, (const T *)w.wo, n, d.q_dim, d.hidden, false, true)
                     : gemm<T>(g, g.x, g.att, (const T *)w.wo, n, d.q_dim, d.hidden, false, true);
    if (st != GF_OK) break;
    clock.mark("o");
    /* o's bias, and a post-norm block's norm of the residual */
    if (w.bo || c.post_norm)
      norm_kernel<<<n, 256, 0, g.stream>>>(g.x, g.x, d.hidden, c.post_norm ? attn_norm : Norm(), w.bo);
    /* the full FF block, then GRIFFIN's selection */
    const float *ff_in = c.post_norm ? g.x : g.xb;
    if (round_norms)
      norm_rounded_kernel<T><<<n, 256, 0, g.stream>>>((T *)g.cast, g.x, d.hidden, ff_norm);
    else if (!c.post_norm)
      norm_kernel<<<n, 256, 0, g.stream>>>(g.xb, g.x, d.hidden, ff_norm, nullptr);
    clock.mark("norms");
    const size_t count = (size_t)n * d.ff;
    const bool scored = s->densities[(size_t)l] < 1.0 && s->method != GF_METHOD_MAGNITUDE;
    /* the activations rounded into g.cast once the products have read their input there; z in
     * f32 only where the scores or a capture read it (the mask below covers both) */
    FfRounding<T> rounding;
    rounding.in = round_norms ? (const T *)g.cast : nullptr;
    rounding.z = round_z ? (T *)g.cast : nullptr;
    rounding.keep_z = !round_z || scored || (s->capture && !batch);
    if ((st = ff_activations<T>(g, w, l, c, d, ff_in, n, scored ? g.row_inverse : nullptr, &clock, rounding)) != GF_OK)
      break;
    clock.mark("activation");
    if (s->capture && !batch) {
      s->activations[(size_t)l].resize(count);
      GF_CUDA(cudaMemcpyAsync(s->activations[(size_t)l].data(), g.z, count * 4, cudaMemcpyDeviceToHost, g.stream));
      GF_CUDA(cudaStreamSynchronize(g.stream));
      s->activation_rows[(size_t)l] = n;
    }
    if (batch && s->densities[(size_t)l] < 1.0) {
      if ((st = select_batch_layer<T>(s, g, *batch, l, sms, rounding)) != GF_OK) break;
    } else if (s->densities[(size_t)l] < 1.0) {
      GF_CUDA(cudaEventRecord(g.selection_events[2 * l], g.stream));
      const bool classify = phase == Phase::classify;
      if (scored && (st = score_layer(g, l, classify ? n - 1 : n, d.ff, sms)) != GF_OK) break;
      if (s->method != GF_METHOD_TOPK) {
        if ((st = select_on_host(s, g, l, classify)) != GF_OK) break;
      } else if (classify) { /* the mask needs this layer's experts now */
        if ((st = launch_top_k(g.stream, g.experts + (size_t)l * d.ff, g.flags, g.scores + (size_t)l * d.ff,
                               g.counts + l, d.ff, 1)) != GF_OK) break;
      }
      if (classify && rounding.keep_z)
        mask_row_kernel<float><<<(d.ff + 255) / 256, 256, 0, g.stream>>>(g.z + (size_t)(n - 1) * d.ff, g.flags, d.ff);
      if (classify && rounding.z)
        mask_row_kernel<T><<<(d.ff + 255) / 256, 256, 0, g.stream>>>(rounding.z + (size_t)(n - 1) * d.ff, g.flags, d.ff);
      GF_CUDA(cudaEventRecord(g.selection_events[2 * l + 1], g.stream));
      if (counts[(size_t)l] >= 0) g.expert_count[(size_t)l] = counts[(size_t)l];
      g.selection_on_host = false;
    }
    clock.mark("selection");
    if ((st = ff_output<T>(g, w, c, d, n, ff_norm, rounding.z)) != GF_OK) break;
    clock.mark("down");
  }
  if (st != GF_OK) return st;
  if (batch) { /* the scored rows' log-probabilities, on the device */
    if ((st = score_batch_rows<T>(s, g, m, *batch)) != GF_OK) return st;
    clock.mark("lm head, log-probabilities");
    GF_CUDA(cudaStreamSynchronize(g.stream));
    clock.finish();
    s->selection_ms = 0;
    s->position = 0; /* the cache holds the batch's rows, not one sequence */
    return GF_OK;
  }
  /* gen mode: every top-k layer's experts in one launch, after the pass that scored them */
  const size_t last_events = (size_t)d.layers * 2;
  if (any_top_k && phase == Phase::prompt) {
    GF_CUDA(cudaEventRecord(g.selection_events[last_events], g.stream));
    if ((st = launch_top_k(g.stream, g.experts, nullptr, g.scores, g.counts, d.ff, d.layers)) != GF_OK) return st;
    GF_CUDA(cudaEventRecord(g.selection_events[last_events + 1], g.stream));
  }
  if (phase == Phase::prompt && compact_enabled() && (st = gather_experts<T>(s, g, m, d)) != GF_OK)
    return st;
  /* final norm (none after post-norm blocks), projection out (OPT-350m) and LM head */
  const float *head_in = nullptr;
  if ((st = enqueue_head_input<T>(s, g.x + (size_t)(n - logit_rows) * d.hidden, logit_rows, nullptr, &head_in)) !=
      GF_OK)
    return st;
  if (logit_rows == 1) {
    gemv_kernel<T><<<GemvShape::blocks(d.vocab, sms), GemvShape::threads, GemvShape::shared(d.width), g.stream>>>(
        g.logits, (const T *)m.lm_head, head_in, d.vocab, d.width, nullptr, nullptr);
    GF_LAUNCHED();
    GF_CUDA(cudaMemcpyAsync(g.host_logits, g.logits, (size_t)d.vocab * 4, cudaMemcpyDeviceToHost, g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream));
    memcpy(logits, g.host_logits, (size_t)d.vocab * 4);
  } else {
    /* every position's logits, a row block at a time through the z scratch */
    const int block = std::max(1, (int)(((size_t)n * d.ff) / d.vocab));
    for (int first = 0; first < n; first += block) {
      const int rows = std::min(block, n - first);
      if ((st = gemm<T>(g, g.z, head_in + (size_t)first * d.width, (const T *)m.lm_head, rows, d.width, d.vocab, false, false)) != GF_OK)
        return st;
      GF_CUDA(cudaMemcpyAsync(logits + (size_t)first * d.vocab, g.z, (size_t)rows * d.vocab * 4,
                              cudaMemcpyDeviceToHost, g.stream));
    }
    GF_CUDA(cudaStreamSynchronize(g.stream));
  }
  for (int32_t l = 0; l < d.layers; l++) { /* the stream has finished: events are complete */
    if (s->densities[(size_t)l] >= 1.0) continue;
    float ms = 0;
    GF_CUDA(cudaEventElapsedTime(&ms, g.selection_events[2 * l], g.selection_events[2 * l + 1]));
    selection_ms += ms;
  }
  if (any_top_k && phase == Phase::prompt) {
    float ms = 0;
    GF_CUDA(cudaEventElapsedTime(&ms, g.selection_events[last_events], g.selection_events[last_events + 1]));
    selection_ms += ms;
  }
  s->selection_ms = selection_ms;
  s->position = n;
  clock.finish();
  return GF_OK;
}

/* One generation-phase step's kernels (captured into the decode graph unless profiling). */
template <typename T>
gf_status enqueue_decode(gf_session *s, PhaseClock *clock = nullptr) {
  GpuSession &g = *gpu_of(s);
  const GpuModel &m = *gpu_of(s->model);
  const gf_config &c = s->model->config;
  const Dims d(c);
  const int sms = multiprocessors(m.device);
  const int splits = g.attention_splits;
  const bool split_kernel = decode_lanes<T>(d.head_dim) > 0;
  const bool pdl = pdl_enabled();
  /* GRIFFIN_PERSISTENT=0: a warp per row and two waves of down blocks (the earlier shapes) */
  const bool persistent = env_on("GRIFFIN_PERSISTENT");
  auto blocks = [&](int resident, int rows) {
    return persistent ? GemvShape::resident_blocks(rows, sms, resident) : GemvShape::blocks(rows, sms);
  };
  uint32_t *head_tickets = g.tickets, *down_tickets = g.tickets + d.heads;
  const size_t cache_layer = (size_t)s->max_positions * d.kv_dim;
  const int threads = GemvShape::threads;
  auto mark = [&](const char *kind) {
    if (clock) clock->mark(kind);
  };
  const size_t staged = GemvShape::shared(d.widest);
  const int32_t *no_rows = nullptr;
  const float *no_residual = nullptr, *no_bias = nullptr;
  if (gf_status st = enqueue_embed<T>(s, 1, pdl); st != GF_OK) return st;
  for (int32_t l = 0; l < d.layers; l++) {
    const GpuLayer &w = m.layers[(size_t)l];
    T *key_cache = (T *)g.key_cache + l * cache_layer, *value_cache = (T *)g.value_cache + l * cache_layer;
    const Norm attn_norm = norm_of(c, w.attn_norm, w.attn_norm_bias);
    const Norm ff_norm = norm_of(c, w.ff_norm, w.ff_norm_bias);
    mark("embed, norms");
    /* the attention norm (pre-norm) and the q/k/v biases fused into the q/k/v product */
    GF_CUDA(launch(pdl, gemv_kernel<T>, blocks(g.gemv_resident, d.qkv_dim), threads, staged, g.stream,
                   g.qkv, (const T *)w.wqkv, g.x, d.qkv_dim, d.hidden, no_rows, no_residual,
                   c.post_norm ? Norm() : attn_norm, (const float *)w.bqkv));
    mark("q/k/v gemv");
    /* RoPE and the KV-cache write fused into attention */
    if (split_kernel) {
      GF_CUDA(launch_attention_split<T>(pdl, g.stream, g.att, g.partials, head_tickets, g.qkv,
                                        key_cache, value_cache, g.position, d.heads, d.kv_heads,
                                        d.head_dim, splits, m.inv_freq, c.sliding_window));
    } else {
      attention_decode_kernel<T><<<dim3(d.heads, splits), ATTENTION_THREADS, 0, g.stream>>>(
          g.partials, g.qkv, key_cache, value_cache, g.position, d.heads, d.kv_heads, d.head_dim,
          m.inv_freq, c.sliding_window);
      attention_combine_kernel<<<d.heads, std::min(d.head_dim, 1024), 0, g.stream>>>(g.att, g.partials, splits, d.head_dim);
    }
    mark("attention");
    GF_CUDA(launch(pdl, gemv_kernel<T>, blocks(g.gemv_resident, d.hidden), threads, staged, g.stream,
                   g.x, (const T *)w.wo, (const float *)g.att, d.hidden, d.q_dim, no_rows,
                   (const float *)g.x, Norm(), (const float *)w.bo));
    if (c.post_norm) norm_kernel<<<1, 256, 0, g.stream>>>(g.x, g.x, d.hidden, attn_norm, nullptr);
    mark("o gemv");
    /* GRIFFIN: only the experts' rows of W_gate, W_up and W_downᵀ are read; FF norm fused */
    const int32_t selected = g.expert_count[(size_t)l];
    const bool griffin = s->densities[(size_t)l] < 1.0 && selected >= 0;
    const int count = griffin ? selected : d.ff;
    const int32_t *experts = griffin ? g.experts + (size_t)l * d.ff : nullptr;
    const T *w_gate = (const T *)w.w_gate, *w_up = (const T *)w.w_up, *w_down_t = (const T *)w.w_down_t;
    if (griffin && (size_t)l < g.compact_offset.size() && g.compact_offset[(size_t)l] != SIZE_MAX) {
      w_gate = (const T *)((char *)g.compact + g.compact_offset[(size_t)l]); /* gathered copies */
      w_up = w_gate + (size_t)count * d.hidden;
      w_down_t = w_up + (size_t)count * d.hidden;
      experts = nullptr;
    }
    if (count > 0) {
      GF_CUDA(launch(pdl, gate_up_kernel<T>, blocks(g.gate_up_resident, count), threads, staged, g.stream,
                     g.z, c.gated ? w_gate : nullptr, w_up,
                     (const float *)g.x, count, d.hidden, experts, (int)c.activation,
                     c.post_norm ? Norm() : ff_norm, c.gated ? (const float *)w.b_gate : no_bias,
                     (const float *)w.b_up));
      mark("gate/up (experts)");
    }
    /* density 0: the FF adds only its output bias, if any */
    gf_status st = launch_down<T>(g.stream, g.x, g.partials, g.partials_floats, down_tickets,
                                  w_down_t, g.z, experts, count, d.hidden, sms, pdl,
                                  persistent ? 4 : 8, w.b_down);
    if (st != GF_OK) return st;
    if (c.post_norm) norm_kernel<<<1, 256, 0, g.stream>>>(g.x, g.x, d.hidden, ff_norm, nullptr);
    mark("down (experts)");
  }
  mark("embed, norms");
  const float *head_in = g.x;
  Norm head_norm = final_norm(c, m);
  if (m.project_out) { /* OPT-350m: the final norm fused into the projection out */
    GF_CUDA(launch(pdl, gemv_kernel<T>, blocks(g.gemv_resident, d.width), threads, staged, g.stream,
                   g.e, (const T *)m.project_out, (const float *)g.x, d.width, d.hidden, no_rows,
                   no_residual, head_norm, no_bias));
    head_in = g.e;
    head_norm = Norm();
  }
  GF_CUDA(launch(pdl, gemv_kernel<T>, blocks(g.gemv_resident, d.vocab), threads, staged, g.stream,
                 g.logits, (const T *)m.lm_head, head_in, d.vocab, d.width, no_rows,
                 no_residual, head_norm, no_bias));
  mark("lm head");
  GF_LAUNCHED();
  return GF_OK;
}

/* The generation phase: one token through the decode graph. */
template <typename T>
gf_status decode_step(gf_session *s, int32_t id, const StepOutputs &out) {
  GpuSession &g = *gpu_of(s);
  const int32_t vocab = s->model->config.vocab_size;
  const int32_t step[2] = {id, s->position};
  GF_CUDA(cudaMemcpyAsync(g.ids, &step[0], 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(g.position, &step[1], 4, cudaMemcpyHostToDevice, g.stream));
  if (const int mode = step_kernel_mode(); mode > 0 && !profiling()) { /* one persistent launch */
    bool done = false;
    if (gf_status st = enqueue_step_kernel(s, mode == 2, &done); st != GF_OK) return st;
    if (done) {
      /* the first logit, NaN where the grid barrier gave up; all of them where asked for */
      GF_CUDA(cudaMemcpyAsync(g.host_logits, g.logits, (size_t)(out.logits ? vocab : 1) * 4, cudaMemcpyDeviceToHost,
                              g.stream));
      GF_CUDA(cudaStreamSynchronize(g.stream));
      bool failed = false;
      if (std::isnan(g.host_logits[0]) && (step_kernel_failed(s, &failed) != GF_OK || failed))
        return fail(GF_ERR_CUDA, "the persistent decoding step's grid barrier gave up (GRIFFIN_STEP_KERNEL=1)");
      if (out.logits) memcpy(out.logits, g.host_logits, (size_t)vocab * 4);
      else if (gf_status st = step_outputs(g, g.logits, 1, vocab, out); st != GF_OK) return st;
      s->position++;
      return step_trace_collect(s);
    }
  }
  if (profiling() || !g.decode_graph) { /* blocks of the products that fit on a multiprocessor */
    const Dims d(s->model->config);
    const size_t staged = GemvShape::shared(d.widest);
    if (gf_status st = allow_staging<T>(staged); st != GF_OK) return st;
    GF_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&g.gemv_resident, gemv_kernel<T>, GemvShape::threads, staged));
    GF_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&g.gate_up_resident, gate_up_kernel<T>, GemvShape::threads, staged));
  }
  if (profiling()) { /* un-graphed, each kind of kernel timed */
    PhaseClock clock("decode step", g.stream, true);
    gf_status st = enqueue_decode<T>(s, &clock);
    if (st != GF_OK) return st;
    clock.finish();
  } else if (!g.decode_graph) {
    cudaGraph_t graph;
    GF_CUDA(cudaStreamBeginCapture(g.stream, cudaStreamCaptureModeThreadLocal));
    gf_status st = enqueue_decode<T>(s);
    cudaError_t end = cudaStreamEndCapture(g.stream, &graph);
    if (st != GF_OK) return st;
    GF_CUDA(end);
    cudaError_t made = cudaGraphInstantiate(&g.decode_graph, graph, 0);
    cudaGraphDestroy(graph);
    GF_CUDA(made);
  }
  if (!profiling()) GF_CUDA(cudaGraphLaunch(g.decode_graph, g.stream));
  if (!out.logits) { /* only the greedy token, or the target's score, crosses */
    if (gf_status st = step_outputs(g, g.logits, 1, vocab, out); st != GF_OK) return st;
  } else {
    GF_CUDA(cudaMemcpyAsync(g.host_logits, g.logits, (size_t)vocab * 4, cudaMemcpyDeviceToHost, g.stream));
    GF_CUDA(cudaStreamSynchronize(g.stream));
    memcpy(out.logits, g.host_logits, (size_t)vocab * 4);
  }
  s->position++;
  return GF_OK;
}

/* The ids are in the vocabulary and the session has room for them. */
gf_status check_tokens(gf_session *s, const int32_t *ids, int32_t n) {
  const gf_config &c = s->model->config;
  for (int32_t t = 0; t < n; t++)
    if (ids[t] < 0 || ids[t] >= c.vocab_size)
      return fail(GF_ERR_INVALID_ARGUMENT, "token id %d at position %d is outside the vocabulary (0..%d)",
                  ids[t], t, c.vocab_size - 1);
  if (s->position + n > s->max_positions)
    return fail(GF_ERR_INVALID_ARGUMENT, "the sequence would hold %d tokens but the session takes at most %d",
                s->position + n, s->max_positions);
  return GF_OK;
}

} // namespace

/* Prints and clears the profile (GRIFFIN_PROFILE=1) to stderr. */
void cuda_print_profile() { print_phase_totals(); }

gf_status cuda_decode_step(gf_session *s, int32_t id, const StepOutputs &out) {
  if (gf_status st = check_tokens(s, &id, 1); st != GF_OK) return st;
  GF_CUDA(cudaSetDevice(s->model->device));
  gf_status status = GF_OK;
  GF_DISPATCH(s->model->config.weight_dtype, status = decode_step<T>(s, id, out));
  return status;
}

gf_status forward_cuda(gf_session *s, const int32_t *ids, int32_t n, Phase phase,
                       int32_t logit_rows, float *logits) {
  const gf_config &c = s->model->config;
  if (gf_status st = check_tokens(s, ids, n); st != GF_OK) return st;
  GF_CUDA(cudaSetDevice(s->model->device));
  gf_status status = GF_OK;
  if (phase == Phase::generation) {
    StepOutputs out;
    out.logits = logits;
    GF_DISPATCH(c.weight_dtype, status = decode_step<T>(s, ids[0], out));
  } else {
    if (s->position != 0)
      return fail(GF_ERR_STATE, "the CUDA backend runs a prompt on an empty session only");
    GF_DISPATCH(c.weight_dtype, status = prompt_pass<T>(s, ids, n, phase, logit_rows, logits));
  }
  return status;
}

gf_status cuda_score_class_batch(gf_session *s, const int32_t *ids, const int32_t *lengths,
                                 const int32_t *first, int32_t count, const int32_t *targets,
                                 double *logprobs, uint8_t *greedy) {
  const gf_config &c = s->model->config;
  GpuSession &g = *gpu_of(s);
  GF_CUDA(cudaSetDevice(s->model->device));
  ClassBatch batch;
  batch.count = count;
  std::vector<int32_t> positions, rows;
  int32_t total = 0;
  for (int32_t b = 0; b < count; b++) {
    batch.offsets.push_back(total);
    batch.lengths.push_back(lengths[b]);
    batch.first.push_back(first[b]);
    for (int32_t p = 0; p < lengths[b]; p++) positions.push_back(p);
    for (int32_t p = first[b]; p < lengths[b]; p++) rows.push_back(total + p);
    total += lengths[b];
  }
  batch.scored = (int32_t)rows.size();
  /* on the device, grown on demand: each sequence's experts (layers, count, ff), one layer's
   * scores (count, ff), and per (layer, sequence) where its experts start and how many there are */
  const size_t cells = (size_t)c.n_layers * count;
  auto aligned = [](size_t bytes) { return (bytes + 255) & ~(size_t)255; };
  const size_t expert_bytes = aligned(cells * c.ff_size * 4), score_bytes = aligned((size_t)count * c.ff_size * 8);
  const size_t table_bytes = aligned(cells * sizeof(int32_t *)), bytes = expert_bytes + score_bytes + table_bytes + cells * 4;
  if (bytes > g.batch_experts_bytes) {
    if (g.batch_experts) cudaFree(g.batch_experts);
    g.batch_experts = nullptr, g.batch_experts_bytes = 0;
    GF_CUDA(cudaMalloc(&g.batch_experts, bytes));
    g.batch_experts_bytes = bytes;
  }
  char *base = (char *)g.batch_experts;
  batch.experts = g.batch_experts;
  batch.scores = (double *)(base + expert_bytes);
  int32_t **expert_table = (int32_t **)(base + expert_bytes + score_bytes);
  int32_t *count_table = (int32_t *)(base + expert_bytes + score_bytes + table_bytes);
  std::vector<int32_t *> starts(cells);
  std::vector<int32_t> ks(cells);
  for (int32_t l = 0; l < c.n_layers; l++)
    for (int32_t b = 0; b < count; b++) {
      starts[(size_t)l * count + b] = batch.experts + ((size_t)l * count + b) * c.ff_size;
      ks[(size_t)l * count + b] = s->densities[(size_t)l] < 1.0 ? expert_count(c.ff_size, s->densities[(size_t)l]) : -1;
    }
  GF_CUDA(cudaMemcpyAsync(expert_table, starts.data(), cells * sizeof(int32_t *), cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(count_table, ks.data(), cells * 4, cudaMemcpyHostToDevice, g.stream));
  batch.expert_table = expert_table;
  batch.count_table = count_table;
  std::vector<int32_t> last_rows;
  for (int32_t b = 0; b < count; b++) last_rows.push_back(batch.offsets[(size_t)b] + lengths[b] - 1);
  const size_t cap = (size_t)g.capacity;
  int32_t *index = g.batch_index; /* positions, scored rows, targets, last rows, (unused), offsets, lengths */
  GF_CUDA(cudaMemcpyAsync(index, positions.data(), positions.size() * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(index + cap, rows.data(), rows.size() * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(index + 2 * cap, targets, rows.size() * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(index + 3 * cap, last_rows.data(), last_rows.size() * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(index + 5 * cap, batch.offsets.data(), (size_t)count * 4, cudaMemcpyHostToDevice, g.stream));
  GF_CUDA(cudaMemcpyAsync(index + 6 * cap, batch.lengths.data(), (size_t)count * 4, cudaMemcpyHostToDevice, g.stream));
  batch.positions = index;
  batch.scored_rows = index + cap;
  batch.targets = index + 2 * cap;
  batch.last_rows = index + 3 * cap;
  batch.device_offsets = index + 5 * cap;
  batch.device_lengths = index + 6 * cap;
  batch.logprobs = g.batch_logprobs;
  batch.greedy = g.batch_greedy;
  batch.expert_counts.assign((size_t)count * c.n_layers, -1);
  g.batch_count = 0;
  gf_status status = GF_OK;
  GF_DISPATCH(c.weight_dtype,
              status = prompt_pass<T>(s, ids, total, Phase::classify, 0, nullptr, &batch));
  if (status != GF_OK) return status;
  GF_CUDA(cudaMemcpy(logprobs, g.batch_logprobs, rows.size() * 8, cudaMemcpyDeviceToHost));
  GF_CUDA(cudaMemcpy(greedy, g.batch_greedy, rows.size(), cudaMemcpyDeviceToHost));
  g.batch_expert_counts = batch.expert_counts;
  g.batch_count = count;
  return GF_OK;
}

} // namespace gf
