// The decomposition of a structure's difference from the reference
// (docs/model.md, "Decomposition"): per run, with Y the shortfall indicator
// (or the support needed) under each structure,
//
//   Y_s - Y_b = (Y_F - Y_b) + (Y_W0 - Y_F) + (Y_s - Y_W0)
//                 price       timing and     outcome
//                             uncertainty    feedback
//
// each part's mean with its paired standard error sd(part) / sqrt(N). The
// per-run values are those the tally keeps anyway (every run's shortfall
// flag and support, for the paired difference and the 95th percentile), so
// nothing more is stored; the sums are exact, so the parts are the same
// bits for any thread count, rank count or block split.
#pragma once

#include <cstdint>
#include <vector>

#include "estimators.h"
#include "scenario_results.h"
#include "tally.h"

namespace shortfall {

// The tally columns of one structure compared with the reference, at one
// provider: s, the reference b, the flat comparator F_s and W0_s.
struct ComparedColumns {
  int structure = 0;
  int reference = 0;
  int flat = 0;
  int outcomes_of_reference = 0;
};

// One quantity's difference and its three parts, each a paired mean with
// its standard error.
struct DecomposedDifference {
  PairedDifference total;
  PairedDifference price;     // F_s - b
  PairedDifference timing;    // W0_s - F_s
  PairedDifference feedback;  // s - W0_s
};

// The decomposition of one scenario: every structure of the scenario at
// every provider, [structure][provider] (one provider outside a network).
// The reference's entries are NaN (it is not compared with itself), except
// its pilot earned fraction.
struct Decomposition {
  int reference = 0;
  int structure_count = 0;
  int provider_count = 1;
  std::int64_t runs = 0;
  std::int64_t pilot_runs = 0;
  std::vector<DecomposedDifference> p_shortfall;  // shortfall in any month, 0/1
  std::vector<DecomposedDifference> support;      // support needed, GBP
  std::vector<double> cost_diff;               // C_s - C_b, mean commissioner cost, GBP
  std::vector<double> flat_cost;               // mean commissioner cost of F_s, GBP
  std::vector<double> pilot_earned_fraction;   // e-bar_s of the pilot
};

// One quantity's decomposition from the blocks of a scenario's tally.
// Shortfall: from counts, so the total is the results' p_shortfall_diff
// when the reference is the first structure. Support: each part's mean
// is an exact sum of per-run differences rounded once; its standard error
// sums the squared deviations from that mean exactly (a second pass, so no
// cancellation).
DecomposedDifference decompose_shortfall(const ScenarioTally& tally, const ComparedColumns& columns);
DecomposedDifference decompose_support(const ScenarioTally& tally, const ComparedColumns& columns);

// The scenario's decomposition: `compared[s][p]` the columns of structure s
// at provider p (ignored for the reference), `results` the finalised
// statistics of the same tally (for the commissioner costs),
// `earned_fraction[s][p]` the pilot's e-bar.
Decomposition decompose(const ScenarioTally& tally, const ScenarioResults& results,
                        int reference, const std::vector<std::vector<ComparedColumns>>& compared,
                        const std::vector<std::vector<double>>& earned_fraction,
                        std::int64_t pilot_runs);

// The statistics of a scenario's own structures, from those of the same
// scenario simulated with its comparators appended (models/comparators.h):
// its first `structures` structures' columns (every provider of each),
// which are the bits a plain run of the scenario gives.
ScenarioResults own_structures(const ScenarioResults& with_comparators, int structures);

}  // namespace shortfall
