/*
 * cuda_check_add_norm.cu — add_norm_kernel against the two launches it replaces in a decoding
 * batch (add_slices_kernel, then norm_kernel or norm_rounded_kernel): x to the bit, the normalised
 * rows in f32 within 1e-6 relative (its sums are grouped by cluster block), and its rounded rows
 * equal to its own f32 rows rounded, so both settings of fused_rounding give the products the same
 * operand. Rows of 1, 3 and 16; widths of the paper's shapes and one not a multiple of a block's run.
 */
#include "cuda_add_norm.cuh"
#include "cuda_check.cuh"
#include "cuda_gemm_split.cuh"

namespace gf {

template <typename T>
gf_status check_add_norm(Check &c, const char *name) {
  char what[96];
  const int splits = 4;
  for (int d : {4096, 5120, 3584, 2048, 1000}) {
    for (int n : {1, 3, 16}) {
      std::vector<float> x = c.random((size_t)n * d, 2.f);
      for (float &v : x) v += 1.f; /* a mean away from 0, for LayerNorm */
      float *dpartial = to_device(c.random((size_t)splits * n * d, 0.5f));
      float *dw = to_device(c.random(d)), *db = to_device(c.random(d));
      float *x_ref = to_device(x), *x_f32 = to_device(x), *x_rounded = to_device(x);
      float *normed_ref = nullptr, *normed = nullptr;
      T *rounded = nullptr, *expected = nullptr;
      cudaMalloc(&normed_ref, (size_t)n * d * 4);
      cudaMalloc(&normed, (size_t)n * d * 4);
      cudaMalloc(&rounded, (size_t)n * d * sizeof(T));
      cudaMalloc(&expected, (size_t)n * d * sizeof(T));
      const Norm norms[2] = {Norm{dw, nullptr, 1e-5f}, Norm{dw, db, 1e-5f}};
      const char *kinds[2] = {"rmsnorm", "layernorm"};
      for (int k = 0; k < 2; k++) {
        cudaMemcpy(x_ref, x.data(), x.size() * 4, cudaMemcpyHostToDevice);
        cudaMemcpy(x_f32, x.data(), x.size() * 4, cudaMemcpyHostToDevice);
        cudaMemcpy(x_rounded, x.data(), x.size() * 4, cudaMemcpyHostToDevice);
        launch_add_slices(0, x_ref, dpartial, splits, (size_t)n * d);
        norm_kernel<<<n, 256>>>(normed_ref, x_ref, d, norms[k], nullptr);
        const bool served = launch_add_norm<T>(0, x_f32, dpartial, splits, n, d, norms[k], nullptr, normed) &&
                            launch_add_norm<T>(0, x_rounded, dpartial, splits, n, d, norms[k], rounded, nullptr);
        GF_CUDA(cudaDeviceSynchronize());
        snprintf(what, sizeof what, "add_norm %s %s %dx%d served", kinds[k], name, n, d);
        c.ok = c.ok && served;
        c.line("%-44s %s", what, served ? "ok" : "FAILED");
        if (!served) continue;
        snprintf(what, sizeof what, "add_norm %s %s %dx%d x", kinds[k], name, n, d);
        identical(c, what, x_f32, x_ref, (size_t)n * d);
        identical(c, what, x_rounded, x_ref, (size_t)n * d);
        snprintf(what, sizeof what, "add_norm %s %s %dx%d f32", kinds[k], name, n, d);
        c.compare(what, from_device(normed, (size_t)n * d), from_device(normed_ref, (size_t)n * d), 1e-6);
        cast_kernel<T><<<(unsigned)std::min<size_t>(((size_t)n * d + 255) / 256, 65535), 256>>>(expected, normed,
                                                                                                 (size_t)n * d);
        GF_LAUNCHED();
        snprintf(what, sizeof what, "add_norm %s %s %dx%d rounded", kinds[k], name, n, d);
        identical(c, what, rounded, expected, (size_t)n * d);
      }
      for (void *p : std::initializer_list<void *>{dpartial, dw, db, x_ref, x_f32, x_rounded, normed_ref, normed,
                                                   rounded, expected})
        cudaFree(p);
    }
  }
  /* rows it does not take: the caller keeps the two launches */
  const bool refused = !launch_add_norm<T>(0, nullptr, nullptr, splits, 1, 4098, Norm(), nullptr, nullptr) &&
                       !add_norm_serves(4 * (ADD_NORM_BLOCKS * ADD_NORM_THREADS * ADD_NORM_HELD + 1));
  c.ok = c.ok && refused;
  c.line("%-44s %s", "add_norm refuses widths it does not serve", refused ? "ok" : "FAILED");
  return GF_OK;
}

template gf_status check_add_norm<__nv_bfloat16>(Check &, const char *);
template gf_status check_add_norm<__half>(Check &, const char *);

} // namespace gf
