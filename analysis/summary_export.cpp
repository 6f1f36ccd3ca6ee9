#include "summary_export.h"

#include <cmath>
#include <cstdint>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/json_text.h"

namespace shortfall {

namespace {

// The 97.5 % point of the standard normal: the paired difference's 95 % interval.
constexpr double k_z95 = 1.959963984540054;

// One cell: text, a number (NaN: missing), an integer, or missing.
struct Missing {};
using Cell = std::variant<std::string, double, std::int64_t, Missing>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

std::size_t quantile_slot(double q) {
  for (std::size_t i = 0; i < k_reported_quantiles.size(); ++i) {
    if (k_reported_quantiles[i] == q) return i;
  }
  return 0;
}

Table summary_rows(const ResultsData& results) {
  const auto& meta = results.meta;
  const bool network = !meta.provider_ids.empty();
  const std::size_t providers = network ? meta.provider_ids.size() : 1;
  const bool stopping = !results.target_met.empty();
  Table table;
  table.columns.push_back("scenario");
  for (const auto& swept : results.swept_keys) table.columns.push_back(swept.key);
  table.columns.push_back("structure");
  if (network) table.columns.push_back("provider");
  table.columns.push_back("runs");
  if (stopping) table.columns.push_back("target_met");
  const std::vector<std::string> statistics{
      "p_shortfall",       "p_shortfall_low",        "p_shortfall_high",
      "p_shortfall_diff",  "p_shortfall_diff_se",    "p_shortfall_diff_low",
      "p_shortfall_diff_high", "min_cash_p50",       "min_cash_p05",
      "min_cash_mean",     "min_cash_cvar05",        "end_cash_p50",
      "support_mean",      "support_p95",            "first_shortfall_month_mean",
      "earned_fraction_mean", "outcome_received_mean", "receivable_mean",
      "commissioner_cost_mean"};
  table.columns.insert(table.columns.end(), statistics.begin(), statistics.end());
  if (network) table.columns.push_back("p_any_shortfall");

  const std::size_t median = quantile_slot(0.5);
  const std::size_t low = quantile_slot(0.05);
  for (std::size_t point = 0; point < results.scenarios.size(); ++point) {
    const ScenarioResults& r = results.scenarios[point];
    for (std::size_t c = 0; c < meta.structure_names.size() * providers; ++c) {
      std::vector<Cell> row;
      row.emplace_back(static_cast<std::int64_t>(point));
      for (const auto& swept : results.swept_keys) {
        if (swept.is_text) {
          row.emplace_back(swept.texts[point]);
        } else {
          row.emplace_back(swept.numbers[point]);
        }
      }
      row.emplace_back(meta.structure_names[c / providers]);
      if (network) row.emplace_back(meta.provider_ids[c % providers]);
      row.emplace_back(r.runs_done);
      if (stopping) {
        row.emplace_back(r.runs_done == 0 ? Cell(Missing{})
                                          : Cell(std::int64_t{results.target_met[point]}));
      }
      if (r.runs_done == 0) {
        row.insert(row.end(), table.columns.size() - row.size(), Missing{});
        table.rows.push_back(std::move(row));
        continue;
      }
      const auto quantile = [&](const std::vector<double>& values, std::size_t slot) {
        return values[c * static_cast<std::size_t>(k_quantile_count) + slot];
      };
      const double diff = r.p_shortfall_diff[c];
      const double se = r.p_shortfall_diff_se[c];
      for (const double value :
           {r.p_shortfall[c], r.p_shortfall_ci_low[c], r.p_shortfall_ci_high[c], diff, se,
            diff - k_z95 * se, diff + k_z95 * se, quantile(r.min_cash_quantiles, median),
            quantile(r.min_cash_quantiles, low), r.min_cash_mean[c], r.min_cash_cvar05[c],
            quantile(r.end_cash_quantiles, median), r.support_mean[c], r.support_p95[c],
            r.first_shortfall_month_mean[c], r.earned_fraction_mean[c],
            r.outcome_received_mean[c], r.receivable_mean[c], r.commissioner_cost_mean[c]}) {
        row.emplace_back(value);
      }
      if (network) row.emplace_back(r.p_any_shortfall[c / providers]);
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// `missing` for NaN and missing cells; `quote` writes a text cell.
template <class Quote>
std::string cell_text(const Cell& cell, std::string_view missing, Quote quote) {
  if (const auto* text = std::get_if<std::string>(&cell)) return quote(*text);
  if (const auto* number = std::get_if<double>(&cell)) {
    return std::isfinite(*number) ? fmt::format("{}", *number) : std::string(missing);
  }
  if (const auto* integer = std::get_if<std::int64_t>(&cell)) return fmt::format("{}", *integer);
  return std::string(missing);
}

}  // namespace

std::string format_summary_csv(const ResultsData& results) {
  const Table table = summary_rows(results);
  std::string out;
  const auto line = [&out](const auto& cells, auto text_of) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += text_of(cells[i]);
    }
    out += '\n';
  };
  line(table.columns, [](const std::string& name) { return csv_field(name); });
  for (const auto& row : table.rows) {
    line(row, [](const Cell& cell) { return cell_text(cell, "", csv_field); });
  }
  return out;
}

std::string format_summary_json(const ResultsData& results, std::string_view title) {
  const Table table = summary_rows(results);
  std::string out = "{";
  out += fmt::format("\"title\": {}, \"seed\": {}, \"horizon_months\": {}, ", json_string(title),
                     results.meta.seed, results.meta.horizon_months);
  std::vector<std::string> keys;
  for (const auto& swept : results.swept_keys) keys.push_back(json_string(swept.key));
  std::vector<std::string> columns;
  for (const auto& column : table.columns) columns.push_back(json_string(column));
  out += fmt::format("\"swept_keys\": [{}], \"columns\": [{}], \"rows\": [",
                     fmt::join(keys, ", "), fmt::join(columns, ", "));
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out += r == 0 ? "\n  {" : ",\n  {";
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      out += fmt::format("{}{}: {}", c == 0 ? "" : ", ", columns[c],
                         cell_text(table.rows[r][c], "null", json_string));
    }
    out += "}";
  }
  out += table.rows.empty() ? "]}\n" : "\n]}\n";
  return out;
}

}  // namespace shortfall
