/*
 * cuda_gemm_invariant.cuh — batch-invariant products for class-mode passes: each product shape
 * (weight type, in, out, layout) gets one cuBLASLt algorithm, chosen once for
 * INVARIANT_REFERENCE_ROWS rows among those that sum each output in one sequence (no split of the
 * inner dimension, no workspace), and keeps it for every row count, so that a short class request
 * scored alone (`--batch-size 1`) or packed gets the same bits. Without cuBLASLt, or where the
 * algorithm does not take a shape, cublasGemmEx serves. GRIFFIN_INVARIANT_PRODUCTS=0 turns it off.
 * (For every prompt pass, in the sixth session's call 4, it made 512-token prompts 13.2 → 18.0 ms.)
 */
#ifndef GRIFFIN_CUDA_GEMM_INVARIANT_CUH
#define GRIFFIN_CUDA_GEMM_INVARIANT_CUH

#include <map>
#include <tuple>

#include "cuda_launch.cuh"

#ifdef GF_HAVE_CUBLASLT
#include <cublasLt.h>
#endif

namespace gf {

constexpr int INVARIANT_REFERENCE_ROWS = 4096;

#ifdef GF_HAVE_CUBLASLT
struct InvariantProducts {
  struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatmulAlgo_t algo{};
    bool ok = false;
  };
  cublasLtHandle_t lt = nullptr;
  std::map<std::tuple<int, int, int, bool>, Plan> plans;
  ~InvariantProducts() {
    for (auto &entry : plans)
      if (entry.second.desc) cublasLtMatmulDescDestroy(entry.second.desc);
    if (lt) cublasLtDestroy(lt);
  }
};

struct InvariantLayouts {
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  bool ok = false;
  InvariantLayouts(cudaDataType_t type, int n, int in, int out, bool in_major) {
    ok = cublasLtMatrixLayoutCreate(&a, type, in_major ? out : in, in_major ? in : out, in_major ? out : in) ==
             CUBLAS_STATUS_SUCCESS &&
         cublasLtMatrixLayoutCreate(&b, type, in, n, in) == CUBLAS_STATUS_SUCCESS &&
         cublasLtMatrixLayoutCreate(&c, CUDA_R_32F, out, n, out) == CUBLAS_STATUS_SUCCESS;
  }
  ~InvariantLayouts() {
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (c) cublasLtMatrixLayoutDestroy(c);
  }
};

inline const InvariantProducts::Plan &invariant_plan(InvariantProducts &p, cudaDataType_t type, int in, int out,
                                                     bool in_major) {
  InvariantProducts::Plan &plan = p.plans[std::make_tuple((int)type, in, out, in_major)];
  if (plan.desc) return plan;
  const cublasOperation_t op_w = in_major ? CUBLAS_OP_N : CUBLAS_OP_T, op_x = CUBLAS_OP_N;
  if (cublasLtMatmulDescCreate(&plan.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F) != CUBLAS_STATUS_SUCCESS) {
    plan.desc = nullptr;
    return plan;
  }
  cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_w, sizeof op_w);
  cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_x, sizeof op_x);
  const InvariantLayouts at(type, INVARIANT_REFERENCE_ROWS, in, out, in_major);
  cublasLtMatmulPreference_t pref = nullptr;
  if (!at.ok || cublasLtMatmulPreferenceCreate(&pref) != CUBLAS_STATUS_SUCCESS) return plan;
  const size_t workspace = 0;
  const uint32_t one_sequence = CUBLASLT_REDUCTION_SCHEME_NONE;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &one_sequence,
                                       sizeof one_sequence);
  cublasLtMatmulHeuristicResult_t result{};
  int offered = 0;
  if (cublasLtMatmulAlgoGetHeuristic(p.lt, plan.desc, at.a, at.b, at.c, at.c, pref, 1, &result, &offered) ==
          CUBLAS_STATUS_SUCCESS &&
      offered > 0) {
    plan.algo = result.algo;
    plan.ok = true;
  }
  cublasLtMatmulPreferenceDestroy(pref);
  return plan;
}
#endif

template <typename T>
bool invariant_gemm(GpuSession &g, float *y, const void *x, const T *w, int n, int in, int out, bool in_major,
                    bool accumulate) {
#ifdef GF_HAVE_CUBLASLT
  if (!g.invariant_on) return false;
  constexpr cudaDataType_t type = cuda_type<T>();
  if (!g.invariant) {
    g.invariant = new InvariantProducts();
    if (cublasLtCreate(&g.invariant->lt) != CUBLAS_STATUS_SUCCESS) {
      g.invariant->lt = nullptr;
      return false;
    }
  }
  if (!g.invariant->lt) return false;
  const InvariantProducts::Plan &plan = invariant_plan(*g.invariant, type, in, out, in_major);
  if (!plan.ok) return false;
  const InvariantLayouts at(type, n, in, out, in_major);
  if (!at.ok) return false;
  const float alpha = 1.f, beta = accumulate ? 1.f : 0.f;
  return cublasLtMatmul(g.invariant->lt, plan.desc, &alpha, w, at.a, x, at.b, &beta, y, at.c, y, at.c, &plan.algo,
                        nullptr, 0, g.stream) == CUBLAS_STATUS_SUCCESS;
#else
  (void)g, (void)y, (void)x, (void)w, (void)n, (void)in, (void)out, (void)in_major, (void)accumulate;
  return false;
#endif
}

/* While alive, a class-mode pass's products are batch-invariant (GRIFFIN_INVARIANT_PRODUCTS=0: off). */
struct InvariantScope {
  GpuSession &g;
  InvariantScope(GpuSession &session, bool classify) : g(session) {
    g.invariant_on = classify && env_on("GRIFFIN_INVARIANT_PRODUCTS");
  }
  ~InvariantScope() { g.invariant_on = false; }
};

} // namespace gf

#endif
