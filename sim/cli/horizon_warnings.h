// Warnings that a study's calendar puts payments after the horizon
// (models/late_payments.h): their money is owed at T (the summary's "owed at
// T"), not cash, so the cash path and P(shortfall) do not see it; under
// advance, a clawback. `check` prints them with the guidance warnings and
// `run` after its results.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

// One line per contract and per delayed subcontract with payments after T,
// "SOURCE: warning: with KEY = VALUE ..., N settlements fall due after
// simulation.horizon_months = T, the last in month X: ...;
// simulation.horizon_months = H or more would bring them into the cash
// path", H the smallest valid horizon. It points to the summary's "owed at
// T", or for a sweep (whose summary has no money columns) to the file's
// receivable_mean. The points of a sweep that give the same line give it
// once; beyond 20 lines, one more says how many were left out. Empty when
// every payment falls within the horizon.
std::vector<std::string> horizon_warnings(std::span<const Scenario> scenarios,
                                          std::string_view source);

}  // namespace shortfall
