#include "results_layout.h"

#include <algorithm>
#include <array>

namespace shortfall {

std::string format_version_text() {
  return std::to_string(k_format_version_major) + "." + std::to_string(k_format_version_minor);
}

const char* dim_name(Dim dim) {
  switch (dim) {
    case Dim::scenario:
      return "scenario";
    case Dim::structure:
      return "structure";
    case Dim::provider:
      return "provider";
    case Dim::month:
      return "month";
    case Dim::quantile:
      return "quantile";
    case Dim::indicator:
      return "indicator";
    case Dim::run:
      return "run";
  }
  return "?";
}

hsize_t Extents::of(Dim dim) const {
  switch (dim) {
    case Dim::scenario:
      return scenario;
    case Dim::structure:
      return structure;
    case Dim::provider:
      return provider;
    case Dim::month:
      return month;
    case Dim::quantile:
      return k_quantile_count;
    case Dim::indicator:
      return indicator;
    case Dim::run:
      return run;
  }
  return 0;
}

const std::vector<MetadataAttribute>& metadata_attributes() {
  using M = ResultsMetadata;
  static const std::vector<MetadataAttribute> attributes{
      {"program_version", &M::program_version},
      {"git_revision", &M::git_revision},
      {"seed", &M::seed},
      {"runs", &M::runs},
      {"horizon_months", &M::horizon_months},
      {"created_utc", &M::created_utc},
      {"scenario_toml", &M::scenario_toml},
      {"command_line", &M::command_line},
      {"complete", &M::complete},
      {"elapsed_seconds", &M::elapsed_seconds},
      {"host", &M::host},
      {"isa", &M::isa, true},  // since 1.2
      {"quantile_method", &M::quantile_method, true},  // since 1.3
      {"quantile_relative_accuracy", &M::quantile_relative_accuracy, true},
      {"quantile_absolute_accuracy", &M::quantile_absolute_accuracy, true},
  };
  return attributes;
}

const std::vector<StatisticVariable>& statistic_variables() {
  using R = ScenarioResults;
  static const std::vector<StatisticVariable> variables{
      {"p_shortfall", {}, &R::p_shortfall, "probability of a cash shortfall", "1"},
      {"p_shortfall_ci_low",
       {},
       &R::p_shortfall_ci_low,
       "lower end of the 95 % Wilson interval of p_shortfall",
       "1"},
      {"p_shortfall_ci_high",
       {},
       &R::p_shortfall_ci_high,
       "upper end of the 95 % Wilson interval of p_shortfall",
       "1"},
      {"p_shortfall_diff",
       {},
       &R::p_shortfall_diff,
       "paired difference of p_shortfall against the first structure",
       "1"},
      {"p_shortfall_diff_se",
       {},
       &R::p_shortfall_diff_se,
       "standard error of the paired difference p_shortfall_diff",
       "1"},
      {"shortfall_by_month",
       {Dim::month},
       &R::shortfall_by_month,
       "share of runs with a first shortfall at or before the month",
       "1"},
      {"cash_quantiles",
       {Dim::month, Dim::quantile},
       &R::cash_quantiles,
       "quantiles of cash at the end of the month",
       "GBP"},
      {"min_cash_quantiles",
       {Dim::quantile},
       &R::min_cash_quantiles,
       "quantiles of the minimum cash over the horizon",
       "GBP"},
      {"end_cash_quantiles",
       {Dim::quantile},
       &R::end_cash_quantiles,
       "quantiles of cash at the end of the horizon",
       "GBP"},
      {"min_cash_mean", {}, &R::min_cash_mean, "mean of the minimum cash over the horizon", "GBP"},
      {"min_cash_cvar05",
       {},
       &R::min_cash_cvar05,
       "mean of the worst 5 % of minimum cash (CVaR 5 %)",
       "GBP"},
      {"support_mean",
       {},
       &R::support_mean,
       "mean support needed to stay above the threshold",
       "GBP"},
      {"support_p95", {}, &R::support_p95, "95th percentile of support needed", "GBP"},
      {"first_shortfall_month_mean",
       {},
       &R::first_shortfall_month_mean,
       "mean first shortfall month among runs with a shortfall (NaN when none)",
       "month"},
      {"earned_fraction_mean",
       {},
       &R::earned_fraction_mean,
       "mean share of the outcome pot earned",
       "1"},
      {"outcome_received_mean",
       {},
       &R::outcome_received_mean,
       "mean outcome money received as cash within the horizon",
       "GBP"},
      {"receivable_mean", {}, &R::receivable_mean, "mean settlement due after the horizon", "GBP"},
      {"commissioner_cost_mean",
       {},
       &R::commissioner_cost_mean,
       "mean cost to the commissioner",
       "GBP"},
      {"indicator_achievement_mean",
       {Dim::indicator},
       &R::indicator_achievement_mean,
       "mean achievement per indicator",
       "1",
       false},
  };
  return variables;
}

std::vector<Dim> statistic_axes(const StatisticVariable& variable, bool network) {
  std::vector<Dim> axes{Dim::scenario, Dim::structure};
  if (network && variable.per_provider) axes.push_back(Dim::provider);
  axes.insert(axes.end(), variable.inner.begin(), variable.inner.end());
  return axes;
}

std::size_t statistic_row_size(const StatisticVariable& variable, const Extents& extents) {
  std::size_t size = extents.columns();
  for (const Dim dim : variable.inner) size *= extents.of(dim);
  return size;
}

const std::vector<RunRecordVariable>& run_record_variables() {
  using O = RunOutcome;
  static const std::vector<RunRecordVariable> variables{
      {"shortfall", &O::shortfall, "1 when cash fell below the threshold in some month", "1"},
      {"first_shortfall_month", &O::first_shortfall_month,
       "first month with a shortfall (0 for none)", "month"},
      {"months_in_shortfall", &O::months_in_shortfall, "number of months in shortfall", "month"},
      {"min_cash", &O::min_cash, "minimum cash over the horizon", "GBP"},
      {"end_cash", &O::end_cash, "cash at the end of the horizon", "GBP"},
      {"support", &O::support, "support needed to stay above the threshold", "GBP"},
      {"earned", &O::earned, "outcome money earned", "GBP"},
      {"received", &O::received, "outcome money received as cash within the horizon", "GBP"},
      {"receivable", &O::receivable, "settlements due after the horizon", "GBP"},
      {"earned_fraction", &O::earned_fraction, "share of the outcome pot earned", "1"},
      {"commissioner_cost", &O::commissioner_cost, "cost to the commissioner", "GBP"},
  };
  return variables;
}

std::string shard_blocks_name(int scenario) {
  std::string digits = std::to_string(scenario);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "blocks_" + digits;
}

bool is_reserved_name(std::string_view name) {
  // The root's dimensions (not `run`, which is inside the group `runs`), its
  // other variables and its groups.
  for (const Dim dim :
       {Dim::scenario, Dim::structure, Dim::provider, Dim::month, Dim::quantile, Dim::indicator})
    if (name == dim_name(dim)) return true;
  static const std::array<std::string_view, 8> others{
      k_withhold_fraction, k_indicator_name, k_runs_done,  k_target_met,
      k_any_shortfall,     k_runs_group,     k_shard_group, k_decomposition_group};
  if (std::find(others.begin(), others.end(), name) != others.end()) return true;
  for (const StatisticVariable& variable : statistic_variables())
    if (name == variable.name) return true;
  return false;
}

}  // namespace shortfall
