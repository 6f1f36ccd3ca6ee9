#include "sim/input/solve_study.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/input/overrides.h"

namespace shortfall {

namespace {

// A special row holds a number when its docs say so ("number, or ...").
bool holds_a_number(const ScenarioKey& row) {
  return row.type == KeyType::number || row.type == KeyType::integer ||
         (row.type == KeyType::special && row.type_docs.starts_with("number"));
}

std::string quoted(std::span<const std::string_view> names) {
  std::vector<std::string> items;
  for (const auto name : names) items.push_back(fmt::format("\"{}\"", name));
  return fmt::format("{}", fmt::join(items, ", "));
}

}  // namespace

std::string solve_base_text(const std::filesystem::path& path,
                            std::span<const std::string> overrides) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw ScenarioError("", fmt::format("cannot read scenario file '{}'", path.string()));
  toml::table document;
  try {
    document = toml::parse(text.str(), path.string());
  } catch (const toml::parse_error& error) {
    throw ScenarioError(path.string(), fmt::format("not valid TOML: {}", error.description()));
  }
  Context context{path.string()};
  for (const auto& argument : overrides) apply_override(document, argument, context);
  std::ostringstream out;
  out << toml::toml_formatter{document} << "\n";
  return out.str();
}

VariedKey varied_key(std::string_view scenario, const std::string& key) {
  const std::string origin = "--vary " + key;
  if (key.empty()) fail_override(origin, "give a scenario key, e.g. --vary contract.outcome_share");
  toml::table document = toml::parse(scenario);
  Context context{"the scenario"};
  // Finds the key in this scenario, or says what is known (did you mean).
  const std::vector<OverrideTarget> targets = override_targets(document, key, context, origin);
  const ScenarioKey* row = targets.empty() ? nullptr : targets.front().row;
  if (row == nullptr) fail_override(origin, fmt::format("unknown key '{}'", key));
  const std::vector<std::string> path = split(key, '.');
  const ScenarioKey* table = keys::find(keys::document, path.front());
  const Sweep sweep = table != nullptr && table->sweep != Sweep::yes ? table->sweep : row->sweep;
  if (sweep == Sweep::list) {
    fail_override(origin, fmt::format("{} is a list: solve varies one number", key));
  }
  if (sweep != Sweep::yes) {
    fail_override(origin, fmt::format("{} cannot be varied: solve varies a key that a sweep "
                                      "accepts, and this one is the same at every point of a "
                                      "sweep (docs/scenario-keys.md)",
                                      key));
  }
  if (!holds_a_number(*row)) {
    const std::string takes = row->type == KeyType::choice
                                  ? fmt::format(" (it takes {})", quoted(row->choices))
                                  : fmt::format(" (a {})", key_type_docs(*row));
    fail_override(origin, fmt::format("{} is not a number{}: solve varies a numeric key", key,
                                      takes));
  }
  return VariedKey{key, row->type == KeyType::integer, row->allowed, row->unit};
}

std::string points_study_text(std::string_view scenario, const std::string& key,
                              std::span<const double> points) {
  std::vector<std::string> values;
  for (const double x : points) values.push_back(toml_float(x));
  return fmt::format("{}\n[sweep]\nmode = \"grid\"\ncommon_random_numbers = true\n\n"
                     "[sweep.parameters]\n{} = [{}]\n",
                     scenario, toml_string(key), fmt::join(values, ", "));
}

}  // namespace shortfall
