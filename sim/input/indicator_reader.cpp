// [[indicator]]: one outcome indicator's keys, the lists of them, and the
// rules over a list (weights sum to 1, ids unique, the guidance's counts).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "sim/input/readers.h"

namespace shortfall {

namespace {

// The NHS guidance: 3-7 measures, 6-15 indicators; outside, a warning.
constexpr int k_guidance_measures_low = 3;
constexpr int k_guidance_measures_high = 7;
constexpr int k_guidance_indicators_low = 6;
constexpr int k_guidance_indicators_high = 15;

const ScenarioKey& key(std::string_view name) { return keys::row(keys::indicator, name); }

std::string read_indicator_id(const Section& indicator) {
  const toml::node* node = indicator.find("id");
  if (node == nullptr) indicator.fail_missing(key("id"));
  return id_value(indicator.context(), *node, indicator.label("id"));
}

// Under the linear rule the floor is where achievement starts, on the far side
// of the target; under the threshold rule it is unused, and defaults to the
// far end of the scale so that a later switch to linear stays well-formed.
double read_floor(const Section& section, const Indicator& indicator, PaymentRule rule) {
  const auto floor = section.optional_number(key("floor"));
  if (rule != PaymentRule::linear) {
    return floor.value_or(indicator.direction == Direction::higher ? 0.0 : 1.0);
  }
  if (!floor) section.fail_missing(key("floor"));
  const toml::node* node = section.find("floor");
  const std::string floor_text = fmt::format("{} = {}", section.label("floor"), describe(*node));
  const std::string target_text =
      fmt::format("{} = {}{}", section.label("target"), shortest(indicator.target),
                  origin_note(section.context(), section.find("target"), node));
  if (*floor == indicator.target) {
    section.context().fail(node, fmt::format("{} equals {}: the linear rule needs them apart",
                                             floor_text, target_text));
  }
  if (indicator.direction == Direction::higher && *floor > indicator.target) {
    section.context().fail(
        node, fmt::format("{} must be below {} (higher is better)", floor_text, target_text));
  }
  if (indicator.direction == Direction::lower && *floor < indicator.target) {
    section.context().fail(
        node, fmt::format("{} must be above {} (lower is better)", floor_text, target_text));
  }
  return *floor;
}

Indicator read_indicator(const Section& section, PaymentRule rule, const ProviderIds* providers) {
  Indicator indicator;
  indicator.id = read_indicator_id(section);
  // name and measure default to the id (the rows say so).
  indicator.name = section.text(key("name"), indicator.id);
  indicator.measure = section.text(key("measure"), indicator.id);
  indicator.weight = section.required_number(key("weight"));
  indicator.direction = section.choice(key("direction"), choices::direction);
  indicator.baseline = section.required_number(key("baseline"));
  indicator.target = section.required_number(key("target"));
  indicator.floor = read_floor(section, indicator, rule);
  indicator.cases_per_month = static_cast<int>(section.integer(key("cases_per_month")));
  indicator.volatility = section.number(key("volatility"));
  indicator.reversion = section.number(key("reversion"));
  indicator.trend = section.number(key("trend"));
  if (const toml::node* node = section.find("delivered_by"); node && providers) {
    indicator.delivered_by = providers->position(section.context(), *node,
                                                 section.label("delivered_by"));
  }
  return indicator;
}

}  // namespace

std::string id_value(const Context& context, const toml::node& node, const std::string& label) {
  const auto* id = node.as_string();
  if (id == nullptr || !is_valid_id(id->get())) {
    context.fail(&node, fmt::format("{} = {} must be a string matching [a-z0-9_]+", label,
                                    describe(node)));
  }
  return id->get();
}

int ProviderIds::position(const Context& context, const toml::node& node,
                        const std::string& label) const {
  const auto* id = node.as_string();
  const std::vector<std::string_view> names(ids.begin(), ids.end());
  if (id == nullptr) {
    context.fail(&node, fmt::format("{} = {} must be the id of a provider (one of {})", label,
                                    describe(node), joined(names)));
  }
  const auto found = std::find(ids.begin(), ids.end(), id->get());
  if (found == ids.end()) {
    context.fail(&node, fmt::format("{} = {} is not a provider of the network: known ids are "
                                    "{}{}",
                                    label, describe(node), joined(names),
                                    did_you_mean(id->get(), names)));
  }
  return static_cast<int>(found - ids.begin());
}

std::vector<Indicator> read_indicator_list(const toml::array& list, const std::string& prefix,
                                           PaymentRule rule, const ProviderIds* providers,
                                           IndicatorRegistry& registry, Context& context) {
  std::vector<Indicator> indicators;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const toml::node* node = list.get(i);
    const auto* table = node->as_table();
    const Section section(context, table, indicator_label(*table, i, prefix), node);
    Indicator indicator = read_indicator(section, rule, providers);
    const std::string label = fmt::format("{}indicator[{}]", prefix, i + 1);
    const auto same = std::find_if(registry.begin(), registry.end(),
                                   [&](const auto& seen) { return seen.id == indicator.id; });
    if (same != registry.end()) {
      context.fail(section.find("id"),
                   fmt::format("{}.id = {} is already the id of {}{}", label,
                               toml_string(indicator.id), same->label,
                               same->prefix == prefix
                                   ? ""
                                   : " (indicator ids are unique across the scenario: they "
                                     "label the results file's indicator axis)"));
    }
    registry.push_back({indicator.id, label, prefix});
    indicators.push_back(std::move(indicator));
  }
  return indicators;
}

void check_weights_sum_to_one(const std::vector<Indicator>& indicators, const toml::node* anchor,
                              const Context& context, std::string_view prefix) {
  double sum = 0.0;
  for (const auto& indicator : indicators) sum += indicator.weight;
  if (std::abs(sum - 1.0) > k_mean_tolerance) {
    context.fail(anchor, fmt::format("indicator weights ({}indicator.*.weight) sum to {}; they must "
                                     "sum to 1 (within 1e-9)",
                                     prefix, shortest(sum)));
  }
}

void warn_about_indicator_counts(const std::vector<Indicator>& indicators, const toml::node* anchor,
                                 Context& context, std::string_view whose, std::string_view list,
                                 std::string_view measure_key) {
  const auto count = static_cast<int>(indicators.size());
  if (count < k_guidance_indicators_low || count > k_guidance_indicators_high) {
    context.warn(anchor, fmt::format("{} has {} indicators ({}), outside the guidance range 6–15",
                                     whose, count, list));
  }
  std::set<std::string> measures;
  for (const auto& indicator : indicators) measures.insert(indicator.measure);
  const auto measure_count = static_cast<int>(measures.size());
  if (measure_count < k_guidance_measures_low || measure_count > k_guidance_measures_high) {
    context.warn(anchor, fmt::format("{} has {} distinct measures ({}), outside the guidance "
                                     "range 3–7",
                                     whose, measure_count, measure_key));
  }
}

}  // namespace shortfall
