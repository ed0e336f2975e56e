/*
 * cuda_embed.cuh — the two ends of a pass that every pass shares (cuda_forward.cu,
 * cuda_decode_batch.cu, cuda_batch.cuh): token embeddings in (scaled, projected, positioned), and
 * the final norm and projection out before the LM head.
 */
#ifndef GRIFFIN_CUDA_EMBED_CUH
#define GRIFFIN_CUDA_EMBED_CUH

#include "cuda_gemm.cuh"

namespace gf {

/* The final norm as the kernels take it: none after post-norm blocks (no_final_norm). */
inline Norm final_norm(const gf_config &c, const GpuModel &m) {
  return c.no_final_norm ? Norm() : norm_of(c, m.final_norm, m.final_norm_bias);
}

/*
 * Token embeddings of the n ids in g.ids at g.position into g.x: scaled (Gemma), projected in
 * (OPT-350m) and with learned positions added (OPT), as forward_cpu's embed. n = 1 in decoding.
 */
template <typename T>
gf_status enqueue_embed(gf_session *s, int n, bool pdl = false, const int32_t *positions = nullptr) {
  GpuSession &g = *gpu_of(s);
  const GpuModel &m = *gpu_of(s->model);
  const gf_config &c = s->model->config;
  const Dims d(c);
  const float scale = c.embed_scale != 0.f ? c.embed_scale : 1.f;
  const T *table = (const T *)m.pos_embed;
  if (!m.project_in) {
    embed_kernel<T><<<n, 256, 0, g.stream>>>(g.x, (const T *)m.embed, g.ids, d.hidden, scale,
                                             table, g.position, c.position_offset, positions);
    GF_LAUNCHED();
    return GF_OK;
  }
  embed_kernel<T><<<n, 256, 0, g.stream>>>(g.e, (const T *)m.embed, g.ids, d.width, 1.f, nullptr,
                                           g.position, 0);
  GF_LAUNCHED();
  if (n == 1) {
    GF_CUDA(launch(pdl, gemv_kernel<T>, GemvShape::blocks(d.hidden, 0), GemvShape::threads,
                   GemvShape::shared(d.width), g.stream, g.x, (const T *)m.project_in,
                   (const float *)g.e, d.hidden, d.width, (const int32_t *)nullptr,
                   (const float *)nullptr, Norm(), (const float *)nullptr));
  } else {
    gf_status st = gemm<T>(g, g.x, g.e, (const T *)m.project_in, n, d.width, d.hidden, false, false);
    if (st != GF_OK) return st;
  }
  if (scale != 1.f || table) {
    embed_kernel<T><<<n, 256, 0, g.stream>>>(g.x, (const T *)nullptr, g.ids, d.hidden, scale,
                                             table, g.position, c.position_offset, positions);
    GF_LAUNCHED();
  }
  return GF_OK;
}

/*
 * The LM head's input for `rows` rows of x (rows[i] = indices[i] with indices, else i): the final
 * norm into g.xb, then the projection out into g.e where the model has one (OPT-350m); *head_in
 * is where they end, width wide.
 */
template <typename T>
gf_status enqueue_head_input(gf_session *s, const float *x, int rows, const int32_t *indices,
                             const float **head_in) {
  GpuSession &g = *gpu_of(s);
  const GpuModel &m = *gpu_of(s->model);
  const gf_config &c = s->model->config;
  const Dims d(c);
  norm_kernel<<<rows, 256, 0, g.stream>>>(g.xb, x, d.hidden, final_norm(c, m), nullptr, indices);
  GF_LAUNCHED();
  *head_in = g.xb;
  if (m.project_out) {
    if (gf_status st = gemm<T>(g, g.e, g.xb, (const T *)m.project_out, rows, d.hidden, d.width, false, false);
        st != GF_OK)
      return st;
    *head_in = g.e;
  }
  return GF_OK;
}

} // namespace gf

#endif
