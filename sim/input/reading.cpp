#include "sim/input/reading.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace shortfall {

std::string Context::where(const toml::node* node) const {
  if (node != nullptr) {
    if (const auto found = override_of_.find(node); found != override_of_.end()) {
      return found->second;
    }
    if (node->source().begin.line > 0) {
      return fmt::format("{}:{}", source_, node->source().begin.line);
    }
  }
  return source_;
}

void Context::mark_override(const toml::node& node, const std::string& origin) {
  override_of_[&node] = origin;
  if (const auto* array = node.as_array()) {
    for (const auto& element : *array) mark_override(element, origin);
  }
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) mark_override(value, origin);
  }
}

std::string origin_note(const Context& context, const toml::node* other, const toml::node* blamed) {
  if (other == nullptr || context.where(other) == context.where(blamed)) return "";
  return fmt::format(" (at {})", context.where(other));
}

double number_value(const Context& context, const toml::node& node, const std::string& label) {
  if (const auto* integer = node.as_integer()) return static_cast<double>(integer->get());
  if (const auto* floating = node.as_floating_point()) return floating->get();
  context.fail(&node, fmt::format("{} = {} must be a number", label, describe(node)));
}

double number_within(const Context& context, const toml::node& node, const std::string& label,
                     const Interval& allowed) {
  const double value = number_value(context, node, label);
  if (!allowed.contains(value)) {
    context.fail(&node,
                 fmt::format("{} = {} is outside {}", label, describe(node), allowed.text()));
  }
  return value;
}

std::int64_t integer_within(const Context& context, const toml::node& node,
                            const std::string& label, const Interval& allowed) {
  double value = 0.0;
  if (const auto* integer = node.as_integer()) {
    value = static_cast<double>(integer->get());
  } else if (const auto* floating = node.as_floating_point()) {
    value = floating->get();
    if (std::isfinite(value) && value != std::trunc(value)) {
      context.fail(&node, fmt::format("{} = {} must be an integer", label, describe(node)));
    }
  } else {
    context.fail(&node, fmt::format("{} = {} must be an integer", label, describe(node)));
  }
  if (!allowed.contains(value)) {
    context.fail(&node,
                 fmt::format("{} = {} is outside {}", label, describe(node), allowed.text()));
  }
  if (const auto* integer = node.as_integer()) return integer->get();
  return static_cast<std::int64_t>(value);
}

std::string_view choice_name(const Context& context, const ScenarioKey& key,
                             const toml::node& node, const std::string& label) {
  if (const auto* value = node.as_string()) {
    for (const auto name : key.choices) {
      if (name == value->get()) return name;
    }
    context.fail(&node, fmt::format("{} = {} must be one of {}{}", label, describe(node),
                                    joined(key.choices), did_you_mean(value->get(), key.choices)));
  }
  context.fail(&node, fmt::format("{} = {} must be one of {}", label, describe(node),
                                  joined(key.choices)));
}

// --- Section ----------------------------------------------------------------

void Section::fail_missing(std::string_view key, std::string_view why) const {
  context_.fail(anchor_, fmt::format("{} is missing: {}", label(key), why));
}

std::optional<double> Section::optional_number(const ScenarioKey& key) const {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  return number_within(context_, *node, label(key), key.allowed);
}

double Section::number(const ScenarioKey& key) const {
  return number(key, key.fallback.number);
}

double Section::number(const ScenarioKey& key, double fallback) const {
  return optional_number(key).value_or(fallback);
}

double Section::required_number(const ScenarioKey& key) const {
  const auto value = optional_number(key);
  if (!value) fail_missing(key);
  return *value;
}

std::int64_t Section::integer(const ScenarioKey& key) const {
  return integer(key, key.allowed, static_cast<std::int64_t>(key.fallback.number));
}

std::int64_t Section::integer(const ScenarioKey& key, const Interval& allowed,
                              std::int64_t fallback) const {
  const toml::node* node = find(key);
  return node == nullptr ? fallback : integer_within(context_, *node, label(key), allowed);
}

std::string Section::text(const ScenarioKey& key, std::string fallback) const {
  const toml::node* node = find(key);
  if (node == nullptr) return fallback;
  if (const auto* value = node->as_string()) return value->get();
  context_.fail(node, fmt::format("{} = {} must be a string", label(key), describe(*node)));
}

Section section_of(const toml::table& document, std::string_view name, Context& context) {
  const toml::node* node = document.get(name);
  return Section(context, node != nullptr ? node->as_table() : nullptr, std::string(name), node);
}

// --- The shape of the file ---------------------------------------------------

void reject_unknown_keys(const toml::table& table, std::string_view path,
                         std::span<const std::string_view> known, const Context& context) {
  const toml::key* first_unknown = nullptr;
  const toml::node* first_node = nullptr;
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    if (first_unknown == nullptr || key.source().begin.line < first_unknown->source().begin.line) {
      first_unknown = &key;
      first_node = &node;
    }
  }
  if (first_unknown != nullptr) {
    context.fail(first_node, fmt::format("unknown key '{}'{}", dotted(path, first_unknown->str()),
                                         did_you_mean(first_unknown->str(), known)));
  }
}

std::string indicator_label(const toml::table& indicator, std::size_t index,
                            std::string_view prefix) {
  if (const auto* id = indicator.get_as<std::string>("id");
      id && is_valid_id(id->get())) {
    return fmt::format("{}indicator.{}", prefix, id->get());
  }
  return fmt::format("{}indicator[{}]", prefix, index + 1);
}

std::string element_label(const toml::table& element, std::size_t index, std::string_view path) {
  if (const auto* id = element.get_as<std::string>("id");
      id && is_valid_id(id->get())) {
    return fmt::format("{}.{}", path, id->get());
  }
  return fmt::format("{}[{}]", path, index + 1);
}

const toml::array* table_array(const toml::node* node, const std::string& label,
                               std::string_view header, const Context& context) {
  if (node == nullptr) return nullptr;
  const auto* array = node->as_array();
  if (array == nullptr || (!array->empty() && !array->is_array_of_tables())) {
    context.fail(node, fmt::format("{} = {} must be an array of tables, written [[{}]]", label,
                                   describe(*node), header));
  }
  return array;
}

const toml::table* checked_table(const toml::node* node, const std::string& label,
                                 std::string_view header, std::span<const std::string_view> keys,
                                 const Context& context) {
  if (node == nullptr) return nullptr;
  const auto* table = node->as_table();
  if (table == nullptr) {
    context.fail(node, fmt::format("{} = {} must be a table, written [{}]", label, describe(*node),
                                   header));
  }
  reject_unknown_keys(*table, label, keys, context);
  return table;
}

}  // namespace shortfall
