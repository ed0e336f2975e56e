/* cuda_none.cpp — stands in for cuda_device.cu when the build has no nvcc: no CUDA devices. */
#include "internal.h"

extern "C" gf_status gf_cuda_device_count(int32_t *count) {
  gf::clear_error();
  if (!count) return gf::fail(GF_ERR_INVALID_ARGUMENT, "count must not be null");
  *count = 0;
  return GF_OK;
}

extern "C" const char *gf_build_info(void) { return "griffin-bench engine abi 1, cpu"; }
