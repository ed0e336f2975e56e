/*
 * cuda_device.cu — CUDA device discovery. Built with nvcc whenever it is present; a machine
 * without a driver (cudaErrorInsufficientDriver, cudaErrorNoDevice) simply has no devices.
 */
#include <cuda_runtime.h>

#include "internal.h"

extern "C" gf_status gf_cuda_device_count(int32_t *count) {
  gf::clear_error();
  if (!count) return gf::fail(GF_ERR_INVALID_ARGUMENT, "count must not be null");
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError(); /* clear the sticky error: no driver means no devices */
    n = 0;
  }
  *count = n;
  return GF_OK;
}

extern "C" const char *gf_build_info(void) { return "griffin-bench engine abi 1, cpu+cuda(sm_90)"; }
