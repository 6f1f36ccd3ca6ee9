// The summary table of `run` and `summary`: the money owed at the horizon.
#include "analysis/summary_table.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/results_fixture.h"

using namespace shortfall;

namespace {

// A one-scenario file of STRUCTURES x PROVIDERS columns (no providers: a
// single provider), every statistic a different value of the fixture's
// sequence, in [0, 1) (shares) and, for the money owed at the horizon and the
// commissioner's cost, scaled to millions of pounds, some negative.
ResultsData one_scenario(const std::vector<std::string>& structures,
                         const std::vector<std::string>& providers = {}) {
  ResultsData data;
  data.meta.seed = 20170401;
  data.meta.horizon_months = 36;
  data.meta.structure_names = structures;
  data.meta.provider_ids = providers;
  const auto columns =
      static_cast<int>(structures.size() * std::max<std::size_t>(1, providers.size()));
  int n = 0;
  data.scenarios.push_back(testing::filled_results(columns, 36, 2, [&n] {
    n += 37;
    return (n % 101) / 101.0;
  }));
  ScenarioResults& r = data.scenarios.back();
  r.runs_done = 1000;
  for (double& value : r.receivable_mean) value = (value - 0.5) * 9.0e6;
  for (double& value : r.commissioner_cost_mean) value *= 600.0e6;
  return data;
}

// LINE as code points: the table pads in code points, and "£" is two bytes.
std::vector<std::string> code_points(const std::string& line) {
  std::vector<std::string> points;
  for (const char c : line) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80 && !points.empty()) {
      points.back() += c;
    } else {
      points.emplace_back(1, c);
    }
  }
  return points;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The cell of LINE under HEADING (right-aligned, WIDTH wide) of the header line.
std::string cell_under(const std::string& header, const std::string& heading, std::size_t width,
                       const std::string& line) {
  const auto start = header.find(heading);  // the header is plain ASCII
  REQUIRE(start != std::string::npos);
  const auto end = start + heading.size();
  const auto points = code_points(line);
  REQUIRE(points.size() >= end);
  CHECK((end == points.size() || points[end] == " "));  // the column ends where its heading does
  CHECK(points[end - width] == " ");                    // and is no wider
  std::string cell;
  for (auto i = end - width; i < end; ++i) cell += points[i];
  return cell.substr(cell.find_first_not_of(' '));
}

// The table's rows: from the line after the second header line, one per column.
struct Table {
  std::string header, second_header;
  std::vector<std::string> rows;
};

Table table_of(const std::string& text, std::size_t columns) {
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].find("P(shortfall) [95% CI]") == std::string::npos) continue;
    REQUIRE(i + 2 + columns <= lines.size());
    return {lines[i], lines[i + 1],
            std::vector<std::string>(lines.begin() + static_cast<std::ptrdiff_t>(i + 2),
                                     lines.begin() + static_cast<std::ptrdiff_t>(i + 2 + columns))};
  }
  FAIL("no table header in:\n" << text);
  return {};
}

}  // namespace

TEST_CASE("the summary shows the mean money owed at the horizon of each structure",
          "[summary_table]") {
  const ResultsData data = one_scenario({"bonus", "withhold", "advance"});
  const auto& receivable = data.scenarios[0].receivable_mean;
  const Table table = table_of(format_summary_table(data, "title"), 3);
  // Between the earned fraction and the commissioner's cost, headed on two lines.
  const auto owed = table.header.find("owed at T");
  REQUIRE(owed != std::string::npos);
  CHECK(table.header.find("earned") < owed);
  CHECK(owed < table.header.find("commissioner"));
  CHECK(table.second_header.find("(mean)") + 6 == owed + 9);  // right-aligned under it
  for (std::size_t s = 0; s < 3; ++s) {
    INFO(table.rows[s]);
    CHECK(cell_under(table.header, "owed at T", 11, table.rows[s]) == format_money(receivable[s]));
    // The columns around it keep their values.
    CHECK(cell_under(table.header, "earned", 8, table.rows[s]).back() == '%');
    CHECK(cell_under(table.header, "commissioner", 14, table.rows[s]) ==
          format_money(data.scenarios[0].commissioner_cost_mean[s]));
  }
  // Both signs occur: a clawback is negative.
  CHECK(receivable[0] > 0.0);
  CHECK(receivable[2] < 0.0);
  CHECK(cell_under(table.header, "owed at T", 11, table.rows[2]).starts_with("-£"));
}

TEST_CASE("owed at the horizon in the money format of the other columns", "[summary_table]") {
  ResultsData data = one_scenario({"bonus", "withhold", "advance"});
  data.scenarios[0].receivable_mean = {1.5e6, -2.25e6, 0.0};
  const Table table = table_of(format_summary_table(data, "title"), 3);
  CHECK(cell_under(table.header, "owed at T", 11, table.rows[0]) == "£1.50m");
  CHECK(cell_under(table.header, "owed at T", 11, table.rows[1]) == "-£2.25m");
  CHECK(cell_under(table.header, "owed at T", 11, table.rows[2]) == "£0.00m");
  // The widest money: more than £100m keeps one decimal and fits the column.
  data.scenarios[0].receivable_mean = {-123.45e6, 0.0, 0.0};
  const Table wide = table_of(format_summary_table(data, "title"), 3);
  CHECK(cell_under(wide.header, "owed at T", 11, wide.rows[0]) == "-£123.5m");
}

TEST_CASE("a network's summary: owed at the horizon per structure and provider",
          "[summary_table]") {
  const std::vector<std::string> providers{"trust", "vcs_recovery"};
  const ResultsData data = one_scenario({"bonus", "advance"}, providers);
  const auto& receivable = data.scenarios[0].receivable_mean;
  const Table table = table_of(format_summary_table(data, "title"), 4);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(table.rows[i]);
    const std::string label = (i < 2 ? "bonus " : "advance ") + providers[i % 2];
    CHECK(table.rows[i].starts_with(label + " "));
    CHECK(cell_under(table.header, "owed at T", 11, table.rows[i]) == format_money(receivable[i]));
  }
}
