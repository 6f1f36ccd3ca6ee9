// Per-scenario statistics of docs/model.md section 7, for every structure of one
// design point. Arrays are flattened row-major in the order of the results
// file's dimensions (structure, month, quantile / indicator).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace shortfall {

inline constexpr std::array<double, 5> k_reported_quantiles{0.05, 0.25, 0.50, 0.75, 0.95};
inline constexpr int k_quantile_count = static_cast<int>(k_reported_quantiles.size());

struct ScenarioResults {
  std::int64_t runs_done = 0;
  int structure_count = 0;
  int month_count = 0;      // T
  int indicator_count = 0;  // K
  // P: in a network `structure_count` counts (structure, provider) columns,
  // structure-major (TallyShape), so [structure] arrays are [structure][provider].
  int provider_count = 1;

  // [structure]
  std::vector<double> p_shortfall, p_shortfall_ci_low, p_shortfall_ci_high;
  std::vector<double> p_shortfall_diff, p_shortfall_diff_se;
  std::vector<double> min_cash_mean, min_cash_cvar05, support_mean, support_p95;
  std::vector<double> first_shortfall_month_mean;
  std::vector<double> earned_fraction_mean, outcome_received_mean, receivable_mean,
      commissioner_cost_mean;
  // [structure][month]
  std::vector<double> shortfall_by_month;
  // [structure][month][quantile]
  std::vector<double> cash_quantiles;
  // [structure][quantile]
  std::vector<double> min_cash_quantiles, end_cash_quantiles;
  // [structure][indicator]
  std::vector<double> indicator_achievement_mean;
  // [structure / provider_count]: share of runs with a shortfall at any provider
  std::vector<double> p_any_shortfall;
};

}  // namespace shortfall
