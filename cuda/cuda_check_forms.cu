/*
 * cuda_check_forms.cu — the kernels' options for every architecture against their CPU twins:
 * LayerNorm (alone and fused into a product), biases as epilogues of every product, plain ReLU
 * FF blocks, sliding-window attention in the prompt phase and in decoding, learned positions
 * (no rotation), scaled and positioned embeddings, and rows that are not whole 16-byte vectors.
 */
#include "cuda_check.cuh"

namespace gf {
namespace {

/* LayerNorm alone (with a bias added first, in place) and fused into a product with its biases. */
template <typename T>
gf_status check_layer_norm(Check &c, int32_t dtype, const char *name, double tol) {
  char what[96];
  const int n = 7, d = 1000, rows = 300;
  std::vector<float> x = c.random((size_t)n * d, 2.f), add = c.random(d), w = c.random(d),
                     b = c.random(d);
  for (float &v : x) v += 3.f; /* a mean far from 0 */
  Weight wn = host_weight(w, 1, d, GF_DTYPE_F32), bn = host_weight(b, 1, d, GF_DTYPE_F32);
  Weight addw = host_weight(add, 1, d, GF_DTYPE_F32);
  std::vector<float> summed = x, cpu((size_t)n * d);
  add_bias(summed.data(), addw, nullptr, d, n);
  layernorm(cpu.data(), summed.data(), wn, bn, n, d, 1e-5f);
  float *dx = to_device(x), *dw = to_device(w), *db = to_device(b), *dadd = to_device(add);
  norm_kernel<<<n, 256>>>(dx, dx, d, Norm{dw, db, 1e-5f}, dadd);
  GF_LAUNCHED();
  c.compare("layernorm + bias first, in place 7x1000", from_device(dx, (size_t)n * d), cpu, 1e-5);
  /* y = W · layernorm(x) + bias + residual, one row of x */
  Weight m = host_weight(c.random((size_t)rows * d, 0.03f), rows, d, dtype);
  std::vector<float> bias = c.random(rows), residual = c.random(rows), y(rows);
  Weight biasw = host_weight(bias, 1, rows, GF_DTYPE_F32);
  matmul(y.data(), cpu.data(), m, 1);
  add_bias(y.data(), biasw, nullptr, rows, 1);
  for (int r = 0; r < rows; r++) y[r] += residual[r];
  GF_CUDA(cudaMemcpy(dx, summed.data(), (size_t)d * 4, cudaMemcpyHostToDevice));
  T *dm = (T *)to_device(m);
  float *dbias = to_device(bias), *dres = to_device(residual), *dy = nullptr;
  cudaMalloc(&dy, (size_t)rows * 4);
  gemv_kernel<T><<<GemvShape::blocks(rows, 132), GemvShape::threads, GemvShape::shared(d)>>>(
      dy, dm, dx, rows, d, nullptr, dres, Norm{dw, db, 1e-5f}, dbias);
  GF_LAUNCHED();
  snprintf(what, sizeof what, "gemv, fused layernorm, bias, residual %s", name);
  c.compare(what, from_device(dy, rows), y, tol);
  for (void *p : std::initializer_list<void *>{dx, dw, db, dadd, dm, dbias, dres, dy}) cudaFree(p);
  for (Weight *h : {&wn, &bn, &addw, &m, &biasw}) free_weight(*h);
  return GF_OK;
}

/* FF biases over experts: gated (b_gate, b_up, b_down) and plain ReLU (b_1, b_2); density 0. */
template <typename T>
gf_status check_ff_biases(Check &c, int32_t dtype, const char *name, double tol, int hidden) {
  char what[96];
  const int ff = 700, sms = 132;
  Weight gate = host_weight(c.random((size_t)ff * hidden, 0.05f), ff, hidden, dtype);
  Weight up = host_weight(c.random((size_t)ff * hidden, 0.05f), ff, hidden, dtype);
  Weight down = host_weight(c.random((size_t)hidden * ff, 0.05f), hidden, ff, dtype);
  std::vector<float> bg = c.random(ff), bu = c.random(ff), bd = c.random(hidden);
  Weight bgw = host_weight(bg, 1, ff, GF_DTYPE_F32), buw = host_weight(bu, 1, ff, GF_DTYPE_F32),
         bdw = host_weight(bd, 1, hidden, GF_DTYPE_F32);
  std::vector<int32_t> experts;
  for (int j = 0; j < ff; j++)
    if (c.rng() % 2 == 0) experts.push_back(j);
  const int k = (int)experts.size();
  std::vector<float> x = c.random(hidden);
  T *dgate = (T *)to_device(gate), *dup = (T *)to_device(up), *ddown = (T *)to_device(down);
  T *ddown_t = nullptr;
  cudaMalloc(&ddown_t, down.bytes());
  transpose_kernel<T><<<dim3((ff + 31) / 32, (hidden + 31) / 32), dim3(32, 8)>>>(ddown_t, ddown, hidden, ff);
  int32_t *dexperts = to_device(experts);
  float *dx = to_device(x), *dbg = to_device(bg), *dbu = to_device(bu), *dbd = to_device(bd);
  float *dz = nullptr, *dout = nullptr, *dpart = nullptr;
  cudaMalloc(&dz, (size_t)ff * 4);
  cudaMalloc(&dout, (size_t)hidden * 4);
  cudaMalloc(&dpart, (size_t)hidden * 64 * 4);
  uint32_t *dtickets = to_device(std::vector<uint32_t>((size_t)hidden, 0u));
  for (bool gated : {true, false}) {
    const int act = gated ? GF_ACT_GELU_TANH : GF_ACT_RELU;
    std::vector<float> zg(k), zu(k), y(hidden, 0.f);
    matmul_rows(zu.data(), x.data(), up, experts.data(), k, 1);
    add_bias(zu.data(), buw, experts.data(), k, 1);
    if (gated) {
      matmul_rows(zg.data(), x.data(), gate, experts.data(), k, 1);
      add_bias(zg.data(), bgw, experts.data(), k, 1);
      activate(zg.data(), zu.data(), k, act);
    } else {
      zg = zu;
      activate(zg.data(), nullptr, k, act);
    }
    matmul_cols(y.data(), zg.data(), down, experts.data(), k, 1);
    add_bias(y.data(), bdw, nullptr, hidden, 1);
    gate_up_kernel<T><<<GemvShape::blocks(k, sms), GemvShape::threads, GemvShape::shared(hidden)>>>(
        dz, gated ? dgate : nullptr, dup, dx, k, hidden, dexperts, act, Norm(),
        gated ? dbg : nullptr, dbu);
    GF_LAUNCHED();
    snprintf(what, sizeof what, "gate_up %s with biases (%d experts, hidden %d) %s",
             gated ? "gelu-tanh" : "plain relu", k, hidden, name);
    c.compare(what, from_device(dz, k), zg, tol);
    GF_CUDA(cudaMemset(dout, 0, (size_t)hidden * 4));
    gf_status s = launch_down<T>(0, dout, dpart, (size_t)hidden * 64, dtickets, ddown_t, dz,
                                 dexperts, k, hidden, sms, false, 4, dbd);
    if (s != GF_OK) return s;
    GF_CUDA(cudaDeviceSynchronize());
    snprintf(what, sizeof what, "down with b_down (%d experts, hidden %d) %s", k, hidden, name);
    c.compare(what, from_device(dout, hidden), y, tol);
  }
  c.tickets_zero("down with b_down", dtickets, hidden);
  GF_CUDA(cudaMemset(dout, 0, (size_t)hidden * 4)); /* density 0: only b_2 */
  gf_status s = launch_down<T>(0, dout, dpart, (size_t)hidden * 64, dtickets, ddown_t, dz,
                               dexperts, 0, hidden, sms, false, 4, dbd);
  if (s != GF_OK) return s;
  GF_CUDA(cudaDeviceSynchronize());
  snprintf(what, sizeof what, "down at density 0 adds b_down only (hidden %d) %s", hidden, name);
  c.compare(what, from_device(dout, hidden), bd, 0);
  for (void *p : std::initializer_list<void *>{dgate, dup, ddown, ddown_t, dexperts, dx, dbg, dbu,
                                                dbd, dz, dout, dpart, dtickets})
    cudaFree(p);
  for (Weight *h : {&gate, &up, &down, &bgw, &buw, &bdw}) free_weight(*h);
  return GF_OK;
}

/*
 * Sliding-window attention (window 16 over 100 positions) with q/k/v biases and no rotation
 * (learned positions): the prompt's kernels and decoding's at several positions.
 */
template <typename T>
gf_status check_window(Check &c, GpuSession &g, int32_t dtype, const char *name) {
  char what[96];
  const int heads = 4, kv_heads = 1, head_dim = 64, n = 100, window = 16;
  const int q_dim = heads * head_dim, kv_dim = kv_heads * head_dim, width = q_dim + 2 * kv_dim;
  std::vector<float> qkv = c.random((size_t)n * width), bias = c.random(width);
  std::vector<float> q((size_t)n * q_dim), keys((size_t)n * kv_dim), values((size_t)n * kv_dim);
  for (int t = 0; t < n; t++)
    for (int i = 0; i < width; i++) {
      const float v = qkv[(size_t)t * width + i] + bias[i];
      if (i < q_dim) q[(size_t)t * q_dim + i] = v;
      else if (i < q_dim + kv_dim) keys[(size_t)t * kv_dim + i - q_dim] = rounded(v, dtype);
      else values[(size_t)t * kv_dim + i - q_dim - kv_dim] = rounded(v, dtype);
    }
  std::vector<float> cpu((size_t)n * q_dim);
  attention(cpu.data(), q.data(), keys.data(), values.data(), n, 0, heads, kv_heads, head_dim, window);
  float *dqkv = to_device(qkv), *dbias = to_device(bias), *datt = nullptr, *dpart = nullptr;
  T *dk = nullptr, *dv = nullptr;
  cudaMalloc(&dk, (size_t)n * kv_dim * sizeof(T));
  cudaMalloc(&dv, (size_t)n * kv_dim * sizeof(T));
  cudaMalloc(&datt, (size_t)n * q_dim * 4);
  cudaMalloc(&dpart, (size_t)heads * 64 * (head_dim + 2) * 4);
  int32_t *dpos = to_device(std::vector<int32_t>{0});
  rope_cache_kernel<T><<<n, 256>>>(dqkv, dk, dv, dpos, heads, kv_heads, head_dim, nullptr, dbias);
  attention_prefill_kernel<T><<<dim3(n, heads), 256, prefill_shared_bytes(n)>>>(
      datt, dqkv, dk, dv, 0, heads, kv_heads, head_dim, window);
  GF_LAUNCHED();
  snprintf(what, sizeof what, "attention prefill, window %d, biases, no rope %s", window, name);
  c.compare(what, from_device(datt, (size_t)n * q_dim), cpu, 1e-4);
  const size_t scratch = (size_t)heads * n * n * (4 + sizeof(T));
  g.attention_scratch_bytes = prompt_attention_scratch(n, heads, sizeof(T)) ? scratch : 0;
  GF_CUDA(cudaMalloc(&g.attention_scratch, scratch));
  GF_CUDA(cudaMemset(datt, 0, (size_t)n * q_dim * 4));
  gf_status st = attention_prompt<T>(g, datt, dqkv, dk, dv, n, heads, kv_heads, head_dim, window);
  GF_CUDA(cudaStreamSynchronize(g.stream));
  cudaFree(g.attention_scratch);
  g.attention_scratch = nullptr;
  if (st != GF_OK) return st;
  snprintf(what, sizeof what, "attention prompt, window %d %s", window, name);
  c.compare(what, from_device(datt, (size_t)n * q_dim), cpu, dtype == GF_DTYPE_F32 ? 1e-4 : 2e-2);
  /* decoding at positions inside and past the window; the rows of qkv already hold the biases */
  uint32_t *dtickets = to_device(std::vector<uint32_t>((size_t)heads, 0u));
  for (int at : {5, 16, 40, n - 1}) {
    cudaMemcpy(dpos, &at, 4, cudaMemcpyHostToDevice);
    const float *q_at = dqkv + (size_t)at * width;
    const std::vector<float> want(cpu.begin() + (size_t)at * q_dim, cpu.begin() + (size_t)(at + 1) * q_dim);
    if (decode_lanes<T>(head_dim) > 0) {
      for (int parts : {1, 3, 8}) {
        GF_CUDA(launch_attention_split<T>(false, 0, datt, dpart, dtickets, q_at, dk, dv, dpos, heads,
                                          kv_heads, head_dim, parts, nullptr, window));
        GF_CUDA(cudaDeviceSynchronize());
        snprintf(what, sizeof what, "attention split, window %d (pos %d, %d splits) %s", window, at, parts, name);
        c.compare(what, from_device(datt, q_dim), want, 1e-4);
      }
    }
    const int splits = (n + ATTENTION_CHUNK - 1) / ATTENTION_CHUNK;
    attention_decode_kernel<T><<<dim3(heads, splits), ATTENTION_THREADS>>>(
        dpart, q_at, dk, dv, dpos, heads, kv_heads, head_dim, nullptr, window);
    attention_combine_kernel<<<heads, head_dim>>>(datt, dpart, splits, head_dim);
    GF_CUDA(cudaDeviceSynchronize());
    snprintf(what, sizeof what, "attention decode, window %d (pos %d) %s", window, at, name);
    c.compare(what, from_device(datt, q_dim), want, 1e-4);
  }
  c.tickets_zero("attention split, window", dtickets, heads);
  for (void *p : std::initializer_list<void *>{dqkv, dbias, datt, dpart, dk, dv, dpos, dtickets}) cudaFree(p);
  return GF_OK;
}

/* Embeddings scaled (Gemma) with learned positions at an offset (OPT), and in place. */
template <typename T>
gf_status check_embed(Check &c, int32_t dtype, const char *name) {
  char what[96];
  const int vocab = 50, hidden = 72, positions = 40, offset = 2, start = 9;
  Weight embed = host_weight(c.random((size_t)vocab * hidden), vocab, hidden, dtype);
  Weight pos = host_weight(c.random((size_t)(positions + offset) * hidden), positions + offset, hidden, dtype);
  const std::vector<int32_t> ids = {3, 49, 0, 17};
  const int n = (int)ids.size();
  const float scale = 8.485281f;
  std::vector<float> cpu((size_t)n * hidden), row(hidden), prow(hidden);
  for (int t = 0; t < n; t++) {
    weight_row(embed, ids[(size_t)t], row.data());
    weight_row(pos, start + t + offset, prow.data());
    for (int i = 0; i < hidden; i++) cpu[(size_t)t * hidden + i] = row[i] * scale + prow[i];
  }
  T *dembed = (T *)to_device(embed), *dposw = (T *)to_device(pos);
  int32_t *dids = to_device(ids), *dstart = to_device(std::vector<int32_t>{start});
  float *dx = nullptr;
  cudaMalloc(&dx, (size_t)n * hidden * 4);
  embed_kernel<T><<<n, 256>>>(dx, dembed, dids, hidden, scale, dposw, dstart, offset);
  GF_LAUNCHED();
  snprintf(what, sizeof what, "embeddings scaled, learned positions %s", name);
  c.compare(what, from_device(dx, (size_t)n * hidden), cpu, 1e-6);
  embed_kernel<T><<<n, 256>>>(dx, dembed, dids, hidden, 1.f, nullptr, dstart, 0); /* in place */
  embed_kernel<T><<<n, 256>>>(dx, (const T *)nullptr, dids, hidden, scale, dposw, dstart, offset);
  GF_LAUNCHED();
  snprintf(what, sizeof what, "embeddings scaled and positioned in place %s", name);
  c.compare(what, from_device(dx, (size_t)n * hidden), cpu, 1e-6);
  for (void *p : std::initializer_list<void *>{dembed, dposw, dids, dstart, dx}) cudaFree(p);
  for (Weight *h : {&embed, &pos}) free_weight(*h);
  return GF_OK;
}

} // namespace

template <typename T>
gf_status check_forms(Check &c, GpuSession &g, int32_t dtype, const char *name) {
  const double tol = dtype == GF_DTYPE_F32 ? 1e-5 : 1e-4;
  gf_status s = check_layer_norm<T>(c, dtype, name, tol);
  if (s == GF_OK) s = check_ff_biases<T>(c, dtype, name, tol, 512);
  if (s == GF_OK) s = check_ff_biases<T>(c, dtype, name, tol, 100); /* not whole 16-byte rows */
  if (s == GF_OK) s = check_window<T>(c, g, dtype, name);
  if (s == GF_OK) s = check_embed<T>(c, dtype, name);
  return s;
}

template gf_status check_forms<float>(Check &, GpuSession &, int32_t, const char *);
template gf_status check_forms<__nv_bfloat16>(Check &, GpuSession &, int32_t, const char *);

} // namespace gf
