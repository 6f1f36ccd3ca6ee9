// Reading TOML against the key table: where a value came from, typed values
// checked against their row, and the unknown-key check.
//
// Every message names where the value is (FILE:LINE, or the --set argument
// that put it there), the full dotted key, the value as written and what is
// allowed: "x.toml:22: contract.outcome_share = 1.3 is outside [0, 1]".
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <toml++/toml.h>

#include "sim/input/scenario_error.h"
#include "sim/input/scenario_keys.h"
#include "sim/input/toml_text.h"

namespace shortfall {

// Where a value came from: FILE:LINE, or the --set argument that put it there.
class Context {
 public:
  explicit Context(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }
  std::string where(const toml::node* node) const;

  [[noreturn]] void fail(const toml::node* node, const std::string& message) const {
    throw ScenarioError(where(node), message);
  }
  void warn(const toml::node* node, const std::string& message) {
    warnings_.push_back(where(node) + ": warning: " + message);
  }

  // Nodes copied in by --set or a sweep have no line; remember their origin
  // ("--set KEY=VALUE", or the sweep parameter's FILE:LINE) instead.
  void mark_override(const toml::node& node, const std::string& origin);
  bool is_override(const toml::node& node) const { return override_of_.contains(&node); }

  std::vector<std::string> take_warnings() { return std::move(warnings_); }

 private:
  std::string source_;
  std::unordered_map<const toml::node*, std::string> override_of_;
  std::vector<std::string> warnings_;
};

// " (at WHERE)" when `other` was set somewhere else than `blamed`: a rule
// between two keys may be broken by a --set of either.
std::string origin_note(const Context& context, const toml::node* other, const toml::node* blamed);

// Typed values from nodes. `label` is the full dotted key used in messages.
double number_value(const Context& context, const toml::node& node, const std::string& label);
double number_within(const Context& context, const toml::node& node, const std::string& label,
                     const Interval& allowed);
// Integral floats (1e5) are accepted: they name an integer exactly.
std::int64_t integer_within(const Context& context, const toml::node& node,
                            const std::string& label, const Interval& allowed);

// The name `node` chooses among the choices of `key`.
std::string_view choice_name(const Context& context, const ScenarioKey& key,
                             const toml::node& node, const std::string& label);

// One table of the scenario, named by its dotted path for messages. A table
// missing from the file reads as empty, so every key takes its default.
class Section {
 public:
  Section(Context& context, const toml::table* table, std::string path, const toml::node* anchor)
      : context_(context), table_(table), path_(std::move(path)), anchor_(anchor) {}

  Context& context() const { return context_; }
  const std::string& path() const { return path_; }
  const toml::node* anchor() const { return anchor_; }
  const toml::node* find(std::string_view key) const {
    return table_ != nullptr ? table_->get(key) : nullptr;
  }
  const toml::node* find(const ScenarioKey& key) const { return find(key.name); }
  std::string label(std::string_view key) const { return dotted(path_, key); }
  std::string label(const ScenarioKey& key) const { return label(key.name); }

  [[noreturn]] void fail_missing(std::string_view key, std::string_view why) const;
  // "KEY is missing: WHY", the row's reason.
  [[noreturn]] void fail_missing(const ScenarioKey& key) const {
    fail_missing(key.name, key.fallback.text);
  }

  std::optional<double> optional_number(const ScenarioKey& key) const;
  // The value, or the row's default.
  double number(const ScenarioKey& key) const;
  // The value, or `fallback` (a default the row says is derived).
  double number(const ScenarioKey& key, double fallback) const;
  double required_number(const ScenarioKey& key) const;
  std::int64_t integer(const ScenarioKey& key) const;
  std::int64_t integer(const ScenarioKey& key, const Interval& allowed,
                       std::int64_t fallback) const;
  std::string text(const ScenarioKey& key, std::string fallback) const;

  template <typename Value, std::size_t N>
  Value choice(const ScenarioKey& key, const std::array<Named<Value>, N>& named) const {
    const toml::node* node = find(key);
    const std::string_view name =
        node == nullptr ? key.fallback.text : choice_name(context_, key, *node, label(key));
    for (const auto& option : named) {
      if (option.name == name) return option.value;
    }
    return named.front().value;
  }

 private:
  Context& context_;
  const toml::table* table_;
  std::string path_;
  const toml::node* anchor_;
};

Section section_of(const toml::table& document, std::string_view name, Context& context);

// --- The shape of the file -------------------------------------------------

// Reports the unknown key nearest the top of the file (tables iterate by name).
void reject_unknown_keys(const toml::table& table, std::string_view path,
                         std::span<const std::string_view> known, const Context& context);

// "<prefix>indicator.<id>" for messages, or "<prefix>indicator[n]" (from 1)
// while the id is unusable. `prefix` places the list: "" at the top level,
// "provider.trust.", "segment.psychosis.", "network.".
std::string indicator_label(const toml::table& indicator, std::size_t index,
                            std::string_view prefix = "");
// "<path>.<id>" for a [[provider]] or [[segment]] element, or "<path>[n]".
std::string element_label(const toml::table& element, std::size_t index, std::string_view path);

// An array of tables, `label` its full key and `header` how it is written
// ([[provider.indicator]]); nullptr when absent. An empty list reads as none.
const toml::array* table_array(const toml::node* node, const std::string& label,
                               std::string_view header, const Context& context);
// A table's key that must itself be a table, checked against its keys.
const toml::table* checked_table(const toml::node* node, const std::string& label,
                                 std::string_view header, std::span<const std::string_view> keys,
                                 const Context& context);

}  // namespace shortfall
