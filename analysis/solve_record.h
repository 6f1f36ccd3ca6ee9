// The answers of `shortfall solve` in its results file (docs/model.md,
// "Solving for a safe design"). The file's design points are the points the
// solve evaluated, a sweep of the varied key along `scenario` (ascending);
// the group `solve` adds what was asked and what was found:
//
//   attributes  key, statistic, target, bracket_low, bracket_high,
//               tolerance, evaluations (points), description
//   variables   along the root's `structure`:
//                 found (int8), value, low, high, p_at_value (double; NaN
//                 when not found), safe_side ("below", "above" or ""),
//                 low_at_bracket, high_at_bracket (int8), reason (text)
//               along the root's `scenario`:
//                 evaluation (int64): the order the point was evaluated in, from 0
//
// A structure that was not asked for (--structure) has found = 0 and the
// reason "not asked for". xarray reads the group with
// open_dataset(FILE, engine="h5netcdf", group="solve").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shortfall {

struct SolveAnswer {
  bool found = false;
  std::string reason;  // why not found; "" when found
  double value = 0.0;  // NaN when not found
  double low = 0.0;
  double high = 0.0;
  double p_at_value = 0.0;
  std::string safe_side;  // "below", "above", or "" when not found
  bool low_at_bracket = false;
  bool high_at_bracket = false;

  friend bool operator==(const SolveAnswer&, const SolveAnswer&) = default;
};

struct SolveRecord {
  std::string key;        // the varied key
  std::string statistic;  // "p_shortfall", "p_any_shortfall", "p_shortfall of <provider>"
  double target = 0.0;
  double bracket_low = 0.0;
  double bracket_high = 0.0;
  double tolerance = 0.0;
  std::vector<SolveAnswer> answers;  // [structure], every structure of the file
  std::vector<std::int64_t> evaluation;  // [scenario]

  // Everything but NaN == NaN, which the writer and reader carry as bits.
  friend bool operator==(const SolveRecord&, const SolveRecord&) = default;
};

}  // namespace shortfall
