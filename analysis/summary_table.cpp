#include "summary_table.h"

#include <cmath>

#include <fmt/format.h>

namespace shortfall {

namespace {

std::size_t quantile_slot(double q) {
  for (std::size_t i = 0; i < k_reported_quantiles.size(); ++i) {
    if (k_reported_quantiles[i] == q) return i;
  }
  return 0;
}

std::string percent(double share, int digits = 1) {
  if (std::isnan(share)) return "n/a";
  return fmt::format("{:.{}f}%", 100.0 * share, digits);
}

}  // namespace

std::string format_money(double pounds) {
  if (std::isnan(pounds)) return "n/a";
  const double millions = std::abs(pounds) / 1e6;
  const int digits = millions >= 100 ? 1 : 2;
  return fmt::format("{}£{:.{}f}m", pounds < 0 ? "-" : "", millions, digits);
}

std::string format_summary_table(const ResultsData& results, std::string_view title) {
  const auto& meta = results.meta;
  std::string out;
  out += fmt::format("{}\n", title);
  out += fmt::format("seed {}, {} months, shortfall = cash below the threshold in any month\n",
                     meta.seed, meta.horizon_months);
  const auto median = quantile_slot(0.5);
  const auto low = quantile_slot(0.05);
  for (std::size_t scenario = 0; scenario < results.scenarios.size(); ++scenario) {
    const auto& r = results.scenarios[scenario];
    if (results.scenarios.size() > 1) out += fmt::format("\nscenario {}", scenario);
    out += fmt::format("\n{} runs per structure\n", r.runs_done);
    out += fmt::format("{:<12} {:>24} {:>12} {:>12} {:>11} {:>11} {:>8} {:>14} {:>20}\n", "structure",
                       "P(shortfall) [95% CI]", "min cash 50%", "min cash 5%", "support", "support",
                       "earned", "commissioner", "diff vs " + meta.structure_names.front());
    out += fmt::format("{:<12} {:>24} {:>12} {:>12} {:>11} {:>11} {:>8} {:>14} {:>20}\n", "", "",
                       "", "", "mean", "95%", "", "cost (mean)", "(paired s.e.)");
    for (int s = 0; s < r.structure_count; ++s) {
      const auto i = static_cast<std::size_t>(s);
      const auto q = [&](const std::vector<double>& values, std::size_t slot) {
        return values[i * static_cast<std::size_t>(k_quantile_count) + slot];
      };
      const std::string interval =
          fmt::format("{} [{}, {}]", percent(r.p_shortfall[i]), percent(r.p_shortfall_ci_low[i]),
                      percent(r.p_shortfall_ci_high[i]));
      const std::string difference =
          s == 0 ? std::string("-")
                 : fmt::format("{:+.2f} pp ({:.2f})", 100.0 * r.p_shortfall_diff[i],
                               100.0 * r.p_shortfall_diff_se[i]);
      out += fmt::format("{:<12} {:>24} {:>12} {:>12} {:>11} {:>11} {:>8} {:>14} {:>20}\n",
                         meta.structure_names[i], interval, format_money(q(r.min_cash_quantiles, median)),
                         format_money(q(r.min_cash_quantiles, low)), format_money(r.support_mean[i]),
                         format_money(r.support_p95[i]), percent(r.earned_fraction_mean[i]),
                         format_money(r.commissioner_cost_mean[i]), difference);
    }
  }
  return out;
}

}  // namespace shortfall
