// The comparators of the decomposition (docs/model.md, "Decomposition"):
// why a structure is riskier than the reference, split on the same random
// futures into price, timing and uncertainty, and outcome feedback.
//
// For every structure s other than the reference b, two more structures are
// simulated beside the scenario's own:
//   F_s  the flat comparator: s's base, plus every month p_y V_y / 12 times
//        e-bar_s (s's mean earned fraction, from a pilot), never scaled, and
//        no settlement: the same expected money as s, with no outcome link,
//        no timing gap and no outcome risk;
//   W0_s s with the indicator paths and measurements of b: s's money and
//        timing, without any effect of s itself on outcomes.
// They are ordinary payment structures (PaymentStructure's comparator
// fields), appended after the scenario's own, so the kernels, the engine,
// its threads and MPI ranks simulate them like any other, and the
// scenario's own structures keep the bits a plain run gives them.
#pragma once

#include <string>
#include <vector>

#include "scenario.h"

namespace shortfall {

// The reference b of docs/model.md: the bonus (h = 0, not paid in
// advance), or the first structure when there is none.
int reference_structure(const std::vector<PaymentStructure>& structures);

// Where each structure's comparators sit in the list with_comparators()
// makes: the scenario's S structures first, in their order, then F_s and
// W0_s for each s other than the reference, in the order of s.
struct ComparatorColumns {
  int reference = 0;
  int structures = 0;                     // S, the scenario's own
  std::vector<int> flat;                  // [S]: F_s's position; -1 for the reference
  std::vector<int> outcomes_of_reference;  // [S]: W0_s's position; -1 for the reference

  ComparatorColumns(int structure_count, int reference_structure);
  int total() const { return structures + 2 * (structures - 1); }
};

// The name of F_s and of W0_s in the augmented scenario (for messages:
// "withhold:flat", "withhold:outcomes_of_bonus").
std::string flat_comparator_name(const PaymentStructure& structure);
std::string outcomes_comparator_name(const PaymentStructure& structure,
                                     const PaymentStructure& reference);

// The scenario with the comparators appended to every contract's structures
// (ComparatorColumns' order). `earned_fraction[s][p]` is e-bar of
// structure s at provider p (the pilot's mean earned fraction; any number
// for a provider without a contract). Needs at least two structures.
Scenario with_comparators(const Scenario& scenario,
                          const std::vector<std::vector<double>>& earned_fraction);

}  // namespace shortfall
