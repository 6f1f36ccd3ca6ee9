#include "sim/cli/randomness_warnings.h"

#include <algorithm>

#include <fmt/format.h>

namespace shortfall {

namespace {

bool indicators_vary(const std::vector<Indicator>& indicators) {
  return std::any_of(indicators.begin(), indicators.end(), [](const Indicator& indicator) {
    return indicator.volatility > 0.0 || indicator.cases_per_month > 0;
  });
}

bool provider_varies(const ProviderSetup& setup) {
  if (setup.provider.cost_noise > 0.0 || setup.demand.volatility > 0.0) return true;
  for (const auto& segment : setup.segments) {
    if (segment.demand.volatility > 0.0) return true;
  }
  return indicators_vary(setup.indicators);
}

}  // namespace

bool has_randomness(const Scenario& scenario) {
  for (int p = 0; p < scenario.provider_count(); ++p) {
    if (provider_varies(scenario.provider_setup(p))) return true;
  }
  return indicators_vary(scenario.network.shared_indicators);
}

std::vector<std::string> no_randomness_warnings(std::span<const Scenario> scenarios,
                                                std::string_view source) {
  if (scenarios.empty() || std::any_of(scenarios.begin(), scenarios.end(), has_randomness)) {
    return {};
  }
  return {fmt::format(
      "{}: warning: the {} no randomness: demand.volatility, provider.cost_noise and every "
      "indicator's volatility and cases_per_month are 0, so every run is the same and "
      "P(shortfall) is 0 or 1 with an interval that only reflects the run count; set them "
      "(docs/model.md) for a risk",
      source, scenarios.size() == 1 ? "scenario has" : "sweep's points have")};
}

std::vector<std::string> certain_answer_warnings(const ResultsData& results,
                                                 std::string_view source) {
  const auto& meta = results.meta;
  const bool network = !meta.provider_ids.empty();
  const std::size_t providers = network ? meta.provider_ids.size() : 1;
  const std::size_t columns = meta.structure_names.size() * providers;
  const std::size_t points = results.scenarios.size();
  std::vector<std::string> warnings;
  for (std::size_t c = 0; c < columns; ++c) {
    bool all_zero = true;
    bool all_one = true;
    bool any_run = false;
    for (const auto& scenario : results.scenarios) {
      if (scenario.runs_done == 0 || c >= scenario.p_shortfall.size()) continue;
      any_run = true;
      all_zero = all_zero && scenario.p_shortfall[c] == 0.0;
      all_one = all_one && scenario.p_shortfall[c] == 1.0;
    }
    if (!any_run || !(all_zero || all_one)) continue;
    const std::string name =
        network ? fmt::format("{} at {}", meta.structure_names[c / providers],
                              meta.provider_ids[c % providers])
                : meta.structure_names[c];
    warnings.push_back(fmt::format(
        "{}: warning: P(shortfall) of {} is {} {}: {}", source, name, all_zero ? 0 : 1,
        points == 1 ? "in every run" : "at every design point",
        all_zero ? "no run came near the threshold, so the interval's upper end is all that "
                   "says how rare it is"
                 : "every run fell short, so nothing here separates better terms from worse"));
  }
  return warnings;
}

}  // namespace shortfall
