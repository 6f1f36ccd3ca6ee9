// ScenarioResults built by hand for tests of what stores them (serialised
// bytes, checkpoints): every array of its proper size, filled from a
// sequence, so no two values are alike.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "analysis/scenario_results.h"

namespace shortfall::testing {

// Sizes every array for `structures` x `months` x `indicators` and fills it,
// array after array in ScenarioResults' order, with next().
inline ScenarioResults filled_results(int structures, int months, int indicators,
                                      const std::function<double()>& next) {
  ScenarioResults results;
  results.structure_count = structures;
  results.month_count = months;
  results.indicator_count = indicators;
  const auto s = static_cast<std::size_t>(structures);
  const auto t = static_cast<std::size_t>(months);
  const auto k = static_cast<std::size_t>(indicators);
  const auto q = static_cast<std::size_t>(k_quantile_count);
  const auto fill = [&next](std::vector<double>& values, std::size_t size) {
    values.resize(size);
    for (double& value : values) value = next();
  };
  for (auto* per_structure :
       {&results.p_shortfall, &results.p_shortfall_ci_low, &results.p_shortfall_ci_high,
        &results.p_shortfall_diff, &results.p_shortfall_diff_se, &results.min_cash_mean,
        &results.min_cash_cvar05, &results.support_mean, &results.support_p95,
        &results.first_shortfall_month_mean, &results.earned_fraction_mean,
        &results.outcome_received_mean, &results.receivable_mean,
        &results.commissioner_cost_mean}) {
    fill(*per_structure, s);
  }
  fill(results.shortfall_by_month, s * t);
  fill(results.cash_quantiles, s * t * q);
  fill(results.min_cash_quantiles, s * q);
  fill(results.end_cash_quantiles, s * q);
  fill(results.indicator_achievement_mean, s * k);
  fill(results.p_any_shortfall, s);  // one provider: one value per structure
  return results;
}

}  // namespace shortfall::testing
