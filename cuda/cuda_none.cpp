/* cuda_none.cpp — stands in for the CUDA backend when the build has no nvcc: no CUDA devices. */
#include "cuda_backend.h"

extern "C" gf_status gf_cuda_device_count(int32_t *count) {
  gf::clear_error();
  if (!count) return gf::fail(GF_ERR_INVALID_ARGUMENT, "count must not be null");
  *count = 0;
  return GF_OK;
}

extern "C" const char *gf_build_info(void) { return "griffin-bench engine abi 1, cpu"; }

extern "C" gf_status gf_cuda_check_kernels(uint64_t, char *report, int32_t capacity) {
  if (report && capacity > 0) report[0] = '\0';
  return gf::fail(GF_ERR_UNSUPPORTED, "this build has no CUDA backend (nvcc was not found)");
}

extern "C" gf_status gf_cuda_read_bandwidth(int32_t, double *) {
  return gf::fail(GF_ERR_UNSUPPORTED, "this build has no CUDA backend (nvcc was not found)");
}

extern "C" gf_status gf_cuda_memory(int32_t, uint64_t *, uint64_t *) {
  return gf::fail(GF_ERR_UNSUPPORTED, "this build has no CUDA backend (nvcc was not found)");
}

namespace gf {

static gf_status no_cuda() {
  return fail(GF_ERR_UNSUPPORTED, "this build has no CUDA backend (nvcc was not found at build time)");
}

gf_status cuda_check_device(int32_t device) {
  return fail(GF_ERR_UNSUPPORTED,
              "device cuda:%d: this build has no CUDA backend (nvcc was not found at build time); "
              "use the CPU",
              device);
}
gf_status cuda_upload(gf_model *) { return no_cuda(); }
gf_status cuda_synthesize_weight(gf_model *, Weight *, int32_t, int32_t, uint64_t, float) {
  return no_cuda();
}
void cuda_free_model(gf_model *) {}
gf_status cuda_session_create(gf_session *) { return no_cuda(); }
void cuda_session_free(gf_session *) {}
gf_status forward_cuda(gf_session *, const int32_t *, int32_t, Phase, int32_t, float *) {
  return no_cuda();
}
gf_status cuda_fetch_selection(gf_session *) { return no_cuda(); }
gf_status cuda_score_class_batch(gf_session *, const int32_t *, const int32_t *, const int32_t *,
                                 int32_t, const int32_t *, double *, uint8_t *) {
  return no_cuda();
}
gf_status cuda_batch_experts(gf_session *, int32_t, int32_t, int32_t *, int32_t *) {
  return no_cuda();
}
gf_status cuda_batch_experts_all(gf_session *, int32_t *, int32_t *, int64_t) { return no_cuda(); }
gf_status cuda_decode_batch(gf_session **, int32_t, const int32_t *, const StepOutputs &) { return no_cuda(); }
gf_status cuda_decode_step(gf_session *, int32_t, const StepOutputs &) { return no_cuda(); }
gf_status cuda_stream_weight(gf_model *, Weight *, int, const char *, uint64_t, uint64_t, int32_t) {
  return no_cuda();
}
gf_status cuda_row_norms(gf_model *, const Weight &, std::vector<double> &) { return no_cuda(); }
void cuda_free_weight(Weight &) {}
void cuda_free_staging(gf_model *) {}

} // namespace gf
