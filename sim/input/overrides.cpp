// --set KEY=VALUE: where a dotted key lives in the document, and setting it.
#include "sim/input/overrides.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/input/cash_days.h"
#include "sim/input/readers.h"

namespace shortfall {

namespace {

bool contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The rows of a table a --set path may name directly: simulation, provider,
// demand, contract, performance; empty for any other name.
KeyRows section_rows(std::string_view name) {
  if (name == "simulation") return keys::simulation;
  if (name == "provider") return keys::provider;
  return provider_table_rows(name);
}

// VALUE in TOML syntax; anything else (a bare word such as capitation) is a string.
toml::table parse_override_value(const std::string& value) {
  try {
    toml::table parsed = toml::parse("v = " + value);
    if (parsed.size() == 1 && parsed.contains("v")) return parsed;
  } catch (const toml::parse_error&) {
    // not TOML: fall through to a plain string
  }
  toml::table as_text;
  as_text.insert("v", value);
  return as_text;
}

toml::table& table_to_set(toml::table& parent, std::string_view name, const Context& context,
                          const std::string& origin) {
  if (!parent.contains(name)) parent.insert(name, toml::table{});
  toml::node* node = parent.get(name);
  if (auto* table = node->as_table()) return *table;
  fail_override(origin, fmt::format("cannot set a key in '{}': at {} it is not a table", name,
                                      context.where(node)));
}

// One indicator table of the document, with the label its keys have in
// messages ("provider.trust.indicator.eip").
struct IndicatorTable {
  toml::table* table;
  std::string label;
};

// Every indicator table of the document, wherever it sits: [[indicator]],
// [[segment.indicator]], [[provider.indicator]],
// [[provider.segment.indicator]], [[network.indicator]]. `prefix` places
// the scope as the readers name it ("", "provider.trust.", "segment.x.").
void collect_indicator_tables(toml::table& scope, const std::string& prefix,
                              std::vector<IndicatorTable>& out) {
  if (auto* list = scope.get_as<toml::array>("indicator"); list && list->is_array_of_tables()) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      toml::table& indicator = *list->get(i)->as_table();
      out.push_back({&indicator, indicator_label(indicator, i, prefix)});
    }
  }
  if (auto* segments = scope.get_as<toml::array>("segment");
      segments && segments->is_array_of_tables()) {
    for (std::size_t s = 0; s < segments->size(); ++s) {
      toml::table& segment = *segments->get(s)->as_table();
      collect_indicator_tables(segment, element_label(segment, s, prefix + "segment") + ".", out);
    }
  }
}

std::vector<IndicatorTable> all_indicator_tables(toml::table& document) {
  std::vector<IndicatorTable> tables;
  if (auto* providers = document.get_as<toml::array>("provider");
      providers && providers->is_array_of_tables()) {
    for (std::size_t p = 0; p < providers->size(); ++p) {
      toml::table& provider = *providers->get(p)->as_table();
      collect_indicator_tables(provider, element_label(provider, p, "provider") + ".", tables);
    }
  } else {
    collect_indicator_tables(document, "", tables);
  }
  if (auto* network = document.get_as<toml::table>("network")) {
    if (auto* list = network->get_as<toml::array>("indicator"); list && list->is_array_of_tables()) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        toml::table& indicator = *list->get(i)->as_table();
        tables.push_back({&indicator, indicator_label(indicator, i, "network.")});
      }
    }
  }
  return tables;
}

std::vector<IndicatorTable> indicators_to_set(toml::table& document, std::string_view selector,
                                              const std::string& origin) {
  const std::vector<IndicatorTable> indicators = all_indicator_tables(document);
  if (indicators.empty()) fail_override(origin, "the scenario has no [[indicator]] to set");
  std::vector<IndicatorTable> targets;
  std::vector<std::string> ids;
  for (const IndicatorTable& indicator : indicators) {
    const auto* id = indicator.table->get_as<std::string>("id");
    if (id != nullptr) ids.push_back(id->get());
    if (selector == "*" || (id != nullptr && id->get() == selector)) targets.push_back(indicator);
  }
  if (targets.empty()) {
    const std::vector<std::string_view> names(ids.begin(), ids.end());
    fail_override(origin, fmt::format("no [[indicator]] has id '{}'{}", selector,
                                        did_you_mean(selector, names)));
  }
  return targets;
}

[[noreturn]] void fail_unknown_override_key(const std::string& origin, std::string_view key,
                                            std::string_view last,
                                            std::span<const std::string_view> known) {
  fail_override(origin, fmt::format("unknown key '{}'{}", key, did_you_mean(last, known)));
}

std::vector<OverrideTarget> indicator_targets(toml::table& document,
                                              const std::vector<std::string>& path,
                                              const std::string& key, const std::string& origin) {
  if (path.size() != 3) {
    fail_override(origin, "indicator keys are set as indicator.<id>.<key> or indicator.*.<key>");
  }
  const auto known = key_names(keys::indicator, is_network_document(document)
                                                    ? KeyScope::network_file
                                                    : KeyScope::single_provider_file);
  if (!contains(known, path[2])) fail_unknown_override_key(origin, key, path[2], known);
  std::vector<OverrideTarget> targets;
  for (const IndicatorTable& indicator : indicators_to_set(document, path[1], origin)) {
    targets.push_back({indicator.table, path[2], &keys::row(keys::indicator, path[2]),
                       indicator.label + "." + path[2]});
  }
  return targets;
}

// The element of the array of tables `parent.name` whose `field` is `wanted`.
toml::table& element_to_set(toml::table& parent, std::string_view name, std::string_view field,
                            const std::string& wanted, std::string_view what,
                            const std::string& origin) {
  std::vector<std::string> known;
  if (auto* list = parent.get_as<toml::array>(name); list && list->is_array_of_tables()) {
    for (auto& element : *list) {
      const auto* value = element.as_table()->get_as<std::string>(field);
      if (value == nullptr) continue;
      if (value->get() == wanted) return *element.as_table();
      known.push_back(value->get());
    }
  }
  const std::vector<std::string_view> names(known.begin(), known.end());
  fail_override(origin, fmt::format("no [[{}]] has {} '{}'{}{}", what, field, wanted,
                                    known.empty() ? "" : fmt::format(" (known: {})", joined(names)),
                                    did_you_mean(wanted, names)));
}

std::vector<OverrideTarget> top_level_target(toml::table& document, const std::string& key,
                                             const std::string& origin) {
  if (key == "title") return {{&document, key, &keys::row(keys::document, "title"), key}};
  if (!section_rows(key).empty()) {
    fail_override(origin, fmt::format("'{}' is a table: set one of its keys, e.g. {}.{}", key,
                                      key, section_rows(key).front().name));
  }
  fail_unknown_override_key(origin, key, key,
                            key_names(keys::document, KeyScope::single_provider_file));
}

// `path[from..]` inside one table `name` of a provider (demand, contract,
// performance), or `contract.risk_share.key`, the one nested table.
std::vector<OverrideTarget> table_key_target(toml::table& scope,
                                             const std::vector<std::string>& path,
                                             std::size_t from, const std::string& key,
                                             const Context& context, const std::string& origin) {
  const std::string& name = path[from];
  const KeyRows rows = section_rows(name);
  const auto known = key_names(rows);
  if (path.size() == from + 1) {
    fail_override(origin, fmt::format("'{}' is a table: set one of its keys, e.g. {}.{}", key,
                                      key, known.front()));
  }
  if (!contains(known, path[from + 1])) {
    fail_unknown_override_key(origin, key, path[from + 1], known);
  }
  toml::table& section = table_to_set(scope, name, context, origin);
  if (path.size() == from + 2) return {{&section, path[from + 1], keys::find(rows, path[from + 1]), key}};
  if (path.size() == from + 3 && path[from + 1] == "risk_share") {
    const auto risk_share_keys = key_names(keys::risk_share);
    if (!contains(risk_share_keys, path[from + 2])) {
      fail_unknown_override_key(origin, key, path[from + 2], risk_share_keys);
    }
    return {{&table_to_set(section, "risk_share", context, origin), path[from + 2],
             keys::find(keys::risk_share, path[from + 2]), key}};
  }
  fail_override(origin, fmt::format("unknown key '{}': {} has no keys under it", key,
                                      fmt::format("{}", fmt::join(path.begin(),
                                                                  path.begin() + from + 2, "."))));
}

// segment.<id>.annual_value | basis | demand.<key>, from path[from] = "segment".
std::vector<OverrideTarget> segment_target(toml::table& scope,
                                           const std::vector<std::string>& path, std::size_t from,
                                           const std::string& key, const Context& context,
                                           const std::string& origin) {
  // A segment's own values and its demand table; not its id or indicators.
  std::vector<std::string_view> settable;
  for (const auto& row : keys::segment) {
    if (row.type != KeyType::special && row.type != KeyType::tables) settable.push_back(row.name);
  }
  if (path.size() < from + 3) {
    fail_override(origin, fmt::format("segment keys are set as {}segment.<id>.<key>, e.g. "
                                        "segment.psychosis.annual_value",
                                        from == 0 ? "" : "provider.<id>."));
  }
  toml::table& segment = element_to_set(scope, "segment", "id", path[from + 1], "segment", origin);
  const std::string& field = path[from + 2];
  if (!contains(settable, field)) fail_unknown_override_key(origin, key, field, settable);
  if (field == "demand") return table_key_target(segment, path, from + 2, key, context, origin);
  if (path.size() != from + 3) {
    fail_override(origin, fmt::format("unknown key '{}': segment.{} has no keys under it", key,
                                        field));
  }
  return {{&segment, field, keys::find(keys::segment, field), key}};
}

// A single-provider file's `section.key`, or segment.<id>....
std::vector<OverrideTarget> section_target(toml::table& document,
                                           const std::vector<std::string>& path,
                                           const std::string& key, const Context& context,
                                           const std::string& origin) {
  const std::string& name = path[0];
  if (name == "segment") return segment_target(document, path, 0, key, context, origin);
  if (name == "network") {
    fail_override(origin, fmt::format("{}: the scenario has no [network]", key));
  }
  if (section_rows(name).empty()) {
    fail_unknown_override_key(origin, key, name,
                              key_names(keys::document, KeyScope::single_provider_file));
  }
  if (name == "simulation" || name == "provider") {
    const auto known = key_names(section_rows(name));
    if (!contains(known, path[1])) fail_unknown_override_key(origin, key, path[1], known);
    if (path.size() != 2) {
      fail_override(origin,
                    fmt::format("unknown key '{}': {}.{} has no keys under it", key, name, path[1]));
    }
    return {{&table_to_set(document, name, context, origin), path[1],
             keys::find(section_rows(name), path[1]), key}};
  }
  return table_key_target(document, path, 0, key, context, origin);
}

// A network file: network.<key>, network.subcontract.<provider>.<key>,
// network.performance.correlation.
std::vector<OverrideTarget> network_target(toml::table& document,
                                           const std::vector<std::string>& path,
                                           const std::string& key, const Context& context,
                                           const std::string& origin) {
  // [network]'s own values; a subcontract's values but not whom it names.
  std::vector<std::string_view> scalar_keys;
  for (const auto& row : keys::network) {
    if (row.type != KeyType::table && row.type != KeyType::tables) scalar_keys.push_back(row.name);
  }
  std::vector<std::string_view> subcontract_keys = key_names(keys::subcontract);
  subcontract_keys.erase(subcontract_keys.begin());  // provider
  toml::table& network = table_to_set(document, "network", context, origin);
  if (path.size() == 2 && contains(scalar_keys, path[1])) {
    return {{&network, path[1], keys::find(keys::network, path[1]), key}};
  }
  if (path[1] == "performance") return table_key_target(network, path, 1, key, context, origin);
  if (path[1] == "subcontract") {
    if (path.size() != 4) {
      fail_override(origin, "subcontract keys are set as network.subcontract.<provider id>.<key>");
    }
    if (!contains(subcontract_keys, path[3])) {
      fail_unknown_override_key(origin, key, path[3], subcontract_keys);
    }
    return {{&element_to_set(network, "subcontract", "provider", path[2], "network.subcontract",
                             origin),
             path[3], keys::find(keys::subcontract, path[3]), key}};
  }
  // Everything under [network] but its alliance-wide indicators, which
  // indicator.<id>.<key> sets.
  std::vector<std::string_view> known = key_names(keys::network);
  std::erase(known, "indicator");
  if (path.size() == 2 || !contains(known, path[1])) {
    fail_unknown_override_key(origin, key, path[1], known);
  }
  fail_override(origin, fmt::format("unknown key '{}': network.{} has no keys under it", key,
                                      path[1]));
}

// A network file: provider.<id>.<key>, provider.<id>.<table>.<key>,
// provider.<id>.segment.<id>....
std::vector<OverrideTarget> network_provider_target(toml::table& document,
                                                    const std::vector<std::string>& path,
                                                    const std::string& key, const Context& context,
                                                    const std::string& origin) {
  if (path.size() < 3) {
    fail_override(origin, fmt::format("'{}': in a network, provider keys are set as "
                                        "provider.<id>.<key>, e.g. provider.trust.opening_cash",
                                        key));
  }
  toml::table& provider = element_to_set(document, "provider", "id", path[1], "provider", origin);
  const std::string& name = path[2];
  if (name == "segment") return segment_target(provider, path, 2, key, context, origin);
  if (!provider_table_rows(name).empty()) {
    return table_key_target(provider, path, 2, key, context, origin);
  }
  if (name == "id" || keys::find(keys::provider, name) != nullptr) {
    if (path.size() != 3) {
      fail_override(origin, fmt::format("unknown key '{}': provider.{}.{} has no keys under it",
                                        key, path[1], name));
    }
    const ScenarioKey* row =
        name == "id" ? &keys::network_provider.front() : keys::find(keys::provider, name);
    return {{&provider, name, row, key}};
  }
  fail_unknown_override_key(origin, key, name, network_provider_key_names());
}

// A cash key set in one spelling replaces the file's other (cash_days.h),
// which must itself be valid; both spellings set by overrides is an error.
void replace_other_cash_spelling(const OverrideTarget& target, const std::string& origin,
                                 const Context& context) {
  if (target.row == nullptr || keys::find(keys::provider, target.key) != target.row) return;
  const auto other = other_cash_spelling(target.key);
  const toml::node* existing = other ? target.table->get(*other) : nullptr;
  if (existing == nullptr) return;
  const std::string other_label =
      target.label.substr(0, target.label.size() - target.key.size()) + std::string(*other);
  if (context.is_override(*existing)) {
    fail_override(origin, fmt::format("{} and {} (at {}) both set the same cash, in days and in "
                                      "GBP: set one of them",
                                      target.label, other_label, context.where(existing)));
  }
  check_value(context, keys::row(keys::provider, *other), *existing, other_label);
  target.table->erase(*other);
}

}  // namespace

void fail_override(const std::string& origin, const std::string& message) {
  throw ScenarioError(origin, message);
}

std::vector<OverrideTarget> override_targets(toml::table& document, const std::string& key,
                                             const Context& context, const std::string& origin) {
  const std::vector<std::string> path = split(key, '.');
  if (path[0] == "sweep") {
    fail_override(origin, "the [sweep] table cannot be set with --set; edit it in the file");
  }
  if (path[0] == "indicator") return indicator_targets(document, path, key, origin);
  if (path.size() == 1) return top_level_target(document, key, origin);
  if (is_network_document(document)) {
    if (path[0] == "network") return network_target(document, path, key, context, origin);
    if (path[0] == "provider") {
      return network_provider_target(document, path, key, context, origin);
    }
    if (path[0] == "simulation") return section_target(document, path, key, context, origin);
    fail_override(origin, fmt::format("'{}': a network file keeps {} keys in each provider: "
                                        "set provider.<id>.{}",
                                        key, path[0], key));
  }
  return section_target(document, path, key, context, origin);
}

void check_value(const Context& context, const ScenarioKey& row, const toml::node& node,
                 const std::string& label) {
  // A scratch context: a value about to be replaced warns of nothing.
  Context scratch = context;
  switch (row.type) {
    case KeyType::number:
      number_within(scratch, node, label, row.allowed);
      return;
    case KeyType::integer:
      integer_within(scratch, node, label, row.allowed);
      return;
    case KeyType::text:
      if (!node.is_string()) {
        scratch.fail(&node, fmt::format("{} = {} must be a string", label, describe(node)));
      }
      return;
    case KeyType::choice:
      choice_name(scratch, row, node, label);
      return;
    case KeyType::table:
      if (!row.nested.empty()) {
        if (const auto* table = node.as_table()) {
          for (const auto& nested : row.nested) {
            if (const toml::node* value = table->get(nested.name)) {
              check_value(scratch, nested, *value, dotted(label, nested.name));
            }
          }
        } else if (row.name == "risk_share") {
          risk_share_value(scratch, node, label);  // says what a risk share is
        }
      }
      return;
    case KeyType::special:
      if (row.name == "outcome_share") {
        outcome_share_value(scratch, node, label);
      } else if (row.name == "structures") {
        structures_value(scratch, node, label);
      } else if (row.name == "seed") {
        seed_value(scratch, node);
      } else if (row.name == "seasonality") {
        seasonality_value(scratch, node, label);
      } else if (row.name == "correlation") {
        check_correlation_entries(scratch, node, label);
      } else if (row.name == "id") {
        id_value(scratch, node, label);
      }
      return;
    case KeyType::flag:
    case KeyType::tables:
      return;  // never the target of an override
  }
}

void set_key(toml::table& document, const std::string& key, const std::string& value,
             const std::string& origin, Context& context) {
  // A value taken as a plain string would carry invalid bytes into the
  // resolved text, which then no longer loads (found by tests/fuzz).
  if (!is_valid_utf8(value)) fail_override(origin, "the value is not valid UTF-8 text");
  toml::table parsed = parse_override_value(value);
  const toml::node& node = *parsed.get("v");
  for (const auto& target : override_targets(document, key, context, origin)) {
    // Every value in the file must be valid, whatever replaces it.
    const toml::node* replaced = target.table->get(target.key);
    if (replaced != nullptr && target.row != nullptr && !context.is_override(*replaced)) {
      check_value(context, *target.row, *replaced, target.label);
    }
    node.visit([&](const auto& concrete) { target.table->insert_or_assign(target.key, concrete); });
    context.mark_override(*target.table->get(target.key), origin);
    replace_other_cash_spelling(target, origin, context);
  }
}

void apply_override(toml::table& document, const std::string& argument, Context& context) {
  const std::string origin = "--set " + argument;
  const std::size_t equals = argument.find('=');
  const std::string key(trimmed(std::string_view(argument).substr(0, equals)));
  if (equals == std::string::npos || key.empty()) {
    fail_override(origin, "expected KEY=VALUE, e.g. --set provider.opening_cash=2e6");
  }
  set_key(document, key, argument.substr(equals + 1), origin, context);
}

}  // namespace shortfall
