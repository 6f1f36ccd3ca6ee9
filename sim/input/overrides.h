// --set KEY=VALUE, and the sweep's settings of its keys: where a dotted key
// lives in a scenario document, and setting it there.
//
// KEY is a dotted scalar key (`provider.opening_cash`,
// `indicator.eip_two_weeks.target`, `indicator.*.volatility`,
// `provider.trust.contract.outcome_share`); VALUE is TOML (a bare word is
// taken as a string). A file's value that an override replaces must itself
// be valid: its row's check runs on it first, so `runs = -500` in a file is
// an error whatever `--runs` says.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/input/reading.h"

namespace shortfall {

// A value an override writes: the table, the key in it, its row (nullptr
// for none), and its label in messages ("provider.trust.indicator.eip.weight").
struct OverrideTarget {
  toml::table* table;
  std::string key;
  const ScenarioKey* row = nullptr;
  std::string label;
};

// `origin` names where the override came from: "--set KEY=VALUE", or the
// sweep parameter's FILE:LINE.
[[noreturn]] void fail_override(const std::string& origin, const std::string& message);

// The tables and key an override writes to; checks KEY against the key table.
std::vector<OverrideTarget> override_targets(toml::table& document, const std::string& key,
                                             const Context& context, const std::string& origin);

// Sets KEY to VALUE (TOML text) in every table KEY names, after checking
// the file's values it replaces.
void set_key(toml::table& document, const std::string& key, const std::string& value,
             const std::string& origin, Context& context);
// One --set argument, "KEY=VALUE".
void apply_override(toml::table& document, const std::string& argument, Context& context);

// The value `node` of the key of `row`, checked by the row alone: its type,
// range or choices, element by element for a list or a table. Rules
// between keys (a floor below its target, a matrix the size of the
// indicators) are the readers'.
void check_value(const Context& context, const ScenarioKey& row, const toml::node& node,
                 const std::string& label);

}  // namespace shortfall
