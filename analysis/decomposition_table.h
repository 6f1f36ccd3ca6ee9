// What `shortfall decompose` prints: the decomposition (analysis/decomposition.h)
// as a table to read, or as JSON to script against (the README's
// "Answering the decision" documents both).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decomposition.h"

namespace shortfall {

// The names the printed decomposition uses: the scenario's structures and,
// in a network, its provider ids (empty for a single provider).
struct DecompositionLabels {
  std::string title;
  std::uint64_t seed = 0;
  int horizon_months = 0;
  std::vector<std::string> structures;
  std::vector<std::string> providers;
};

// Three tables: the difference from the reference in P(shortfall), in
// percentage points, and in mean support needed, in £m, each as total,
// price, timing and feedback with paired standard errors; then e-bar, the
// commissioner's cost difference and the flat comparator's cost. A network
// has a row per structure and provider.
std::string format_decomposition_table(const Decomposition& decomposition,
                                       const DecompositionLabels& labels);

// One JSON object:
//   {"reference": NAME, "runs": N, "pilot_runs": M, "seed": S,
//    "structures": {NAME: ENTRY, ...}}
// where ENTRY is, for a single provider,
//   {"p_shortfall_diff": d, "price": a, "timing": b, "feedback": c,
//    "se": {"p_shortfall_diff": ., "price": ., "timing": ., "feedback": .},
//    "support_diff": ., "support": {"price": ., "timing": ., "feedback": .,
//      "se": {"support_diff": ., "price": ., "timing": ., "feedback": .}},
//    "cost_diff": ., "flat_cost": ., "pilot_earned_fraction": .}
// and, in a network, {"providers": {ID: ENTRY, ...}}, with "providers":
// [ID, ...] at the top. Probabilities are fractions, money GBP; a number
// that does not exist (no standard error from one run, no earned fraction
// for a provider without a contract) is null. The reference is not among
// "structures".
std::string format_decomposition_json(const Decomposition& decomposition,
                                      const DecompositionLabels& labels);

}  // namespace shortfall
