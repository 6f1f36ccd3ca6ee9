// [simulation]: the run count, the horizon, the seed and the stopping rule.
#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "sim/input/readers.h"

namespace shortfall {

namespace {

const ScenarioKey& key(std::string_view name) { return keys::row(keys::simulation, name); }

// Precision-based stopping. max_runs defaults to `runs`, and min_runs to
// its row's constant (at most max_runs).
void read_stopping_rule(const Section& section, SimulationSettings& settings) {
  const toml::node* target = section.find("target_halfwidth");
  if (target == nullptr) {
    for (const auto name : {"min_runs", "max_runs"}) {
      if (const toml::node* node = section.find(name)) {
        section.context().fail(
            node, fmt::format("simulation.{} is only used with simulation.target_halfwidth, which "
                              "is not set",
                              name));
      }
    }
    return;
  }
  const ScenarioKey& target_key = key("target_halfwidth");
  settings.target_halfwidth =
      number_within(section.context(), *target, section.label(target_key), target_key.allowed);
  const ScenarioKey& max_runs = key("max_runs");
  settings.max_runs = section.integer(max_runs, max_runs.allowed, settings.runs);
  const ScenarioKey& min_runs = key("min_runs");
  settings.min_runs = section.integer(
      min_runs, min_runs.allowed,
      std::min(static_cast<std::int64_t>(min_runs.fallback.number), settings.max_runs));
  if (settings.min_runs > settings.max_runs) {
    const toml::node* blamed = section.find("min_runs");
    section.context().fail(
        blamed != nullptr ? blamed : section.find("max_runs"),
        fmt::format("simulation.min_runs = {} is above simulation.max_runs = {}", settings.min_runs,
                    settings.max_runs));
  }
}

}  // namespace

std::string read_title(const toml::table& document) {
  const auto* title = document.get_as<std::string>("title");
  return title != nullptr ? title->get() : std::string(keys::row(keys::document, "title").fallback.text);
}

// [0, 2^64): TOML integers stop at 2^63 - 1, so larger seeds come as digit strings.
std::uint64_t seed_value(const Context& context, const toml::node& node) {
  if (const auto* digits = node.as_string()) {
    const std::string& text = digits->get();
    std::uint64_t seed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      context.fail(&node,
                   fmt::format("simulation.seed = {} must be an integer in [0, 2^64) (a string "
                               "of decimal digits for values from 2^63)",
                               describe(node)));
    }
    return seed;
  }
  // 2^64 itself is exactly representable and must be excluded.
  const Interval& allowed = key("seed").allowed;
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0) {
      context.fail(&node, fmt::format("simulation.seed = {} is outside [0, 2^64)", describe(node)));
    }
    return static_cast<std::uint64_t>(integer->get());
  }
  const double value = number_value(context, node, "simulation.seed");
  if (!allowed.contains(value) || value != std::trunc(value)) {
    context.fail(
        &node, fmt::format("simulation.seed = {} must be an integer in [0, 2^64)", describe(node)));
  }
  return static_cast<std::uint64_t>(value);
}

SimulationSettings read_simulation(const Section& section,
                                   std::span<const AssessmentPeriod> periods) {
  SimulationSettings settings;
  settings.runs = section.integer(key("runs"));
  settings.horizon_months = static_cast<int>(section.integer(key("horizon_months")));
  // Every period of every contract must be assessed (docs/model.md, "Time").
  for (const auto& period : periods) {
    if (settings.horizon_months % period.months != 0) {
      section.context().fail(
          section.find("horizon_months"),
          fmt::format("simulation.horizon_months = {} is not a multiple of the assessment period, "
                      "{} months ({} = \"{}\")",
                      settings.horizon_months, period.months, period.label,
                      name_of(choices::assessment, period.months)));
    }
  }
  const toml::node* seed = section.find("seed");
  settings.seed = seed != nullptr ? seed_value(section.context(), *seed)
                                  : static_cast<std::uint64_t>(key("seed").fallback.number);
  read_stopping_rule(section, settings);
  settings.pilot_runs = section.integer(key("pilot_runs"));
  settings.pilot_runs_given = section.find("pilot_runs") != nullptr;
  return settings;
}

}  // namespace shortfall
