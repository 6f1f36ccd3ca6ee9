// A study as the commands load it: with the options of `run` (--runs,
// --seed, --set) applied, and its warnings printed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/input/scenario_loader.h"

namespace shortfall {

// What `run` changes in a study, on top of its scenario text.
struct StudyOptions {
  std::vector<std::string> overrides;  // --set KEY=VALUE
  std::optional<std::int64_t> runs;    // --runs N
  std::optional<std::string> seed;     // --seed S, as typed
};

// Loads the study from its source (a scenario file, or a results file's
// scenario text) with the given --set overrides.
using StudyLoader = std::function<LoadedStudy(const std::vector<std::string>& overrides)>;

// The study with --set, --runs and --seed applied, as further overrides.
// Under precision-based stopping --runs is the cap, so it sets
// simulation.max_runs too. Throws InputError for a --seed outside [0, 2^64)
// and whatever `load` throws.
// `applied`, when given, receives the overrides the study was loaded with in
// the end (--set, then --runs and --seed as keys).
LoadedStudy load_with_options(const StudyOptions& options, const StudyLoader& load,
                              std::vector<std::string>* applied = nullptr);

// --seed: an integer in [0, 2^64), else InputError saying so.
std::uint64_t parse_seed(const std::string& text);

// The loader's warnings (guidance, checkpoint damage), one line each on stderr.
void print_warnings(const std::vector<std::string>& warnings);

}  // namespace shortfall
