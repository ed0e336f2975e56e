/*
 * cuda_check.cuh — what the kernel checks share (cuda_check.cu, cuda_check_forms.cu): a report
 * of comparisons against the CPU twins, random inputs, and copies to and from the device.
 */
#ifndef GRIFFIN_CUDA_CHECK_CUH
#define GRIFFIN_CUDA_CHECK_CUH

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <random>
#include <string>

#include "cuda_attention_decode.cuh"
#include "cuda_attention_prompt.cuh"
#include "cuda_gemm.cuh"
#include "kernels_cpu.h"

namespace gf {

struct Check {
  std::mt19937_64 rng;
  std::string report;
  bool ok = true;
  explicit Check(uint64_t seed) : rng(seed) {}

  std::vector<float> random(size_t n, float scale = 1.f) {
    std::normal_distribution<float> normal(0.f, scale);
    std::vector<float> v(n);
    for (float &x : v) x = normal(rng);
    return v;
  }
  void line(const char *format, ...) {
    char buffer[256];
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    report += buffer;
    report += "\n";
  }
  /* Records whether the kernels left their n tickets at zero (the next launch counts from 0). */
  void tickets_zero(const char *what, const uint32_t *tickets, int n) {
    std::vector<uint32_t> host((size_t)n);
    cudaMemcpy(host.data(), tickets, (size_t)n * 4, cudaMemcpyDeviceToHost);
    const bool zero = std::all_of(host.begin(), host.end(), [](uint32_t t) { return t == 0; });
    ok = ok && zero;
    line("%-44s tickets back to zero %s", what, zero ? "ok" : "FAILED");
  }
  /* Compares and records one result. */
  void compare(const char *what, const std::vector<float> &gpu, const std::vector<float> &cpu,
               double tolerance) {
    double diff = 0, norm = 0;
    bool finite = true;
    for (size_t i = 0; i < cpu.size(); i++) {
      if (!std::isfinite(gpu[i])) finite = false;
      diff += (double)(gpu[i] - cpu[i]) * (gpu[i] - cpu[i]);
      norm += (double)cpu[i] * cpu[i];
    }
    const double error = std::sqrt(diff / (norm > 0 ? norm : 1));
    const bool pass = finite && error <= tolerance;
    ok = ok && pass;
    line("%-44s rel error %.2e (tolerance %.0e) %s", what, error, tolerance, pass ? "ok" : "FAILED");
  }
};

/* A host weight of dtype from float values (rounded as the engine stores them). */
inline Weight host_weight(const std::vector<float> &values, int64_t rows, int64_t cols, int32_t dtype) {
  Weight w;
  w.dtype = dtype;
  w.rows = rows;
  w.cols = cols;
  w.data = malloc(w.bytes());
  for (size_t i = 0; i < values.size(); i++) {
    if (dtype == GF_DTYPE_F32) ((float *)w.data)[i] = values[i];
    else if (dtype == GF_DTYPE_BF16) ((uint16_t *)w.data)[i] = f32_to_bf16(values[i]);
    else ((uint16_t *)w.data)[i] = f32_to_f16(values[i]);
  }
  w.loaded = true;
  return w;
}

template <typename V> V *to_device(const std::vector<V> &v) {
  V *d = nullptr;
  cudaMalloc(&d, std::max<size_t>(v.size(), 1) * sizeof(V));
  cudaMemcpy(d, v.data(), v.size() * sizeof(V), cudaMemcpyHostToDevice);
  return d;
}
inline void *to_device(const Weight &w) {
  void *d = nullptr;
  cudaMalloc(&d, w.bytes());
  cudaMemcpy(d, w.data, w.bytes(), cudaMemcpyHostToDevice);
  return d;
}
inline std::vector<float> from_device(const float *d, size_t n) {
  std::vector<float> v(n);
  cudaMemcpy(v.data(), d, n * 4, cudaMemcpyDeviceToHost);
  return v;
}

/* Rounds v to the weight type dtype (f32: v itself), as the KV cache holds it. */
inline float rounded(float v, int32_t dtype) {
  if (dtype == GF_DTYPE_BF16) return bf16_to_f32(f32_to_bf16(v));
  if (dtype == GF_DTYPE_F16) return f16_to_f32(f32_to_f16(v));
  return v;
}

/* Records whether count values of V at a and b (on the device) hold the same bits. */
template <typename V>
inline void identical(Check &c, const char *what, const V *a, const V *b, size_t count) {
  std::vector<unsigned char> ha(count * sizeof(V)), hb(count * sizeof(V));
  cudaMemcpy(ha.data(), a, ha.size(), cudaMemcpyDeviceToHost);
  cudaMemcpy(hb.data(), b, hb.size(), cudaMemcpyDeviceToHost);
  const bool same = cudaGetLastError() == cudaSuccess && ha == hb;
  c.ok = c.ok && same;
  c.line("%-44s %s", what, same ? "identical ok" : "DIFFERENT FAILED");
}

/*
 * The architectures' own pieces against their CPU twins: LayerNorm, biases in every product,
 * plain ReLU FF blocks, sliding-window attention, learned positions (no RoPE), scaled and
 * positioned embeddings, rows that are not whole 16-byte vectors (cuda_check_forms.cu).
 */
template <typename T>
gf_status check_forms(Check &c, GpuSession &g, int32_t dtype, const char *name);

/* The fused roundings of the products' operands against the passes they replace, bit for bit
 * (cuda_check_rounding.cu); 16-bit types. */
template <typename T>
gf_status check_rounding(Check &c, GpuSession &g, int32_t dtype, const char *name);

/* The fused attention of prompts and packed batches against the CPU and the cuBLAS path
 * (cuda_check_attention.cu); 16-bit types. */
template <typename T>
gf_status check_fused_attention(Check &c, GpuSession &g, int32_t dtype, const char *name);

/* add_norm_kernel against add_slices_kernel then the norms (cuda_check_add_norm.cu); 16-bit types. */
template <typename T>
gf_status check_add_norm(Check &c, const char *name);

} // namespace gf

#endif
