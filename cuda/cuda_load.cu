/*
 * cuda_load.cu — tensors of a CUDA model go from the checkpoint file to the GPU as they load:
 * read into two pinned buffers in turn, each copied to the device while the other fills, so the
 * host never holds the checkpoint (the page cache aside), and the reads overlap the copies.
 */
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cuda_common.cuh"
#include "kernels_cpu.h"

namespace gf {

namespace {

constexpr size_t STAGING_BYTES = 64u << 20; /* each of the two pinned buffers */

struct Staging {
  void *buffer[2] = {nullptr, nullptr};
  cudaEvent_t copied[2] = {nullptr, nullptr};
  cudaStream_t stream = nullptr;
};

gf_status staging_of(gf_model *m, Staging **out) {
  if (!m->staging) {
    Staging *st = new Staging();
    m->staging = st;
    GF_CUDA(cudaStreamCreateWithFlags(&st->stream, cudaStreamNonBlocking));
    for (int i = 0; i < 2; i++) {
      GF_CUDA(cudaMallocHost(&st->buffer[i], STAGING_BYTES));
      GF_CUDA(cudaEventCreateWithFlags(&st->copied[i], cudaEventDisableTiming));
    }
  }
  *out = (Staging *)m->staging;
  return GF_OK;
}

/* Reads exactly n bytes at offset; false at the end of the file or on an error. */
bool read_exactly(int fd, void *into, size_t n, uint64_t offset) {
  char *at = (char *)into;
  while (n > 0) {
    const ssize_t got = pread(fd, at, n, (off_t)offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    at += got, n -= (size_t)got, offset += (uint64_t)got;
  }
  return true;
}

/* norms[r] = Σ_c w[r][c]² in fp64, a warp per row. */
template <typename T>
__global__ void row_squares_kernel(double *__restrict__ norms, const T *__restrict__ w, int rows,
                                   int cols) {
  const int lane = threadIdx.x & 31;
  for (int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); r < rows;
       r += gridDim.x * (blockDim.x >> 5)) {
    double ss = 0;
    for (int c = lane; c < cols; c += 32) {
      const double v = to_float(w[(size_t)r * cols + c]);
      ss += v * v;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
    if (lane == 0) norms[r] = ss;
  }
}

/* splitmix64's output function (model.cpp's Gaussian). */
__device__ __forceinline__ uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/*
 * out[i] = the i-th value gf_model_synthesize draws on the host: blocks of 2^16 elements, each
 * block a splitmix64 stream from base ^ (its first element), two draws per Box–Muller value,
 * times scale, rounded to T.
 */
template <typename T>
__global__ void synthesize_kernel(T *__restrict__ out, size_t n, uint64_t base, float scale) {
  constexpr uint64_t GOLDEN = 0x9E3779B97F4A7C15ull;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    const size_t first = i & ~(size_t)0xFFFF, j = i - first;
    const uint64_t state = base ^ (uint64_t)first;
    const uint64_t z1 = mix64(state + (2 * j + 1) * GOLDEN), z2 = mix64(state + (2 * j + 2) * GOLDEN);
    const double u1 = ((double)(z1 >> 11) + 0.5) / 9007199254740992.0;
    const double u2 = (double)(z2 >> 11) / 9007199254740992.0;
    const float v = (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    out[i] = from_float<T>(v * scale);
  }
}

} // namespace

gf_status cuda_synthesize_weight(gf_model *m, Weight *w, int32_t kind, int32_t layer,
                                 uint64_t seed, float scale) {
  GF_CUDA(cudaSetDevice(m->device));
  if (!w->device) GF_CUDA(cudaMalloc(&w->device, w->bytes()));
  const uint64_t base = seed ^ ((uint64_t)(kind * 1000003 + layer + 7) << 32);
  GF_DISPATCH(w->dtype, synthesize_kernel<T><<<4096, 256>>>((T *)w->device, (size_t)w->numel(), base, scale));
  GF_LAUNCHED();
  GF_CUDA(cudaDeviceSynchronize());
  return GF_OK;
}

gf_status cuda_stream_weight(gf_model *m, Weight *w, int fd, const char *path, uint64_t offset,
                             uint64_t nbytes, int32_t src_dtype) {
  GF_CUDA(cudaSetDevice(m->device));
  Staging *st = nullptr;
  gf_status status = staging_of(m, &st);
  if (status != GF_OK) return status;
  if (!w->device) GF_CUDA(cudaMalloc(&w->device, w->bytes()));
  const size_t src_elem = dtype_size(src_dtype), elem = dtype_size(w->dtype);
  const bool same = src_dtype == w->dtype;
  /* elements per chunk: both the source and the converted chunk fit a buffer */
  const size_t per_chunk = STAGING_BYTES / std::max(src_elem, elem);
  std::vector<char> source(same ? 0 : per_chunk * src_elem);
  const size_t count = (size_t)(nbytes / src_elem);
  int b = 0;
  for (size_t at = 0; at < count; at += per_chunk, b ^= 1) {
    const size_t n = std::min(per_chunk, count - at);
    GF_CUDA(cudaEventSynchronize(st->copied[b])); /* the buffer's last copy is done */
    void *into = same ? st->buffer[b] : source.data();
    if (!read_exactly(fd, into, n * src_elem, offset + at * src_elem))
      return fail(GF_ERR_IO, "%s ends before a tensor is complete (wanted %llu bytes at %llu)",
                  path, (unsigned long long)nbytes, (unsigned long long)offset);
    if (!same) convert_elements(st->buffer[b], w->dtype, source.data(), src_dtype, n);
    GF_CUDA(cudaMemcpyAsync((char *)w->device + at * elem, st->buffer[b], n * elem,
                            cudaMemcpyHostToDevice, st->stream));
    GF_CUDA(cudaEventRecord(st->copied[b], st->stream));
  }
  GF_CUDA(cudaStreamSynchronize(st->stream));
  return GF_OK;
}

gf_status cuda_row_norms(gf_model *m, const Weight &w, std::vector<double> &norms) {
  GF_CUDA(cudaSetDevice(m->device));
  double *squares = nullptr;
  GF_CUDA(cudaMalloc(&squares, (size_t)w.rows * sizeof(double)));
  const int blocks = (int)std::min<int64_t>((w.rows + 7) / 8, 4096);
  GF_DISPATCH(w.dtype, row_squares_kernel<T><<<blocks, 256>>>(squares, (const T *)w.device,
                                                                (int)w.rows, (int)w.cols));
  norms.resize((size_t)w.rows);
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess)
    err = cudaMemcpy(norms.data(), squares, norms.size() * sizeof(double), cudaMemcpyDeviceToHost);
  cudaFree(squares);
  GF_CUDA(err);
  for (double &v : norms) v = std::sqrt(v);
  return GF_OK;
}

void cuda_free_weight(Weight &w) {
  cudaFree(w.device);
  w.device = nullptr;
}

void cuda_free_staging(gf_model *m) {
  Staging *st = (Staging *)m->staging;
  if (!st) return;
  if (st->stream) cudaStreamSynchronize(st->stream);
  for (int i = 0; i < 2; i++) {
    if (st->buffer[i]) cudaFreeHost(st->buffer[i]);
    if (st->copied[i]) cudaEventDestroy(st->copied[i]);
  }
  if (st->stream) cudaStreamDestroy(st->stream);
  delete st;
  m->staging = nullptr;
}

} // namespace gf
