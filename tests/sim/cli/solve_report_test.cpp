// sim/cli/solve_report.h: values in the key's unit to the tolerance, the
// conservative end, and the JSON of INTERFACE (parsed by Python in
// tests/e2e/test_solve.py).
#include "sim/cli/solve_report.h"

#include <catch2/catch.hpp>

namespace shortfall {
namespace {

using Catch::Contains;

SolveReport report_of_two() {
  SolveReport report;
  report.title = "Trust";
  report.key = "provider.opening_cash";
  report.unit = "GBP";
  report.low = 0;
  report.high = 40e6;
  report.target = 0.05;
  report.tolerance = 40e3;
  report.statistic = "p_shortfall";
  report.statistic_label = "P(shortfall)";
  report.seed = 7;
  report.runs = 1000;
  report.evaluations = 30;
  report.batches = 8;
  report.structures = {"bonus", "withhold"};
  Crossing found;
  found.found = true;
  found.safe = SafeSide::above;
  found.value = 16.6e6;
  found.low = 15.9e6;
  found.high = 17.25e6;
  found.at_value = {48, 1000};
  Crossing missing;
  missing.reason = "P(shortfall) stays above 5 % over [0, 40000000]";
  report.crossings = {found, missing};
  return report;
}

}  // namespace

TEST_CASE("a key's value is shown in its unit to the tolerance", "[solve_report]") {
  CHECK(format_key_value(16.6e6, "GBP", false, 40e3) == "£16.60m");
  CHECK(format_key_value(16.6123e6, "GBP", false, 400) == "£16.6123m");
  CHECK(format_key_value(-2.5e6, "GBP", false, 4e4) == "-£2.50m");
  CHECK(format_key_value(40.123, "days", false, 0.04) == "40.12 days");
  CHECK(format_key_value(3, "months", true, 1) == "3 months");
  CHECK(format_key_value(1, "months", true, 1) == "1 month");
  CHECK(format_key_value(0.021345, "", false, 6e-5) == "0.02134");
  CHECK(format_key_value(7, "", true, 1) == "7");
}

TEST_CASE("the conservative end is the interval's end on the safe side", "[solve_report]") {
  Crossing crossing;
  crossing.low = 1;
  crossing.high = 2;
  crossing.safe = SafeSide::below;
  CHECK(conservative_end(crossing) == 1);
  crossing.safe = SafeSide::above;
  CHECK(conservative_end(crossing) == 2);
}

TEST_CASE("the table has a row per structure and says why one is not found", "[solve_report]") {
  const std::string table = format_solve_table(report_of_two());
  CHECK_THAT(table, Contains("solve: provider.opening_cash in [£0.00m, £40.00m] where P(shortfall) "
                             "crosses 5.00 %"));
  CHECK_THAT(table, Contains("seed 7, 1000 runs per point, 30 points in 8 batches"));
  CHECK_THAT(table, Contains("£16.60m"));
  CHECK_THAT(table, Contains("[£15.90m, £17.25m]"));
  CHECK_THAT(table, Contains("4.80 %"));
  CHECK_THAT(table, Contains("above it"));
  CHECK_THAT(table, Contains("withhold   not found: P(shortfall) stays above 5 %"));
}

TEST_CASE("the JSON has INTERFACE's fields, null where nothing was found", "[solve_report]") {
  const std::string json = format_solve_json(report_of_two());
  CHECK_THAT(json, Contains("\"key\": \"provider.opening_cash\", \"target\": 0.05, \"runs\": 1000"));
  CHECK_THAT(json, Contains("\"bonus\": {\"value\": 16600000, \"low\": 15900000, \"high\": 17250000, "
                            "\"p_at_value\": 0.048, \"found\": true, \"reason\": \"\", "
                            "\"safe_side\": \"above\", \"conservative\": 17250000"));
  CHECK_THAT(json, Contains("\"withhold\": {\"value\": null, \"low\": null, \"high\": null, "
                            "\"p_at_value\": null, \"found\": false, \"reason\": \"P(shortfall) "
                            "stays above 5 % over [0, 40000000]\""));
  SolveReport quoted = report_of_two();
  quoted.crossings[1].reason = "a \"quoted\" \\ reason\n";
  CHECK_THAT(format_solve_json(quoted), Contains("\"reason\": \"a \\\"quoted\\\" \\\\ reason\\n\""));
}

}  // namespace shortfall
