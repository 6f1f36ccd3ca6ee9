#include "analysis/decomposition.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "analysis/results_layout.h"

namespace shortfall {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

void require_columns(const ScenarioTally& tally, const ComparedColumns& columns) {
  const int count = tally.shape().structures;
  for (const int column : {columns.structure, columns.reference, columns.flat,
                           columns.outcomes_of_reference}) {
    if (column < 0 || column >= count) {
      throw std::out_of_range(
          fmt::format("decomposition: column {} is outside the tally's {} columns", column, count));
    }
  }
  if (tally.runs() < 1) throw std::invalid_argument("decomposition: the tally holds no runs");
  if (!tally.keeps_blocks())
    throw std::invalid_argument("decomposition: the tally kept no blocks (keep_blocks)");
}

// Y_a - Y_b of the shortfall indicator, from the counts of runs where it rose and fell.
PairedDifference shortfall_difference(const ScenarioTally& tally, int a, int b) {
  std::int64_t plus = 0;
  std::int64_t minus = 0;
  for (const BlockTally& block : tally.blocks()) {
    const auto runs = static_cast<std::size_t>(block.run_count());
    const unsigned char* short_a = block.shortfall_flags.data() + static_cast<std::size_t>(a) * runs;
    const unsigned char* short_b = block.shortfall_flags.data() + static_cast<std::size_t>(b) * runs;
    for (std::size_t j = 0; j < runs; ++j) {
      plus += short_a[j] != 0 && short_b[j] == 0 ? 1 : 0;
      minus += short_a[j] == 0 && short_b[j] != 0 ? 1 : 0;
    }
  }
  return paired_difference_of_indicators(plus, minus, tally.runs());
}

// Y_a - Y_b of the support needed: the mean of the exact per-run
// differences, then the squared deviations from it, both summed exactly.
PairedDifference support_difference(const ScenarioTally& tally, int a, int b) {
  const auto for_each_run = [&](const auto& body) {
    for (const BlockTally& block : tally.blocks()) {
      const auto runs = static_cast<std::size_t>(block.run_count());
      const double* support_a = block.support_by_run.data() + static_cast<std::size_t>(a) * runs;
      const double* support_b = block.support_by_run.data() + static_cast<std::size_t>(b) * runs;
      for (std::size_t j = 0; j < runs; ++j) body(support_a[j], support_b[j]);
    }
  };
  const auto n = static_cast<double>(tally.runs());
  ExactSum difference_sum;
  for_each_run([&](double under_a, double under_b) {
    difference_sum += under_a;
    difference_sum += -under_b;
  });
  PairedDifference difference{difference_sum.value() / n, k_nan};
  if (tally.runs() < 2) return difference;
  ExactSum squared_deviations;
  for_each_run([&](double under_a, double under_b) {
    const double deviation = (under_a - under_b) - difference.mean;
    squared_deviations += deviation * deviation;
  });
  const double variance = squared_deviations.value() / (n - 1.0);  // sd with N - 1
  difference.standard_error = std::sqrt(variance / n);
  return difference;
}

template <class Difference>
DecomposedDifference decompose_with(const ScenarioTally& tally, const ComparedColumns& columns,
                                    Difference difference) {
  require_columns(tally, columns);
  return {difference(tally, columns.structure, columns.reference),
          difference(tally, columns.flat, columns.reference),
          difference(tally, columns.outcomes_of_reference, columns.flat),
          difference(tally, columns.structure, columns.outcomes_of_reference)};
}

DecomposedDifference not_compared() {
  const PairedDifference none{k_nan, k_nan};
  return {none, none, none, none};
}

}  // namespace

DecomposedDifference decompose_shortfall(const ScenarioTally& tally, const ComparedColumns& columns) {
  return decompose_with(tally, columns, shortfall_difference);
}

DecomposedDifference decompose_support(const ScenarioTally& tally, const ComparedColumns& columns) {
  return decompose_with(tally, columns, support_difference);
}

Decomposition decompose(const ScenarioTally& tally, const ScenarioResults& results,
                        int reference, const std::vector<std::vector<ComparedColumns>>& compared,
                        const std::vector<std::vector<double>>& earned_fraction,
                        std::int64_t pilot_runs) {
  Decomposition decomposition;
  decomposition.reference = reference;
  decomposition.structure_count = static_cast<int>(compared.size());
  decomposition.provider_count = compared.empty() ? 1 : static_cast<int>(compared.front().size());
  decomposition.runs = tally.runs();
  decomposition.pilot_runs = pilot_runs;
  const auto providers = static_cast<std::size_t>(decomposition.provider_count);
  for (std::size_t s = 0; s < compared.size(); ++s) {
    if (compared[s].size() != providers || earned_fraction.at(s).size() != providers) {
      throw std::invalid_argument("decomposition: every structure needs one entry per provider");
    }
    for (std::size_t p = 0; p < providers; ++p) {
      decomposition.pilot_earned_fraction.push_back(earned_fraction[s][p]);
      if (static_cast<int>(s) == reference) {
        decomposition.p_shortfall.push_back(not_compared());
        decomposition.support.push_back(not_compared());
        decomposition.cost_diff.push_back(k_nan);
        decomposition.flat_cost.push_back(k_nan);
        continue;
      }
      const ComparedColumns& columns = compared[s][p];
      decomposition.p_shortfall.push_back(decompose_shortfall(tally, columns));
      decomposition.support.push_back(decompose_support(tally, columns));
      const auto& cost = results.commissioner_cost_mean;
      decomposition.cost_diff.push_back(cost.at(static_cast<std::size_t>(columns.structure)) -
                                        cost.at(static_cast<std::size_t>(columns.reference)));
      decomposition.flat_cost.push_back(cost.at(static_cast<std::size_t>(columns.flat)));
    }
  }
  return decomposition;
}

ScenarioResults own_structures(const ScenarioResults& with_comparators, int structures) {
  ScenarioResults own = with_comparators;
  const auto providers = static_cast<std::size_t>(own.provider_count);
  const auto all_columns = static_cast<std::size_t>(own.structure_count);
  const auto kept_columns = static_cast<std::size_t>(structures) * providers;
  if (kept_columns > all_columns) {
    throw std::invalid_argument("own_structures: more structures asked for than simulated");
  }
  // Every statistic is [column][inner axes...], columns structure-major:
  // keeping the leading columns is keeping a prefix of each row.
  for (const StatisticVariable& variable : statistic_variables()) {
    std::vector<double>& row = own.*variable.field;
    row.resize(row.size() / all_columns * kept_columns);
  }
  own.p_any_shortfall.resize(static_cast<std::size_t>(structures));
  own.structure_count = static_cast<int>(kept_columns);
  return own;
}

}  // namespace shortfall
