/*
 * cuda_backend.h — what the host-side engine (model.cpp, session.cpp) asks of the CUDA backend.
 * Plain C++: the .cu files implement it, cuda_none.cpp stands in when the build has no nvcc.
 */
#ifndef GRIFFIN_CUDA_BACKEND_H
#define GRIFFIN_CUDA_BACKEND_H

#include "internal.h"

namespace gf {

/* Whether CUDA device `device` exists and can be used (sets the last error when not). */
gf_status cuda_check_device(int32_t device);
/* Copies a finalized model's host weights to its device; the host copies are then freed. */
gf_status cuda_upload(gf_model *model);
/* Frees a model's device memory (no-op without any). */
void cuda_free_model(gf_model *model);
/* Allocates a session's KV cache and scratch on the model's device. */
gf_status cuda_session_create(gf_session *session);
/* Frees a session's device memory. */
void cuda_session_free(gf_session *session);
/* The forward pass on the device: the CUDA twin of forward_cpu. */
gf_status forward_cuda(gf_session *s, const int32_t *ids, int32_t n, Phase phase,
                       int32_t logit_rows, float *logits);
/* Brings the experts and neuron scores of the last selection to the host vectors. */
gf_status cuda_fetch_selection(gf_session *s);

} // namespace gf

#endif
