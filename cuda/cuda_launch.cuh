/*
 * cuda_launch.cuh — programmatic dependent launch (PDL) for the decoding step: each kernel is
 * launched while the one before it drains, starts loading the weights that do not depend on it,
 * and waits for it (griddepcontrol.wait) before touching anything it wrote. Launched without the
 * attribute (GRIFFIN_PDL=0, or the prompt phase's plain launches) the wait does nothing. Also the
 * loads those kernels share: activations another kernel wrote, weights streamed past L1.
 */
#ifndef GRIFFIN_CUDA_LAUNCH_CUH
#define GRIFFIN_CUDA_LAUNCH_CUH

#include <cstdlib>
#include <cstring>

#include "cuda_common.cuh"

namespace gf {

/* Waits until the kernel before this one in the stream has finished and its writes are seen. */
__device__ __forceinline__ void wait_for_previous() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

/* Lets the next kernel in the stream be launched (its blocks wait for this one to finish). */
__device__ __forceinline__ void let_next_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
}

/*
 * An activation another block may have written: read through L2 only when written within this
 * launch (the persistent step: its blocks' L1s are not kept coherent); else a plain load, which
 * the compiler sends through the read-only path where the pointer is const __restrict__ (written
 * by an earlier kernel).
 */
template <bool written> __device__ __forceinline__ float load_activation(const float *p) {
  if constexpr (written) return __ldcg(p);
  else return *p;
}
template <bool written> __device__ __forceinline__ float4 load_activation(const float4 *p) {
  if constexpr (written) return __ldcg(p);
  else return *p;
}

/* Streams 16 bytes of weights once (no reuse: keep it out of L1). */
__device__ __forceinline__ uint4 load_stream(const uint4 *p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

/* Whether the switch `name` is on: it is unless the environment sets it to 0. */
inline bool env_on(const char *name) {
  const char *v = getenv(name);
  return !(v && strcmp(v, "0") == 0);
}

/* Whether decoding launches use PDL: on unless GRIFFIN_PDL=0. */
inline bool pdl_enabled() { return env_on("GRIFFIN_PDL"); }

/* Launches kernel(args…) on stream, as a programmatic dependent of the previous kernel when pdl. */
template <typename... Params, typename... Args>
cudaError_t launch(bool pdl, void (*kernel)(Params...), dim3 grid, dim3 block, size_t shared,
                   cudaStream_t stream, Args &&...args) {
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared;
  config.stream = stream;
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = attribute;
  config.numAttrs = pdl ? 1 : 0;
  return cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

} // namespace gf

#endif
