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
/*
 * Streams nbytes of src_dtype at offset of the open file fd (path names it in errors) into
 * w->device (w's dtype and shape), through the model's pinned buffers: no host copy is kept.
 */
gf_status cuda_stream_weight(gf_model *model, Weight *w, int fd, const char *path,
                             uint64_t offset, uint64_t nbytes, int32_t src_dtype);
/*
 * Fills w->device (allocated here, w's dtype and shape) with the seeded normal values
 * gf_model_synthesize draws on the host for (kind, layer, seed), times scale, drawn on the GPU.
 */
gf_status cuda_synthesize_weight(gf_model *model, Weight *w, int32_t kind, int32_t layer,
                                 uint64_t seed, float scale);
/* ‖row‖ of every row of a weight held on the device (w->device). */
gf_status cuda_row_norms(gf_model *model, const Weight &w, std::vector<double> &norms);
/* Frees device memory a weight holds (w->device) and the model's loading buffers. */
void cuda_free_weight(Weight &w);
void cuda_free_staging(gf_model *model);
/* Allocates a session's KV cache and scratch on the model's device. */
gf_status cuda_session_create(gf_session *session);
/* Frees a session's device memory. */
void cuda_session_free(gf_session *session);
/* The forward pass on the device: the CUDA twin of forward_cpu. */
gf_status forward_cuda(gf_session *s, const int32_t *ids, int32_t n, Phase phase,
                       int32_t logit_rows, float *logits);
/* Mode class over a packed batch on the device (gf_score_class_batch's arguments, checked). */
gf_status cuda_score_class_batch(gf_session *s, const int32_t *ids, const int32_t *lengths,
                                 const int32_t *first, int32_t count, const int32_t *targets,
                                 double *logprobs, uint8_t *greedy);
/* The experts of one sequence of the last batch at a layer (*count = -1: none selected). */
gf_status cuda_batch_experts(gf_session *s, int32_t sequence, int32_t layer, int32_t *out,
                             int32_t *count);
/* Every expert of the last batch (gf_session_batch_experts_all; counts already checked). */
gf_status cuda_batch_experts_all(gf_session *s, int32_t *counts, int32_t *out, int64_t capacity);
/* A generation-phase step of one session (the id and room checked here), into out. */
gf_status cuda_decode_step(gf_session *s, int32_t id, const StepOutputs &out);
/* The generation phase of several sessions in one pass (gf_decode_batch's arguments, checked). */
gf_status cuda_decode_batch(gf_session **sessions, int32_t count, const int32_t *ids, const StepOutputs &out);
/* Brings the experts and neuron scores of the last selection to the host vectors. */
gf_status cuda_fetch_selection(gf_session *s);

} // namespace gf

#endif
