#include "sim/input/sweep_reader.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/input/cash_days.h"
#include "sim/input/overrides.h"

namespace shortfall {

namespace {

// Grid, zip and Saltelli designs have at most as many points as a Latin
// hypercube may have.
std::size_t max_design_points() {
  return static_cast<std::size_t>(keys::row(keys::sweep, "points").allowed.high);
}

std::string describe_value(const DesignValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return shortest(*number);
  if (const auto* list = std::get_if<std::vector<double>>(&value)) {
    std::vector<std::string> items;
    for (const double item : *list) items.push_back(shortest(item));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  return toml_string(std::get<std::string>(value));
}

// The key's row, when the key table has one (nullptr for e.g. segment ids).
bool is_integer_key(const std::string& key) {
  const ScenarioKey* row = keys::find_dotted(split(key, '.'));
  return row != nullptr && row->type == KeyType::integer;
}

// The key may be swept, as its row (or its whole table, for simulation.*)
// says: a scalar model key, not one that is the same for the whole file
// or names something.
void check_sweepable(const std::string& key, const std::string& origin) {
  const std::vector<std::string> path = split(key, '.');
  const ScenarioKey* table = keys::find(keys::document, path[0]);
  Sweep sweep = table != nullptr ? table->sweep : Sweep::yes;
  if (sweep == Sweep::yes) {
    const ScenarioKey* row = keys::find_dotted(path);
    sweep = row != nullptr ? row->sweep : Sweep::yes;
  }
  switch (sweep) {
    case Sweep::yes:
      return;
    case Sweep::simulation_setting:
      fail_override(origin, fmt::format("{} cannot be swept: the simulation settings are the same "
                                        "for every point of a sweep",
                                        key));
    case Sweep::label:
      fail_override(origin, fmt::format("{} cannot be swept", key));
    case Sweep::indicator_label:
      fail_override(origin, fmt::format("{} cannot be swept: indicator {}s are the same at every "
                                        "point of a sweep",
                                        key, path.back()));
    case Sweep::network_shape:
      fail_override(origin, fmt::format("{} cannot be swept: provider ids and the network's model "
                                        "and lead are the same at every point of a sweep",
                                        key));
    case Sweep::list:
      fail_override(origin, fmt::format("{} is a list and cannot be swept; a sweep key takes one "
                                        "number or text per point",
                                        key));
  }
}

// One point's value: a number, a text, or a non-empty list of numbers (a
// phased outcome share); nothing for anything else.
std::optional<DesignValue> design_value(const toml::node& element) {
  if (const auto* text = element.as_string()) return DesignValue(text->get());
  if (element.is_number()) return DesignValue(element.value<double>().value());
  if (const auto* list = element.as_array(); list != nullptr && !list->empty()) {
    std::vector<double> numbers;
    for (const auto& item : *list) {
      if (!item.is_number()) return std::nullopt;
      numbers.push_back(item.value<double>().value());
    }
    return DesignValue(std::move(numbers));
  }
  return std::nullopt;
}

// `list` as one value per point; `fail` reports an element that is none.
template <class Fail>
std::vector<DesignValue> values_of(const toml::array& list, Fail fail) {
  std::vector<DesignValue> values;
  for (const auto& element : list) {
    auto value = design_value(element);
    if (!value) fail(element);
    values.push_back(std::move(*value));
  }
  return values;
}

std::vector<DesignValue> listed_values(const Context& context, const SweepParameter& parameter) {
  const auto* list = parameter.node->as_array();
  if (list == nullptr || list->empty()) {
    context.fail(parameter.node,
                 fmt::format("sweep.parameters.\"{}\" = {} must be a non-empty list of values",
                             parameter.key, describe(*parameter.node)));
  }
  return values_of(*list, [&](const toml::node& element) {
    context.fail(parameter.node,
                 fmt::format("sweep.parameters.\"{}\": {} is not a number, a text or a list of "
                             "numbers; each value is one point's setting of the key",
                             parameter.key, describe(element)));
  });
}

// [low, high] or { range = [low, high], log = true }.
LatinHypercubeRange hypercube_range(const Context& context, const SweepParameter& parameter,
                                    const std::string& mode) {
  LatinHypercubeRange range;
  range.key = parameter.key;
  const toml::node* bounds = parameter.node;
  const std::string label = fmt::format("sweep.parameters.\"{}\"", parameter.key);
  const std::string expected = "[low, high] or { range = [low, high], log = true }";
  if (const auto* table = parameter.node->as_table()) {
    constexpr std::array<std::string_view, 2> range_keys{"range", "log"};
    reject_unknown_keys(*table, label, range_keys, context);
    bounds = table->get("range");
    if (bounds == nullptr) {
      context.fail(parameter.node, fmt::format("{} has no range: expected {}", label, expected));
    }
    if (const toml::node* log = table->get("log")) {
      if (!log->is_boolean()) {
        context.fail(log, fmt::format("{}.log = {} must be true or false", label, describe(*log)));
      }
      range.log = log->value<bool>().value();
    }
  }
  const auto* pair = bounds->as_array();
  if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_number() ||
      !pair->get(1)->is_number()) {
    context.fail(bounds, fmt::format("{} = {} must be {} for mode = \"{}\"", label,
                                     describe(*bounds), expected, mode));
  }
  range.low = pair->get(0)->value<double>().value();
  range.high = pair->get(1)->value<double>().value();
  if (!(std::isfinite(range.low) && std::isfinite(range.high) && range.low < range.high)) {
    context.fail(bounds, fmt::format("{} = {}: low must be below high, both finite", label,
                                     describe(*bounds)));
  }
  range.integer = is_integer_key(parameter.key);
  if (range.integer && (range.log || range.low != std::trunc(range.low) ||
                        range.high != std::trunc(range.high))) {
    context.fail(bounds, fmt::format("{} = {}: {} is an integer key, swept over the whole numbers "
                                     "from low to high: give whole-number bounds{}",
                                     label, describe(*bounds), parameter.key,
                                     range.log ? " and no log" : ""));
  }
  if (range.log && range.low <= 0.0) {
    context.fail(bounds, fmt::format("{} = {}: a log range needs low > 0", label, describe(*bounds)));
  }
  return range;
}

}  // namespace

bool sweeps_ranges(const SweepTable& sweep) { return sweep.mode == "lhs" || sweep.mode == "sobol"; }

std::string toml_value(const DesignValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return toml_float(*number);
  if (const auto* list = std::get_if<std::vector<double>>(&value)) {
    std::vector<std::string> items;
    for (const double item : *list) items.push_back(toml_float(item));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  return toml_string(std::get<std::string>(value));
}

SweepTable read_sweep_table(const toml::table& document, const Context& context) {
  SweepTable sweep;
  const toml::node* node = document.get("sweep");
  sweep.anchor = node;
  const auto* table = node->as_table();
  if (table == nullptr) {
    context.fail(node, fmt::format("sweep = {} must be a table, written [sweep]", describe(*node)));
  }
  reject_unknown_keys(*table, "sweep", key_names(keys::sweep), context);
  const ScenarioKey& mode_key = keys::row(keys::sweep, "mode");
  sweep.mode = mode_key.fallback.text;
  if (const toml::node* mode = table->get("mode")) {
    sweep.mode = choice_name(context, mode_key, *mode, "sweep.mode");
  }
  if (const toml::node* crn = table->get("common_random_numbers")) {
    if (!crn->is_boolean()) {
      context.fail(crn, fmt::format("sweep.common_random_numbers = {} must be true or false",
                                    describe(*crn)));
    }
    sweep.common_random_numbers = crn->value<bool>().value();
  }
  const toml::node* points = table->get("points");
  if (sweeps_ranges(sweep)) {
    if (points == nullptr) {
      const std::string what = sweep.mode == "sobol" ? "base rows N (N (k + 2) points)" : "points";
      context.fail(node,
                   fmt::format("sweep.points is missing: mode = \"{}\" needs the number of {}",
                               sweep.mode, what));
    }
    sweep.points = static_cast<int>(integer_within(context, *points, "sweep.points",
                                                   keys::row(keys::sweep, "points").allowed));
  } else if (points != nullptr) {
    context.fail(points, fmt::format("sweep.points is only used with mode = \"lhs\" or \"sobol\" "
                                     "(here mode = \"{}\", whose points come from the listed "
                                     "values)",
                                     sweep.mode));
  }
  const toml::node* parameters = table->get("parameters");
  const auto* parameter_table = parameters != nullptr ? parameters->as_table() : nullptr;
  if (parameter_table == nullptr || parameter_table->empty()) {
    context.fail(parameters != nullptr ? parameters : node,
                 "sweep.parameters must be a table of swept keys, e.g. [sweep.parameters] "
                 "\"contract.outcome_share\" = [0.02, 0.03, 0.04]");
  }
  for (const auto& [key, value] : *parameter_table) {
    SweepParameter parameter;
    parameter.key = std::string(key.str());
    parameter.node = &value;
    parameter.origin = context.where(&value);
    sweep.parameters.push_back(std::move(parameter));
  }
  // Tables iterate by name; the design's key order is the file's.
  std::sort(sweep.parameters.begin(), sweep.parameters.end(), [](const auto& a, const auto& b) {
    const auto& x = a.node->source().begin;
    const auto& y = b.node->source().begin;
    return std::tie(x.line, x.column) < std::tie(y.line, y.column);
  });
  for (auto& parameter : sweep.parameters) {
    check_sweepable(parameter.key, parameter.origin);
    if (sweeps_ranges(sweep)) {
      parameter.range = hypercube_range(context, parameter, sweep.mode);
    } else {
      parameter.values = listed_values(context, parameter);
    }
  }
  return sweep;
}

namespace {

// "V1,V2,...": a TOML list's items without the brackets (numbers, "texts",
// [lists]), else comma-separated bare words taken as texts (quarterly,annual).
std::vector<DesignValue> command_line_values(const std::string& text, const std::string& origin) {
  try {
    const toml::table parsed = toml::parse("v = [" + text + "]");
    if (const auto* list = parsed.get_as<toml::array>("v"); list != nullptr && !list->empty()) {
      return values_of(*list, [&](const toml::node& element) {
        fail_override(origin, fmt::format("{} is not a number, a text or a list of numbers",
                                          describe(element)));
      });
    }
  } catch (const toml::parse_error&) {
    // bare words: split below
  }
  std::vector<DesignValue> values;
  for (const auto& item : split(text, ',')) {
    const std::string word(trimmed(item));
    if (word.empty()) {
      fail_override(origin, "expected KEY=V1,V2,..., e.g. --sweep provider.opening_cash=0,4.5e6");
    }
    values.emplace_back(word);
  }
  return values;
}

std::string joined_keys(const std::vector<SweepParameter>& parameters) {
  std::vector<std::string> names;
  for (const auto& parameter : parameters) names.push_back(parameter.key);
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

void apply_command_line_sweeps(SweepTable& sweep, std::span<const std::string> arguments) {
  if (arguments.empty()) return;
  std::vector<SweepParameter> given;
  for (const auto& argument : arguments) {
    const std::string origin = "--sweep " + argument;
    const std::size_t equals = argument.find('=');
    const std::string key(trimmed(std::string_view(argument).substr(0, equals)));
    if (equals == std::string::npos || key.empty() || equals + 1 == argument.size()) {
      fail_override(origin, "expected KEY=V1,V2,..., e.g. --sweep provider.opening_cash=0,4.5e6");
    }
    check_sweepable(key, origin);
    for (const auto& earlier : given) {
      if (earlier.key == key) fail_override(origin, fmt::format("{} is swept twice", key));
    }
    SweepParameter parameter;
    parameter.key = key;
    parameter.origin = origin;
    parameter.values = command_line_values(argument.substr(equals + 1), origin);
    given.push_back(std::move(parameter));
  }
  const auto is_given = [&](const SweepParameter& parameter) {
    return std::any_of(given.begin(), given.end(),
                       [&](const auto& other) { return other.key == parameter.key; });
  };
  if (sweep.mode != "grid") {
    // A grid cannot be combined with the file's lhs, zip or sobol design in
    // one [sweep] table, which the resolved text must hold: --sweep must
    // replace all of it.
    std::vector<SweepParameter> kept;
    for (const auto& parameter : sweep.parameters) {
      if (!is_given(parameter)) kept.push_back(parameter);
    }
    if (!kept.empty()) {
      fail_override(given.front().origin,
                    fmt::format("--sweep makes a grid, and the file's [sweep] is mode = \"{}\" "
                                "over {}, which --sweep leaves: give --sweep for {} too, or fix "
                                "{} with --set",
                                sweep.mode, joined_keys(kept), kept.size() == 1 ? "it" : "them",
                                kept.size() == 1 ? "it" : "them"));
    }
    sweep.mode = "grid";
    sweep.points = 0;
    sweep.parameters.clear();
  }
  // A key of the file's grid keeps its place and takes the given values;
  // other keys follow the file's, in the order given.
  for (auto& parameter : given) {
    const auto in_file = std::find_if(sweep.parameters.begin(), sweep.parameters.end(),
                                      [&](const auto& p) { return p.key == parameter.key; });
    if (in_file != sweep.parameters.end()) {
      *in_file = std::move(parameter);
    } else {
      sweep.parameters.push_back(std::move(parameter));
    }
  }
}

void drop_keys_set_by_overrides(const toml::table& document, SweepTable& sweep,
                                std::span<const std::string> overrides, Context& context) {
  toml::table scratch = document;
  std::vector<OverrideTarget> set;
  for (const auto& argument : overrides) {
    const std::size_t equals = argument.find('=');
    if (equals == std::string::npos) continue;  // reported by apply_override
    const std::string key(trimmed(std::string_view(argument).substr(0, equals)));
    for (auto& target : override_targets(scratch, key, context, "--set " + argument)) {
      set.push_back(std::move(target));
    }
  }
  // A cash key set in days fixes the same cash swept in GBP, and the reverse.
  const auto is_set = [&](const OverrideTarget& target) {
    return std::any_of(set.begin(), set.end(), [&](const OverrideTarget& other) {
      return other.table == target.table &&
             (other.key == target.key ||
              (target.row != nullptr && keys::find(keys::provider, target.key) == target.row &&
               other_cash_spelling(target.key) == std::string_view(other.key)));
    });
  };
  std::erase_if(sweep.parameters, [&](const SweepParameter& parameter) {
    const auto targets = override_targets(scratch, parameter.key, context, parameter.origin);
    return !targets.empty() && std::all_of(targets.begin(), targets.end(), is_set);
  });
}

void check_sweep_targets(const toml::table& document, const SweepTable& sweep,
                         std::span<const std::string> overrides, Context& context) {
  toml::table scratch = document;
  std::vector<std::pair<OverrideTarget, std::string>> written;  // target, who writes it
  const auto claim = [&](const std::string& key, const std::string& origin) {
    for (const auto& target : override_targets(scratch, key, context, origin)) {
      for (const auto& [other, owner] : written) {
        if (other.table == target.table && other.key == target.key) {
          fail_override(origin, fmt::format("{} sets a value that {} sets too; set each key once",
                                            key, owner));
        }
      }
      written.emplace_back(target, key + " (" + origin + ")");
    }
  };
  for (const auto& argument : overrides) {
    const std::size_t equals = argument.find('=');
    if (equals == std::string::npos) continue;  // reported by apply_override
    claim(std::string(trimmed(std::string_view(argument).substr(0, equals))), "--set " + argument);
  }
  for (const auto& parameter : sweep.parameters) claim(parameter.key, parameter.origin);
}

Design make_design(const SweepTable& sweep, std::uint64_t seed, const Context& context) {
  try {
    if (sweeps_ranges(sweep)) {
      std::vector<LatinHypercubeRange> ranges;
      for (const auto& parameter : sweep.parameters) ranges.push_back(parameter.range);
      if (sweep.mode == "sobol") {
        return saltelli_design(ranges, sweep.points, seed, max_design_points());
      }
      return latin_hypercube_design(ranges, sweep.points, seed);
    }
    std::vector<DesignAxis> axes;
    for (const auto& parameter : sweep.parameters) axes.push_back({parameter.key, parameter.values});
    return sweep.mode == "zip" ? zip_design(axes) : grid_design(axes, max_design_points());
  } catch (const std::invalid_argument& error) {
    context.fail(sweep.anchor, fmt::format("[sweep] mode = \"{}\": {}", sweep.mode, error.what()));
  }
}

std::string sweep_to_toml(const SweepTable& sweep) {
  std::string out = "\n[sweep]\n";
  out += fmt::format("mode = {}\n", toml_string(sweep.mode));
  out += fmt::format("common_random_numbers = {}\n", sweep.common_random_numbers);
  if (sweeps_ranges(sweep)) out += fmt::format("points = {}\n", sweep.points);
  out += "\n[sweep.parameters]\n";
  for (const auto& parameter : sweep.parameters) {
    std::string value;
    if (sweeps_ranges(sweep)) {
      const auto& range = parameter.range;
      const std::string bounds = fmt::format("[{}, {}]", toml_float(range.low), toml_float(range.high));
      value = range.log ? fmt::format("{{ range = {}, log = true }}", bounds) : bounds;
    } else {
      std::vector<std::string> items;
      for (const auto& item : parameter.values) items.push_back(toml_value(item));
      value = fmt::format("[{}]", fmt::join(items, ", "));
    }
    out += fmt::format("{} = {}\n", toml_string(parameter.key), value);
  }
  return out;
}

std::string describe_point(const SweepTable& sweep, const std::vector<DesignValue>& point) {
  std::vector<std::string> settings;
  for (std::size_t k = 0; k < point.size(); ++k) {
    settings.push_back(fmt::format("{} = {}", sweep.parameters[k].key, describe_value(point[k])));
  }
  return fmt::format("{}", fmt::join(settings, ", "));
}

}  // namespace shortfall
