#include "sim/cli/solve_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/json_text.h"

namespace shortfall {

namespace {

// Decimal places that show a difference of `step`.
int decimals_for(double step) {
  if (!(step > 0.0) || !std::isfinite(step)) return 6;
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step))), 0, 12);
}

std::string percent(double p) { return fmt::format("{:.2f} %", 100.0 * p); }

std::string safe_words(const Crossing& crossing, bool integer) {
  const bool below = crossing.safe == SafeSide::below;
  if (integer) return below ? "at it and below" : "at it and above";
  return below ? "below it" : "above it";
}

std::string interval_text(const SolveReport& report, const Crossing& crossing) {
  const auto value = [&](double x) {
    return format_key_value(x, report.unit, report.integer, report.tolerance);
  };
  return fmt::format("[{}{}, {}{}]", crossing.low_at_bracket ? "<= " : "", value(crossing.low),
                     crossing.high_at_bracket ? ">= " : "", value(crossing.high));
}

}  // namespace

std::string format_key_value(double value, std::string_view unit, bool integer, double tolerance) {
  if (integer) {
    const auto whole = static_cast<long long>(std::llround(value));
    if (unit == "months") return fmt::format("{} month{}", whole, whole == 1 ? "" : "s");
    return fmt::format("{}", whole);
  }
  if (unit == "GBP") {
    const int places = std::max(2, decimals_for(tolerance / 1e6));
    return fmt::format("{}£{:.{}f}m", value < 0 ? "-" : "", std::abs(value) / 1e6, places);
  }
  const std::string number = fmt::format("{:.{}f}", value, decimals_for(tolerance));
  if (unit.empty()) return number;
  return fmt::format("{} {}", number, unit);
}

double conservative_end(const Crossing& crossing) {
  return crossing.safe == SafeSide::below ? crossing.low : crossing.high;
}

std::string format_solve_table(const SolveReport& report) {
  const auto value = [&](double x) {
    return format_key_value(x, report.unit, report.integer, report.tolerance);
  };
  std::string out;
  if (!report.title.empty()) out += report.title + "\n";
  out += fmt::format("solve: {} in [{}, {}] where {} crosses {}\n", report.key, value(report.low),
                     value(report.high), report.statistic_label, percent(report.target));
  out += fmt::format(
      "seed {}, {} runs per point, {} points in {} batches, every point on the same random "
      "futures\n\n",
      report.seed, report.runs, report.evaluations, report.batches);

  std::size_t name_width = 9;
  for (const auto& name : report.structures) name_width = std::max(name_width, name.size());
  out += fmt::format("{:<{}}  {:>14}  {:>32}  {:>14}  {:>14}  {}\n", "structure", name_width,
                     "answer", "95 % interval", "P at answer", "conservative", "safe");
  for (std::size_t s = 0; s < report.crossings.size(); ++s) {
    const Crossing& crossing = report.crossings[s];
    const std::string& name = report.structures[s];
    if (!crossing.found) {
      out += fmt::format("{:<{}}  not found: {}\n", name, name_width, crossing.reason);
      continue;
    }
    out += fmt::format("{:<{}}  {:>14}  {:>32}  {:>14}  {:>14}  {}\n", name, name_width,
                       value(crossing.value), interval_text(report, crossing),
                       percent(crossing.at_value.p()), value(conservative_end(crossing)),
                       safe_words(crossing, report.integer));
  }
  out += fmt::format(
      "\nanswer: the evaluated {} nearest the crossing on its safe side ({}); 95 % interval: "
      "the values whose Wilson interval of {} holds {} (<=, >=: it reaches the bracket's end); "
      "conservative: its end on the safe side\n",
      report.integer ? "integer" : "value",
      report.integer ? "the last safe integer"
                     : fmt::format("within {}", value(report.tolerance)),
      report.statistic_label, percent(report.target));
  return out;
}

std::string format_solve_json(const SolveReport& report) {
  std::string out = "{";
  out += fmt::format("\"key\": {}, \"target\": {}, \"runs\": {}, \"statistic\": {}, ",
                     json_string(report.key), json_number(report.target), report.runs,
                     json_string(report.statistic));
  out += fmt::format("\"between\": [{}, {}], \"tolerance\": {}, \"evaluations\": {}, ",
                     json_number(report.low), json_number(report.high),
                     json_number(report.tolerance), report.evaluations);
  out += "\"structures\": {";
  for (std::size_t s = 0; s < report.crossings.size(); ++s) {
    const Crossing& c = report.crossings[s];
    const auto number = [&](double x) { return c.found ? json_number(x) : std::string("null"); };
    out += fmt::format(
        "{}{}: {{\"value\": {}, \"low\": {}, \"high\": {}, \"p_at_value\": {}, \"found\": {}, "
        "\"reason\": {}, \"safe_side\": {}, \"conservative\": {}, \"low_at_bracket\": {}, "
        "\"high_at_bracket\": {}}}",
        s == 0 ? "" : ", ", json_string(report.structures[s]), number(c.value), number(c.low),
        number(c.high), number(c.at_value.runs > 0 ? c.at_value.p() : NAN), c.found,
        json_string(c.reason),
        c.found ? json_string(c.safe == SafeSide::below ? "below" : "above") : "null",
        number(conservative_end(c)), c.found && c.low_at_bracket, c.found && c.high_at_bracket);
  }
  out += "}}\n";
  return out;
}

}  // namespace shortfall
