/*
 * selection.h — GRIFFIN's expert selection: neuron scores from the prompt's activations and the
 * selection methods (GRIFFIN.md, "Prompt phase" and "Selection methods"). CPU reference.
 */
#ifndef GRIFFIN_SELECTION_H
#define GRIFFIN_SELECTION_H

#include <cstdint>
#include <vector>

namespace gf {

/*
 * s_j = ‖Ẑ_{·,j}‖₂ with Ẑ_t = Z_t / ‖Z_t‖₂: each of `rows` rows of Z (rows × ff) normalised,
 * then the L2 norm of each column. Accumulated in double; a zero row contributes nothing.
 */
void neuron_scores(const float *z, int32_t rows, int32_t ff, std::vector<double> &scores);

/* k = floor(ff × density), as Python's int() of the product. */
int32_t expert_count(int32_t ff, double density);

/*
 * Chooses k experts from the scores with a gf_method (topk and magnitude: the k largest, ties to
 * the lower index; sample, topk_sample, random: seeded draws). Returns them ascending.
 */
std::vector<int32_t> select_experts(const std::vector<double> &scores, int32_t k, int32_t method,
                                    uint64_t seed, int32_t layer);

} // namespace gf

#endif
