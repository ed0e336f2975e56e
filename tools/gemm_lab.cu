/*
 * gemm_lab.cu — how fast cuBLAS runs the prompt pass's products at a class batch's size (4000
 * rows, Llama-2-7B shapes, bf16 weights, f32 accumulation), as the engine calls them (cublasGemmEx,
 * CUBLAS_GEMM_DEFAULT, f32 output) against every algorithm cuBLASLt's heuristics offer for the
 * same product (each timed, the best kept), and with a bf16 output. TFLOP/s per product; the
 * question it answers: is q/k/v's and o's slower rate (bench/results/h200/profile_batch.log)
 * cuBLAS's choice of algorithm.
 *
 *   nvcc -O3 -std=c++17 -arch=sm_90a -Icuda tools/gemm_lab.cu -lcublas -lcublasLt -o /tmp/gemm_lab && /tmp/gemm_lab
 *
 * `/tmp/gemm_lab --search 16` instead walks every algorithm cuBLASLt lists for each product at
 * that many rows (its ids, each tile it offers, split-K 1–8 with each reduction scheme it
 * supports), keeps what cublasLtMatmulAlgoCheck accepts, times it and prints the five fastest
 * beside the heuristics' best: whether a decoding batch's 16-row products (3.6 TB/s in cuBLAS's
 * 128 × 16 tiles, on 86–96 of 132 multiprocessors) have a configuration that fills the chip.
 *
 * `/tmp/gemm_lab --rows 16` times few-row kernels of our own against cuBLAS for the same products
 * (and gate with up in one launch), each result compared with cuBLAS's: the engine's
 * gemm_rows_kernel (GRIFFIN_GEMM_ROWS=1) and the stream-K kernels of tools/gemm_stream_lab.cuh
 * (cp.async) and tools/gemm_tma_lab.cuh (the copy engine, TMA).
 *
 * `/tmp/gemm_lab --chain 16` runs a decoding batch's step as a chain of launches in one CUDA graph
 * (tools/chain_lab.cuh): cuBLAS as the engine calls it (also with its graph's edges made
 * programmatic, checked bit for bit) against the copy-engine kernel, without and with programmatic
 * dependent launch, with small stand-in kernels between the products and without.
 */
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "cuda_gemm_rows.cuh"
#include "gemm_tma_lab.cuh"

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
/* The weights buffer: the largest product's, 12288 × 11008 bf16 (270 MB, over five times the L2). */
constexpr size_t W_BYTES = (size_t)12288 * 11008 * 2;

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

/* Y (f32, n × out) = X · op(W) in cuBLASLt's terms, for timing its algorithms on the lab's buffers. */
struct LtProduct {
  cublasLtHandle_t lt;
  cudaStream_t stream;
  void *w, *x, *y, *workspace;
  size_t workspace_bytes;
  size_t w_each;      /* one copy of the weights (bytes) */
  int copies;         /* copies the runs turn over, so that no product's weights stay in the L2 */
  mutable int turn = 0;
  cublasLtMatmulDesc_t desc;
  cublasLtMatrixLayout_t a, b, c;

  LtProduct(cublasLtHandle_t lt_, cudaStream_t stream_, const Shape &s, int n, void *w_, void *x_, void *y_,
            void *workspace_, size_t workspace_bytes_)
      : lt(lt_), stream(stream_), w(w_), x(x_), y(y_), workspace(workspace_), workspace_bytes(workspace_bytes_) {
    w_each = (size_t)2 * s.in * s.out;
    copies = (int)std::max<size_t>(1, std::min<size_t>(8, W_BYTES / w_each));
    const cublasOperation_t op = s.in_major ? CUBLAS_OP_N : CUBLAS_OP_T, no = CUBLAS_OP_N;
    const int lda = s.in_major ? s.out : s.in;
    CHECK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &op, sizeof op));
    CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &no, sizeof no));
    CHECK(cublasLtMatrixLayoutCreate(&a, CUDA_R_16BF, s.in_major ? s.out : s.in, s.in_major ? s.in : s.out, lda));
    CHECK(cublasLtMatrixLayoutCreate(&b, CUDA_R_16BF, s.in, n, s.in));
    CHECK(cublasLtMatrixLayoutCreate(&c, CUDA_R_32F, s.out, n, s.out));
  }
  ~LtProduct() {
    cublasLtMatrixLayoutDestroy(a), cublasLtMatrixLayoutDestroy(b), cublasLtMatrixLayoutDestroy(c);
    cublasLtMatmulDescDestroy(desc);
  }
  cublasStatus_t run(const cublasLtMatmulAlgo_t *algo) const {
    const float one = 1.f, zero = 0.f;
    const void *wi = (const char *)w + (size_t)(turn++ % copies) * w_each;
    return cublasLtMatmul(lt, desc, &one, wi, a, x, b, &zero, y, c, y, c, algo, workspace, workspace_bytes, stream);
  }
  /* The fastest of the algorithms the heuristics offer (ms; 1e30 when none), and how many. */
  float heuristic_best(int *offered) const {
    cublasLtMatmulPreference_t pref;
    CHECK(cublasLtMatmulPreferenceCreate(&pref));
    CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes,
                                               sizeof workspace_bytes));
    cublasLtMatmulHeuristicResult_t results[16];
    *offered = 0;
    CHECK(cublasLtMatmulAlgoGetHeuristic(lt, desc, a, b, c, c, pref, 16, results, offered));
    cublasLtMatmulPreferenceDestroy(pref);
    float best = 1e30f;
    for (int i = 0; i < *offered; i++) best = std::min(best, time_ms(stream, [&] { CHECK(run(&results[i].algo)); }));
    return best;
  }
};

/* One configuration the search timed. */
struct Found {
  float ms;
  int id, split;
  uint32_t tile, scheme;
};

/* The search of --search (see the top of the file) for one product of n rows. */
void search(cublasLtHandle_t lt, cudaStream_t stream, const Shape &s, int n, void *w, void *x, void *y,
            void *workspace, size_t workspace_bytes) {
  const LtProduct product(lt, stream, s, n, w, x, y, workspace, workspace_bytes);
  auto run = [&](const cublasLtMatmulAlgo_t *algo) { return product.run(algo); };
  int offered = 0;
  const float heuristic = product.heuristic_best(&offered); /* as the engine's cuBLAS call would see it */
  int ids[512], count = 0;
  CHECK(cublasLtMatmulAlgoGetIds(lt, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_16BF, CUDA_R_16BF, CUDA_R_32F,
                                 CUDA_R_32F, 512, ids, &count));
  std::vector<Found> found;
  int tried = 0;
  for (int i = 0; i < count; i++) {
    cublasLtMatmulAlgo_t algo;
    if (cublasLtMatmulAlgoInit(lt, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_16BF, CUDA_R_16BF, CUDA_R_32F,
                               CUDA_R_32F, ids[i], &algo) != CUBLAS_STATUS_SUCCESS)
      continue;
    size_t bytes = 0;
    std::vector<uint32_t> tiles;
    if (cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_TILE_IDS, nullptr, 0, &bytes) ==
            CUBLAS_STATUS_SUCCESS &&
        bytes > 0) {
      tiles.resize(bytes / sizeof(uint32_t));
      CHECK(cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_TILE_IDS, tiles.data(), bytes, &bytes));
    }
    if (tiles.empty()) tiles.push_back(CUBLASLT_MATMUL_TILE_UNDEFINED);
    int32_t splits_ok = 0;
    uint32_t schemes = 0;
    cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT, &splits_ok, sizeof splits_ok, &bytes);
    cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_REDUCTION_SCHEME_MASK, &schemes, sizeof schemes,
                                      &bytes);
    for (uint32_t tile : tiles)
      for (int split : {1, 2, 3, 4, 6, 8}) {
        if (split > 1 && !splits_ok) continue;
        for (uint32_t scheme = split > 1 ? 1u : 0u; scheme <= (split > 1 ? 4u : 0u); scheme = scheme ? scheme << 1 : 1u) {
          if (split > 1 && !(schemes & scheme)) continue;
          cublasLtMatmulAlgo_t config = algo;
          const int32_t split_num = split;
          cublasLtMatmulAlgoConfigSetAttribute(&config, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof tile);
          cublasLtMatmulAlgoConfigSetAttribute(&config, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &split_num, sizeof split_num);
          if (split > 1)
            cublasLtMatmulAlgoConfigSetAttribute(&config, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &scheme, sizeof scheme);
          cublasLtMatmulHeuristicResult_t checked;
          memset(&checked, 0, sizeof checked);
          if (cublasLtMatmulAlgoCheck(lt, product.desc, product.a, product.b, product.c, product.c, &config,
                                      &checked) != CUBLAS_STATUS_SUCCESS ||
              checked.workspaceSize > workspace_bytes || run(&config) != CUBLAS_STATUS_SUCCESS)
            continue;
          tried++;
          found.push_back({time_ms(stream, [&] { run(&config); }), ids[i], split, tile, scheme});
          if (split == 1) break;
        }
      }
  }
  std::sort(found.begin(), found.end(), [](const Found &l, const Found &r) { return l.ms < r.ms; });
  const double bytes = 2.0 * s.in * s.out;
  printf("%s, %d rows: heuristics' best %.1f us (%.0f GB/s); %d algorithm ids, %d configurations timed\n", s.name, n,
         heuristic * 1e3, bytes / heuristic / 1e6, count, tried);
  for (size_t i = 0; i < found.size() && i < 5; i++)
    printf("  algo %3d tile %3u split-K %d scheme %u: %.1f us (%.0f GB/s)\n", found[i].id, found[i].tile,
           found[i].split, found[i].scheme, found[i].ms * 1e3, bytes / found[i].ms / 1e6);
}

/*
 * --split N: each product of N rows as the engine calls it (cublasGemmEx) against the same product
 * cut over its inputs into 2, 3 or 4 slices in one strided-batched call (the partial outputs' sum
 * not included), and gate and up as two calls against one batched call of both (pointer arrays).
 * Weights turn over copies so that none stays in the L2.
 */
void split_table(cublasHandle_t blas, cudaStream_t stream, const Shape *shapes, int count, int n, void *w, void *x,
                 void *y) {
  const float one = 1.f, zero = 0.f;
  printf("split lab: %d rows, bf16 weights, f32 outputs; us (weights GB/s)\n", n);
  for (int k = 0; k < count; k++) {
    const Shape &s = shapes[k];
    const size_t each = (size_t)2 * s.in * s.out;
    const int copies = (int)std::max<size_t>(1, std::min<size_t>(8, W_BYTES / each));
    int turn = 0;
    auto weights = [&] { return (const char *)w + (size_t)(turn++ % copies) * each; };
    const cublasOperation_t op = s.in_major ? CUBLAS_OP_N : CUBLAS_OP_T;
    const int lda = s.in_major ? s.out : s.in;
    const double bytes = (double)each;
    const float plain = time_ms(stream, [&] {
      CHECK(cublasGemmEx(blas, op, CUBLAS_OP_N, s.out, n, s.in, &one, weights(), CUDA_R_16BF, lda, x, CUDA_R_16BF,
                         s.in, &zero, y, CUDA_R_32F, s.out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    });
    printf("%-18s one call %.1f (%.0f)", s.name, plain * 1e3, bytes / plain / 1e6);
    for (int splits : {2, 3, 4, 6, 8}) {
      if (s.in % (splits * 8)) continue;
      const int slice = s.in / splits;
      const long long stride_w = s.in_major ? (long long)slice * s.out : slice;
      const float ms = time_ms(stream, [&] {
        CHECK(cublasGemmStridedBatchedEx(blas, op, CUBLAS_OP_N, s.out, n, slice, &one, weights(), CUDA_R_16BF, lda,
                                         stride_w, x, CUDA_R_16BF, s.in, slice, &zero, y, CUDA_R_32F, s.out,
                                         (long long)s.out * n, splits, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
      });
      printf(" | %d slices %.1f (%.0f)", splits, ms * 1e3, bytes / ms / 1e6);
    }
    printf("\n");
  }
  /* gate and up: two calls, or one batched call over both matrices */
  const Shape &g = shapes[2];
  const size_t each = (size_t)2 * g.in * g.out;
  const int pairs = (int)std::max<size_t>(1, W_BYTES / (2 * each));
  int turn = 0;
  const float two = time_ms(stream, [&] {
    const char *wg = (const char *)w + (size_t)(turn++ % pairs) * 2 * each;
    for (int i = 0; i < 2; i++)
      CHECK(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, g.out, n, g.in, &one, wg + i * each, CUDA_R_16BF, g.in, x,
                         CUDA_R_16BF, g.in, &zero, (float *)y + (size_t)i * g.out * n, CUDA_R_32F, g.out,
                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  });
  std::vector<const void *> host(6 * pairs);
  for (int p = 0; p < pairs; p++)
    for (int i = 0; i < 2; i++) {
      host[(size_t)6 * p + i] = (const char *)w + (size_t)p * 2 * each + i * each;
      host[(size_t)6 * p + 2 + i] = x;
      host[(size_t)6 * p + 4 + i] = (float *)y + (size_t)i * g.out * n;
    }
  void **device = nullptr;
  CHECK(cudaMalloc(&device, host.size() * sizeof(void *)));
  CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(void *), cudaMemcpyHostToDevice));
  turn = 0;
  const float one_call = time_ms(stream, [&] {
    void **p = device + (size_t)6 * (turn++ % pairs);
    CHECK(cublasGemmBatchedEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, g.out, n, g.in, &one, (const void *const *)p,
                              CUDA_R_16BF, g.in, (const void *const *)(p + 2), CUDA_R_16BF, g.in, &zero, p + 4,
                              CUDA_R_32F, g.out, 2, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  });
  printf("gate and up: two calls %.1f us (%.0f GB/s), one batched call %.1f us (%.0f GB/s)\n", two * 1e3,
         2 * each / two / 1e6, one_call * 1e3, 2 * each / one_call / 1e6);
  cudaFree(device);
}

/* Few-row kernels' scratch (gemm_stream_lab.cuh). */
float *stream_scratch;
uint32_t *stream_tickets;

/* Milliseconds per launch of kernel(y, w, y_b, w_b) over the lab's turning copies of the weights. */
template <typename Launch>
float turning_ms(cudaStream_t stream, const char *w, size_t each, int copies, const char *w_b, Launch launch) {
  int turn = 0;
  return time_ms(stream, [&] {
    const size_t at = (size_t)(turn++ % copies) * each;
    CHECK(launch((const __nv_bfloat16 *)(w + at), w_b ? (const __nv_bfloat16 *)(w_b + at) : nullptr));
  });
}

/* The largest |a − b| over the largest |b|. */
double relative_gap(const std::vector<float> &a, const std::vector<float> &b) {
  double gap = 0, top = 0;
  for (size_t i = 0; i < a.size(); i++)
    gap = std::max(gap, (double)std::fabs(a[i] - b[i])), top = std::max(top, (double)std::fabs(b[i]));
  return top > 0 ? gap / top : gap;
}

/* The same, of n floats on the device. */
double relative_gap(const float *a, const float *b, size_t n) {
  std::vector<float> ha(n), hb(n);
  cudaMemcpy(ha.data(), a, n * 4, cudaMemcpyDeviceToHost);
  cudaMemcpy(hb.data(), b, n * 4, cudaMemcpyDeviceToHost);
  return relative_gap(ha, hb);
}

/*
 * --rows N: few-row kernels against cuBLAS (cublasGemmEx) for each (out, in) product of N rows,
 * and gate with up in one launch: the engine's gemm_rows_kernel (GRIFFIN_GEMM_ROWS=1) and the
 * stream-K kernels of gemm_stream_lab.cuh (cp.async stages of KC inputs) and gemm_tma_lab.cuh; each
 * result against cuBLAS's. Weights turn over copies so that none stays in the L2.
 */
void rows_table(cublasHandle_t blas, cudaStream_t stream, int n, void *w, void *x, float *y) {
  using B = __nv_bfloat16;
  int sms = 0;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  CHECK(cudaMalloc(&stream_scratch, gf::gemm_stream_scratch(4 * sms) * 4));
  CHECK(cudaMalloc(&stream_tickets, 4096 * 4));
  CHECK(cudaMemset(stream_tickets, 0, 4096 * 4));
  const Shape shapes[] = {{"q/k/v", 12288, 4096, false}, {"o", 4096, 4096, false}, {"gate", 11008, 4096, false},
                          {"lm head", 32000, 4096, false}};
  const float one = 1.f, zero = 0.f;
  float *mine = y + (size_t)n * 32000 * 2;
  const B *xb = (const B *)x;
  auto kernels = [&](const Shape &s, float *y_a, float *y_b) {
    using L = std::function<cudaError_t(const B *, const B *)>;
    return std::vector<std::pair<const char *, L>>{
        {"gemm_rows", [=](const B *a, const B *b) { return gf::launch_gemm_rows<B>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms); }},
        {"stream 128x6", [=](const B *a, const B *b) { return gf::launch_gemm_stream<B, 128, 6>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"stream 256x3", [=](const B *a, const B *b) { return gf::launch_gemm_stream<B, 256, 3>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"tma 256x4", [=](const B *a, const B *b) { return gf::launch_gemm_tma<256, 4>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"tma 128x4", [=](const B *a, const B *b) { return gf::launch_gemm_tma<128, 4>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"tma 128x3, 2 a multiprocessor", [=](const B *a, const B *b) { return gf::launch_gemm_tma<128, 3>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, 2 * sms, stream_scratch, stream_tickets); }},
        {"tma 128x3, 128-row tiles", [=](const B *a, const B *b) { return gf::launch_gemm_tma<128, 3, 128>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"tma 256x4, wgmma", [=](const B *a, const B *b) { return gf::launch_gemm_tma<256, 4, 64, true>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"tma 128x8, wgmma", [=](const B *a, const B *b) { return gf::launch_gemm_tma<128, 8, 64, true>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
        {"tma 128x9, wgmma", [=](const B *a, const B *b) { return gf::launch_gemm_tma<128, 9, 64, true>(stream, y_a, a, y_b, b, xb, n, s.in, s.out, false, sms, stream_scratch, stream_tickets); }},
    };
  };
  printf("rows lab: %d rows, bf16 weights, f32 outputs; us (weights GB/s), largest gap to cuBLAS\n", n);
  for (const Shape &s : shapes) {
    const size_t each = (size_t)2 * s.in * s.out;
    const int copies = (int)std::max<size_t>(1, std::min<size_t>(8, W_BYTES / each));
    int turn = 0;
    const float blas_ms = time_ms(stream, [&] {
      CHECK(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, s.out, n, s.in, &one,
                         (const char *)w + (size_t)(turn++ % copies) * each, CUDA_R_16BF, s.in, x, CUDA_R_16BF, s.in,
                         &zero, y, CUDA_R_32F, s.out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    });
    CHECK(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, s.out, n, s.in, &one, w, CUDA_R_16BF, s.in, x, CUDA_R_16BF, s.in,
                       &zero, y, CUDA_R_32F, s.out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    printf("%-8s cuBLAS %.1f (%.0f)\n", s.name, blas_ms * 1e3, each / blas_ms / 1e6);
    for (auto &[name, launch] : kernels(s, mine, nullptr)) {
      const float ms = turning_ms(stream, (const char *)w, each, copies, nullptr, launch);
      CHECK(cudaMemset(mine, 0, (size_t)n * s.out * 4));
      CHECK(launch((const B *)w, nullptr));
      CHECK(cudaStreamSynchronize(stream));
      printf("         %-34s %.1f (%.0f) gap %.1e\n", name, ms * 1e3, each / ms / 1e6, relative_gap(mine, y, (size_t)n * s.out));
    }
  }
  const Shape &g = shapes[2];
  const size_t each = (size_t)2 * g.in * g.out;
  const int pairs = (int)std::max<size_t>(1, W_BYTES / (2 * each));
  printf("gate+up in one launch\n");
  for (auto &[name, launch] : kernels(g, mine, mine + (size_t)n * g.out)) {
    const float ms = turning_ms(stream, (const char *)w, 2 * each, pairs, (const char *)w + each, launch);
    printf("         %-34s %.1f (%.0f)\n", name, ms * 1e3, 2 * each / ms / 1e6);
  }
}

} // namespace

#include "chain_lab.cuh"

/*
 * --chain N: a decoding batch's step of N rows as a chain of launches (chain_lab.cuh), cuBLAS as
 * the engine calls it (and as programmatic dependents, checked bit for bit against it) against the
 * copy-engine kernel without and with PDL; µs a layer.
 */
static void chain_table(cublasHandle_t blas, cudaStream_t stream, int n, void *workspace, size_t workspace_bytes) {
  using gf::Chain;
  using gf::ChainKind;
  Chain c;
  c.rows = n;
  CHECK(cudaDeviceGetAttribute(&c.sms, cudaDevAttrMultiProcessorCount, 0));
  CHECK(cublasSetWorkspace(blas, workspace, workspace_bytes));
  const size_t weights = (size_t)Chain::LAYERS * Chain::PER_LAYER;
  CHECK(cudaMalloc(&c.weights, weights * 2));
  CHECK(cudaMalloc(&c.x, (size_t)n * Chain::FF * 2));
  CHECK(cudaMalloc(&c.y_qkv, (size_t)n * Chain::QKV * 4));
  CHECK(cudaMalloc(&c.slices, (size_t)8 * n * Chain::HIDDEN * 4));
  CHECK(cudaMalloc(&c.y_gate, (size_t)2 * n * Chain::FF * 4));
  c.y_up = c.y_gate + (size_t)n * Chain::FF; /* right after gate's: one strided batched call writes both */
  CHECK(cudaMalloc(&c.scratch, gf::gemm_stream_scratch(4 * c.sms) * 4));
  CHECK(cudaMalloc(&c.tickets, 4096 * 4));
  CHECK(cudaMemset(c.tickets, 0, 4096 * 4));
  CHECK(cudaMemset(c.slices, 0, (size_t)8 * n * Chain::HIDDEN * 4));
  fill_kernel<<<4096, 256, 0, stream>>>(c.weights, weights, 7u);
  /* one layer from the same operand, cuBLAS against the PDL chain: the last stand-in's output */
  std::vector<float> out[2];
  const ChainKind checked[2] = {ChainKind::Cublas, ChainKind::TmaPdl};
  for (int v = 0; v < 2; v++) {
    fill_kernel<<<256, 256, 0, stream>>>(c.x, (size_t)n * Chain::HIDDEN, 11u);
    gf::enqueue_chain(c, blas, stream, checked[v], true, 1, false);
    CHECK(cudaStreamSynchronize(stream));
    std::vector<__nv_bfloat16> x((size_t)n * Chain::HIDDEN);
    CHECK(cudaMemcpy(x.data(), c.x, x.size() * 2, cudaMemcpyDeviceToHost));
    for (const __nv_bfloat16 &e : x) out[v].push_back(__bfloat162float(e));
  }
  printf("chain lab: %d rows, %d layers of Llama-2-7B's products (13 GB of weights); one layer, the PDL chain "
         "against cuBLAS: largest gap %.1e\n",
         n, Chain::LAYERS, relative_gap(out[1], out[0]));
  /* the whole chain (32 layers) with cuBLAS's kernels as programmatic dependents against plain
   * edges, from the same state, five times: any bit that differs means a kernel read early */
  auto whole_chain = [&](ChainKind kind, int *edges) {
    cudaGraphExec_t exec = gf::chain_graph(c, blas, stream, kind, true, Chain::LAYERS, true, edges);
    CHECK(cudaMemsetAsync(c.slices, 0, (size_t)8 * n * Chain::HIDDEN * 4, stream));
    fill_kernel<<<256, 256, 0, stream>>>(c.x, (size_t)n * Chain::HIDDEN, 13u);
    CHECK(cudaGraphLaunch(exec, stream));
    CHECK(cudaStreamSynchronize(stream));
    cudaGraphExecDestroy(exec);
    std::vector<uint16_t> bits((size_t)n * Chain::HIDDEN);
    CHECK(cudaMemcpy(bits.data(), c.x, bits.size() * 2, cudaMemcpyDeviceToHost));
    return bits;
  };
  int edges = 0;
  const std::vector<uint16_t> plain = whole_chain(ChainKind::Cublas, nullptr);
  for (int round = 0; round < 5; round++) {
    const std::vector<uint16_t> early = whole_chain(ChainKind::CublasEdges, &edges);
    size_t differ = 0;
    for (size_t i = 0; i < plain.size(); i++) differ += plain[i] != early[i];
    printf("cuBLAS with %d programmatic edges, 32 layers, round %d: %zu of %zu outputs differ in their bits\n", edges,
           round, differ, plain.size());
  }
  const struct {
    const char *name;
    ChainKind kind;
  } kinds[] = {{"cuBLAS as the engine calls it", ChainKind::Cublas},
               {"cuBLAS, programmatic edges", ChainKind::CublasEdges},
               {"copy-engine kernel", ChainKind::Tma},
               {"copy-engine kernel, PDL", ChainKind::TmaPdl}};
  const double layer_bytes = (double)Chain::PER_LAYER * 2;
  for (int round = 0; round < 2; round++)
    for (const auto &k : kinds)
      for (bool between : {true, false}) {
        const float ms = gf::chain_ms(c, blas, stream, k.kind, between, Chain::LAYERS);
        const double us = ms * 1e3 / Chain::LAYERS;
        printf("  %-32s %-22s %6.1f us a layer (weights at %.0f GB/s)\n", k.name,
               between ? "with the stand-ins" : "products alone", us, layer_bytes / us / 1e3);
      }
}

int main(int argc, char **argv) {
  int search_rows = 0, split_rows = 0;
  if (argc == 3 && strcmp(argv[1], "--search") == 0) search_rows = atoi(argv[2]), argc = 1;
  if (argc == 3 && strcmp(argv[1], "--split") == 0) split_rows = atoi(argv[2]), argc = 1;
  int rows_lab = 0, chain_rows = 0;
  if (argc == 3 && strcmp(argv[1], "--rows") == 0) rows_lab = atoi(argv[2]), argc = 1;
  if (argc == 3 && strcmp(argv[1], "--chain") == 0) chain_rows = atoi(argv[2]), argc = 1;
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
  CHECK(cudaMalloc(&w, W_BYTES));
  CHECK(cudaMalloc(&x, (size_t)largest * 11008 * 2));
  CHECK(cudaMalloc(&y, (size_t)largest * 12288 * 4 * 8)); /* room for 8 slices' partial outputs */
  fill_kernel<<<4096, 256, 0, stream>>>((__nv_bfloat16 *)w, (size_t)12288 * 11008, 1u);
  fill_kernel<<<4096, 256, 0, stream>>>((__nv_bfloat16 *)x, (size_t)largest * 11008, 2u);
  CHECK(cudaStreamSynchronize(stream));
  if (chain_rows > 0) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    chain_table(blas, stream, chain_rows, workspace, workspace_bytes);
    return 0;
  }
  if (rows_lab > 0) {
    setvbuf(stdout, nullptr, _IONBF, 0); /* every line out, should a kernel hang */
    rows_table(blas, stream, rows_lab, w, x, (float *)y);
    return 0;
  }
  if (split_rows > 0) {
    split_table(blas, stream, shapes, 4, split_rows, w, x, y);
    return 0;
  }
  if (search_rows > 0) {
    for (const Shape &s : shapes) search(lt, stream, s, search_rows, w, x, y, workspace, workspace_bytes);
    return 0;
  }
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
    int found = 0;
    const float best = LtProduct(lt, stream, s, n, w, x, y, workspace, workspace_bytes).heuristic_best(&found);
    const double bytes = 2.0 * s.in * s.out;
    auto rate = [&](float ms) {
      static char text[4][40];
      static int slot = 0;
      char *t = text[slot++ % 4];
      snprintf(t, 40, "%.0f (%.0f)", flop / ms / 1e9, bytes / ms / 1e6);
      return t;
    };
    printf("%-18s %18s %18s %18s %9d\n", s.name, rate(ex_f32), rate(ex_bf16), found ? rate(best) : "-", found);
  }
  }
  return 0;
}
