// The pilot of a decomposition (docs/model.md, "Decomposition"): each
// structure's mean earned fraction e-bar_s, fixed before the main runs, so
// that a flat comparator's monthly pay is a number, not a function of the
// runs it is compared on.
//
// The pilot simulates the scenario's own structures on random futures of
// its own (the shock key below), so its runs are independent of the main
// runs'. Its sums are exact (ExactSum), so e-bar is the same bits for any
// thread count, and every rank of an MPI job computes it itself and gets
// the same number.
#pragma once

#include <cstdint>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

// The pilot's shock key: "PILOT" in ASCII. The main runs use 0 (or a sweep
// point's own key, 1, 2, ...) and a Latin hypercube's design "SWEEP"
// (sim/input/sweep_design.h): a key of its own keeps the pilot's futures
// apart from all of them.
inline constexpr std::uint64_t k_pilot_shock_key = 0x50494C4F54;

// e-bar[s][p]: the mean over `runs` pilot runs of the earned fraction of
// provider p's contract under structure s. A contract without a pot to
// earn (an outcome share of 0) earns 0; a provider without a contract (a
// subcontractor) has no earned fraction: NaN. Runs on `threads` threads (0: all cores); the runs' draws
// follow the scenario's seed and k_pilot_shock_key. Throws what the
// kernel's tally throws for a run that overflows (NonFiniteRunValue).
std::vector<std::vector<double>> pilot_earned_fractions(const Scenario& scenario,
                                                        std::int64_t runs, int threads);

}  // namespace shortfall
