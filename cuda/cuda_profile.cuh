/*
 * cuda_profile.cuh — GRIFFIN_PROFILE=1: where a pass's time goes. A PhaseClock records an event
 * at each mark; the time from one mark to the next goes to the kind named at the later mark, summed
 * per (pass, kind) over the process and printed to stderr when a session is freed. Off, a mark
 * costs a branch. Profiled passes are not captured into graphs.
 */
#ifndef GRIFFIN_CUDA_PROFILE_CUH
#define GRIFFIN_CUDA_PROFILE_CUH

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "cuda_common.cuh"

namespace gf {

/* Whether GRIFFIN_PROFILE is set. */
inline bool profiling() {
  static const bool on = getenv("GRIFFIN_PROFILE") != nullptr;
  return on;
}

/* (pass, kinds in first-seen order with their summed ms, passes timed) of the process. */
struct PhaseTotals {
  std::string pass;
  std::vector<std::pair<std::string, double>> kinds;
  int passes = 0;
};
inline std::vector<PhaseTotals> &phase_totals() {
  static std::vector<PhaseTotals> totals;
  return totals;
}

/* Adds ms to `kind` of `pass` in the process's totals (passes: how many passes that closes). */
inline void add_phase_time(const std::string &pass, const std::string &kind, double ms, int passes) {
  PhaseTotals *mine = nullptr;
  for (PhaseTotals &t : phase_totals())
    if (t.pass == pass) mine = &t;
  if (!mine) {
    phase_totals().push_back(PhaseTotals{pass, {}, 0});
    mine = &phase_totals().back();
  }
  bool found = false;
  for (auto &k : mine->kinds)
    if (k.first == kind) k.second += ms, found = true;
  if (!found) mine->kinds.emplace_back(kind, ms);
  mine->passes += passes;
}

/* The events the clocks record, reused pass after pass (one clock runs at a time). */
inline std::vector<cudaEvent_t> &event_pool() {
  static std::vector<cudaEvent_t> pool;
  return pool;
}

/* Events between the kernels of one pass, by kind. */
class PhaseClock {
public:
  PhaseClock(const char *pass, cudaStream_t stream, bool on) : pass_(pass), stream_(stream), on_(on) {
    mark(nullptr);
  }
  PhaseClock(const PhaseClock &) = delete;
  PhaseClock &operator=(const PhaseClock &) = delete;
  /* The work enqueued since the last mark was `kind`'s. */
  void mark(const char *kind) {
    if (!on_) return;
    std::vector<cudaEvent_t> &pool = event_pool();
    if (events_.size() == pool.size()) { /* created once for the process: creating one costs */
      cudaEvent_t e;
      if (cudaEventCreate(&e) != cudaSuccess) return;
      pool.push_back(e);
    }
    cudaEvent_t e = pool[events_.size()];
    cudaEventRecord(e, stream_);
    events_.push_back(e);
    kinds_.push_back(kind);
  }
  /* Waits for the stream and adds this pass's times to the process's totals. */
  void finish() {
    if (!on_ || events_.size() < 2) return;
    cudaStreamSynchronize(stream_);
    for (size_t i = 1; i < events_.size(); i++) {
      float ms = 0;
      cudaEventElapsedTime(&ms, events_[i - 1], events_[i]);
      add_phase_time(pass_, kinds_[i] ? kinds_[i] : "other", ms, i + 1 == events_.size() ? 1 : 0);
    }
  }

private:
  std::string pass_;
  cudaStream_t stream_;
  bool on_;
  std::vector<cudaEvent_t> events_;
  std::vector<const char *> kinds_;
};

/* Prints and clears the totals: per pass, ms per pass of each kind. */
inline void print_phase_totals() {
  for (const PhaseTotals &t : phase_totals()) {
    double total = 0;
    for (const auto &k : t.kinds) total += k.second;
    fprintf(stderr, "profile of %s over %d passes (ms per pass):", t.pass.c_str(), t.passes);
    for (const auto &k : t.kinds) fprintf(stderr, " %s %.3f;", k.first.c_str(), k.second / t.passes);
    fprintf(stderr, " total %.3f\n", total / t.passes);
  }
  phase_totals().clear();
}

} // namespace gf

#endif
