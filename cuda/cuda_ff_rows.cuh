/*
 * cuda_ff_rows.cuh — the FF block over n rows on the tensor cores, in the two halves every
 * many-row pass (the prompt phase, class mode, batched decoding) runs around its own selection
 * or masking: the products up to the activations, and the down projection into the residual.
 */
#ifndef GRIFFIN_CUDA_FF_ROWS_CUH
#define GRIFFIN_CUDA_FF_ROWS_CUH

#include "cuda_gemm.cuh"
#include "cuda_profile.cuh"

namespace gf {

/*
 * z (n, ff) = act(in·W_gateᵀ + b_gate) ⊙ (in·W_upᵀ + b_up), or act(in·W_1ᵀ + b_1) for a plain
 * block; with inverse, also each row's 1/‖z_t‖₂ (the neuron scores' row norms). Uses g.up. A
 * clock, if any, marks the products apart from the activation.
 */
template <typename T>
gf_status ff_activations(GpuSession &g, const GpuLayer &w, const gf_config &c, const Dims &d,
                         const float *in, int n, double *inverse, PhaseClock *clock = nullptr) {
  gf_status st = GF_OK;
  if (c.gated && !gemm_rows_serves<T>(n, d.hidden, false)) { /* one rounding of the input for both */
    const void *operand = gemm_operand<T>(g, in, n, d.hidden);
    if ((st = gemm_prepared<T>(g, g.z, operand, (const T *)w.w_gate, n, d.hidden, d.ff, false, false)) != GF_OK)
      return st;
    if ((st = gemm_prepared<T>(g, g.up, operand, (const T *)w.w_up, n, d.hidden, d.ff, false, false)) != GF_OK)
      return st;
  } else if (c.gated) {
    if ((st = gemm<T>(g, g.z, in, (const T *)w.w_gate, n, d.hidden, d.ff, false, false)) != GF_OK) return st;
    if ((st = gemm<T>(g, g.up, in, (const T *)w.w_up, n, d.hidden, d.ff, false, false)) != GF_OK) return st;
  } else if ((st = gemm<T>(g, g.z, in, (const T *)w.w_up, n, d.hidden, d.ff, false, false)) != GF_OK) {
    return st;
  }
  if (clock) clock->mark("gate/up");
  activate_rows_kernel<<<n, 256, 0, g.stream>>>(g.z, c.gated ? g.up : nullptr, d.ff, c.activation, inverse,
                                                c.gated ? w.b_gate : w.b_up, c.gated ? w.b_up : nullptr);
  GF_LAUNCHED();
  return GF_OK;
}

/* x (n, hidden) += z·W_down (+ b_down), then a post-norm block's norm of the residual. */
template <typename T>
gf_status ff_output(GpuSession &g, const GpuLayer &w, const gf_config &c, const Dims &d, int n,
                    const Norm &ff_norm) {
  if (gf_status st = gemm<T>(g, g.x, g.z, (const T *)w.w_down_t, n, d.ff, d.hidden, true, true); st != GF_OK)
    return st;
  if (w.b_down || c.post_norm) {
    norm_kernel<<<n, 256, 0, g.stream>>>(g.x, g.x, d.hidden, c.post_norm ? ff_norm : Norm(), w.b_down);
    GF_LAUNCHED();
  }
  return GF_OK;
}

} // namespace gf

#endif
