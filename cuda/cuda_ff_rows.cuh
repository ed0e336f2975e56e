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
 * Where an FF block's fused roundings go (fused_rounding; null: none, as without them): in, the
 * block's input already rounded to T (the products take it instead of rounding `in` again); z,
 * where the activations go rounded to T for the down product; keep_z, whether z is also kept in
 * f32 in g.z (the neuron scores and a captured pass read it there).
 */
template <typename T> struct FfRounding {
  const T *in = nullptr;
  T *z = nullptr;
  bool keep_z = true;
};

/*
 * z (n, ff) = act(in·W_gateᵀ + b_gate) ⊙ (in·W_upᵀ + b_up), or act(in·W_1ᵀ + b_1) for a plain
 * block; with inverse, also each row's 1/‖z_t‖₂ (the neuron scores' row norms). Uses g.up. A
 * clock, if any, marks the products apart from the activation. With sets (no inverse), row t keeps
 * only the experts sets[t] (counts[t]; −1: all), as activate_rows_kernel masks them.
 */
template <typename T>
gf_status ff_activations(GpuSession &g, const GpuLayer &w, int32_t layer, const gf_config &c, const Dims &d,
                         const float *in, int n, double *inverse, PhaseClock *clock = nullptr,
                         const FfRounding<T> &rounding = FfRounding<T>(),
                         const int32_t *const *sets = nullptr, const int32_t *counts = nullptr) {
  if (sets && inverse) return fail(GF_ERR_INTERNAL, "masked activations take no row norms");
  gf_status st = GF_OK;
  if (c.gated) { /* one rounding of the input for both */
    const void *operand = rounding.in ? rounding.in : gemm_operand<T>(g, in, n, d.hidden);
    if (gemm_rows_serves<T>(n, d.hidden, false)) { /* a few rows: gate and up in one launch */
      GF_LAUNCHED();
      GF_CUDA(launch_gemm_rows<T>(g.stream, g.z, (const T *)w.w_gate, g.up, (const T *)w.w_up, (const T *)operand, n,
                                  d.hidden, d.ff, false, current_multiprocessors()));
    } else if (operand == g.cast && gemm_pair_serves<T>(g, n)) { /* a few rows: one batched call */
      if ((st = gemm_pair<T>(g, g.ff_pairs + (size_t)6 * layer, n, d.hidden, d.ff)) != GF_OK) return st;
    } else {
      if ((st = gemm_prepared<T>(g, g.z, operand, (const T *)w.w_gate, n, d.hidden, d.ff, false, false)) != GF_OK)
        return st;
      if ((st = gemm_prepared<T>(g, g.up, operand, (const T *)w.w_up, n, d.hidden, d.ff, false, false)) != GF_OK)
        return st;
    }
  } else if (rounding.in) {
    if ((st = gemm_rounded<T>(g, g.z, rounding.in, (const T *)w.w_up, n, d.hidden, d.ff, false, false)) != GF_OK)
      return st;
  } else if ((st = gemm<T>(g, g.z, in, (const T *)w.w_up, n, d.hidden, d.ff, false, false)) != GF_OK) {
    return st;
  }
  if (clock) clock->mark("gate/up");
  /* column chunks fill the chip when rows are few (a decoding batch); the row norms take one */
  const int chunks = inverse ? 1 : activate_chunks(n, d.ff, current_multiprocessors());
  activate_rows_kernel<T><<<dim3(n, chunks), 256, sets ? activate_mask_bytes(d.ff, chunks) : 0, g.stream>>>(
      g.z, c.gated ? g.up : nullptr, d.ff, c.activation, inverse, c.gated ? w.b_gate : w.b_up,
      c.gated ? w.b_up : nullptr, rounding.z, rounding.keep_z || !rounding.z, sets, counts);
  GF_LAUNCHED();
  return GF_OK;
}

/*
 * x (n, hidden) += z·W_down (+ b_down), then a post-norm block's norm of the residual; z from
 * g.z, or already rounded to T (rounded_z, fused_rounding).
 */
template <typename T>
gf_status ff_output(GpuSession &g, const GpuLayer &w, const gf_config &c, const Dims &d, int n,
                    const Norm &ff_norm, const T *rounded_z = nullptr) {
  gf_status st = rounded_z ? gemm_rounded<T>(g, g.x, rounded_z, (const T *)w.w_down_t, n, d.ff, d.hidden, true, true)
                           : gemm<T>(g, g.x, g.z, (const T *)w.w_down_t, n, d.ff, d.hidden, true, true);
  if (st != GF_OK) return st;
  if (w.b_down || c.post_norm) {
    norm_kernel<<<n, 256, 0, g.stream>>>(g.x, g.x, d.hidden, c.post_norm ? ff_norm : Norm(), w.b_down);
    GF_LAUNCHED();
  }
  return GF_OK;
}

} // namespace gf

#endif
