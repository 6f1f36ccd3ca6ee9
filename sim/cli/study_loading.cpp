#include "sim/cli/study_loading.h"

#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/engine/errors.h"

namespace shortfall {

std::uint64_t parse_seed(const std::string& text) {
  const bool digits_only =
      !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits_only && text.size() <= 20) {
    try {
      std::size_t used = 0;
      const auto value = std::stoull(text, &used);
      if (used == text.size()) return value;
    } catch (const std::out_of_range&) {
    }
  }
  throw InputError(fmt::format("--seed {} is not an integer in [0, 2^64)", text));
}

LoadedStudy load_with_options(const StudyOptions& options, const StudyLoader& load,
                              std::vector<std::string>* applied) {
  std::vector<std::string> overrides = options.overrides;
  if (options.runs) overrides.push_back(fmt::format("simulation.runs={}", *options.runs));
  // Seeds of 2^63 and above do not fit a TOML integer; the loader takes them as text.
  if (options.seed)
    overrides.push_back(fmt::format("simulation.seed=\"{}\"", parse_seed(*options.seed)));
  LoadedStudy study = load(overrides);
  const SimulationSettings& settings = study.scenarios.front().simulation;
  if (options.runs && settings.stops_on_precision() && settings.max_runs != *options.runs) {
    overrides.push_back(fmt::format("simulation.max_runs={}", *options.runs));
    study = load(overrides);
  }
  if (applied != nullptr) *applied = std::move(overrides);
  return study;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) std::fprintf(stderr, "%s\n", warning.c_str());
}

}  // namespace shortfall
