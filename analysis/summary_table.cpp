#include "summary_table.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

// ", precision target met" / ", stopped at max_runs before the precision target"
std::string target_note(const ResultsData& results, std::size_t scenario) {
  if (results.target_met.empty()) return "";
  if (results.scenarios[scenario].runs_done == 0) return " (not run yet)";
  return results.target_met[scenario] != 0 ? " (precision target met)"
                                           : " (max_runs reached before the precision target)";
}

std::string swept_value(const SweptKey& swept, std::size_t scenario) {
  if (swept.is_text) return swept.texts[scenario];
  return fmt::format("{:.6g}", swept.numbers[scenario]);
}

// One row per scenario: what was swept, how many runs, and P(shortfall).
std::string sweep_rows(const ResultsData& results, std::size_t max_rows) {
  const auto& meta = results.meta;
  const std::size_t count = results.scenarios.size();
  std::vector<std::string> header{"scenario"};
  for (const auto& swept : results.swept_keys) header.push_back(swept.key);
  header.push_back("runs");
  if (!results.target_met.empty()) header.push_back("target");
  // A network's sweep shows where the risk lands: each provider under each
  // structure, then the chance that any of them is short.
  const bool network = !meta.provider_ids.empty();
  const std::size_t providers = network ? meta.provider_ids.size() : 1;
  for (const auto& name : meta.structure_names) {
    if (!network) header.push_back("P(short) " + name);
    for (std::size_t p = 0; network && p < providers; ++p) {
      header.push_back(name + " " + meta.provider_ids[p]);
    }
  }
  if (network) {
    for (const auto& name : meta.structure_names) header.push_back("any " + name);
  }

  std::vector<std::vector<std::string>> rows;
  const auto row_of = [&](std::size_t scenario) {
    const auto& r = results.scenarios[scenario];
    std::vector<std::string> row{std::to_string(scenario)};
    for (const auto& swept : results.swept_keys) row.push_back(swept_value(swept, scenario));
    row.push_back(std::to_string(r.runs_done));
    if (!results.target_met.empty()) {
      row.push_back(r.runs_done == 0 ? "-" : results.target_met[scenario] != 0 ? "met" : "not met");
    }
    for (std::size_t c = 0; c < meta.structure_names.size() * providers; ++c) {
      row.push_back(r.runs_done == 0 ? "-" : percent(r.p_shortfall[c]));
    }
    for (std::size_t s = 0; network && s < meta.structure_names.size(); ++s) {
      row.push_back(r.runs_done == 0 ? "-" : percent(r.p_any_shortfall[s]));
    }
    return row;
  };
  const bool elide = max_rows > 0 && count > max_rows;
  const std::size_t head = elide ? max_rows - max_rows / 4 : count;
  const std::size_t tail_start = elide ? count - max_rows / 4 : count;
  for (std::size_t scenario = 0; scenario < count; ++scenario) {
    if (scenario == head && elide) {
      rows.push_back({fmt::format("... {} more", tail_start - head)});
      scenario = tail_start;
    }
    rows.push_back(row_of(scenario));
  }

  std::vector<std::size_t> width(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    if (row.size() != header.size()) continue;
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out = fmt::format("\n{} scenarios\n", count);
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t cell_width = cells.size() == header.size() ? width[c] : 0;
      text += c == 0 ? fmt::format("{:<{}}", cells[c], cell_width)
                     : fmt::format("  {:>{}}", cells[c], cell_width);
    }
    return text + "\n";
  };
  if (network) out += "P(shortfall) of each structure and provider, then of any provider\n";
  out += line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace

std::string format_money(double pounds) {
  if (std::isnan(pounds)) return "n/a";
  const double millions = std::abs(pounds) / 1e6;
  const int digits = millions >= 100 ? 1 : 2;
  return fmt::format("{}£{:.{}f}m", pounds < 0 ? "-" : "", millions, digits);
}

std::string format_summary_table(const ResultsData& results, std::string_view title,
                                 std::size_t max_rows) {
  const auto& meta = results.meta;
  std::string out;
  out += fmt::format("{}\n", title);
  out += fmt::format("seed {}, {} months, shortfall = cash below the threshold in any month\n",
                     meta.seed, meta.horizon_months);
  if (results.scenarios.size() > 1) return out + sweep_rows(results, max_rows);
  const auto median = quantile_slot(0.5);
  const auto low = quantile_slot(0.05);
  // A network has one row per structure and provider (results hold them as
  // (structure, provider) columns) and a line for any provider being short.
  const bool network = !meta.provider_ids.empty();
  const std::size_t providers = network ? meta.provider_ids.size() : 1;
  std::size_t label_width = 12;
  if (network) {
    for (const auto& structure : meta.structure_names) {
      for (const auto& provider : meta.provider_ids) {
        label_width = std::max(label_width, structure.size() + provider.size() + 1);
      }
    }
  }
  for (std::size_t scenario = 0; scenario < results.scenarios.size(); ++scenario) {
    const auto& r = results.scenarios[scenario];
    if (results.scenarios.size() > 1) out += fmt::format("\nscenario {}", scenario);
    out += fmt::format("\n{} runs per structure{}\n", r.runs_done, target_note(results, scenario));
    out += fmt::format("{:<{}} {:>24} {:>12} {:>12} {:>11} {:>11} {:>8} {:>11} {:>14} {:>20}\n",
                       network ? "structure provider" : "structure", label_width,
                       "P(shortfall) [95% CI]", "min cash 50%", "min cash 5%", "support", "support",
                       "earned", "owed at T", "commissioner",
                       "diff vs " + meta.structure_names.front());
    out += fmt::format("{:<{}} {:>24} {:>12} {:>12} {:>11} {:>11} {:>8} {:>11} {:>14} {:>20}\n", "",
                       label_width, "", "", "", "mean", "95%", "", "(mean)", "cost (mean)",
                       "(paired s.e.)");
    for (int s = 0; s < r.structure_count; ++s) {
      const auto i = static_cast<std::size_t>(s);
      const std::string label =
          network ? meta.structure_names[i / providers] + " " + meta.provider_ids[i % providers]
                  : meta.structure_names[i];
      const auto q = [&](const std::vector<double>& values, std::size_t slot) {
        return values[i * static_cast<std::size_t>(k_quantile_count) + slot];
      };
      const std::string interval =
          fmt::format("{} [{}, {}]", percent(r.p_shortfall[i]), percent(r.p_shortfall_ci_low[i]),
                      percent(r.p_shortfall_ci_high[i]));
      const std::string difference =
          i < providers ? std::string("-")
                 : fmt::format("{:+.2f} pp ({:.2f})", 100.0 * r.p_shortfall_diff[i],
                               100.0 * r.p_shortfall_diff_se[i]);
      out +=
          fmt::format("{:<{}} {:>24} {:>12} {:>12} {:>11} {:>11} {:>8} {:>11} {:>14} {:>20}\n",
                      label, label_width, interval, format_money(q(r.min_cash_quantiles, median)),
                      format_money(q(r.min_cash_quantiles, low)), format_money(r.support_mean[i]),
                      format_money(r.support_p95[i]), percent(r.earned_fraction_mean[i]),
                      format_money(r.receivable_mean[i]), format_money(r.commissioner_cost_mean[i]),
                      difference);
    }
    if (network) {
      std::vector<std::string> shares;
      for (std::size_t k = 0; k < meta.structure_names.size(); ++k) {
        shares.push_back(fmt::format("{} {}", meta.structure_names[k], percent(r.p_any_shortfall[k])));
      }
      out += fmt::format("P(any provider short): {}\n", fmt::join(shares, ", "));
    }
  }
  return out;
}

}  // namespace shortfall
