/*
 * cuda_decode_step.cuh — the persistent decoding step (cuda_decode_step.cu) as decode_step in
 * cuda_forward.cu asks for it.
 */
#ifndef GRIFFIN_CUDA_DECODE_STEP_CUH
#define GRIFFIN_CUDA_DECODE_STEP_CUH

#include "cuda_common.cuh"

namespace gf {

/*
 * Whether decoding runs as one persistent launch a step (read each step): 0 never (the default:
 * the graph of kernels), 1 where the step kernel runs the model (GRIFFIN_STEP_KERNEL=1), 2
 * always, an error where it does not (GRIFFIN_STEP_KERNEL=require, for tests).
 */
int step_kernel_mode();
/*
 * Enqueues the step (the token in g.ids, its position in g.position) on the session's stream:
 * *done false, and nothing enqueued, for a form the step kernel does not run (the caller's kernels
 * do), unless require (then an error names why). The logits land in g.logits; logits[0] is NaN
 * when a grid barrier gave up.
 */
gf_status enqueue_step_kernel(gf_session *s, bool require, bool *done);
/* GRIFFIN_STEP_TRACE=1: adds the finished step's barrier times to the profile printed at close. */
gf_status step_trace_collect(gf_session *s);
/* After a step whose logits[0] is NaN: whether a barrier gave up (the step's result is void). */
gf_status step_kernel_failed(gf_session *s, bool *failed);

} // namespace gf

#endif
