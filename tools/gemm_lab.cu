/*
 * gemm_lab.cu — how fast cuBLAS runs the prompt pass's products at a class batch's size (4000
 * rows, Llama-2-7B shapes, bf16 weights, f32 accumulation), as the engine calls them (cublasGemmEx,
 * CUBLAS_GEMM_DEFAULT, f32 output) against every algorithm cuBLASLt's heuristics offer for the
 * same product (each timed, the best kept), and with a bf16 output. TFLOP/s per product; the
 * question it answers: is q/k/v's and o's slower rate (bench/results/h200/profile_batch.log)
 * cuBLAS's choice of algorithm.
 *
 *   nvcc -O3 -std=c++17 -arch=sm_90 tools/gemm_lab.cu -lcublas -lcublasLt -o /tmp/gemm_lab && /tmp/gemm_lab
 */
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace {

#define CHECK(call)                                                                              \
  do {                                                                                           \
    const auto status_ = (call);                                                                 \
    if ((int)status_ != 0) {                                                                     \
      fprintf(stderr, "%s failed with %d at line %d\n", #call, (int)status_, __LINE__);          \
      exit(1);                                                                                   \
    }                                                                                            \
  } while (0)

constexpr int REPEATS = 20;

/* Small values that are not zeros (the chip draws more power, and may clock lower, on real data). */
__global__ void fill_kernel(__nv_bfloat16 *data, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 2654435761u ^ seed;
    h ^= h >> 13, h *= 0x5bd1e995u, h ^= h >> 15;
    data[i] = __float2bfloat16(((int)(h & 1023) - 512) / 16384.0f);
  }
}

struct Shape {
  const char *name;
  int out, in;
  bool in_major; /* W given as (in, out): the transposed W_down */
};

float time_ms(cudaStream_t stream, const std::function<void()> &run) {
  cudaEvent_t a, b;
  cudaEventCreate(&a), cudaEventCreate(&b);
  run(); /* warm-up */
  cudaEventRecord(a, stream);
  for (int i = 0; i < REPEATS; i++) run();
  cudaEventRecord(b, stream);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a), cudaEventDestroy(b);
  return ms / REPEATS;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; i++) sizes.push_back(atoi(argv[i]));
  if (sizes.empty()) sizes = {4000, 16};
  int largest = 0;
  for (int n : sizes) largest = n > largest ? n : largest;
  const Shape shapes[] = {{"q/k/v", 12288, 4096, false}, {"o", 4096, 4096, false},
                          {"gate", 11008, 4096, false},  {"down (W_down^T)", 4096, 11008, true}};
  cudaStream_t stream;
  CHECK(cudaStreamCreate(&stream));
  cublasHandle_t blas;
  CHECK(cublasCreate(&blas));
  CHECK(cublasSetStream(blas, stream));
  cublasLtHandle_t lt;
  CHECK(cublasLtCreate(&lt));
  const size_t workspace_bytes = 64u << 20;
  void *workspace, *w, *x, *y;
  CHECK(cudaMalloc(&workspace, workspace_bytes));
  CHECK(cudaMalloc(&w, (size_t)12288 * 11008 * 2));
  CHECK(cudaMalloc(&x, (size_t)largest * 11008 * 2));
  CHECK(cudaMalloc(&y, (size_t)largest * 12288 * 4));
  fill_kernel<<<4096, 256, 0, stream>>>((__nv_bfloat16 *)w, (size_t)12288 * 11008, 1u);
  fill_kernel<<<4096, 256, 0, stream>>>((__nv_bfloat16 *)x, (size_t)largest * 11008, 2u);
  CHECK(cudaStreamSynchronize(stream));
  for (const int n : sizes) {
  printf("gemm lab: %d rows, bf16 weights, f32 accumulation; TFLOP/s (weights GB/s)\n", n);
  printf("%-18s %18s %18s %18s %9s\n", "product", "GemmEx f32", "GemmEx bf16", "Lt best f32", "Lt algos");
  for (const Shape &s : shapes) {
    const double flop = 2.0 * n * s.in * s.out;
    const float one = 1.f, zero = 0.f;
    const cublasOperation_t op = s.in_major ? CUBLAS_OP_N : CUBLAS_OP_T;
    const int lda = s.in_major ? s.out : s.in;
    auto gemm_ex = [&](cudaDataType_t c_type) {
      CHECK(cublasGemmEx(blas, op, CUBLAS_OP_N, s.out, n, s.in, &one, w, CUDA_R_16BF, lda, x, CUDA_R_16BF,
                         s.in, &zero, y, c_type, s.out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    const float ex_f32 = time_ms(stream, [&] { gemm_ex(CUDA_R_32F); });
    const float ex_bf16 = time_ms(stream, [&] { gemm_ex(CUDA_R_16BF); });
    /* cuBLASLt: the same product, every algorithm the heuristics return */
    cublasLtMatmulDesc_t desc;
    CHECK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &op, sizeof op));
    const cublasOperation_t no = CUBLAS_OP_N;
    CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &no, sizeof no));
    cublasLtMatrixLayout_t a, b, c;
    CHECK(cublasLtMatrixLayoutCreate(&a, CUDA_R_16BF, s.in_major ? s.out : s.in, s.in_major ? s.in : s.out, lda));
    CHECK(cublasLtMatrixLayoutCreate(&b, CUDA_R_16BF, s.in, n, s.in));
    CHECK(cublasLtMatrixLayoutCreate(&c, CUDA_R_32F, s.out, n, s.out));
    cublasLtMatmulPreference_t pref;
    CHECK(cublasLtMatmulPreferenceCreate(&pref));
    CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes,
                                               sizeof workspace_bytes));
    cublasLtMatmulHeuristicResult_t results[16];
    int found = 0;
    CHECK(cublasLtMatmulAlgoGetHeuristic(lt, desc, a, b, c, c, pref, 16, results, &found));
    float best = 1e30f;
    for (int i = 0; i < found; i++) {
      const float ms = time_ms(stream, [&] {
        CHECK(cublasLtMatmul(lt, desc, &one, w, a, x, b, &zero, y, c, y, c, &results[i].algo, workspace,
                             workspace_bytes, stream));
      });
      if (ms < best) best = ms;
    }
    const double bytes = 2.0 * s.in * s.out;
    auto rate = [&](float ms) {
      static char text[4][40];
      static int slot = 0;
      char *t = text[slot++ % 4];
      snprintf(t, 40, "%.0f (%.0f)", flop / ms / 1e9, bytes / ms / 1e6);
      return t;
    };
    printf("%-18s %18s %18s %18s %9d\n", s.name, rate(ex_f32), rate(ex_bf16), found ? rate(best) : "-", found);
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(a), cublasLtMatrixLayoutDestroy(b), cublasLtMatrixLayoutDestroy(c);
    cublasLtMatmulDescDestroy(desc);
  }
  }
  return 0;
}
