/*
 * cuda_grid_barrier.cuh — a barrier across every block of a persistent (cooperative) launch: each
 * block adds one to a counter and waits until all have, barrier k being passed when the counter
 * reaches k · blocks (the counter is zeroed before each launch). A block that waits too long marks
 * the launch failed; every barrier after that fails at once, so no block is left waiting and the
 * host reports the failure instead of a hang.
 */
#ifndef GRIFFIN_CUDA_GRID_BARRIER_CUH
#define GRIFFIN_CUDA_GRID_BARRIER_CUH

#include "cuda_common.cuh"

namespace gf {

__device__ __forceinline__ uint32_t load_acquire(const uint32_t *p) {
  uint32_t v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}

/* Spins before a block gives up on a barrier (about a second). */
constexpr uint32_t BARRIER_SPINS = 1u << 22;

/*
 * The barrier as the decoding products' `wait` hook takes it (see AfterPrevious): sync[0] counts
 * arrivals, sync[1] marks failure; passed and ok live in the block's shared memory (0 and true at
 * the start). pass: this call is not a barrier (a block's second share of a phase).
 */
__device__ __forceinline__ uint64_t global_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

struct GridBarrier {
  static constexpr bool one_launch = true; /* other blocks of this launch write what it reads */
  uint32_t *sync;
  uint32_t *passed;
  bool *ok;
  bool pass = false;
  /* when tracing: each block's arrival at barrier k (arrivals[k·blocks + block]), block 0's
   * release from it (releases[k]), in ns */
  uint64_t *arrivals = nullptr, *releases = nullptr;
  __device__ __forceinline__ bool operator()() const {
    if (pass) return *ok;
    __syncthreads();
    if (threadIdx.x == 0 && *ok) {
      const uint32_t target = (*passed + 1) * gridDim.x;
      if (arrivals) arrivals[(size_t)*passed * gridDim.x + blockIdx.x] = global_ns();
      __threadfence(); /* this block's writes before its arrival */
      atomicAdd(sync, 1u);
      for (uint32_t spins = 0; load_acquire(sync) < target; spins++) {
        if ((spins & 1023) == 1023 && load_acquire(sync + 1)) {
          *ok = false; /* another block gave up */
          break;
        }
        if (spins == BARRIER_SPINS) {
          atomicExch(sync + 1, 1u);
          *ok = false;
          break;
        }
      }
      __threadfence();
      if (releases && blockIdx.x == 0) releases[*passed] = global_ns();
      *passed += 1;
    }
    __syncthreads();
    return *ok;
  }
  /* The same barrier, or a pass-through for a block's later shares of a phase. */
  __device__ __forceinline__ GridBarrier first(bool is_first) const {
    GridBarrier b = *this;
    b.pass = !is_first;
    return b;
  }
};

} // namespace gf

#endif
