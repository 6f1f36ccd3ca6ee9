// `shortfall summary FILE --format csv|json`: the summary as data, for a
// spreadsheet or a script, rather than as the table a person reads.
//
// Tidy: one row per design point, structure and (in a network) provider.
// Columns, in order: scenario (the index along the file's `scenario`
// dimension), one per swept key (named as the key), structure, provider (a
// network only), runs (runs done), target_met (precision-based stopping
// only: 1/0), then the statistics, named as the file's variables, each
// followed by its interval bounds where the file gives one:
//   p_shortfall, p_shortfall_low, p_shortfall_high        (95 % Wilson)
//   p_shortfall_diff, p_shortfall_diff_se,
//   p_shortfall_diff_low, p_shortfall_diff_high           (diff ± 1.96 s.e.)
//   min_cash_p50, min_cash_p05, min_cash_mean, min_cash_cvar05,
//   end_cash_p50, support_mean, support_p95, first_shortfall_month_mean,
//   earned_fraction_mean, outcome_received_mean, receivable_mean,
//   commissioner_cost_mean, and p_any_shortfall (a network: of the row's
//   structure, at any provider).
// Money in GBP, shares as fractions (0.05, not 5 %), months as months.
// Numbers are written with the shortest digits that read back to the same
// double; a point not run yet has empty statistics (CSV) or null (JSON).
#pragma once

#include <string>
#include <string_view>

#include "results_file.h"

namespace shortfall {

// RFC 4180 CSV with a header line; fields with a comma, quote or line break quoted.
std::string format_summary_csv(const ResultsData& results);

// {"title": ..., "seed": ..., "horizon_months": ..., "swept_keys": [...],
//  "columns": [...], "rows": [{column: value, ...}, ...]}: the rows of the CSV.
std::string format_summary_json(const ResultsData& results, std::string_view title);

}  // namespace shortfall
