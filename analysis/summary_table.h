// The summary table printed by `shortfall run` and `shortfall summary`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "results_file.h"

namespace shortfall {

// Money as "£12.3m" / "-£0.45m", with enough digits to read differences.
std::string format_money(double pounds);

// One block per scenario: per structure P(shortfall) with its 95 % interval,
// median and 5 % minimum cash, mean and 95th percentile of support needed,
// earned fraction, the mean money owed at the horizon (receivable_mean:
// settlements, risk-share transfers and subcontract payments due after T,
// negative for a clawback), commissioner cost, and the paired difference in
// P(shortfall) against the first structure with its standard error.
// With precision-based stopping, each scenario also says how many runs it
// used and whether the target was met.
// A sweep (several scenarios) gets one row per scenario instead: its swept
// values, runs used, target met, and P(shortfall) of every structure; beyond
// `max_rows` rows the middle ones are elided (0: every row).
std::string format_summary_table(const ResultsData& results, std::string_view title,
                                 std::size_t max_rows = 0);

}  // namespace shortfall
