// sim/input/scenario_keys.h: the table of keys is the one place a key's
// facts live, so these tests hold the rest of the scenario language to it:
// every scalar row is read, validated with its range and written back under
// its name, its default is the value a file without it gets, and the tables
// that share rows (a network's [[provider]]) share them.
#include "sim/input/scenario_keys.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "sim/input/cash_days.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {
namespace {

using Catch::Contains;

// The least a scenario needs; every other key takes its default.
constexpr std::string_view k_minimal = R"([contract]
annual_value = 120.0e6

[[indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
)";

// The lines of one [table] (or the first [[table]] element) of a resolved text.
std::vector<std::string> lines_of_table(const std::string& text, const std::string& header) {
  std::vector<std::string> lines;
  const std::size_t start = text.find("\n" + header + "\n");
  REQUIRE(start != std::string::npos);
  std::size_t at = start + header.size() + 2;
  while (at < text.size() && text[at] != '[' && text[at] != '\n') {
    const std::size_t end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The line the writer puts for `key` holding `value`: numbers always as
// floats, integers as integers, choices quoted.
std::string written(const ScenarioKey& key, double value) {
  if (key.type == KeyType::integer) return fmt::format("{} = {}", key.name, std::llround(value));
  std::string number = fmt::format("{}", value);
  if (number.find_first_of(".e") == std::string::npos) number += ".0";
  return fmt::format("{} = {}", key.name, number);
}

// A value inside the row's range, other than its default: what a --set of
// the key should make the resolved text say.
double other_value(const ScenarioKey& key) {
  const Interval& range = key.allowed;
  const double low = std::isinf(range.low) ? -10.0 : range.low;
  const double high = std::isinf(range.high) ? low + 20.0 : range.high;
  double value = key.type == KeyType::integer ? std::floor((low + high) / 2) : (low + high) / 2;
  if (value == key.fallback.number) {
    value = key.type == KeyType::integer ? value + 1 : value * 0.5 + high * 0.5;
  }
  return value;
}

struct Place {
  KeyRows rows;
  std::string header;  // in the resolved text
  std::string prefix;  // of --set keys
};

}  // namespace

TEST_CASE("every scalar row is read with its range and written under its name",
          "[scenario_keys]") {
  // Each number, integer and choice row of the provider's tables, set with
  // --set to a value other than its default, comes back in the resolved
  // text under its own name: the reader reads the row and the writer
  // writes it. A value outside the row's range is refused with the range.
  const std::vector<Place> places{{keys::provider, "[provider]", "provider."},
                                  {keys::demand, "[demand]", "demand."},
                                  {keys::contract, "[contract]", "contract."},
                                  {keys::indicator, "[[indicator]]", "indicator.eip."}};
  int checked = 0;
  for (const auto& place : places) {
    for (const auto& key : place.rows) {
      if (key.type != KeyType::number && key.type != KeyType::integer &&
          key.type != KeyType::choice) {
        continue;
      }
      if (key.scope == KeyScope::network_file) continue;
      // Resolved to its pound spelling (cash_days_test.cpp).
      if (place.rows.data() == keys::provider.data() && is_days_spelling(key.name)) continue;
      const std::string dotted = place.prefix + std::string(key.name);
      INFO(dotted);
      std::string value;
      std::string line;
      if (key.type == KeyType::choice) {
        const std::string_view other =
            key.choices.front() == key.fallback.text ? key.choices.back() : key.choices.front();
        value = fmt::format("\"{}\"", other);
        line = fmt::format("{} = \"{}\"", key.name, other);
      } else {
        // The one weight of the one indicator must stay 1.
        const double number = key.name == "weight" ? 1.0 : other_value(key);
        REQUIRE(key.allowed.contains(number));
        value = fmt::format("{}", number);
        line = written(key, number);
      }
      // The linear rule needs a floor; a lower-is-better indicator a floor above its target.
      std::vector<std::string> overrides{"indicator.eip.floor=0.5", "provider.stress_start_cash=1e9",
                                         fmt::format("{}={}", dotted, value)};
      if (dotted == "indicator.eip.direction") overrides.front() = "indicator.eip.floor=0.9";
      if (dotted == "indicator.eip.floor") overrides.erase(overrides.begin());
      const LoadedScenario loaded = load_scenario_text(k_minimal, "minimal.toml", overrides);
      CHECK(has_line(lines_of_table(loaded.resolved_toml, place.header), line));
      ++checked;

      if (key.type != KeyType::choice && std::isfinite(key.allowed.high)) {
        const std::string outside = fmt::format("{}={}", dotted, key.allowed.high + 1);
        REQUIRE_THROWS_WITH(load_scenario_text(k_minimal, "minimal.toml", {&outside, 1}),
                            Contains(fmt::format("{} = {} is outside {}", dotted,
                                                 key.allowed.high + 1, key.allowed.text())));
      }
    }
  }
  CHECK(checked >= 25);  // the loop saw the rows
}

TEST_CASE("a file without a key gets the row's default", "[scenario_keys]") {
  const LoadedScenario loaded = load_scenario_text(k_minimal, "minimal.toml");
  const std::vector<Place> places{{keys::simulation, "[simulation]", ""},
                                  {keys::provider, "[provider]", ""},
                                  {keys::demand, "[demand]", ""},
                                  {keys::contract, "[contract]", ""},
                                  {keys::indicator, "[[indicator]]", ""}};
  int checked = 0;
  for (const auto& place : places) {
    const auto lines = lines_of_table(loaded.resolved_toml, place.header);
    for (const auto& key : place.rows) {
      INFO(place.header << " " << key.name);
      if (place.header == "[simulation]" && key.name == "pilot_runs") {
        // Only `decompose` reads it, and the resolved text names it only when
        // given, so the text of a scenario without it (the identity of its
        // results files and checkpoints) is what it was before the key.
        CHECK_FALSE(has_line(lines, written(key, key.fallback.number)));
        CHECK(loaded.scenario.simulation.pilot_runs == static_cast<std::int64_t>(key.fallback.number));
        ++checked;
      } else if (key.fallback.kind == KeyDefault::Kind::number &&
                 (key.type == KeyType::number || key.type == KeyType::integer)) {
        CHECK(has_line(lines, written(key, key.fallback.number)));
        ++checked;
      } else if (key.fallback.kind == KeyDefault::Kind::text && key.type == KeyType::choice) {
        CHECK(has_line(lines, fmt::format("{} = \"{}\"", key.name, key.fallback.text)));
        ++checked;
      } else if (key.fallback.kind == KeyDefault::Kind::toml) {
        CHECK(has_line(lines, fmt::format("{} = {}", key.name, key.fallback.text)));
        ++checked;
      }
    }
  }
  CHECK(checked >= 20);  // the loop saw the rows
  // The two of them the model's own types once disagreed on.
  CHECK(loaded.scenario.contract.payment_rule == PaymentRule::threshold);
  CHECK(loaded.scenario.contract.assessment_months == 3);
}

TEST_CASE("every default lies in its row's range and choices", "[scenario_keys]") {
  for (const auto& table : keys::tables()) {
    for (const auto& key : table.rows) {
      INFO(table.name << "." << key.name);
      if (key.fallback.kind == KeyDefault::Kind::number &&
          (key.type == KeyType::number || key.type == KeyType::integer)) {
        CHECK(key.allowed.contains(key.fallback.number));
      }
      if (key.type == KeyType::choice && key.fallback.kind == KeyDefault::Kind::text) {
        CHECK(std::find(key.choices.begin(), key.choices.end(), key.fallback.text) !=
              key.choices.end());
      }
      CHECK_FALSE(key.meaning.empty());
      CHECK_FALSE(key_type_docs(key).empty());
      CHECK_FALSE(key_default_docs(key).empty());
    }
  }
}

TEST_CASE("a provider key in a network is the [provider] row", "[scenario_keys]") {
  // The same rows: the same range, in the same words.
  constexpr std::string_view network = R"([network]
model = "alliance"

[[provider]]
id = "trust"
stress_penalty = 25
[provider.contract]
annual_value = 120.0e6
[[provider.indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
)";
  const ScenarioKey& penalty = keys::row(keys::provider, "stress_penalty");
  REQUIRE_THROWS_WITH(load_scenario_text(network, "n.toml"),
                      Contains(fmt::format("n.toml:6: provider.trust.stress_penalty = 25 is "
                                           "outside {}",
                                           penalty.allowed.text())));
  const std::string single = "[provider]\nstress_penalty = 25\n" + std::string(k_minimal);
  REQUIRE_THROWS_WITH(load_scenario_text(single, "s.toml"),
                      Contains(fmt::format("s.toml:2: provider.stress_penalty = 25 is outside {}",
                                           penalty.allowed.text())));
}

TEST_CASE("a dotted key finds its row from its shape", "[scenario_keys]") {
  const auto row_of = [](std::initializer_list<std::string> parts) {
    const std::vector<std::string> path(parts);
    return keys::find_dotted(path);
  };
  CHECK(row_of({"contract", "outcome_share"}) == &keys::row(keys::contract, "outcome_share"));
  CHECK(row_of({"provider", "trust", "contract", "structures"}) ==
        &keys::row(keys::contract, "structures"));
  CHECK(row_of({"provider", "trust", "id"}) == &keys::row(keys::network_provider, "id"));
  CHECK(row_of({"provider", "trust", "opening_cash"}) == &keys::row(keys::provider, "opening_cash"));
  CHECK(row_of({"segment", "psychosis", "demand", "seasonality"}) ==
        &keys::row(keys::demand, "seasonality"));
  CHECK(row_of({"network", "subcontract", "vcs", "value"}) == &keys::row(keys::subcontract, "value"));
  // indicator.<id>.<key>, whatever the id is called
  CHECK(row_of({"indicator", "demand", "name"}) == &keys::row(keys::indicator, "name"));
  CHECK(row_of({"title"}) == &keys::row(keys::document, "title"));
  CHECK(row_of({"contract", "colour"}) == nullptr);
}

}  // namespace shortfall
