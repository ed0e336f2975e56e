/*
 * cuda_check_attention.cu — the fused attention (attention_fused) against its CPU twin, attention()
 * in kernels_cpu.cpp, one sequence at a time, and against the cuBLAS path it replaces
 * (attention_padded): packed batches whose lengths end inside, at and past the 64-row tiles, each
 * head size it serves, grouped KV heads, a sliding window; its rounded rows must be the bits of its
 * f32 rows rounded.
 */
#include "cuda_attention_packed.cuh"
#include "cuda_check.cuh"

namespace gf {
namespace {

/* One batch shape: head_dim, window, lengths. */
template <typename T>
gf_status check_batch(Check &c, GpuSession &g, int32_t dtype, const char *name, int head_dim, int window,
                      const std::vector<int32_t> &lengths) {
  char what[128];
  const int heads = 8, kv_heads = 2, q_dim = heads * head_dim, kv_dim = kv_heads * head_dim;
  const int qkv_dim = q_dim + 2 * kv_dim, count = (int)lengths.size();
  std::vector<int32_t> offsets;
  int rows = 0;
  for (int32_t n : lengths) offsets.push_back(rows), rows += n;
  const std::vector<float> qkv = c.random((size_t)rows * qkv_dim);
  /* the CPU's inputs: the queries as given, keys and values as the cache holds them */
  std::vector<float> q((size_t)rows * q_dim), keys((size_t)rows * kv_dim), values((size_t)rows * kv_dim);
  for (int t = 0; t < rows; t++)
    for (int i = 0; i < qkv_dim; i++) {
      const float v = qkv[(size_t)t * qkv_dim + i];
      if (i < q_dim) q[(size_t)t * q_dim + i] = v;
      else if (i < q_dim + kv_dim) keys[(size_t)t * kv_dim + i - q_dim] = rounded(v, dtype);
      else values[(size_t)t * kv_dim + i - q_dim - kv_dim] = rounded(v, dtype);
    }
  std::vector<float> cpu((size_t)rows * q_dim);
  for (int b = 0; b < count; b++) {
    const size_t at = (size_t)offsets[(size_t)b];
    attention(cpu.data() + at * q_dim, q.data() + at * q_dim, keys.data() + at * kv_dim, values.data() + at * kv_dim,
              lengths[(size_t)b], 0, heads, kv_heads, head_dim, window);
  }
  float *dqkv = to_device(qkv), *dkeys = to_device(keys), *dvalues = to_device(values);
  int32_t *doffsets = to_device(offsets), *dlengths = to_device(lengths);
  T *dk = nullptr, *dv = nullptr, *rounded = nullptr, *expected = nullptr;
  float *fused = nullptr, *padded = nullptr;
  const size_t out = (size_t)rows * q_dim;
  cudaMalloc(&dk, keys.size() * sizeof(T)), cudaMalloc(&dv, values.size() * sizeof(T));
  cudaMalloc(&rounded, out * sizeof(T)), cudaMalloc(&expected, out * sizeof(T));
  cudaMalloc(&fused, out * 4), cudaMalloc(&padded, out * 4);
  auto cast = [](T *to, const float *from, size_t n) {
    cast_kernel<T><<<(unsigned)std::min<size_t>((n + 255) / 256, 65535), 256>>>(to, from, n);
  };
  cast(dk, dkeys, keys.size()), cast(dv, dvalues, values.size());
  const int longest = *std::max_element(lengths.begin(), lengths.end());
  /* blocks of 2 warps: every row as blocks of 4 give it, bit for bit */
  GF_CUDA(launch_attention_fused<T>(nullptr, fused, nullptr, dqkv, dk, dv, doffsets, dlengths, count, longest, heads,
                                    kv_heads, head_dim, window, 2));
  GF_CUDA(launch_attention_fused<T>(nullptr, padded, nullptr, dqkv, dk, dv, doffsets, dlengths, count, longest, heads,
                                    kv_heads, head_dim, window, 4));
  GF_CUDA(cudaDeviceSynchronize());
  snprintf(what, sizeof what, "attention fused, 2 and 4 warps a block, head_dim %d %s", head_dim, name);
  identical(c, what, fused, padded, out);
  GF_CUDA(launch_attention_fused<T>(nullptr, nullptr, rounded, dqkv, dk, dv, doffsets, dlengths, count, longest,
                                    heads, kv_heads, head_dim, window));
  cast(expected, fused, out);
  if (count == 1) { /* a prompt: no offsets, its length given */
    GF_CUDA(launch_attention_fused<T>(nullptr, nullptr, rounded, dqkv, dk, dv, nullptr, nullptr, 1, longest, heads,
                                      kv_heads, head_dim, window));
  }
  GF_CUDA(cudaDeviceSynchronize());
  snprintf(what, sizeof what, "attention fused, head_dim %d, window %d, %d seqs %s", head_dim, window, count, name);
  /* the probabilities are rounded to T, as frameworks do, where the CPU keeps f32 */
  c.compare(what, from_device(fused, out), cpu, 2e-2);
  snprintf(what, sizeof what, "attention fused rounded, head_dim %d %s", head_dim, name);
  identical(c, what, rounded, expected, out);
  /* the cuBLAS path over padded copies, given room for the whole batch */
  PackedSequences batch;
  batch.offsets = &offsets, batch.lengths = &lengths, batch.device_offsets = doffsets, batch.device_lengths = dlengths;
  void *const cast_was = g.cast, *const scratch_was = g.attention_scratch;
  float *const up_was = g.up;
  const size_t cast_bytes = g.cast_bytes, up_bytes = g.up_bytes, scratch_bytes = g.attention_scratch_bytes;
  const size_t padded_rows = (size_t)count * longest;
  g.cast_bytes = padded_rows * q_dim * sizeof(T);
  g.up_bytes = padded_rows * (2 * (size_t)kv_dim * sizeof(T) + (size_t)q_dim * 4);
  g.attention_scratch_bytes = padded_rows * longest * heads * (4 + sizeof(T));
  GF_CUDA(cudaMalloc(&g.cast, g.cast_bytes));
  GF_CUDA(cudaMalloc(&g.up, g.up_bytes));
  GF_CUDA(cudaMalloc(&g.attention_scratch, g.attention_scratch_bytes));
  gf_status st = attention_padded<T>(g, padded, dqkv, dk, dv, batch, heads, kv_heads, head_dim, window);
  GF_CUDA(cudaDeviceSynchronize());
  cudaFree(g.cast), cudaFree(g.up), cudaFree(g.attention_scratch);
  g.cast = cast_was, g.up = up_was, g.attention_scratch = scratch_was;
  g.cast_bytes = cast_bytes, g.up_bytes = up_bytes, g.attention_scratch_bytes = scratch_bytes;
  if (st != GF_OK) return st;
  snprintf(what, sizeof what, "attention fused vs cuBLAS padded, head_dim %d %s", head_dim, name);
  c.compare(what, from_device(fused, out), from_device(padded, out), 2e-3);
  for (void *p : std::initializer_list<void *>{dqkv, dkeys, dvalues, doffsets, dlengths, dk, dv, rounded, expected,
                                               fused, padded})
    cudaFree(p);
  return GF_OK;
}

} // namespace

template <typename T>
gf_status check_fused_attention(Check &c, GpuSession &g, int32_t dtype, const char *name) {
  const std::vector<int32_t> tiles = {1, 63, 64, 65, 130, 200}, prompt = {300};
  gf_status s = GF_OK;
  for (int head_dim : {64, 128, 256})
    if (s == GF_OK) s = check_batch<T>(c, g, dtype, name, head_dim, 0, tiles);
  if (s == GF_OK) s = check_batch<T>(c, g, dtype, name, 128, 50, tiles);
  if (s == GF_OK) s = check_batch<T>(c, g, dtype, name, 128, 0, prompt);
  return s;
}

template gf_status check_fused_attention<__nv_bfloat16>(Check &, GpuSession &, int32_t, const char *);
template gf_status check_fused_attention<__half>(Check &, GpuSession &, int32_t, const char *);

} // namespace gf
