/* selection.cpp — neuron scores and the selection methods (see selection.h). */
#include "selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "griffin.h"

namespace gf {

void neuron_scores(const float *z, int32_t rows, int32_t ff, std::vector<double> &scores) {
  scores.assign((size_t)ff, 0.0);
  std::vector<double> inverse_norm((size_t)rows, 0.0);
  for (int32_t t = 0; t < rows; t++) {
    const float *zt = z + (int64_t)t * ff;
    double ss = 0;
    for (int32_t j = 0; j < ff; j++) ss += (double)zt[j] * zt[j];
    inverse_norm[t] = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
  }
  const int32_t chunk = 256; /* columns per task: rows are read contiguously */
#pragma omp parallel for schedule(static) if ((int64_t)rows * ff > (1 << 16))
  for (int32_t first = 0; first < ff; first += chunk) {
    const int32_t last = std::min(ff, first + chunk);
    for (int32_t t = 0; t < rows; t++) {
      const float *zt = z + (int64_t)t * ff;
      for (int32_t j = first; j < last; j++) {
        const double normalised = (double)zt[j] * inverse_norm[t];
        scores[j] += normalised * normalised;
      }
    }
    for (int32_t j = first; j < last; j++) scores[j] = std::sqrt(scores[j]);
  }
}

int32_t expert_count(int32_t ff, double density) {
  const double k = (double)ff * density;
  return k <= 0 ? 0 : (int32_t)std::floor(k);
}

namespace {

/* splitmix64: a small, well-mixed generator; one stream per (seed, layer). */
struct Random {
  uint64_t state;
  Random(uint64_t seed, int32_t layer)
      : state(seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(layer + 1))) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /* uniform in the open interval (0, 1) */
  double uniform() { return ((double)(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
};

/* The k indices with the largest keys, ties to the lower index, among `candidates`. */
std::vector<int32_t> largest(const std::vector<double> &keys, std::vector<int32_t> candidates,
                             int32_t k) {
  auto before = [&](int32_t a, int32_t b) {
    return keys[a] > keys[b] || (keys[a] == keys[b] && a < b);
  };
  k = std::min<int32_t>(k, (int32_t)candidates.size());
  std::nth_element(candidates.begin(), candidates.begin() + k, candidates.end(), before);
  candidates.resize((size_t)k);
  return candidates;
}

std::vector<int32_t> all_indices(size_t n) {
  std::vector<int32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  return idx;
}

/*
 * k draws without replacement with probability ∝ weight (Efraimidis–Spirakis: the k largest
 * log(u)/w). Zero weights are drawn last, in index order.
 */
std::vector<int32_t> draw_weighted(const std::vector<double> &weights,
                                   const std::vector<int32_t> &candidates, int32_t k,
                                   Random &random) {
  std::vector<double> keys(weights.size(), -INFINITY);
  for (int32_t j : candidates) {
    const double u = random.uniform();
    keys[j] = weights[j] > 0 ? std::log(u) / weights[j] : -INFINITY;
  }
  return largest(keys, candidates, k);
}

} // namespace

std::vector<int32_t> select_experts(const std::vector<double> &scores, int32_t k, int32_t method,
                                    uint64_t seed, int32_t layer) {
  const size_t ff = scores.size();
  std::vector<int32_t> experts;
  Random random(seed, layer);
  switch (method) {
  case GF_METHOD_TOPK:
  case GF_METHOD_MAGNITUDE:
    experts = largest(scores, all_indices(ff), k);
    break;
  case GF_METHOD_SAMPLE:
    experts = draw_weighted(scores, all_indices(ff), k, random);
    break;
  case GF_METHOD_TOPK_SAMPLE: {
    const int32_t half = k / 2;
    experts = largest(scores, all_indices(ff), half);
    std::vector<char> taken(ff, 0);
    for (int32_t j : experts) taken[j] = 1;
    std::vector<int32_t> rest;
    for (size_t j = 0; j < ff; j++)
      if (!taken[j]) rest.push_back((int32_t)j);
    std::vector<int32_t> drawn = draw_weighted(scores, rest, half, random);
    experts.insert(experts.end(), drawn.begin(), drawn.end());
    break;
  }
  default: { /* GF_METHOD_RANDOM: a partial Fisher–Yates shuffle */
    std::vector<int32_t> idx = all_indices(ff);
    const int32_t take = std::min<int32_t>(k, (int32_t)ff);
    for (int32_t i = 0; i < take; i++) {
      const size_t j = (size_t)i + (size_t)(random.next() % (uint64_t)(ff - (size_t)i));
      std::swap(idx[(size_t)i], idx[j]);
    }
    idx.resize((size_t)take);
    experts = idx;
    break;
  }
  }
  std::sort(experts.begin(), experts.end());
  return experts;
}

} // namespace gf
