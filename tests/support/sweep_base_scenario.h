// The two-indicator scenario the sweep tests vary: indicator.<id>.key and
// indicator.*.key differ, and every key a sweep test sets is given.
#pragma once

#include <string_view>

namespace shortfall::testing {

inline constexpr std::string_view k_sweep_base = R"(title = "Sweep base"

[simulation]
runs = 2000
horizon_months = 36
seed = 7

[provider]
opening_cash = 2.0e6

[contract]
annual_value = 120e6
outcome_share = 0.03
assessment = "quarterly"

[[indicator]]
id = "eip"
weight = 0.5
baseline = 0.55
target = 0.6
floor = 0.5
volatility = 0.1

[[indicator]]
id = "followup"
weight = 0.5
baseline = 0.9
target = 0.95
floor = 0.85
volatility = 0.1
)";

}  // namespace shortfall::testing
