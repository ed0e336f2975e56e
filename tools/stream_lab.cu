/*
 * stream_lab.cu — how close the decoding kernels come to the chip's read bandwidth, each against a
 * plain read of the same bytes in the same process (ratios, not absolute figures). Llama-2-7B
 * shapes in bf16: q/k/v and o products, gate/up and down over every neuron and over half of
 * them (in place and gathered), and eight layers of the four products back to back in a CUDA
 * graph with programmatic dependent launch, as decoding runs them (attention left out).
 *
 *   deno task build && nvcc -O3 -std=c++17 -arch=sm_90 -Icuda tools/stream_lab.cu \
 *     cuda/build/libgriffin.so -Xlinker -rpath,$PWD/cuda/build -o /tmp/stream_lab && /tmp/stream_lab
 */
#include <cstdio>
#include <vector>

#include "cuda_gemv.cuh"

using namespace gf;
using T = __nv_bfloat16;

namespace {

constexpr int HIDDEN = 4096, FF = 11008, QKV = 3 * 4096, LAYERS = 8, REPEATS = 20;

/* Reads n 16-byte vectors, 8 loads in flight a thread; sink keeps the loads. */
__global__ void read_kernel(const uint4 *__restrict__ data, size_t n, unsigned *sink) {
  unsigned acc = 0;
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  for (; i + 7 * stride < n; i += 8 * stride) {
    uint4 v[8];
#pragma unroll
    for (int u = 0; u < 8; u++) v[u] = load_stream(data + i + u * stride);
#pragma unroll
    for (int u = 0; u < 8; u++) acc ^= v[u].x ^ v[u].w;
  }
  for (; i < n; i += stride) acc ^= load_stream(data + i).y;
  if (acc == 0x12345678u) *sink = acc;
}

#define CHECK(call)                                                                              \
  do {                                                                                           \
    cudaError_t e_ = (call);                                                                     \
    if (e_ != cudaSuccess) {                                                                     \
      fprintf(stderr, "%s:%d %s\n", __FILE__, __LINE__, cudaGetErrorString(e_));                 \
      return 1;                                                                                  \
    }                                                                                            \
  } while (0)

struct Layer {
  T *qkv, *o, *gate, *up, *down_t;
};

int sms = 132;
unsigned *sink;
float *x, *y, *z, *partial;
uint32_t *tickets;
int32_t *half_experts;

/* Milliseconds per call of run(i) (i: which copy of the weights), over REPEATS calls. */
template <typename Run> float time_ms(Run run, cudaStream_t stream = 0) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  run(0); /* warm-up */
  cudaEventRecord(a, stream);
  for (int i = 0; i < REPEATS; i++) run(i % LAYERS);
  cudaEventRecord(b, stream);
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  return ms / REPEATS;
}

void read_bytes(const void *p, size_t bytes, cudaStream_t stream = 0) {
  read_kernel<<<sms * 8, 512, 0, stream>>>((const uint4 *)p, bytes / 16, sink);
}

int resident(const void *kernel) {
  int blocks = 1;
  cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, 256, HIDDEN * 4);
  return blocks;
}

/* One layer's four products, PDL between them, as enqueue_decode launches them. */
void layer_products(const Layer &w, int gemv_blocks, int gate_up_blocks, const int32_t *experts,
                    int count, cudaStream_t stream) {
  auto grid = [&](int per_sm, int rows) { return GemvShape::resident_blocks(rows, sms, per_sm); };
  launch(true, gemv_kernel<T>, grid(gemv_blocks, QKV), 256, HIDDEN * 4, stream, y, w.qkv, x, QKV,
         HIDDEN, (const int32_t *)nullptr, (const float *)nullptr, Norm(), (const float *)nullptr);
  launch(true, gemv_kernel<T>, grid(gemv_blocks, HIDDEN), 256, HIDDEN * 4, stream, x, w.o,
         (const float *)y, HIDDEN, HIDDEN, (const int32_t *)nullptr, (const float *)x,
         Norm(), (const float *)nullptr);
  launch(true, gate_up_kernel<T>, grid(gate_up_blocks, count), 256, HIDDEN * 4, stream, z,
         (const T *)w.gate, (const T *)w.up, (const float *)x, count, HIDDEN, experts,
         (int)GF_ACT_SILU, Norm(), (const float *)nullptr, (const float *)nullptr);
  launch_down<T>(stream, x, partial, (size_t)HIDDEN * 128, tickets, w.down_t, z, experts, count,
                 HIDDEN, sms, true);
}

} // namespace

int main() {
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  std::vector<Layer> layers(LAYERS);
  const size_t square = (size_t)HIDDEN * HIDDEN * 2, wide = (size_t)FF * HIDDEN * 2;
  for (Layer &w : layers) {
    CHECK(cudaMalloc(&w.qkv, 3 * square));
    CHECK(cudaMalloc(&w.o, square));
    CHECK(cudaMalloc(&w.gate, wide));
    CHECK(cudaMalloc(&w.up, wide));
    CHECK(cudaMalloc(&w.down_t, wide));
    for (void *p : {(void *)w.qkv, (void *)w.o, (void *)w.gate, (void *)w.up, (void *)w.down_t})
      CHECK(cudaMemset(p, 0x3c, p == w.qkv ? 3 * square : p == w.o ? square : wide));
  }
  CHECK(cudaMalloc(&sink, 4));
  CHECK(cudaMalloc(&x, HIDDEN * 4));
  CHECK(cudaMalloc(&y, QKV * 4));
  CHECK(cudaMalloc(&z, FF * 4));
  CHECK(cudaMalloc(&partial, (size_t)HIDDEN * 128 * 4));
  CHECK(cudaMalloc(&tickets, 1024 * 4));
  CHECK(cudaMemset(x, 0, HIDDEN * 4));
  CHECK(cudaMemset(tickets, 0, 1024 * 4));
  std::vector<int32_t> half;
  for (int j = 0; j < FF; j += 2) half.push_back(j);
  CHECK(cudaMalloc(&half_experts, half.size() * 4));
  CHECK(cudaMemcpy(half_experts, half.data(), half.size() * 4, cudaMemcpyHostToDevice));
  const int gemv_blocks = resident((const void *)gemv_kernel<T>);
  const int gate_up_blocks = resident((const void *)gate_up_kernel<T>);
  printf("sms %d; resident blocks: gemv %d, gate/up %d\n", sms, gemv_blocks, gate_up_blocks);
  printf("%-34s %9s %9s %9s %7s\n", "kernel", "MB", "us", "GB/s", "of read");
  auto row = [&](const char *what, size_t bytes, float kernel_ms, float read_ms) {
    printf("%-34s %9.1f %9.1f %9.0f %6.0f%%\n", what, bytes / 1e6, kernel_ms * 1e3,
           bytes / (kernel_ms * 1e-3) / 1e9, 100 * read_ms / kernel_ms);
  };
  /* run(i) against read(i), reading the same bytes of copy i */
  auto single = [&](const char *what, size_t bytes, auto run, auto read) {
    const float plain = time_ms(read);
    row(what, bytes, time_ms(run), plain);
  };
  auto read_one = [&](size_t bytes, auto pick) {
    return [=](int i) { read_bytes(pick(layers[i]), bytes); };
  };
  auto read_gate_up = [&](size_t bytes) { /* bytes of gate and as many of up */
    return [=](int i) {
      read_bytes(layers[i].gate, bytes / 2);
      read_bytes(layers[i].up, bytes / 2);
    };
  };
  auto blocks = [&](int per_sm, int rows) { return GemvShape::resident_blocks(rows, sms, per_sm); };
  single("q/k/v gemv 12288x4096", 3 * square, [&](int i) {
    gemv_kernel<T><<<blocks(gemv_blocks, QKV), 256, HIDDEN * 4>>>(y, layers[i].qkv, x, QKV, HIDDEN, nullptr, nullptr);
  }, read_one(3 * square, [](const Layer &w) { return w.qkv; }));
  single("o gemv 4096x4096", square, [&](int i) {
    gemv_kernel<T><<<blocks(gemv_blocks, HIDDEN), 256, HIDDEN * 4>>>(y, layers[i].o, x, HIDDEN, HIDDEN, nullptr, nullptr);
  }, read_one(square, [](const Layer &w) { return w.o; }));
  single("gate/up, every neuron", 2 * wide, [&](int i) {
    gate_up_kernel<T><<<blocks(gate_up_blocks, FF), 256, HIDDEN * 4>>>(z, layers[i].gate, layers[i].up, x, FF, HIDDEN, nullptr, GF_ACT_SILU);
  }, read_gate_up(2 * wide));
  single("gate/up, half in place", wide, [&](int i) {
    gate_up_kernel<T><<<blocks(gate_up_blocks, FF / 2), 256, HIDDEN * 4>>>(z, layers[i].gate, layers[i].up, x, FF / 2, HIDDEN, half_experts, GF_ACT_SILU);
  }, read_gate_up(wide));
  single("gate/up, half gathered", wide, [&](int i) {
    gate_up_kernel<T><<<blocks(gate_up_blocks, FF / 2), 256, HIDDEN * 4>>>(z, layers[i].gate, layers[i].up, x, FF / 2, HIDDEN, nullptr, GF_ACT_SILU);
  }, read_gate_up(wide));
  single("down, every neuron", wide, [&](int i) {
    launch_down<T>(0, x, partial, (size_t)HIDDEN * 128, tickets, layers[i].down_t, z, nullptr, FF, HIDDEN, sms);
  }, read_one(wide, [](const Layer &w) { return w.down_t; }));
  single("down, half in place", wide / 2, [&](int i) {
    launch_down<T>(0, x, partial, (size_t)HIDDEN * 128, tickets, layers[i].down_t, z, half_experts, FF / 2, HIDDEN, sms);
  }, read_one(wide / 2, [](const Layer &w) { return w.down_t; }));
  /* eight layers back to back in a graph, PDL between the products, against plain reads */
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (int density2 = 2; density2 >= 1; density2--) {
    const int count = density2 == 2 ? FF : FF / 2;
    const int32_t *experts = density2 == 2 ? nullptr : half_experts;
    cudaGraph_t graph, reads;
    cudaGraphExec_t run, run_reads;
    CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (const Layer &w : layers) layer_products(w, gemv_blocks, gate_up_blocks, experts, count, stream);
    CHECK(cudaStreamEndCapture(stream, &graph));
    CHECK(cudaGraphInstantiate(&run, graph, 0));
    const size_t ff_bytes = 3 * (size_t)count * HIDDEN * 2, bytes = LAYERS * (4 * square + ff_bytes);
    CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (const Layer &w : layers) {
      read_bytes(w.qkv, 3 * square, stream);
      read_bytes(w.o, square, stream);
      read_bytes(w.gate, ff_bytes / 3, stream);
      read_bytes(w.up, ff_bytes / 3, stream);
      read_bytes(w.down_t, ff_bytes / 3, stream);
    }
    CHECK(cudaStreamEndCapture(stream, &reads));
    CHECK(cudaGraphInstantiate(&run_reads, reads, 0));
    auto on_stream = [&](cudaGraphExec_t exec) {
      return time_ms([&](int) { cudaGraphLaunch(exec, stream); }, stream);
    };
    const float products = on_stream(run), plain = on_stream(run_reads);
    row(density2 == 2 ? "8 layers' products, density 1" : "8 layers' products, density 0.5", bytes,
        products, plain);
  }
  CHECK(cudaDeviceSynchronize());
  CHECK(cudaGetLastError());
  return 0;
}
