// What `shortfall solve` prints: a table of the answer per structure, or
// (--json) one JSON object. Pure functions of the answers, tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cli/solver.h"

namespace shortfall {

// The request and the answers, as the report shows them.
struct SolveReport {
  std::string title;      // the scenario's
  std::string key;        // --vary
  std::string_view unit;  // the key's unit: "GBP", "days", "months" or ""
  bool integer = false;
  double low = 0.0;  // --between
  double high = 0.0;
  double target = 0.0;
  double tolerance = 0.0;
  std::string statistic;        // "p_shortfall", "p_any_shortfall", "p_shortfall"
  std::string statistic_label;  // "P(shortfall)", "P(any shortfall)", "P(shortfall of vcs_a)"
  std::uint64_t seed = 0;
  std::int64_t runs = 0;  // per point (the most, under precision-based stopping)
  int evaluations = 0;    // points
  int batches = 0;
  std::vector<std::string> structures;  // asked for, in the file's order
  std::vector<Crossing> crossings;      // [structure asked for]
};

// A value of the varied key in its unit, to the tolerance's precision:
// "£16.62m", "40.1 days", "3 months", "0.02134".
std::string format_key_value(double value, std::string_view unit, bool integer, double tolerance);

// The end of the interval an analyst wanting a safe answer reads: the one
// on the safe side.
double conservative_end(const Crossing& crossing);

// The table: a heading, one row per structure, what the columns mean.
std::string format_solve_table(const SolveReport& report);

// README ("Answering the decision"): {"key", "target", "runs", "structures": {NAME: {"value", "low",
// "high", "p_at_value", "found", "reason", ...}}} with null for a value not
// found; numbers written so that they read back exactly.
std::string format_solve_json(const SolveReport& report);

}  // namespace shortfall
