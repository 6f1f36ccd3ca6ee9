// `shortfall decompose`: why each structure is riskier than the reference
// (docs/model.md, "Decomposition"; the README's "Answering the decision").
//
// The scenario's own structures run together with each one's comparators
// (models/comparators.h): a pilot on futures of its own first fixes every
// structure's mean earned fraction, then the scenario with its comparators
// appended runs through the engine like any other, on its threads and MPI
// ranks, and the paired differences come from the per-run values its tally
// keeps (analysis/decomposition.h). Prints the decomposition as a table or
// as JSON; -o writes a results file of the scenario's own structures (the
// file `run` writes, bit for bit in its variables) with the group
// `decomposition`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

struct DecomposeRequest {
  std::string scenario_path;
  std::string output_path;  // -o; empty: no file
  std::optional<std::int64_t> runs;
  std::optional<std::string> seed;
  std::vector<std::string> overrides;  // --set
  int threads = 0;
  bool json = false;
  bool force = false;
  bool quiet = false;  // no progress
};

// Returns the exit code: 0 done, 2 interrupted (nothing written). Throws
// InputError / ScenarioError for bad input (a sweep, a single structure, an
// output path that cannot be used) and RunFailure for failures while
// running.
int decompose_scenario(const DecomposeRequest& request, const std::string& command_line);

// What the other ranks of an MPI job simulate: rank 0's resolved scenario
// with its comparators, each rank running the pilot itself (the same bits
// on every rank).
std::vector<Scenario> decomposition_scenarios_from_text(const std::string& study_text);

}  // namespace shortfall
