/*
 * cuda_model.cu — CUDA devices and model weights on them: discovery, upload of a finalized
 * model (q, k, v and their biases stacked; W_down — a plain block's W_2 — transposed so each
 * neuron's weights are one row; norms, biases, positions and projections where the config has
 * them), and freeing.
 */
#include <cstring>

#include "cuda_layers.cuh"

extern "C" gf_status gf_cuda_device_count(int32_t *count) {
  gf::clear_error();
  if (!count) return gf::fail(GF_ERR_INVALID_ARGUMENT, "count must not be null");
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError(); /* no driver or no device: no devices */
    n = 0;
  }
  *count = n;
  return GF_OK;
}

extern "C" const char *gf_build_info(void) {
#ifdef GF_HAVE_CUBLAS
  return "griffin-bench engine abi 1, cpu+cuda(sm_90, cublas)";
#else
  return "griffin-bench engine abi 1, cpu+cuda(sm_90)";
#endif
}

namespace gf {

gf_status cuda_check_device(int32_t device) {
  int32_t count = 0;
  gf_cuda_device_count(&count);
  if (device >= count)
    return fail(GF_ERR_UNSUPPORTED, "device cuda:%d does not exist: this machine has %d CUDA device(s)",
                device, count);
  GF_CUDA(cudaSetDevice(device));
  return GF_OK;
}

namespace {

/* cudaMalloc tracked in the model, so a failure part-way frees what was taken. */
gf_status device_alloc(GpuModel &g, size_t bytes, void **out, uint64_t *total) {
  GF_CUDA(cudaMalloc(out, bytes));
  g.allocations.push_back(*out);
  *total += bytes;
  return GF_OK;
}

/*
 * Puts a weight on the device: adopts the copy streamed at load time, or copies the host's. A
 * weight the config does not have (not loaded) stays null.
 */
gf_status upload(GpuModel &g, Weight &w, void **out, uint64_t *total) {
  if (!w.loaded && !w.device) {
    *out = nullptr;
    return GF_OK;
  }
  if (w.device) {
    *out = w.device;
    w.device = nullptr;
    g.allocations.push_back(*out);
    *total += w.bytes();
    return GF_OK;
  }
  gf_status status = device_alloc(g, w.bytes(), out, total);
  if (status != GF_OK) return status;
  GF_CUDA(cudaMemcpy(*out, w.data, w.bytes(), cudaMemcpyHostToDevice));
  return GF_OK;
}

gf_status upload_layer(GpuModel &g, const gf_config &c, LayerWeights &l, GpuLayer &out,
                       uint64_t *total) {
  gf_status s;
  if ((s = upload(g, l.attn_norm, (void **)&out.attn_norm, total)) != GF_OK) return s;
  if ((s = upload(g, l.ff_norm, (void **)&out.ff_norm, total)) != GF_OK) return s;
  /* the vectors: LayerNorm's biases, o's and the FF's biases (null where the config has none) */
  const struct { Weight *w; float **out; } vectors[] = {
      {&l.attn_norm_bias, &out.attn_norm_bias}, {&l.ff_norm_bias, &out.ff_norm_bias},
      {&l.bo, &out.bo}, {&l.b_gate, &out.b_gate}, {&l.b_up, &out.b_up}, {&l.b_down, &out.b_down}};
  for (const auto &v : vectors)
    if ((s = upload(g, *v.w, (void **)v.out, total)) != GF_OK) return s;
  if (l.bq.loaded) { /* q, k, v biases stacked as the products are */
    const size_t bytes = l.bq.bytes() + l.bk.bytes() + l.bv.bytes();
    if ((s = device_alloc(g, bytes, (void **)&out.bqkv, total)) != GF_OK) return s;
    char *at = (char *)out.bqkv;
    for (Weight *w : {&l.bq, &l.bk, &l.bv}) {
      GF_CUDA(cudaMemcpy(at, w->data, w->bytes(), cudaMemcpyHostToDevice));
      at += w->bytes();
    }
  }
  /* q, k, v stacked: one matrix–vector product per step */
  const size_t parts = l.wq.bytes() + l.wk.bytes() + l.wv.bytes();
  if ((s = device_alloc(g, parts, &out.wqkv, total)) != GF_OK) return s;
  char *at = (char *)out.wqkv;
  for (Weight *w : {&l.wq, &l.wk, &l.wv}) { /* from the host or from the streamed copy */
    GF_CUDA(cudaMemcpy(at, w->device ? w->device : w->data, w->bytes(), cudaMemcpyDefault));
    if (w->device) cuda_free_weight(*w);
    at += w->bytes();
  }
  if ((s = upload(g, l.wo, &out.wo, total)) != GF_OK) return s;
  if (c.gated && (s = upload(g, l.w_gate, &out.w_gate, total)) != GF_OK) return s;
  if ((s = upload(g, l.w_up, &out.w_up, total)) != GF_OK) return s;
  /* W_down (hidden, ff) → W_downᵀ (ff, hidden) through a temporary copy */
  void *staging = l.w_down.device; /* streamed at load time, or copied now */
  l.w_down.device = nullptr;
  if (!staging) {
    GF_CUDA(cudaMalloc(&staging, l.w_down.bytes()));
    GF_CUDA(cudaMemcpy(staging, l.w_down.data, l.w_down.bytes(), cudaMemcpyHostToDevice));
  }
  if ((s = device_alloc(g, l.w_down.bytes(), &out.w_down_t, total)) != GF_OK) {
    cudaFree(staging);
    return s;
  }
  const int rows = (int)l.w_down.rows, cols = (int)l.w_down.cols;
  dim3 grid((cols + 31) / 32, (rows + 31) / 32), block(32, 8);
  GF_DISPATCH(g.dtype, transpose_kernel<T><<<grid, block>>>((T *)out.w_down_t,
                                                            (const T *)staging, rows, cols));
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  cudaFree(staging);
  GF_CUDA(err);
  return GF_OK;
}

} // namespace

void cuda_free_model(gf_model *model) {
  cuda_free_staging(model);
  GpuModel *g = gpu_of(model);
  if (!g) return;
  cudaSetDevice(g->device);
  for (void *p : g->allocations) cudaFree(p);
  delete g;
  model->gpu = nullptr;
}

gf_status cuda_upload(gf_model *model) {
  const gf_config &c = model->config;
  GF_CUDA(cudaSetDevice(model->device));
  cuda_free_staging(model); /* loading is over */
  GpuModel *g = new GpuModel();
  g->device = model->device;
  g->dtype = c.weight_dtype;
  model->gpu = g;
  uint64_t total = 0;
  gf_status s = upload(*g, model->embed, &g->embed, &total);
  if (s == GF_OK) s = upload(*g, model->final_norm, (void **)&g->final_norm, &total);
  if (s == GF_OK) s = upload(*g, model->final_norm_bias, (void **)&g->final_norm_bias, &total);
  if (s == GF_OK) s = upload(*g, model->pos_embed, &g->pos_embed, &total);
  if (s == GF_OK) s = upload(*g, model->project_in, &g->project_in, &total);
  if (s == GF_OK) s = upload(*g, model->project_out, &g->project_out, &total);
  if (s == GF_OK && !c.tied_embeddings) s = upload(*g, model->lm_head, &g->lm_head, &total);
  if (s == GF_OK && !model->inv_freq.empty()) { /* RoPE; learned positions have none */
    Weight frequencies;
    frequencies.rows = 1;
    frequencies.cols = (int64_t)model->inv_freq.size();
    frequencies.data = model->inv_freq.data();
    frequencies.loaded = true;
    s = upload(*g, frequencies, (void **)&g->inv_freq, &total);
  }
  if (c.tied_embeddings) g->lm_head = g->embed;
  g->layers.resize((size_t)c.n_layers);
  for (int32_t l = 0; s == GF_OK && l < c.n_layers; l++)
    s = upload_layer(*g, c, model->layers[(size_t)l], g->layers[(size_t)l], &total);
  if (s != GF_OK) {
    cuda_free_model(model);
    return s;
  }
  model->gpu_bytes = total;
  /* the device holds the weights now; keep only the magnitudes on the host */
  for (Weight *w : {&model->embed, &model->final_norm, &model->lm_head, &model->final_norm_bias,
                    &model->pos_embed, &model->project_in, &model->project_out})
    free_weight(*w);
  for (LayerWeights &l : model->layers)
    for (Weight *w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ff_norm, &l.w_gate, &l.w_up,
                      &l.w_down, &l.bq, &l.bk, &l.bv, &l.bo, &l.b_gate, &l.b_up, &l.b_down,
                      &l.attn_norm_bias, &l.ff_norm_bias})
      free_weight(*w);
  return GF_OK;
}

} // namespace gf
