/*
 * chain_lab.cuh — `/tmp/gemm_lab --chain N` (tools/gemm_lab.cu): a decoding batch's step as a chain of
 * launches, N rows (16: the batch of issue 16), Llama-2-7B shapes, 32 layers, each layer its own
 * weights (13 GB in all, so none stays in the L2), in one CUDA graph:
 *
 *   stand-in for the norm → q/k/v → stand-in for attention → o → norm → gate and up → activation → down
 *
 * The stand-ins (between_kernel) are small kernels of a decoding batch's own size (16 blocks): they
 * read what the product before wrote and write the next product's bf16 operand. What it answers:
 * how much of a step the boundaries between launches cost, and whether the copy-engine kernel of
 * gemm_tma_lab.cuh — 88–90% of cuBLAS on a product alone — wins in a chain when it is launched as a
 * programmatic dependent (PDL) and asks for its first weights before the kernel before it ends, as
 * batch-1 decoding's products do. Variants, each timed in the same run:
 *   - cuBLAS as the engine calls it: o split over 4 slices of its inputs and down over 8 (strided
 *     batched), gate and up one batched call, the stand-ins summing the slices;
 *   - the copy-engine kernel (stream-K, every product in one launch, gate with up), without and with PDL;
 *   - cuBLAS with every kernel-to-kernel edge of the captured graph made programmatic
 *     (graph_edges_lab.cuh), the stand-ins letting the next launch at once: whether cuBLAS's kernels
 *     wait for the kernel before them (32 layers compared bit for bit with the plain chain, five times);
 *   - each with the products alone (no stand-ins): the chain's floor.
 * One layer of the cuBLAS chain and of the PDL chain from the same operand are compared (the last
 * stand-in's bf16 output; tanh keeps it within ±1).
 *
 * First run in the fifth session of 2026-12-02 (bench/results/h200/chain_lab.log): cuBLAS 110.5 µs a
 * layer with the products alone, the copy-engine kernel 138.5, 127.3 with PDL; the stand-ins, a
 * grid-stride loop on 16 blocks, are slower than the engine's own kernels. cuBLAS as programmatic
 * dependents (chain_edges.log): 130.5 against 167.7 µs a layer with the stand-ins, but 14–36% of the
 * outputs differ in their bits — cuBLAS's kernels do not wait, so they ran before their operand was
 * written.
 */
#ifndef GRIFFIN_CHAIN_LAB_CUH
#define GRIFFIN_CHAIN_LAB_CUH

#include "graph_edges_lab.cuh"
#include "gemm_tma_lab.cuh"

namespace gf {

/*
 * x (rows × width, bf16) = tanh(Σ_s a[s]) over `slices` slices of a (rows × a_stride floats each,
 * slice_stride apart), or silu(a) · b with b. As a programmatic dependent it lets the kernel after it
 * launch at once and waits for the kernel before it.
 */
static __global__ void between_kernel(__nv_bfloat16 *__restrict__ x, const float *__restrict__ a,
                                      const float *__restrict__ b, int slices, size_t slice_stride, int a_stride,
                                      int rows, int width) {
  let_next_launch();
  wait_for_previous();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < rows * width; i += gridDim.x * blockDim.x) {
    const int r = i / width, c = i % width;
    const size_t at = (size_t)r * a_stride + c;
    float v;
    if (b) {
      const float g = a[at];
      v = g / (1.f + expf(-g)) * b[at];
    } else {
      float sum = 0.f;
      for (int s = 0; s < slices; s++) sum += a[s * slice_stride + at];
      v = tanhf(sum);
    }
    x[(size_t)r * width + c] = __float2bfloat16(v);
  }
}

/* between_kernel on 16 blocks of 256, as a programmatic dependent when pdl. */
inline cudaError_t launch_between(cudaStream_t stream, bool pdl, __nv_bfloat16 *x, const float *a, const float *b,
                                  int slices, size_t slice_stride, int a_stride, int rows, int width) {
  return launch(pdl, between_kernel, dim3(16), dim3(256), 0, stream, x, a, b, slices, slice_stride, a_stride, rows,
                width);
}

/* One layer's weights (bf16, row-major (out, in)) within the chain's buffer. */
struct ChainLayer {
  const __nv_bfloat16 *qkv, *o, *gate, *up, *down;
};

/* The chain's shapes (Llama-2-7B) and buffers. */
struct Chain {
  static constexpr int HIDDEN = 4096, QKV = 12288, FF = 11008, LAYERS = 32;
  static constexpr size_t PER_LAYER = (size_t)QKV * HIDDEN + (size_t)HIDDEN * HIDDEN + 3 * (size_t)FF * HIDDEN;
  int rows = 16, sms = 132;
  __nv_bfloat16 *weights = nullptr, *x = nullptr; /* x: rows × FF, each product's operand */
  float *y_qkv = nullptr, *slices = nullptr, *y_gate = nullptr, *y_up = nullptr, *scratch = nullptr;
  uint32_t *tickets = nullptr;
  ChainLayer layer(int l) const {
    const __nv_bfloat16 *w = weights + (size_t)l * PER_LAYER;
    ChainLayer c;
    c.qkv = w, c.o = c.qkv + (size_t)QKV * HIDDEN, c.gate = c.o + (size_t)HIDDEN * HIDDEN;
    c.up = c.gate + (size_t)FF * HIDDEN, c.down = c.up + (size_t)FF * HIDDEN;
    return c;
  }
};

/* Which launches a chain makes. CublasEdges: cuBLAS's, every kernel-to-kernel edge of the captured
 * graph made programmatic (the stand-ins let the next launch at once), so cuBLAS's kernels launch
 * before the stand-in before them ends: safe only where cuBLAS's code waits (griddepcontrol.wait),
 * which its headers do not promise; the lab checks it bit for bit. */
enum class ChainKind { Cublas, Tma, TmaPdl, CublasEdges };

/*
 * Enqueues `layers` layers of the chain on stream (captured by the caller). between: with the
 * stand-ins. The layer starts from x (HIDDEN wide) and ends with down's output in c.slices (8
 * slices for cuBLAS, 1 for the copy-engine kernel), summed into x by the next layer's first stand-in.
 */
inline void enqueue_chain(const Chain &c, cublasHandle_t blas, cudaStream_t stream, ChainKind kind, bool between,
                          int layers, bool first_norm) {
  using B = __nv_bfloat16;
  const int n = c.rows, H = Chain::HIDDEN, F = Chain::FF;
  const float one = 1.f, zero = 0.f;
  const bool tma = kind == ChainKind::Tma || kind == ChainKind::TmaPdl;
  const bool pdl = kind == ChainKind::TmaPdl || kind == ChainKind::CublasEdges;
  const int down_slices = tma ? 1 : 8, o_slices = tma ? 1 : 4;
  const size_t slice = (size_t)n * H;
  auto tma_product = [&](float *y_a, const B *w_a, float *y_b, const B *w_b, int in, int out) {
    CHECK((launch_gemm_tma<256, 4>(stream, y_a, w_a, y_b, w_b, c.x, n, in, out, false, c.sms, c.scratch, c.tickets,
                                   pdl)));
  };
  /* Y (n, out) as `parts` slices of the inputs, slice s at y + s·n·out (cuBLAS, strided batched) */
  auto blas_split = [&](float *y, const B *w, int in, int out, int parts) {
    const int part = in / parts;
    CHECK(cublasGemmStridedBatchedEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, part, &one, w, CUDA_R_16BF, in, part,
                                     c.x, CUDA_R_16BF, in, part, &zero, y, CUDA_R_32F, out, (long long)out * n, parts,
                                     CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  };
  auto stand_in = [&](const float *a, const float *b, int slices, int a_stride, int width) {
    if (between) CHECK(launch_between(stream, pdl, c.x, a, b, slices, slice, a_stride, n, width));
  };
  for (int l = 0; l < layers; l++) {
    const ChainLayer w = c.layer(l);
    if (l > 0 || first_norm) stand_in(c.slices, nullptr, down_slices, H, H); /* the attention norm */
    if (tma) tma_product(c.y_qkv, w.qkv, nullptr, nullptr, H, Chain::QKV);
    else blas_split(c.y_qkv, w.qkv, H, Chain::QKV, 1);
    stand_in(c.y_qkv, nullptr, 1, Chain::QKV, H); /* attention */
    if (tma) tma_product(c.slices, w.o, nullptr, nullptr, H, H);
    else blas_split(c.slices, w.o, H, H, o_slices);
    stand_in(c.slices, nullptr, o_slices, H, H); /* o's sum and the FF norm */
    if (tma) {
      tma_product(c.y_gate, w.gate, c.y_up, w.up, H, F);
    } else {
      CHECK(cublasGemmStridedBatchedEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, F, n, H, &one, w.gate, CUDA_R_16BF, H,
                                       (long long)F * H, c.x, CUDA_R_16BF, H, 0, &zero, c.y_gate, CUDA_R_32F, F,
                                       (long long)F * n, 2, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }
    stand_in(c.y_gate, c.y_up, 1, F, F); /* the activation */
    if (tma) tma_product(c.slices, w.down, nullptr, nullptr, F, H);
    else blas_split(c.slices, w.down, F, H, down_slices);
  }
  stand_in(c.slices, nullptr, down_slices, H, H); /* the last norm */
}

/* The chain of `layers` layers as an instantiated graph (CublasEdges: its edges made programmatic). */
inline cudaGraphExec_t chain_graph(const Chain &c, cublasHandle_t blas, cudaStream_t stream, ChainKind kind,
                                   bool between, int layers, bool first_norm, int *edges = nullptr) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  enqueue_chain(c, blas, stream, kind, between, layers, first_norm);
  CHECK(cudaStreamEndCapture(stream, &graph));
  const int made = kind == ChainKind::CublasEdges ? programmatic_edges(graph) : 0;
  CHECK(made >= 0 ? cudaSuccess : cudaErrorUnknown);
  if (edges) *edges = made;
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  cudaGraphDestroy(graph);
  return exec;
}

/* Milliseconds a replay of the graph of `layers` layers takes, over 10 replays after one. */
inline float chain_ms(const Chain &c, cublasHandle_t blas, cudaStream_t stream, ChainKind kind, bool between,
                      int layers) {
  cudaGraphExec_t exec = chain_graph(c, blas, stream, kind, between, layers, true);
  CHECK(cudaGraphLaunch(exec, stream));
  cudaEvent_t a, b;
  cudaEventCreate(&a), cudaEventCreate(&b);
  cudaEventRecord(a, stream);
  for (int i = 0; i < 10; i++) CHECK(cudaGraphLaunch(exec, stream));
  cudaEventRecord(b, stream);
  CHECK(cudaEventSynchronize(b));
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a), cudaEventDestroy(b);
  cudaGraphExecDestroy(exec);
  return ms / 10;
}

} // namespace gf

#endif
