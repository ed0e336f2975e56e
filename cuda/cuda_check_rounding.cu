/*
 * cuda_check_rounding.cu — the fused roundings (fused_rounding) against the passes they replace:
 * each kernel that writes a product's operand rounded to the weight type must give the same bits
 * as the f32 kernel followed by cast_kernel — the norms, the activation (its f32 z and row norms
 * unchanged), class mode's masks, the packed attention's unpad — and a product of a rounded
 * operand the same bits as gemm of the f32 one.
 */
#include "cuda_attention_packed.cuh"
#include "cuda_check.cuh"

namespace gf {
namespace {

/* out (count, T) = in rounded, the pass the fused kernels replace. */
template <typename T> void cast(T *out, const float *in, size_t count) {
  cast_kernel<T><<<(unsigned)std::min<size_t>((count + 255) / 256, 65535), 256>>>(out, in, count);
}

template <typename T> T *device_array(size_t count) {
  T *p = nullptr;
  cudaMalloc(&p, std::max<size_t>(count, 1) * sizeof(T));
  return p;
}

/* RMSNorm, LayerNorm and no norm, rows of whole and partial blocks; then a product of each. */
template <typename T>
gf_status check_norms(Check &c, GpuSession &g, int32_t dtype, const char *name) {
  char what[96];
  const int n = 19, out = 512;
  for (int d : {4096, 1000}) {
    std::vector<float> x = c.random((size_t)n * d, 2.f);
    for (float &v : x) v += 1.f; /* a mean away from 0 */
    float *dx = to_device(x), *dw = to_device(c.random(d)), *db = to_device(c.random(d));
    float *normed = device_array<float>((size_t)n * d);
    T *expected = device_array<T>((size_t)n * d), *fused = device_array<T>((size_t)n * d);
    const Norm norms[3] = {Norm{dw, nullptr, 1e-5f}, Norm{dw, db, 1e-5f}, Norm()};
    const char *kinds[3] = {"rmsnorm", "layernorm", "no norm"};
    for (int k = 0; k < 3; k++) {
      norm_kernel<<<n, 256>>>(normed, dx, d, norms[k], nullptr);
      cast<T>(expected, normed, (size_t)n * d);
      norm_rounded_kernel<T><<<n, 256>>>(fused, dx, d, norms[k]);
      GF_LAUNCHED();
      snprintf(what, sizeof what, "%s rounded %s %dx%d", kinds[k], name, n, d);
      identical(c, what, fused, expected, (size_t)n * d);
    }
    if (fused_rounding<T>(n, d, false)) { /* the product of the rounded norm as gemm's own */
      Weight w = host_weight(c.random((size_t)out * d, 0.02f), out, d, dtype);
      T *dm = (T *)to_device(w);
      float *y = device_array<float>((size_t)n * out), *y_fused = device_array<float>((size_t)n * out);
      norm_kernel<<<n, 256, 0, g.stream>>>(normed, dx, d, norms[1], nullptr);
      gf_status s = gemm<T>(g, y, normed, dm, n, d, out, false, false);
      norm_rounded_kernel<T><<<n, 256, 0, g.stream>>>(fused, dx, d, norms[1]);
      if (s == GF_OK) s = gemm_rounded<T>(g, y_fused, fused, dm, n, d, out, false, false);
      GF_CUDA(cudaStreamSynchronize(g.stream));
      if (s != GF_OK) return s;
      snprintf(what, sizeof what, "gemm of a rounded operand %s %dx%dx%d", name, n, d, out);
      identical(c, what, y_fused, y, (size_t)n * out);
      for (void *p : std::initializer_list<void *>{dm, y, y_fused}) cudaFree(p);
      free_weight(w);
    }
    for (void *p : std::initializer_list<void *>{dx, dw, db, normed, expected, fused}) cudaFree(p);
  }
  return GF_OK;
}

/* The activation (gated SiLU with biases, plain GELU; whole and partial float4 rows) and masks. */
template <typename T>
gf_status check_activations(Check &c, const char *name) {
  char what[96];
  const int rows = 23;
  for (int ff : {11008, 1001}) {
    const size_t count = (size_t)rows * ff;
    const std::vector<float> gate = c.random(count, 3.f), up = c.random(count);
    float *dgate = to_device(gate), *dup = to_device(up), *dz = device_array<float>(count);
    float *db_gate = to_device(c.random(ff)), *db_up = to_device(c.random(ff));
    double *inverse = device_array<double>(rows), *inverse_fused = device_array<double>(rows);
    float *dz_before = device_array<float>(count);
    float *saved = device_array<float>(count); /* the masks' scratch */
    T *expected = device_array<T>(count), *fused = device_array<T>(count);
    for (bool gated : {true, false}) {
      const int act = gated ? GF_ACT_SILU : GF_ACT_GELU;
      const float *u = gated ? dup : nullptr;
      /* the pass as it was: f32 z, then its rounding */
      GF_CUDA(cudaMemcpy(dz, dgate, count * 4, cudaMemcpyDeviceToDevice));
      activate_rows_kernel<<<rows, 256>>>(dz, u, ff, act, inverse, db_gate, gated ? db_up : nullptr);
      cast<T>(expected, dz, count);
      GF_CUDA(cudaMemcpy(dz_before, dz, count * 4, cudaMemcpyDeviceToDevice));
      for (bool keep : {true, false}) {
        GF_CUDA(cudaMemcpy(dz, dgate, count * 4, cudaMemcpyDeviceToDevice));
        activate_rows_kernel<T><<<rows, 256>>>(dz, u, ff, act, inverse_fused, db_gate, gated ? db_up : nullptr,
                                               fused, keep);
        GF_LAUNCHED();
        snprintf(what, sizeof what, "activation rounded%s %s %s %dx%d", keep ? ", f32 kept" : "",
                 gated ? "silu" : "gelu", name, rows, ff);
        identical(c, what, fused, expected, count);
        if (keep) {
          snprintf(what, sizeof what, "activation kept in f32 %s %s", gated ? "silu" : "gelu", name);
          identical(c, what, dz, dz_before, count);
          identical(c, "activation row norms with the rounding", inverse_fused, inverse, (size_t)rows);
        }
      }
    }
    /* class mode's masks: the rounding of z masked as z in f32 is, then rounded */
    GF_CUDA(cudaMemcpy(dz, dz_before, count * 4, cudaMemcpyDeviceToDevice));
    cast<T>(fused, dz, count);
    std::vector<int32_t> last_rows, experts, ks;
    for (int r = 1; r < rows; r += 2) last_rows.push_back(r);
    for (int j = 0; j < ff; j += 3) experts.push_back(j);
    int32_t *dexperts = to_device(experts);
    for (size_t i = 0; i < last_rows.size(); i++) ks.push_back(i % 4 == 3 ? -1 : (int32_t)(experts.size() - i));
    int32_t *drows = to_device(last_rows), *dks = to_device(ks);
    int32_t **dsets = to_device(std::vector<int32_t *>(last_rows.size(), dexperts)); /* one set for all */
    const int masked = (int)last_rows.size();
    mask_rows_kernel<float><<<masked, 256>>>(dz, saved, drows, dsets, dks, ff);
    cast<T>(expected, dz, count);
    mask_rows_kernel<T><<<masked, 256>>>(fused, (T *)saved, drows, dsets, dks, ff);
    GF_LAUNCHED();
    snprintf(what, sizeof what, "batch last rows masked, rounded %s ff %d", name, ff);
    identical(c, what, fused, expected, count);
    { /* a decoding batch's activation: column chunks, each row masked to its own experts as written */
      std::vector<int32_t> all, counts;
      std::vector<size_t> starts;
      for (int r = 0; r < rows; r++) {
        starts.push_back(all.size());
        int k = 0;
        for (int j = 0; j < ff; j++)
          if ((j * 7 + r) % (2 + r % 3) == 0 && r != 2) all.push_back(j), k++; /* row 2: no experts */
        counts.push_back(r % 5 == 4 ? -1 : k);
      }
      int32_t *dall = to_device(all), *dcounts = to_device(counts);
      std::vector<int32_t *> sets;
      for (size_t start : starts) sets.push_back(dall + start);
      int32_t **dsets2 = to_device(sets);
      for (bool gated : {true, false}) {
        const int act = gated ? GF_ACT_SILU : GF_ACT_GELU;
        const float *u = gated ? dup : nullptr;
        GF_CUDA(cudaMemcpy(dz, dgate, count * 4, cudaMemcpyDeviceToDevice));
        activate_rows_kernel<<<rows, 256>>>(dz, u, ff, act, nullptr, db_gate, gated ? db_up : nullptr);
        mask_rows_kernel<float><<<rows, 256>>>(dz, saved, nullptr, dsets2, dcounts, ff);
        cast<T>(expected, dz, count);
        GF_CUDA(cudaMemcpy(dz_before, dz, count * 4, cudaMemcpyDeviceToDevice));
        for (int chunks : {1, 3, activate_chunks(rows, ff, current_multiprocessors())}) {
          GF_CUDA(cudaMemcpy(dz, dgate, count * 4, cudaMemcpyDeviceToDevice));
          activate_rows_kernel<T><<<dim3(rows, chunks), 256, activate_mask_bytes(ff, chunks)>>>(
              dz, u, ff, act, nullptr, db_gate, gated ? db_up : nullptr, fused, true, dsets2, dcounts);
          GF_LAUNCHED();
          snprintf(what, sizeof what, "activation masked per row, %d chunks, rounded %s %s ff %d", chunks,
                   gated ? "silu" : "gelu", name, ff);
          identical(c, what, fused, expected, count);
          snprintf(what, sizeof what, "activation masked per row, %d chunks, f32 %s ff %d", chunks, name, ff);
          identical(c, what, dz, dz_before, count);
        }
      }
      for (void *p : std::initializer_list<void *>{dall, dcounts, dsets2}) cudaFree(p);
      GF_CUDA(cudaMemcpy(dz, dz_before, count * 4, cudaMemcpyDeviceToDevice));
    }
    std::vector<uint8_t> flags((size_t)ff);
    for (int j = 0; j < ff; j++) flags[(size_t)j] = j % 5 == 1;
    uint8_t *dflags = to_device(flags);
    mask_row_kernel<float><<<(ff + 255) / 256, 256>>>(dz + (size_t)(rows - 1) * ff, dflags, ff);
    cast<T>(expected, dz, count);
    mask_row_kernel<T><<<(ff + 255) / 256, 256>>>(fused + (size_t)(rows - 1) * ff, dflags, ff);
    GF_LAUNCHED();
    snprintf(what, sizeof what, "last row masked, rounded %s ff %d", name, ff);
    identical(c, what, fused, expected, count);
    for (void *p : std::initializer_list<void *>{dgate, dup, dz, dz_before, db_gate, db_up, inverse, inverse_fused, expected,
                                                 fused, saved, dexperts, drows, dks, dsets, dflags})
      cudaFree(p);
  }
  return GF_OK;
}

/* The packed attention's outputs back to their rows: rounded as the o product takes them. */
template <typename T>
gf_status check_unpad(Check &c, const char *name) {
  char what[96];
  const int heads = 6, head_dim = 64, q_dim = heads * head_dim, L = 37;
  const std::vector<int32_t> lengths = {37, 5, 20}, offsets = {0, 37, 42};
  const int sequences = (int)lengths.size(), rows = 62;
  float *o = to_device(c.random((size_t)sequences * heads * L * head_dim));
  int32_t *doffsets = to_device(offsets), *dlengths = to_device(lengths);
  float *att = device_array<float>((size_t)rows * q_dim);
  T *expected = device_array<T>((size_t)rows * q_dim), *fused = device_array<T>((size_t)rows * q_dim);
  unpad_heads_kernel<float><<<dim3(L, sequences), 256>>>(att, o, doffsets, dlengths, L, heads, head_dim);
  cast<T>(expected, att, (size_t)rows * q_dim);
  unpad_heads_kernel<T><<<dim3(L, sequences), 256>>>(fused, o, doffsets, dlengths, L, heads, head_dim);
  GF_LAUNCHED();
  snprintf(what, sizeof what, "packed attention unpadded, rounded %s", name);
  identical(c, what, fused, expected, (size_t)rows * q_dim);
  for (void *p : std::initializer_list<void *>{o, doffsets, dlengths, att, expected, fused}) cudaFree(p);
  return GF_OK;
}

} // namespace

template <typename T>
gf_status check_rounding(Check &c, GpuSession &g, int32_t dtype, const char *name) {
  gf_status s = check_norms<T>(c, g, dtype, name);
  if (s == GF_OK) s = check_activations<T>(c, name);
  if (s == GF_OK) s = check_unpad<T>(c, name);
  return s;
}

template gf_status check_rounding<__nv_bfloat16>(Check &, GpuSession &, int32_t, const char *);
template gf_status check_rounding<__half>(Check &, GpuSession &, int32_t, const char *);

} // namespace gf
