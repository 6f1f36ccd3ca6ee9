// The summary table printed by `shortfall run` and `shortfall summary`.
#pragma once

#include <string>
#include <string_view>

#include "results_file.h"

namespace shortfall {

// Money as "£12.3m" / "-£0.45m", with enough digits to read differences.
std::string format_money(double pounds);

// One block per scenario: per structure P(shortfall) with its 95 % interval,
// median and 5 % minimum cash, mean and 95th percentile of support needed,
// earned fraction, commissioner cost, and the paired difference in
// P(shortfall) against the first structure with its standard error.
std::string format_summary_table(const ResultsData& results, std::string_view title);

}  // namespace shortfall
