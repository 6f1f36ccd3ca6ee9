// Scenario TOML -> validated Scenario. The keys, defaults and ranges here are
// documented one for one in docs/scenario-keys.md; change both together.
#include "sim/input/scenario_loader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <Eigen/Eigenvalues>

namespace shortfall {
namespace {

using KeyList = std::span<const std::string_view>;

// ---------------------------------------------------------------------------
// The schema: which keys each table may hold.

constexpr std::array<std::string_view, 9> k_top_level_keys{
    "title",       "simulation", "provider", "demand", "contract",
    "performance", "indicator",  "segment",  "sweep"};
constexpr std::array<std::string_view, 5> k_section_names{"simulation", "provider", "demand",
                                                          "contract", "performance"};
constexpr std::array<std::string_view, 6> k_simulation_keys{
    "runs", "horizon_months", "seed", "target_halfwidth", "min_runs", "max_runs"};
constexpr std::array<std::string_view, 9> k_provider_keys{
    "opening_cash",   "shortfall_threshold", "stress_start_cash",
    "stress_penalty", "underlying_deficit",  "fixed_cost_share",
    "cost_growth",    "cost_noise",          "overdraft_rate"};
constexpr std::array<std::string_view, 4> k_demand_keys{"volatility", "persistence", "growth",
                                                        "seasonality"};
constexpr std::array<std::string_view, 10> k_contract_keys{"annual_value",
                                                           "basis",
                                                           "income_growth",
                                                           "outcome_share",
                                                           "structures",
                                                           "assessment",
                                                           "settlement_lag_months",
                                                           "payment_rule",
                                                           "withhold_effort_effect",
                                                           "risk_share"};
constexpr std::array<std::string_view, 2> k_risk_share_keys{"corridor", "commissioner_share"};
constexpr std::array<std::string_view, 1> k_performance_keys{"correlation"};
constexpr std::array<std::string_view, 12> k_indicator_keys{
    "id",     "name",  "measure",         "weight",     "direction", "baseline",
    "target", "floor", "cases_per_month", "volatility", "reversion", "trend"};

// Networks (MODEL.md 9, INTERFACE.md "Networks") and segments (MODEL.md 10).
constexpr std::array<std::string_view, 5> k_network_top_level_keys{"title", "simulation",
                                                                   "network", "provider", "sweep"};
// A single-provider file's tables that a network holds inside each [[provider]].
constexpr std::array<std::string_view, 6> k_single_provider_tables{
    "provider", "demand", "contract", "performance", "indicator", "segment"};
constexpr std::array<std::string_view, 6> k_network_keys{
    "model", "lead", "management_fee", "subcontract", "indicator", "performance"};
constexpr std::array<std::string_view, 4> k_subcontract_keys{"provider", "value", "pass_through",
                                                             "payment_delay_months"};
// What a [[provider]] element holds: its id, the provider keys, its tables.
constexpr std::array<std::string_view, 15> k_network_provider_keys{
    "id",          "opening_cash", "shortfall_threshold", "stress_start_cash", "stress_penalty",
    "underlying_deficit", "fixed_cost_share", "cost_growth", "cost_noise", "overdraft_rate",
    "demand",      "contract",     "performance",         "indicator",         "segment"};
constexpr std::array<std::string_view, 13> k_network_indicator_keys{
    "id",     "name",  "measure",         "weight",     "direction", "baseline",    "target",
    "floor",  "cases_per_month", "volatility", "reversion", "trend", "delivered_by"};
constexpr std::array<std::string_view, 5> k_segment_keys{"id", "annual_value", "basis", "demand",
                                                         "indicator"};
// The tables a provider holds besides its keys, as --set paths.
constexpr std::array<std::string_view, 3> k_provider_tables{"demand", "contract", "performance"};

KeyList keys_of_section(std::string_view section) {
  if (section == "simulation") return k_simulation_keys;
  if (section == "provider") return k_provider_keys;
  if (section == "demand") return k_demand_keys;
  if (section == "contract") return k_contract_keys;
  if (section == "performance") return k_performance_keys;
  return {};
}

bool contains(KeyList keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

template <typename Value>
struct Named {
  std::string_view name;
  Value value;
};

constexpr std::array<Named<Basis>, 3> k_bases{
    {{"block", Basis::block}, {"capitation", Basis::capitation}, {"episodic", Basis::episodic}}};
constexpr std::array<Named<int>, 3> k_assessments{
    {{"monthly", 1}, {"quarterly", 3}, {"annual", 12}}};
constexpr std::array<Named<PaymentRule>, 2> k_payment_rules{
    {{"threshold", PaymentRule::threshold}, {"linear", PaymentRule::linear}}};
constexpr std::array<Named<Direction>, 2> k_directions{
    {{"higher", Direction::higher}, {"lower", Direction::lower}}};
constexpr std::array<Named<NetworkModel>, 3> k_network_models{
    {{"alliance", NetworkModel::alliance},
     {"prime", NetworkModel::prime},
     {"integrator", NetworkModel::integrator}}};

template <typename Value, std::size_t N>
std::string_view name_of(const std::array<Named<Value>, N>& options, Value value) {
  for (const auto& option : options) {
    if (option.value == value) return option.name;
  }
  return options.front().name;
}

// ---------------------------------------------------------------------------
// Defaults and tolerances (docs/scenario-keys.md).

constexpr std::int64_t k_default_runs = 10000;
constexpr std::int64_t k_default_min_runs = 10000;  // precision-based stopping
constexpr int k_default_horizon_months = 36;        // MODEL.md section 1
constexpr std::uint64_t k_default_seed = 20170401;  // April 2017: the guidance's first contracts
constexpr double k_default_outcome_share = 0.03;    // middle of the guidance's 2-4 %
// Staff and estate do not follow the month's activity.
constexpr double k_default_fixed_cost_share = 0.75;
constexpr double k_mean_tolerance = 1e-9;         // weights and seasonality (MODEL.md 3, 5)
constexpr double k_symmetry_tolerance = 1e-12;    // correlation matrix entries
constexpr double k_eigenvalue_tolerance = 1e-10;  // rounding in a PSD matrix's eigenvalues
constexpr double k_guidance_share_low = 0.02;
constexpr double k_guidance_share_high = 0.04;
constexpr int k_guidance_measures_low = 3;
constexpr int k_guidance_measures_high = 7;
constexpr int k_guidance_indicators_low = 6;
constexpr int k_guidance_indicators_high = 15;

constexpr double k_infinity = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------
// Text.

// Shortest text that reads back as the same double.
std::string shortest(double value) { return fmt::format("{}", value); }

// TOML reads "2000000" as an integer; a float literal keeps the type visible.
std::string toml_float(double value) {
  std::string text = shortest(value);
  if (std::isfinite(value) && text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A value as the user would recognise it from the file.
std::string describe(const toml::node& node) {
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* floating = node.as_floating_point()) return shortest(floating->get());
  if (const auto* text = node.as_string()) return toml_string(text->get());
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "true" : "false";
  if (const auto* array = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& element : *array) items.push_back(describe(element));
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  if (const auto* table = node.as_table()) {
    std::vector<std::string> items;
    for (const auto& [key, value] : *table)
      items.push_back(fmt::format("{} = {}", key.str(), describe(value)));
    return items.empty() ? "{}" : fmt::format("{{ {} }}", fmt::join(items, ", "));
  }
  std::ostringstream out;  // dates and times, printed as TOML writes them
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

std::string joined(KeyList names) { return fmt::format("{}", fmt::join(names, ", ")); }

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Optimal string alignment distance: a transposition ("wieght") costs one edit,
// as a typist would count it.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean 'x'?)" when a known name is within a third of its length
// in edits, else "": far-fetched suggestions mislead more than they help.
std::string did_you_mean(std::string_view name, KeyList candidates) {
  const std::string wanted = lowercase(name);
  std::string_view best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto candidate : candidates) {
    const std::size_t distance = edit_distance(wanted, lowercase(candidate));
    const std::size_t allowed = std::max<std::size_t>(1, candidate.size() / 3);
    if (distance <= allowed && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

std::string dotted(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool is_valid_indicator_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// ---------------------------------------------------------------------------
// Allowed ranges, printed in interval notation.

struct Interval {
  double low;
  double high;
  bool low_open;
  bool high_open;

  static Interval closed(double low, double high) { return {low, high, false, false}; }
  static Interval open(double low, double high) { return {low, high, true, true}; }
  static Interval left_open(double low, double high) { return {low, high, true, false}; }
  static Interval right_open(double low, double high) { return {low, high, false, true}; }
  static Interval at_least(double low) { return {low, k_infinity, false, true}; }
  static Interval above(double low) { return {low, k_infinity, true, true}; }
  static Interval finite() { return {-k_infinity, k_infinity, true, true}; }

  // NaN fails both comparisons, so it is outside every interval.
  bool contains(double value) const {
    return (low_open ? value > low : value >= low) && (high_open ? value < high : value <= high);
  }
  std::string text() const {
    return fmt::format("{}{}, {}{}", low_open ? '(' : '[', shortest(low), shortest(high),
                       high_open ? ')' : ']');
  }
};

// ---------------------------------------------------------------------------
// Where a value came from: FILE:LINE, or the --set argument that put it there.

class Context {
 public:
  explicit Context(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }

  std::string where(const toml::node* node) const {
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

  [[noreturn]] void fail(const toml::node* node, const std::string& message) const {
    throw ScenarioError(where(node) + ": " + message);
  }

  void warn(const toml::node* node, const std::string& message) {
    warnings_.push_back(where(node) + ": warning: " + message);
  }

  // Nodes copied in by --set or a sweep have no line; remember their origin
  // ("--set KEY=VALUE", or the sweep parameter's FILE:LINE) instead.
  void mark_override(const toml::node& node, const std::string& origin) {
    override_of_[&node] = origin;
    if (const auto* array = node.as_array()) {
      for (const auto& element : *array) mark_override(element, origin);
    }
    if (const auto* table = node.as_table()) {
      for (const auto& [key, value] : *table) mark_override(value, origin);
    }
  }

  std::vector<std::string> take_warnings() { return std::move(warnings_); }

 private:
  std::string source_;
  std::unordered_map<const toml::node*, std::string> override_of_;
  std::vector<std::string> warnings_;
};

// " (at WHERE)" when `other` was set somewhere else than `blamed`: a rule
// between two keys may be broken by a --set of either.
std::string origin_note(const Context& context, const toml::node* other, const toml::node* blamed) {
  if (other == nullptr || context.where(other) == context.where(blamed)) return "";
  return fmt::format(" (at {})", context.where(other));
}

// ---------------------------------------------------------------------------
// Typed values from nodes. `label` is the full dotted key used in messages.

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

// Integral floats (1e5) are accepted: they name an integer exactly.
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
  std::string label(std::string_view key) const { return dotted(path_, key); }

  [[noreturn]] void fail_missing(std::string_view key, std::string_view why) const {
    context_.fail(anchor_, fmt::format("{} is missing: {}", label(key), why));
  }

  std::optional<double> optional_number(std::string_view key, const Interval& allowed) const {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    return number_within(context_, *node, label(key), allowed);
  }
  double number(std::string_view key, const Interval& allowed, double fallback) const {
    return optional_number(key, allowed).value_or(fallback);
  }
  double required_number(std::string_view key, const Interval& allowed,
                         std::string_view why) const {
    const auto value = optional_number(key, allowed);
    if (!value) fail_missing(key, why);
    return *value;
  }
  std::int64_t integer(std::string_view key, const Interval& allowed, std::int64_t fallback) const {
    const toml::node* node = find(key);
    return node == nullptr ? fallback : integer_within(context_, *node, label(key), allowed);
  }
  std::string text(std::string_view key, std::string fallback) const {
    const toml::node* node = find(key);
    if (node == nullptr) return fallback;
    if (const auto* value = node->as_string()) return value->get();
    context_.fail(node, fmt::format("{} = {} must be a string", label(key), describe(*node)));
  }

  template <typename Value, std::size_t N>
  Value choice(std::string_view key, const std::array<Named<Value>, N>& options,
               Value fallback) const {
    const toml::node* node = find(key);
    if (node == nullptr) return fallback;
    std::array<std::string_view, N> names;
    std::transform(options.begin(), options.end(), names.begin(),
                   [](const auto& option) { return option.name; });
    if (const auto* value = node->as_string()) {
      for (const auto& option : options) {
        if (option.name == value->get()) return option.value;
      }
      context_.fail(node, fmt::format("{} = {} must be one of {}{}", label(key), describe(*node),
                                      joined(names), did_you_mean(value->get(), names)));
    }
    context_.fail(
        node, fmt::format("{} = {} must be one of {}", label(key), describe(*node), joined(names)));
  }

 private:
  Context& context_;
  const toml::table* table_;
  std::string path_;
  const toml::node* anchor_;
};

Section section_of(const toml::table& document, std::string_view name, Context& context) {
  const toml::node* node = document.get(name);
  return Section(context, node != nullptr ? node->as_table() : nullptr, std::string(name), node);
}

// ---------------------------------------------------------------------------
// Keys: unsupported ones first, then misspellings, before any value is read.

// Reports the unknown key nearest the top of the file (tables iterate by name).
void reject_unknown_keys(const toml::table& table, std::string_view path, KeyList known,
                         const Context& context) {
  const toml::key* first_unknown = nullptr;
  const toml::node* first_node = nullptr;
  for (const auto& [key, node] : table) {
    if (contains(known, key.str())) continue;
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

// "<prefix>indicator.<id>" for messages, or "<prefix>indicator[n]" (from 1)
// while the id is unusable. `prefix` places the list: "" at the top level,
// "provider.trust.", "segment.psychosis.", "network.".
std::string indicator_label(const toml::table& indicator, std::size_t index,
                            std::string_view prefix = "") {
  if (const auto* id = indicator.get_as<std::string>("id");
      id && is_valid_indicator_id(id->get())) {
    return fmt::format("{}indicator.{}", prefix, id->get());
  }
  return fmt::format("{}indicator[{}]", prefix, index + 1);
}

// "<path>.<id>" for a [[provider]] or [[segment]] element, or "<path>[n]".
std::string element_label(const toml::table& element, std::size_t index, std::string_view path) {
  if (const auto* id = element.get_as<std::string>("id");
      id && is_valid_indicator_id(id->get())) {
    return fmt::format("{}.{}", path, id->get());
  }
  return fmt::format("{}[{}]", path, index + 1);
}

// An array of tables, `label` its full key and `header` how it is written
// ([[provider.indicator]]); nullptr when absent. An empty list reads as none.
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

// A table's key that must itself be a table, checked against its keys.
const toml::table* checked_table(const toml::node* node, const std::string& label,
                                 std::string_view header, KeyList keys, const Context& context) {
  if (node == nullptr) return nullptr;
  const auto* table = node->as_table();
  if (table == nullptr) {
    context.fail(node, fmt::format("{} = {} must be a table, written [{}]", label, describe(*node),
                                   header));
  }
  reject_unknown_keys(*table, label, keys, context);
  return table;
}

void check_indicator_list_keys(const toml::node* node, const std::string& prefix,
                               std::string_view header, KeyList keys, const Context& context) {
  if (const toml::array* list = table_array(node, prefix + "indicator", header, context)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& indicator = *list->get(i)->as_table();
      reject_unknown_keys(indicator, indicator_label(indicator, i, prefix), keys, context);
    }
  }
}

// The tables of one provider: [demand], [contract] (with its risk share),
// [performance], [[indicator]] and [[segment]], at the top level of a
// single-provider file (prefix "", header "") or inside a [[provider]]
// element (prefix "provider.<id>.", header "provider.").
void check_provider_tables(const toml::table& scope, const std::string& prefix,
                           const std::string& header, bool in_network, const Context& context) {
  for (const auto name : k_provider_tables) {
    checked_table(scope.get(name), prefix + std::string(name), header + std::string(name),
                  keys_of_section(name), context);
  }
  if (const auto* risk_share = scope.at_path("contract.risk_share").as_table()) {
    reject_unknown_keys(*risk_share, prefix + "contract.risk_share", k_risk_share_keys, context);
  }
  const KeyList indicator_keys = in_network ? KeyList(k_network_indicator_keys)
                                            : KeyList(k_indicator_keys);
  check_indicator_list_keys(scope.get("indicator"), prefix, header + "indicator", indicator_keys,
                            context);
  const std::string segment_header = header + "segment";
  if (const toml::array* segments =
          table_array(scope.get("segment"), prefix + "segment", segment_header, context)) {
    for (std::size_t s = 0; s < segments->size(); ++s) {
      const auto& segment = *segments->get(s)->as_table();
      const std::string label = element_label(segment, s, prefix + "segment");
      reject_unknown_keys(segment, label, k_segment_keys, context);
      checked_table(segment.get("demand"), label + ".demand", segment_header + ".demand",
                    k_demand_keys, context);
      check_indicator_list_keys(segment.get("indicator"), label + ".", segment_header + ".indicator",
                                indicator_keys, context);
    }
  }
}

bool is_network_document(const toml::table& document) {
  const toml::node* provider = document.get("provider");
  return document.contains("network") || (provider != nullptr && provider->is_array());
}

void check_keys(const toml::table& document, const Context& context) {
  reject_unknown_keys(document, "", k_top_level_keys, context);
  if (const toml::node* title = document.get("title"); title && !title->is_string()) {
    context.fail(title, fmt::format("title = {} must be a string", describe(*title)));
  }
  checked_table(document.get("simulation"), "simulation", "simulation", k_simulation_keys, context);
  checked_table(document.get("provider"), "provider", "provider", k_provider_keys, context);
  check_provider_tables(document, "", "", false, context);
}

// A network file: [network] and [[provider]] elements instead of the
// single-provider tables.
void check_network_keys(const toml::table& document, const Context& context) {
  const toml::node* network_node = document.get("network");
  const toml::node* providers_node = document.get("provider");
  if (network_node == nullptr) {
    context.fail(providers_node,
                 "[[provider]] elements make a network, which needs a [network] table with model = "
                 "\"alliance\", \"prime\" or \"integrator\" (one provider is written [provider])");
  }
  for (const auto name : k_single_provider_tables) {
    const toml::node* node = document.get(name);
    if (node == nullptr || (name == "provider" && node->is_array())) continue;
    const std::string written =
        name == "indicator" || name == "segment" ? fmt::format("[[{}]]", name)
                                                 : fmt::format("[{}]", name);
    const std::string inside = name == "provider"
                                   ? std::string("[[provider]] elements, one per provider")
                                   : fmt::format("each [[provider]] element, written {}",
                                                 name == "indicator" || name == "segment"
                                                     ? fmt::format("[[provider.{}]]", name)
                                                     : fmt::format("[provider.{}]", name));
    context.fail(node, fmt::format("a network file (it has [network]) cannot have a top-level {}: "
                                   "its providers' keys go in {}",
                                   written, inside));
  }
  reject_unknown_keys(document, "", k_network_top_level_keys, context);
  if (const toml::node* title = document.get("title"); title && !title->is_string()) {
    context.fail(title, fmt::format("title = {} must be a string", describe(*title)));
  }
  checked_table(document.get("simulation"), "simulation", "simulation", k_simulation_keys, context);
  const toml::table& network =
      *checked_table(network_node, "network", "network", k_network_keys, context);
  checked_table(network.get("performance"), "network.performance", "network.performance",
                k_performance_keys, context);
  if (const toml::array* subcontracts = table_array(
          network.get("subcontract"), "network.subcontract", "network.subcontract", context)) {
    for (std::size_t j = 0; j < subcontracts->size(); ++j) {
      const auto& subcontract = *subcontracts->get(j)->as_table();
      const auto* provider = subcontract.get_as<std::string>("provider");
      const std::string label = provider != nullptr && is_valid_indicator_id(provider->get())
                                    ? "network.subcontract." + provider->get()
                                    : fmt::format("network.subcontract[{}]", j + 1);
      reject_unknown_keys(subcontract, label, k_subcontract_keys, context);
    }
  }
  check_indicator_list_keys(network.get("indicator"), "network.", "network.indicator",
                            k_network_indicator_keys, context);
  const toml::array* providers =
      table_array(providers_node, "provider", "provider", context);
  if (providers == nullptr || providers->empty()) {
    context.fail(network_node, "a network needs at least one [[provider]] element");
  }
  for (std::size_t p = 0; p < providers->size(); ++p) {
    const auto& provider = *providers->get(p)->as_table();
    const std::string label = element_label(provider, p, "provider");
    reject_unknown_keys(provider, label, k_network_provider_keys, context);
    check_provider_tables(provider, label + ".", "provider.", true, context);
  }
}

// ---------------------------------------------------------------------------
// --set KEY=VALUE

struct OverrideTarget {
  toml::table* table;
  std::string key;
};

// `origin` names where the override came from: "--set KEY=VALUE", or the
// sweep parameter's FILE:LINE.
[[noreturn]] void fail_override(const std::string& origin, const std::string& message) {
  throw ScenarioError(origin + ": " + message);
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

// Every indicator table of the document, wherever it sits: [[indicator]],
// [[segment.indicator]], [[provider.indicator]],
// [[provider.segment.indicator]], [[network.indicator]].
void collect_indicator_tables(toml::table& scope, std::vector<toml::table*>& out) {
  if (auto* list = scope.get_as<toml::array>("indicator"); list && list->is_array_of_tables()) {
    for (auto& element : *list) out.push_back(element.as_table());
  }
  if (auto* segments = scope.get_as<toml::array>("segment");
      segments && segments->is_array_of_tables()) {
    for (auto& segment : *segments) collect_indicator_tables(*segment.as_table(), out);
  }
}

std::vector<toml::table*> all_indicator_tables(toml::table& document) {
  std::vector<toml::table*> tables;
  if (auto* providers = document.get_as<toml::array>("provider");
      providers && providers->is_array_of_tables()) {
    for (auto& provider : *providers) collect_indicator_tables(*provider.as_table(), tables);
  } else {
    collect_indicator_tables(document, tables);
  }
  if (auto* network = document.get_as<toml::table>("network")) {
    if (auto* list = network->get_as<toml::array>("indicator"); list && list->is_array_of_tables()) {
      for (auto& element : *list) tables.push_back(element.as_table());
    }
  }
  return tables;
}

std::vector<toml::table*> indicators_to_set(toml::table& document, std::string_view selector,
                                            const std::string& origin) {
  const std::vector<toml::table*> indicators = all_indicator_tables(document);
  if (indicators.empty()) fail_override(origin, "the scenario has no [[indicator]] to set");
  std::vector<toml::table*> targets;
  std::vector<std::string> ids;
  for (toml::table* indicator : indicators) {
    const auto* id = indicator->get_as<std::string>("id");
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
                                            std::string_view last, KeyList known) {
  fail_override(origin, fmt::format("unknown key '{}'{}", key, did_you_mean(last, known)));
}

std::vector<OverrideTarget> indicator_targets(toml::table& document,
                                              const std::vector<std::string>& path,
                                              const std::string& key, const std::string& origin) {
  if (path.size() != 3) {
    fail_override(origin, "indicator keys are set as indicator.<id>.<key> or indicator.*.<key>");
  }
  const KeyList known = is_network_document(document) ? KeyList(k_network_indicator_keys)
                                                      : KeyList(k_indicator_keys);
  if (!contains(known, path[2])) fail_unknown_override_key(origin, key, path[2], known);
  std::vector<OverrideTarget> targets;
  for (toml::table* indicator : indicators_to_set(document, path[1], origin)) {
    targets.push_back({indicator, path[2]});
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
  if (key == "title") return {{&document, key}};
  if (contains(k_section_names, key)) {
    fail_override(origin, fmt::format("'{}' is a table: set one of its keys, e.g. {}.{}", key,
                                        key, keys_of_section(key).front()));
  }
  fail_unknown_override_key(origin, key, key, k_top_level_keys);
}

// `path[from..]` inside one table `name` of a provider (demand, contract,
// performance), or `contract.risk_share.key`, the one nested table.
std::vector<OverrideTarget> table_key_target(toml::table& scope,
                                             const std::vector<std::string>& path,
                                             std::size_t from, const std::string& key,
                                             const Context& context, const std::string& origin) {
  const std::string& name = path[from];
  const KeyList known = keys_of_section(name);
  if (path.size() == from + 1) {
    fail_override(origin, fmt::format("'{}' is a table: set one of its keys, e.g. {}.{}", key,
                                        key, known.front()));
  }
  if (!contains(known, path[from + 1])) {
    fail_unknown_override_key(origin, key, path[from + 1], known);
  }
  toml::table& section = table_to_set(scope, name, context, origin);
  if (path.size() == from + 2) return {{&section, path[from + 1]}};
  if (path.size() == from + 3 && path[from + 1] == "risk_share") {
    if (!contains(k_risk_share_keys, path[from + 2])) {
      fail_unknown_override_key(origin, key, path[from + 2], k_risk_share_keys);
    }
    return {{&table_to_set(section, "risk_share", context, origin), path[from + 2]}};
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
  static constexpr std::array<std::string_view, 3> settable{"annual_value", "basis", "demand"};
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
  return {{&segment, field}};
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
  if (!contains(k_section_names, name)) {
    fail_unknown_override_key(origin, key, name, k_top_level_keys);
  }
  if (name == "simulation" || name == "provider") {
    if (!contains(keys_of_section(name), path[1])) {
      fail_unknown_override_key(origin, key, path[1], keys_of_section(name));
    }
    if (path.size() != 2) {
      fail_override(origin,
                    fmt::format("unknown key '{}': {}.{} has no keys under it", key, name, path[1]));
    }
    return {{&table_to_set(document, name, context, origin), path[1]}};
  }
  return table_key_target(document, path, 0, key, context, origin);
}

// A network file: network.<key>, network.subcontract.<provider>.<key>,
// network.performance.correlation.
std::vector<OverrideTarget> network_target(toml::table& document,
                                           const std::vector<std::string>& path,
                                           const std::string& key, const Context& context,
                                           const std::string& origin) {
  static constexpr std::array<std::string_view, 3> scalar_keys{"model", "lead", "management_fee"};
  static constexpr std::array<std::string_view, 3> subcontract_keys{"value", "pass_through",
                                                                    "payment_delay_months"};
  toml::table& network = table_to_set(document, "network", context, origin);
  if (path.size() == 2 && contains(scalar_keys, path[1])) return {{&network, path[1]}};
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
             path[3]}};
  }
  static constexpr std::array<std::string_view, 5> known{"model", "lead", "management_fee",
                                                         "subcontract", "performance"};
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
  if (contains(k_provider_tables, name)) {
    return table_key_target(provider, path, 2, key, context, origin);
  }
  if (name == "id" || contains(k_provider_keys, name)) {
    if (path.size() != 3) {
      fail_override(origin, fmt::format("unknown key '{}': provider.{}.{} has no keys under it",
                                          key, path[1], name));
    }
    return {{&provider, name}};
  }
  fail_unknown_override_key(origin, key, name, k_network_provider_keys);
}

// The tables and key an override writes to; checks KEY against the schema.
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

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// UTF-8 as TOML requires it: no overlong forms, no surrogates, nothing past
// U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                               : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 0x2) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += length;
  }
  return true;
}

// Sets KEY to VALUE (TOML text) in every table KEY names.
void set_key(toml::table& document, const std::string& key, const std::string& value,
             const std::string& origin, Context& context) {
  // A value taken as a plain string would carry invalid bytes into the
  // resolved text, which then no longer loads (found by tests/fuzz).
  if (!is_valid_utf8(value)) fail_override(origin, "the value is not valid UTF-8 text");
  toml::table parsed = parse_override_value(value);
  const toml::node& node = *parsed.get("v");
  for (const auto& target : override_targets(document, key, context, origin)) {
    node.visit([&](const auto& concrete) { target.table->insert_or_assign(target.key, concrete); });
    context.mark_override(*target.table->get(target.key), origin);
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

// ---------------------------------------------------------------------------
// Sections.

std::string read_title(const toml::table& document) {
  const auto* title = document.get_as<std::string>("title");
  return title != nullptr ? title->get() : std::string();
}

std::vector<double> read_outcome_share(const Section& contract) {
  const toml::node* node = contract.find("outcome_share");
  if (node == nullptr) return {k_default_outcome_share};
  Context& context = contract.context();
  const auto warn_outside_guidance = [&](const toml::node& share_node, const std::string& label,
                                         double share) {
    if (share < k_guidance_share_low || share > k_guidance_share_high) {
      context.warn(&share_node, fmt::format("{} = {} is outside the guidance range 2–4 %", label,
                                            describe(share_node)));
    }
  };
  const std::string label = contract.label("outcome_share");
  if (const auto* phasing = node->as_array()) {
    if (phasing->empty()) {
      context.fail(node, label + " = [] must hold at least one share (one per financial year)");
    }
    std::vector<double> shares;
    for (std::size_t i = 0; i < phasing->size(); ++i) {
      const toml::node& element = *phasing->get(i);
      const std::string element_label = fmt::format("{}[{}]", label, i + 1);
      shares.push_back(number_within(context, element, element_label, Interval::closed(0, 1)));
      warn_outside_guidance(element, element_label, shares.back());
    }
    return shares;
  }
  if (!node->is_number()) {
    context.fail(node, fmt::format("{} = {} must be a number in [0, 1] or a list of them (one per "
                                   "financial year)",
                                   label, describe(*node)));
  }
  const double share = number_within(context, *node, label, Interval::closed(0, 1));
  warn_outside_guidance(*node, label, share);
  return {share};
}

PaymentStructure structure_from_node(const Context& context, const toml::node& node,
                                     const std::string& label) {
  static constexpr std::array<std::string_view, 3> names{"bonus", "withhold", "advance"};
  if (const auto* name = node.as_string()) {
    if (name->get() == "bonus") return PaymentStructure::bonus();
    if (name->get() == "withhold") return PaymentStructure::withhold();
    if (name->get() == "advance") return PaymentStructure::paid_in_advance();
    context.fail(&node, fmt::format("{} = {} is not a structure: use bonus, withhold, advance or a "
                                    "withhold fraction in [0, 1]{}",
                                    label, describe(node), did_you_mean(name->get(), names)));
  }
  if (!node.is_number()) {
    context.fail(&node, fmt::format("{} = {} must be a structure name (bonus, withhold, advance) "
                                    "or a withhold fraction in [0, 1]",
                                    label, describe(node)));
  }
  return PaymentStructure::from_fraction(
      number_within(context, node, label, Interval::closed(0, 1)));
}

std::vector<PaymentStructure> read_structures(const Section& contract) {
  const toml::node* node = contract.find("structures");
  if (node == nullptr) return {PaymentStructure::bonus(), PaymentStructure::withhold()};
  const Context& context = contract.context();
  const std::string label = contract.label("structures");
  const auto* list = node->as_array();
  if (list == nullptr) {
    context.fail(node, fmt::format("{} = {} must be a list of structures, e.g. [\"bonus\", "
                                   "\"withhold\", 0.5]",
                                   label, describe(*node)));
  }
  if (list->empty()) context.fail(node, label + " = [] must name at least one structure");
  std::vector<PaymentStructure> structures;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string element_label = fmt::format("{}[{}]", label, i + 1);
    PaymentStructure structure = structure_from_node(context, *list->get(i), element_label);
    // Names are the results file's coordinate: 0 and "bonus" are the same structure.
    const auto same = std::find_if(structures.begin(), structures.end(),
                                   [&](const auto& seen) { return seen.name == structure.name; });
    if (same != structures.end()) {
      context.fail(list->get(i), fmt::format("{} = {} is structure '{}' again (already {}[{}])",
                                             element_label, describe(*list->get(i)), structure.name,
                                             label, same - structures.begin() + 1));
    }
    structures.push_back(std::move(structure));
  }
  return structures;
}

std::optional<RiskShare> read_risk_share(const Section& contract) {
  const toml::node* node = contract.find("risk_share");
  if (node == nullptr) return std::nullopt;
  const auto* table = node->as_table();
  if (table == nullptr) {
    contract.context().fail(node, fmt::format("{} = {} must be a table, e.g. "
                                              "{{ corridor = 0.02, commissioner_share = 0.5 }}",
                                              contract.label("risk_share"), describe(*node)));
  }
  const Section risk_share(contract.context(), table, contract.label("risk_share"), node);
  const std::string why = "a risk share needs both corridor and commissioner_share";
  return RiskShare{risk_share.required_number("corridor", Interval::at_least(0), why),
                   risk_share.required_number("commissioner_share", Interval::closed(0, 1), why)};
}

// A segmented contract takes its value and basis from its segments
// (`segments_node` is their [[segment]] list); its own are errors.
Contract read_contract(const Section& section, const toml::node* segments_node = nullptr) {
  Contract contract;
  if (segments_node != nullptr) {
    for (const auto key : {"annual_value", "basis"}) {
      if (const toml::node* node = section.find(key)) {
        section.context().fail(
            node, fmt::format("{} = {} cannot be set together with segments ({} at {}): a "
                              "segmented contract's {} comes from its segments",
                              section.label(key), describe(*node),
                              section.path() == "contract" ? "[[segment]]"
                                                           : "[[provider.segment]]",
                              section.context().where(segments_node),
                              std::string_view(key) == "basis" ? "basis" : "value"));
      }
    }
  } else {
    contract.annual_value = section.required_number(
        "annual_value", Interval::above(0), "the yearly contract value V in GBP has no default");
    contract.basis = section.choice("basis", k_bases, Basis::block);
  }
  contract.income_growth = section.number("income_growth", Interval::left_open(-1, 1), 0.0);
  contract.outcome_share = read_outcome_share(section);
  contract.structures = read_structures(section);
  contract.assessment_months = section.choice("assessment", k_assessments, 3);
  contract.settlement_lag_months =
      static_cast<int>(section.integer("settlement_lag_months", Interval::closed(0, 24), 0));
  contract.payment_rule = section.choice("payment_rule", k_payment_rules, PaymentRule::threshold);
  contract.withhold_effort_effect =
      section.number("withhold_effort_effect", Interval::closed(-5, 5), 0.0);
  contract.risk_share = read_risk_share(section);
  return contract;
}

// [0, 2^64): TOML integers stop at 2^63 - 1, so larger seeds come as digit strings.
std::uint64_t read_seed(const Section& simulation) {
  const toml::node* node = simulation.find("seed");
  if (node == nullptr) return k_default_seed;
  const Context& context = simulation.context();
  if (const auto* digits = node->as_string()) {
    const std::string& text = digits->get();
    std::uint64_t seed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      context.fail(node,
                   fmt::format("simulation.seed = {} must be an integer in [0, 2^64) (a string "
                               "of decimal digits for values from 2^63)",
                               describe(*node)));
    }
    return seed;
  }
  // 2^64 itself is exactly representable and must be excluded.
  const Interval allowed = Interval::right_open(0, 18446744073709551616.0);
  if (const auto* integer = node->as_integer()) {
    if (integer->get() < 0) {
      context.fail(node, fmt::format("simulation.seed = {} is outside [0, 2^64)", describe(*node)));
    }
    return static_cast<std::uint64_t>(integer->get());
  }
  const double value = number_value(context, *node, "simulation.seed");
  if (!allowed.contains(value) || value != std::trunc(value)) {
    context.fail(
        node, fmt::format("simulation.seed = {} must be an integer in [0, 2^64)", describe(*node)));
  }
  return static_cast<std::uint64_t>(value);
}

// Precision-based stopping. max_runs defaults to `runs`, and min_runs to
// k_default_min_runs (at most max_runs): a Wilson interval is honest at zero
// events, but a few thousand runs also keep one early lucky block from
// deciding.
void read_stopping_rule(const Section& section, SimulationSettings& settings) {
  const toml::node* target = section.find("target_halfwidth");
  if (target == nullptr) {
    for (const auto key : {"min_runs", "max_runs"}) {
      if (const toml::node* node = section.find(key)) {
        section.context().fail(
            node, fmt::format("simulation.{} is only used with simulation.target_halfwidth, which "
                              "is not set",
                              key));
      }
    }
    return;
  }
  settings.target_halfwidth =
      number_within(section.context(), *target, "simulation.target_halfwidth", Interval::left_open(0, 0.5));
  settings.max_runs = section.integer("max_runs", Interval::closed(1, 1e9), settings.runs);
  settings.min_runs = section.integer("min_runs", Interval::closed(1, 1e9),
                                      std::min(k_default_min_runs, settings.max_runs));
  if (settings.min_runs > settings.max_runs) {
    const toml::node* blamed = section.find("min_runs");
    section.context().fail(
        blamed != nullptr ? blamed : section.find("max_runs"),
        fmt::format("simulation.min_runs = {} is above simulation.max_runs = {}", settings.min_runs,
                    settings.max_runs));
  }
}

// One contract's assessment period, and its key for messages.
struct AssessmentPeriod {
  int months;
  std::string label;  // "contract.assessment", "provider.trust.contract.assessment"
};

SimulationSettings read_simulation(const Section& section,
                                   std::span<const AssessmentPeriod> periods) {
  SimulationSettings settings;
  settings.runs = section.integer("runs", Interval::closed(1, 1e9), k_default_runs);
  settings.horizon_months = static_cast<int>(
      section.integer("horizon_months", Interval::closed(1, 1200), k_default_horizon_months));
  // MODEL.md section 1: every period of every contract must be assessed.
  for (const auto& period : periods) {
    if (settings.horizon_months % period.months != 0) {
      section.context().fail(
          section.find("horizon_months"),
          fmt::format("simulation.horizon_months = {} is not a multiple of the assessment period, "
                      "{} months ({} = \"{}\")",
                      settings.horizon_months, period.months, period.label,
                      name_of(k_assessments, period.months)));
    }
  }
  settings.seed = read_seed(section);
  read_stopping_rule(section, settings);
  return settings;
}

// MODEL.md section 4: stress grows as cash falls from Z to S, so Z > S.
void check_stress_above_threshold(const Section& section, const ProviderFinance& provider) {
  if (provider.stress_start_cash > provider.shortfall_threshold) return;
  const Context& context = section.context();
  const toml::node* stress = section.find("stress_start_cash");
  const toml::node* threshold = section.find("shortfall_threshold");
  const toml::node* blamed = stress != nullptr ? stress : threshold;
  context.fail(blamed, fmt::format("{} = {} must be greater than {} = {}{}",
                                   section.label("stress_start_cash"),
                                   shortest(provider.stress_start_cash),
                                   section.label("shortfall_threshold"),
                                   shortest(provider.shortfall_threshold),
                                   origin_note(context, threshold, blamed)));
}

ProviderFinance read_provider(const Section& section, double annual_value) {
  // Cash defaults scale with the contract: one month of income in hand.
  const double one_month_of_income = annual_value / 12.0;
  ProviderFinance provider;
  provider.opening_cash = section.number("opening_cash", Interval::finite(), one_month_of_income);
  provider.shortfall_threshold = section.number("shortfall_threshold", Interval::finite(), 0.0);
  provider.stress_start_cash = section.number("stress_start_cash", Interval::finite(),
                                              provider.shortfall_threshold + one_month_of_income);
  check_stress_above_threshold(section, provider);
  provider.stress_penalty = section.number("stress_penalty", Interval::closed(0, 20), 0.0);
  provider.underlying_deficit = section.number("underlying_deficit", Interval::open(-1, 1), 0.0);
  provider.fixed_cost_share =
      section.number("fixed_cost_share", Interval::closed(0, 1), k_default_fixed_cost_share);
  provider.cost_growth = section.number("cost_growth", Interval::left_open(-1, 1), 0.0);
  provider.cost_noise = section.number("cost_noise", Interval::right_open(0, 1), 0.0);
  provider.overdraft_rate = section.number("overdraft_rate", Interval::closed(0, 1), 0.0);
  return provider;
}

std::array<double, 12> read_seasonality(const Section& demand) {
  std::array<double, 12> seasonality;
  seasonality.fill(1.0);
  const toml::node* node = demand.find("seasonality");
  if (node == nullptr) return seasonality;
  const Context& context = demand.context();
  const std::string label = demand.label("seasonality");
  const auto* list = node->as_array();
  if (list == nullptr || list->size() != seasonality.size()) {
    context.fail(node, fmt::format("{} = {} must be a list of 12 numbers, April first", label,
                                   describe(*node)));
  }
  double sum = 0.0;
  for (std::size_t m = 0; m < seasonality.size(); ++m) {
    seasonality[m] = number_within(context, *list->get(m), fmt::format("{}[{}]", label, m + 1),
                                   Interval::above(0));
    sum += seasonality[m];
  }
  const double mean = sum / 12.0;
  // MODEL.md section 3: seasonality moves activity within the year, not its level.
  if (std::abs(mean - 1.0) > k_mean_tolerance) {
    context.fail(node, fmt::format("{} has mean {}; it must average 1 (within 1e-9)", label,
                                   shortest(mean)));
  }
  return seasonality;
}

DemandProcess read_demand(const Section& section) {
  DemandProcess demand;
  demand.volatility = section.number("volatility", Interval::at_least(0), 0.0);
  demand.persistence = section.number("persistence", Interval::left_open(-1, 1), 0.0);
  demand.growth = section.number("growth", Interval::left_open(-1, 1), 0.0);
  demand.seasonality = read_seasonality(section);
  return demand;
}

std::string read_indicator_id(const Section& indicator) {
  const toml::node* node = indicator.find("id");
  if (node == nullptr) {
    indicator.fail_missing("id", "each [[indicator]] needs an id matching [a-z0-9_]+");
  }
  const auto* id = node->as_string();
  if (id == nullptr || !is_valid_indicator_id(id->get())) {
    indicator.context().fail(node, fmt::format("{} = {} must be a string matching [a-z0-9_]+",
                                               indicator.label("id"), describe(*node)));
  }
  return id->get();
}

// Under the linear rule the floor is where achievement starts, on the far side
// of the target; under the threshold rule it is unused, and defaults to the
// far end of the scale so that a later switch to linear stays well-formed.
double read_floor(const Section& section, const Indicator& indicator, PaymentRule rule) {
  const auto floor = section.optional_number("floor", Interval::closed(0, 1));
  if (rule != PaymentRule::linear) {
    return floor.value_or(indicator.direction == Direction::higher ? 0.0 : 1.0);
  }
  if (!floor) {
    section.fail_missing("floor",
                         "the linear payment rule (contract.payment_rule = \"linear\") "
                         "needs a floor for every indicator");
  }
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

// A network's provider ids, by position (lead, subcontracts, delivered_by).
struct ProviderIds {
  std::vector<std::string> ids;

  int position(const Context& context, const toml::node& node, const std::string& label) const {
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
};

Indicator read_indicator(const Section& section, PaymentRule rule,
                         const ProviderIds* providers = nullptr) {
  Indicator indicator;
  indicator.id = read_indicator_id(section);
  indicator.name = section.text("name", indicator.id);
  indicator.measure = section.text("measure", indicator.id);
  indicator.weight = section.required_number("weight", Interval::closed(0, 1),
                                             "every indicator needs a weight; weights sum to 1");
  indicator.direction = section.choice("direction", k_directions, Direction::higher);
  indicator.baseline = section.required_number("baseline", Interval::open(0, 1),
                                               "the starting rate, in (0, 1), has no default");
  indicator.target =
      section.required_number("target", Interval::closed(0, 1), "the target rate has no default");
  indicator.floor = read_floor(section, indicator, rule);
  indicator.cases_per_month =
      static_cast<int>(section.integer("cases_per_month", Interval::closed(0, 1e6), 0));
  indicator.volatility = section.number("volatility", Interval::at_least(0), 0.0);
  indicator.reversion = section.number("reversion", Interval::closed(0, 1), 0.0);
  indicator.trend = section.number("trend", Interval::finite(), 0.0);
  if (const toml::node* node = section.find("delivered_by"); node && providers) {
    indicator.delivered_by = providers->position(section.context(), *node,
                                                 section.label("delivered_by"));
  }
  return indicator;
}

// Every indicator read so far, wherever it is: ids are unique across the
// scenario (the results file's indicator axis).
struct IndicatorOrigin {
  std::string id;
  std::string label;  // "indicator[2]", "provider.trust.indicator[2]"
  std::string prefix;
};
using IndicatorRegistry = std::vector<IndicatorOrigin>;

// One [[...indicator]] list; `prefix` places it ("", "provider.trust.",
// "segment.psychosis.", "network.").
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
                              const Context& context, std::string_view prefix = "") {
  double sum = 0.0;
  for (const auto& indicator : indicators) sum += indicator.weight;
  if (std::abs(sum - 1.0) > k_mean_tolerance) {
    context.fail(anchor, fmt::format("indicator weights ({}indicator.*.weight) sum to {}; they must "
                                     "sum to 1 (within 1e-9)",
                                     prefix, shortest(sum)));
  }
}

// Guidance ranges are per contract: `whose` names it ("the scenario",
// "provider.trust's contract"), `list` how its indicators are written.
void warn_about_indicator_counts(const std::vector<Indicator>& indicators, const toml::node* anchor,
                                 Context& context, std::string_view whose = "the scenario",
                                 std::string_view list = "[[indicator]]",
                                 std::string_view measure_key = "indicator.*.measure") {
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

// A common correlation c gives eigenvalues 1 + (K-1)c and 1 - c, so it is
// positive semi-definite exactly when c >= -1/(K-1).
Eigen::MatrixXd common_correlation(const Context& context, const toml::node& node, Eigen::Index k,
                                   const std::string& label) {
  const double lowest = k > 1 ? -1.0 / static_cast<double>(k - 1) : -1.0;
  const Interval allowed = Interval::closed(std::max(-1.0, lowest), 1.0);
  const double c = number_value(context, node, label);
  if (!allowed.contains(c)) {
    const std::string why = allowed.low > -1.0
                                ? fmt::format(
                                      " for {} indicators (below -1/(K-1) it is not positive "
                                      "semi-definite)",
                                      k)
                                : "";
    context.fail(&node, fmt::format("{} = {} is outside {}{}", label, describe(node),
                                    allowed.text(), why));
  }
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Constant(k, k, c);
  correlation.diagonal().setOnes();
  return correlation;
}

Eigen::MatrixXd matrix_entries(const Context& context, const toml::array& rows, Eigen::Index k,
                               const std::string& label) {
  if (static_cast<Eigen::Index>(rows.size()) != k) {
    context.fail(&rows,
                 fmt::format("{} has {} row{}; it must be {} x {} (one row per indicator, in "
                             "file order)",
                             label, rows.size(), rows.size() == 1 ? "" : "s", k, k));
  }
  Eigen::MatrixXd correlation(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const toml::node& row_node = *rows.get(static_cast<std::size_t>(i));
    const auto* row = row_node.as_array();
    if (row == nullptr || static_cast<Eigen::Index>(row->size()) != k) {
      context.fail(&row_node, fmt::format("{} row {} = {} must be a list of {} numbers", label,
                                          i + 1, describe(row_node), k));
    }
    for (Eigen::Index j = 0; j < k; ++j) {
      correlation(i, j) = number_within(context, *row->get(static_cast<std::size_t>(j)),
                                        fmt::format("{} row {}, column {}", label, i + 1, j + 1),
                                        Interval::closed(-1, 1));
    }
  }
  return correlation;
}

void check_correlation_matrix(const Context& context, const toml::array& rows,
                              const Eigen::MatrixXd& correlation, const std::string& label) {
  const auto entry = [&](Eigen::Index i, Eigen::Index j) {
    return rows.get(static_cast<std::size_t>(i))->as_array()->get(static_cast<std::size_t>(j));
  };
  for (Eigen::Index i = 0; i < correlation.rows(); ++i) {
    if (correlation(i, i) != 1.0) {
      context.fail(entry(i, i),
                   fmt::format("{} row {}, column {} = {} must be "
                               "1 (a correlation matrix has a unit diagonal)",
                               label, i + 1, i + 1, shortest(correlation(i, i))));
    }
    for (Eigen::Index j = 0; j < i; ++j) {
      if (std::abs(correlation(i, j) - correlation(j, i)) > k_symmetry_tolerance) {
        context.fail(entry(i, j),
                     fmt::format("{} is not symmetric: row {}, column {} = {} "
                                 "but row {}, column {} = {} (they must agree within 1e-12)",
                                 label, i + 1, j + 1, shortest(correlation(i, j)), j + 1, i + 1,
                                 shortest(correlation(j, i))));
      }
    }
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(correlation, Eigen::EigenvaluesOnly);
  const double smallest = correlation.rows() > 0 ? solver.eigenvalues().minCoeff() : 0.0;
  if (smallest < -k_eigenvalue_tolerance) {
    context.fail(&rows, fmt::format("{} is not positive semi-definite: its "
                                    "smallest eigenvalue is {} (must be >= -1e-10)",
                                    label, shortest(smallest)));
  }
}

Eigen::MatrixXd read_correlation(const Section& performance, std::size_t indicator_count) {
  const auto k = static_cast<Eigen::Index>(indicator_count);
  const toml::node* node = performance.find("correlation");
  if (node == nullptr) return Eigen::MatrixXd::Identity(k, k);
  const Context& context = performance.context();
  const std::string label = performance.label("correlation");
  const auto* rows = node->as_array();
  if (rows == nullptr) {
    if (!node->is_number()) {
      context.fail(node, fmt::format("{} = {} must be a number in [-1, 1] or "
                                     "a {} x {} matrix (a list of lists)",
                                     label, describe(*node), k, k));
    }
    return common_correlation(context, *node, k, label);
  }
  Eigen::MatrixXd correlation = matrix_entries(context, *rows, k, label);
  check_correlation_matrix(context, *rows, correlation, label);
  // Exactly symmetric, so the engine's factorisation sees one matrix.
  const Eigen::MatrixXd symmetric = (correlation + correlation.transpose()) / 2.0;
  return symmetric;
}

// ---------------------------------------------------------------------------
// One provider: its keys and tables, at the top level of a single-provider
// file or inside one [[provider]] element of a network.

struct ProviderPlace {
  const toml::table* scope = nullptr;  // holds demand, contract, performance, indicator, segment
  const toml::node* anchor = nullptr;  // the [[provider]] element; nullptr in a single file
  const toml::table* finance = nullptr;        // holds the provider keys
  const toml::node* finance_node = nullptr;    // [provider], or the element
  std::string name;    // "provider", or "provider.<id>": the path of the provider keys
  std::string prefix;  // "", or "provider.<id>.": the path of its tables
  std::string header;  // "", or "provider.": how its tables are written ([[provider.indicator]])
  const ProviderIds* network_ids = nullptr;  // nullptr in a single-provider file

  Section section(std::string_view table, Context& context) const {
    const toml::node* node = scope->get(table);
    return Section(context, node != nullptr ? node->as_table() : nullptr,
                   prefix + std::string(table), node != nullptr ? node : anchor);
  }
  Section finance_section(Context& context) const {
    return Section(context, finance, name, finance_node);
  }
  bool in_network() const { return network_ids != nullptr; }
};

struct SegmentPlace {
  const toml::table* table = nullptr;
  const toml::node* node = nullptr;
  std::string label;  // "segment.psychosis", "provider.trust.segment.psychosis"
};

struct ProviderDraft {
  ProviderPlace place;
  ProviderSetup setup;
  const toml::node* segments_node = nullptr;  // its non-empty [[segment]] list, if any
  std::vector<SegmentPlace> segment_places;
};

// A segment's id, value, basis and demand (its indicators come later, once
// the contract's payment rule is known).
void read_segment_heads(ProviderDraft& draft, Context& context) {
  const ProviderPlace& place = draft.place;
  const toml::node* node = place.scope->get("segment");
  const toml::array* list = table_array(node, place.prefix + "segment", place.header + "segment",
                                        context);
  if (list == nullptr || list->empty()) return;
  draft.segments_node = node;
  for (std::size_t s = 0; s < list->size(); ++s) {
    const toml::node* element = list->get(s);
    const auto* table = element->as_table();
    SegmentPlace segment_place{table, element,
                               element_label(*table, s, place.prefix + "segment")};
    const Section section(context, table, segment_place.label, element);
    Segment segment;
    const toml::node* id_node = section.find("id");
    if (id_node == nullptr) {
      section.fail_missing("id", fmt::format("each [[{}segment]] needs an id matching [a-z0-9_]+",
                                             place.header));
    }
    const auto* id = id_node->as_string();
    if (id == nullptr || !is_valid_indicator_id(id->get())) {
      context.fail(id_node, fmt::format("{} = {} must be a string matching [a-z0-9_]+",
                                        section.label("id"), describe(*id_node)));
    }
    segment.id = id->get();
    for (std::size_t other = 0; other < draft.setup.segments.size(); ++other) {
      if (draft.setup.segments[other].id == segment.id) {
        context.fail(id_node, fmt::format("{}segment[{}].id = {} is already the id of "
                                          "{}segment[{}] (segment ids are unique within a "
                                          "provider)",
                                          place.prefix, s + 1, toml_string(segment.id),
                                          place.prefix, other + 1));
      }
    }
    segment.annual_value = section.required_number(
        "annual_value", Interval::above(0), "the segment's yearly value in GBP has no default");
    segment.basis = section.choice("basis", k_bases, Basis::block);
    const toml::node* demand_node = table->get("demand");
    segment.demand = read_demand(Section(context, demand_node ? demand_node->as_table() : nullptr,
                                         segment_place.label + ".demand",
                                         demand_node ? demand_node : element));
    draft.setup.segments.push_back(std::move(segment));
    draft.segment_places.push_back(std::move(segment_place));
  }
}

// The contract (and segments) of a provider. `role` says why a provider
// holds no contract, for messages ("" when it holds one).
void read_contract_part(ProviderDraft& draft, const std::string& no_contract_why,
                        Context& context) {
  const ProviderPlace& place = draft.place;
  ProviderSetup& setup = draft.setup;
  setup.holds_contract = no_contract_why.empty();
  if (!setup.holds_contract) {
    for (const auto table : {"contract", "performance", "indicator", "segment"}) {
      if (const toml::node* node = place.scope->get(table)) {
        const bool list = std::string_view(table) == "indicator" || std::string_view(table) == "segment";
        context.fail(node, fmt::format("{}{} is not allowed: {} {} and holds no contract with the "
                                       "commissioner, so it has no {}provider.{}{}",
                                       place.prefix, table, place.name, no_contract_why,
                                       list ? "[[" : "[", table, list ? "]]" : "]"));
      }
    }
    setup.correlation = Eigen::MatrixXd(0, 0);
    return;
  }
  read_segment_heads(draft, context);
  const Section contract = place.section("contract", context);
  if (place.in_network() && place.scope->get("contract") == nullptr) {
    context.fail(place.anchor,
                 fmt::format("{}contract is missing: {} holds a contract with the commissioner "
                             "(it is the lead or an alliance member), written [provider.contract]",
                             place.prefix, place.name));
  }
  setup.contract = read_contract(contract, draft.segments_node);
  if (draft.segments_node != nullptr) {
    double total = 0.0;
    for (const auto& segment : setup.segments) total += segment.annual_value;
    setup.contract.annual_value = total;
    setup.contract.basis = setup.segments.front().basis;  // unused: each segment has its own
  }
}

// The provider keys, demand, indicators and correlation. `default_value` is
// the yearly income that sets the cash defaults; `shared_list` the
// alliance-wide [[network.indicator]] list, when there is one.
void read_provider_part(ProviderDraft& draft, double default_value, const toml::node* shared_list,
                        IndicatorRegistry& registry, Context& context) {
  const ProviderPlace& place = draft.place;
  ProviderSetup& setup = draft.setup;
  setup.provider = read_provider(place.finance_section(context), default_value);
  const bool segmented = draft.segments_node != nullptr;
  const std::string segments_at =
      segmented ? fmt::format("[[{}segment]] at {}", place.header, context.where(draft.segments_node))
                : "";
  if (const toml::node* demand = place.scope->get("demand"); demand && segmented) {
    context.fail(demand, fmt::format("{}demand cannot be set together with segments ({}): each "
                                     "segment has its own [{}segment.demand]",
                                     place.prefix, segments_at, place.header));
  }
  setup.demand = read_demand(place.section("demand", context));
  if (!setup.holds_contract) return;

  const toml::node* list_node = place.scope->get("indicator");
  const toml::array* list =
      table_array(list_node, place.prefix + "indicator", place.header + "indicator", context);
  const PaymentRule rule = setup.contract.payment_rule;
  const std::string whose =
      place.in_network() ? fmt::format("{}'s contract", place.name) : "the scenario";
  if (segmented) {
    if (list != nullptr && !list->empty()) {
      context.fail(list_node, fmt::format("{}indicator cannot be used together with segments "
                                          "({}): each segment has its own [[{}segment.indicator]]",
                                          place.prefix, segments_at, place.header));
    }
    for (std::size_t s = 0; s < setup.segments.size(); ++s) {
      const SegmentPlace& segment_place = draft.segment_places[s];
      const toml::node* node = segment_place.table->get("indicator");
      const std::string prefix = segment_place.label + ".";
      const toml::array* segment_list = table_array(node, prefix + "indicator",
                                                    place.header + "segment.indicator", context);
      if (segment_list == nullptr || segment_list->empty()) {
        context.fail(node != nullptr ? node : segment_place.node,
                     fmt::format("{} has no [[{}segment.indicator]]: each segment needs at least "
                                 "one outcome indicator",
                                 segment_place.label, place.header));
      }
      Segment& segment = setup.segments[s];
      segment.first_indicator = setup.indicator_count();
      std::vector<Indicator> indicators = read_indicator_list(
          *segment_list, prefix, rule, place.network_ids, registry, context);
      check_weights_sum_to_one(indicators, segment_list, context, prefix);
      segment.indicator_count = static_cast<int>(indicators.size());
      for (auto& indicator : indicators) setup.indicators.push_back(std::move(indicator));
    }
    warn_about_indicator_counts(setup.indicators, draft.segments_node, context, whose,
                                fmt::format("[[{}segment.indicator]]", place.header),
                                place.prefix + "segment.*.indicator.*.measure");
  } else if (shared_list != nullptr) {
    if (list != nullptr && !list->empty()) {
      context.fail(list_node, fmt::format("{}indicator: the alliance has alliance-wide indicators "
                                          "([[network.indicator]] at {}), so its members have "
                                          "none of their own",
                                          place.prefix, context.where(shared_list)));
    }
  } else {
    if (list == nullptr || list->empty()) {
      if (!place.in_network()) {
        context.fail(list_node,
                     "no [[indicator]]: a scenario needs at least one outcome indicator");
      }
      context.fail(list_node != nullptr ? list_node : place.anchor,
                   fmt::format("{} has no [[provider.indicator]]: a contract needs at least one "
                               "outcome indicator",
                               place.name));
    }
    setup.indicators =
        read_indicator_list(*list, place.prefix, rule, place.network_ids, registry, context);
    check_weights_sum_to_one(setup.indicators, list, context, place.prefix);
    warn_about_indicator_counts(setup.indicators, list, context, whose,
                                fmt::format("[[{}indicator]]", place.header),
                                place.prefix + "indicator.*.measure");
  }
  setup.correlation = read_correlation(place.section("performance", context),
                                       setup.indicators.size());
}

Scenario read_single_scenario(const toml::table& document, Context& context) {
  check_keys(document, context);
  Scenario scenario;
  scenario.title = read_title(document);
  ProviderDraft draft;
  draft.place.scope = &document;
  draft.place.finance_node = document.get("provider");
  draft.place.finance =
      draft.place.finance_node != nullptr ? draft.place.finance_node->as_table() : nullptr;
  draft.place.name = "provider";
  read_contract_part(draft, "", context);
  const std::array<AssessmentPeriod, 1> periods{
      AssessmentPeriod{draft.setup.contract.assessment_months, "contract.assessment"}};
  scenario.simulation = read_simulation(section_of(document, "simulation", context), periods);
  IndicatorRegistry registry;
  read_provider_part(draft, draft.setup.contract.annual_value, nullptr, registry, context);
  static_cast<ProviderSetup&>(scenario) = std::move(draft.setup);
  return scenario;
}

std::string structure_names(const Contract& contract) {
  std::vector<std::string> names;
  for (const auto& structure : contract.structures) names.push_back(toml_string(structure.name));
  return fmt::format("[{}]", fmt::join(names, ", "));
}

// MODEL.md 9 and docs/model.md "Networks and segments".
Scenario read_network_scenario(const toml::table& document, Context& context) {
  check_network_keys(document, context);
  Scenario scenario;
  scenario.title = read_title(document);
  const toml::node* network_node = document.get("network");
  const Section network(context, network_node->as_table(), "network", network_node);
  const toml::array& elements = *document.get("provider")->as_array();

  // Ids first: every cross-reference names a provider by its id.
  ProviderIds ids;
  std::vector<ProviderDraft> drafts(elements.size());
  for (std::size_t p = 0; p < elements.size(); ++p) {
    const toml::node* element = elements.get(p);
    const toml::table& table = *element->as_table();
    const toml::node* id_node = table.get("id");
    if (id_node == nullptr) {
      context.fail(element, fmt::format("provider[{}].id is missing: each [[provider]] needs an "
                                        "id matching [a-z0-9_]+",
                                        p + 1));
    }
    const auto* id = id_node->as_string();
    if (id == nullptr || !is_valid_indicator_id(id->get())) {
      context.fail(id_node, fmt::format("provider[{}].id = {} must be a string matching "
                                        "[a-z0-9_]+",
                                        p + 1, describe(*id_node)));
    }
    const auto same = std::find(ids.ids.begin(), ids.ids.end(), id->get());
    if (same != ids.ids.end()) {
      context.fail(id_node, fmt::format("provider[{}].id = {} is already the id of provider[{}]",
                                        p + 1, describe(*id_node), same - ids.ids.begin() + 1));
    }
    ids.ids.push_back(id->get());
    ProviderPlace& place = drafts[p].place;
    place.scope = &table;
    place.anchor = element;
    place.finance = &table;
    place.finance_node = element;
    place.name = "provider." + id->get();
    place.prefix = place.name + ".";
    place.header = "provider.";
    place.network_ids = &ids;
    drafts[p].setup.id = id->get();
  }

  // The network: model, lead, fee, subcontracts.
  Network& net = scenario.network;
  if (network.find("model") == nullptr) {
    network.fail_missing("model", "a network is one of alliance, prime, integrator");
  }
  net.model = network.choice("model", k_network_models, NetworkModel::alliance);
  const std::string model_name(name_of(k_network_models, net.model));
  const bool has_lead = net.model != NetworkModel::alliance;
  const toml::node* lead_node = network.find("lead");
  if (!has_lead && lead_node != nullptr) {
    context.fail(lead_node, fmt::format("network.lead = {} is only used with model = \"prime\" or "
                                        "\"integrator\" (here \"alliance\": every member holds "
                                        "its own contract)",
                                        describe(*lead_node)));
  }
  if (has_lead && lead_node == nullptr) {
    network.fail_missing("lead", fmt::format("model = \"{}\" needs the id of the provider that "
                                             "holds the commissioner's contract (one of {})",
                                             model_name, fmt::join(ids.ids, ", ")));
  }
  net.lead = has_lead ? ids.position(context, *lead_node, "network.lead") : 0;
  if (const toml::node* fee = network.find("management_fee");
      fee && net.model != NetworkModel::integrator) {
    context.fail(fee, fmt::format("network.management_fee = {} is only used with model = "
                                  "\"integrator\" (here \"{}\")",
                                  describe(*fee), model_name));
  }
  net.management_fee = network.number("management_fee", Interval::right_open(0, 1), 0.0);

  const toml::node* subcontracts_node = network.find("subcontract");
  const toml::array* subcontracts = table_array(subcontracts_node, "network.subcontract",
                                                "network.subcontract", context);
  std::vector<Section> subcontract_sections;
  std::vector<int> subcontract_of(elements.size(), -1);  // provider -> its subcontract
  if (subcontracts != nullptr && !subcontracts->empty() && !has_lead) {
    context.fail(subcontracts_node,
                 "network.subcontract: an alliance has no subcontracts (every member holds its "
                 "own contract with the commissioner); use model = \"prime\" or \"integrator\"");
  }
  for (std::size_t j = 0; subcontracts != nullptr && j < subcontracts->size(); ++j) {
    const toml::node* element = subcontracts->get(j);
    const auto* provider_text = element->as_table()->get_as<std::string>("provider");
    const std::string label = provider_text && is_valid_indicator_id(provider_text->get())
                                  ? "network.subcontract." + provider_text->get()
                                  : fmt::format("network.subcontract[{}]", j + 1);
    const Section section(context, element->as_table(), label, element);
    const toml::node* provider_node = section.find("provider");
    if (provider_node == nullptr) {
      section.fail_missing("provider", "each [[network.subcontract]] names the subcontracted "
                                       "provider's id");
    }
    Subcontract subcontract;
    subcontract.provider = ids.position(context, *provider_node, section.label("provider"));
    if (subcontract.provider == net.lead) {
      context.fail(provider_node,
                   fmt::format("{} = {} is the lead (network.lead): a lead cannot subcontract "
                               "itself",
                               section.label("provider"), describe(*provider_node)));
    }
    const int earlier = subcontract_of[static_cast<std::size_t>(subcontract.provider)];
    if (earlier >= 0) {
      context.fail(provider_node,
                   fmt::format("{} = {} is already subcontracted at {}: each subcontractor has "
                               "one subcontract",
                               section.label("provider"), describe(*provider_node),
                               context.where(subcontracts->get(static_cast<std::size_t>(earlier)))));
    }
    subcontract_of[static_cast<std::size_t>(subcontract.provider)] = static_cast<int>(j);
    subcontract.value = section.required_number(
        "value", Interval::above(0), "the subcontract's yearly value in GBP has no default");
    subcontract.pass_through = section.number("pass_through", Interval::closed(0, 1), 0.0);
    net.subcontracts.push_back(subcontract);
    subcontract_sections.push_back(section);
  }
  for (std::size_t p = 0; has_lead && p < elements.size(); ++p) {
    if (static_cast<int>(p) == net.lead || subcontract_of[p] >= 0) continue;
    context.fail(elements.get(p),
                 fmt::format("{} is neither the lead (network.lead = {}) nor a subcontractor "
                             "([[network.subcontract]] with provider = {}): in a {} network every "
                             "provider is one of them",
                             drafts[p].place.name, toml_string(ids.ids[static_cast<std::size_t>(net.lead)]),
                             toml_string(ids.ids[p]), model_name));
  }

  // Contracts, then the horizon every contract's assessment must divide.
  std::vector<AssessmentPeriod> periods;
  for (std::size_t p = 0; p < drafts.size(); ++p) {
    const std::string why =
        subcontract_of[p] >= 0
            ? fmt::format("is a subcontractor of {} (network.subcontract.{})",
                          ids.ids[static_cast<std::size_t>(net.lead)], ids.ids[p])
            : "";
    read_contract_part(drafts[p], why, context);
    if (!drafts[p].setup.holds_contract) continue;
    const Contract& contract = drafts[p].setup.contract;
    if (has_lead && contract.risk_share) {
      context.fail(drafts[p].place.scope->at_path("contract.risk_share").node(),
                   fmt::format("{}contract.risk_share is only for an alliance member or a single "
                               "provider: with a lead paying subcontractors, whose costs a risk "
                               "share reconciles is not settled (docs/model.md, \"Networks and "
                               "segments\"); remove it from this {} contract",
                               drafts[p].place.prefix, model_name));
    }
    periods.push_back({contract.assessment_months, drafts[p].place.prefix + "contract.assessment"});
  }
  scenario.simulation = read_simulation(section_of(document, "simulation", context), periods);
  for (std::size_t j = 0; j < net.subcontracts.size(); ++j) {
    net.subcontracts[j].payment_delay_months = static_cast<int>(subcontract_sections[j].integer(
        "payment_delay_months", Interval::closed(0, scenario.simulation.horizon_months), 0));
  }

  // Alliance rules: one structure axis; alliance-wide indicators need one
  // assessment and one payment rule.
  const toml::node* shared_node = network.find("indicator");
  const toml::array* shared = table_array(shared_node, "network.indicator", "network.indicator",
                                          context);
  if (shared != nullptr && shared->empty()) shared = nullptr;
  if (shared != nullptr && has_lead) {
    context.fail(shared_node, fmt::format("network.indicator: alliance-wide indicators are only "
                                          "for model = \"alliance\"; in a {} network the lead's "
                                          "contract holds every indicator ([[provider.indicator]] "
                                          "with delivered_by)",
                                          model_name));
  }
  if (!has_lead) {
    const ProviderDraft& first = drafts.front();
    const auto contract_key = [&](const ProviderDraft& draft, const char* key) {
      const toml::node* node = draft.place.scope->at_path(std::string("contract.") + key).node();
      return node != nullptr ? node : draft.place.scope->get("contract");
    };
    for (std::size_t p = 1; p < drafts.size(); ++p) {
      const Contract& a = first.setup.contract;
      const Contract& b = drafts[p].setup.contract;
      std::vector<std::string> names_a;
      std::vector<std::string> names_b;
      for (const auto& s : a.structures) names_a.push_back(s.name);
      for (const auto& s : b.structures) names_b.push_back(s.name);
      if (names_a != names_b) {
        context.fail(contract_key(drafts[p], "structures"),
                     fmt::format("{}contract.structures = {} differs from {}contract.structures = "
                                 "{}{}: alliance members share the results file's structure axis, "
                                 "so they list the same structures in the same order",
                                 drafts[p].place.prefix, structure_names(b), first.place.prefix,
                                 structure_names(a),
                                 origin_note(context, contract_key(first, "structures"),
                                             contract_key(drafts[p], "structures"))));
      }
      if (shared == nullptr) continue;
      if (a.assessment_months != b.assessment_months) {
        context.fail(contract_key(drafts[p], "assessment"),
                     fmt::format("{}contract.assessment = \"{}\" differs from {}contract.assessment "
                                 "= \"{}\": with alliance-wide indicators ([[network.indicator]]) "
                                 "every member is assessed together",
                                 drafts[p].place.prefix, name_of(k_assessments, b.assessment_months),
                                 first.place.prefix, name_of(k_assessments, a.assessment_months)));
      }
      if (a.payment_rule != b.payment_rule) {
        context.fail(contract_key(drafts[p], "payment_rule"),
                     fmt::format("{}contract.payment_rule = \"{}\" differs from "
                                 "{}contract.payment_rule = \"{}\": with alliance-wide indicators "
                                 "([[network.indicator]]) every member's achievement is the same",
                                 drafts[p].place.prefix, name_of(k_payment_rules, b.payment_rule),
                                 first.place.prefix, name_of(k_payment_rules, a.payment_rule)));
      }
    }
    for (const auto& draft : drafts) {
      if (shared != nullptr && draft.segments_node != nullptr) {
        context.fail(draft.segments_node,
                     fmt::format("{}segment: the alliance has alliance-wide indicators "
                                 "([[network.indicator]] at {}), so its members cannot have "
                                 "segments, whose indicators are their own",
                                 draft.place.prefix, context.where(shared_node)));
      }
    }
  }

  // Providers in file order: cash, demand, indicators.
  IndicatorRegistry registry;
  for (std::size_t p = 0; p < drafts.size(); ++p) {
    const double income =
        drafts[p].setup.holds_contract
            ? drafts[p].setup.contract.annual_value
            : net.subcontracts[static_cast<std::size_t>(subcontract_of[p])].value;
    read_provider_part(drafts[p], income, shared != nullptr ? shared_node : nullptr, registry,
                       context);
  }
  if (shared != nullptr) {
    net.shared_indicators = read_indicator_list(*shared, "network.",
                                                drafts.front().setup.contract.payment_rule, &ids,
                                                registry, context);
    check_weights_sum_to_one(net.shared_indicators, shared, context, "network.");
    warn_about_indicator_counts(net.shared_indicators, shared, context, "the alliance",
                                "[[network.indicator]]", "network.indicator.*.measure");
    const toml::node* performance = network_node->as_table()->get("performance");
    net.shared_correlation = read_correlation(
        Section(context, performance != nullptr ? performance->as_table() : nullptr,
                "network.performance", performance != nullptr ? performance : network_node),
        net.shared_indicators.size());
  } else {
    net.shared_correlation = Eigen::MatrixXd(0, 0);
    if (const toml::node* performance = network_node->as_table()->get("performance")) {
      context.fail(performance, "network.performance is only used with alliance-wide indicators "
                                "([[network.indicator]]), and there are none");
    }
  }

  // Values must add up (docs/model.md).
  if (has_lead) {
    const ProviderDraft& lead = drafts[static_cast<std::size_t>(net.lead)];
    const double value = lead.setup.contract.annual_value;
    const std::string value_text = fmt::format("{}contract.annual_value = {}", lead.place.prefix,
                                               shortest(value));
    double total = 0.0;
    for (std::size_t j = 0; j < net.subcontracts.size(); ++j) {
      const double v = net.subcontracts[j].value;
      total += v;
      if (v > value) {
        context.fail(subcontract_sections[j].find("value"),
                     fmt::format("{} = {} is larger than {}, the contract it is part of",
                                 subcontract_sections[j].label("value"), shortest(v), value_text));
      }
    }
    const toml::node* blamed = subcontracts_node != nullptr ? subcontracts_node : network_node;
    if (net.model == NetworkModel::prime && !(total < value)) {
      context.fail(blamed, fmt::format("the subcontracts' values (network.subcontract.*.value) sum "
                                       "to {}, not below {}: a prime delivers part of the care "
                                       "itself",
                                       shortest(total), value_text));
    }
    if (net.model == NetworkModel::integrator) {
      const double expected = (1.0 - net.management_fee) * value;
      if (std::abs(total - expected) > k_mean_tolerance * value) {
        context.fail(blamed, fmt::format("the subcontracts' values (network.subcontract.*.value) "
                                         "sum to {}; an integrator passes on all but its "
                                         "management fee, so they must sum to (1 - "
                                         "network.management_fee) x {} = {} (within 1e-9 of the "
                                         "contract value)",
                                         shortest(total), value_text, shortest(expected)));
      }
    }
  }

  static_cast<ProviderSetup&>(scenario) = std::move(drafts.front().setup);
  for (std::size_t p = 1; p < drafts.size(); ++p) {
    scenario.other_providers.push_back(std::move(drafts[p].setup));
  }
  return scenario;
}

Scenario read_scenario(const toml::table& document, Context& context) {
  return is_network_document(document) ? read_network_scenario(document, context)
                                       : read_single_scenario(document, context);
}

toml::table parse_document(std::string_view text, std::string_view source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    throw ScenarioError(fmt::format("{}:{}: not valid TOML: {}", source_name,
                                    error.source().begin.line, error.description()));
  }
}

std::string read_text_file(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw ScenarioError(
        fmt::format("cannot read scenario file '{}': {}", path.string(), std::strerror(errno)));
  }
  std::string text;
  std::array<char, 65536> buffer;
  std::size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) {
    text.append(buffer.data(), count);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;  // e.g. EISDIR: a directory opens but cannot be read
  std::fclose(file);
  if (failed) {
    throw ScenarioError(
        fmt::format("cannot read scenario file '{}': {}", path.string(), std::strerror(error)));
  }
  return text;
}

// ---------------------------------------------------------------------------
// Writing: every key, in the order of docs/scenario-keys.md.

std::string toml_number_list(std::span<const double> values) {
  std::vector<std::string> items;
  for (const double value : values) items.push_back(toml_float(value));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

std::string toml_structure(const PaymentStructure& structure) {
  if (structure.advance || structure.name == "bonus" || structure.name == "withhold") {
    return toml_string(structure.name);
  }
  return toml_float(structure.withhold_fraction);
}

std::string toml_seed(std::uint64_t seed) {
  if (seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return toml_string(std::to_string(seed));
  }
  return std::to_string(seed);
}

// `header` is "" or "provider."; a segmented contract's value and basis
// come from its segments.
void write_contract(std::string& out, const Contract& contract, std::string_view header = "",
                    bool segmented = false) {
  out += fmt::format("[{}contract]\n", header);
  if (segmented) {
    out += "# annual_value, basis: from the segments\n";
  } else {
    out += fmt::format("annual_value = {}\n", toml_float(contract.annual_value));
    out += fmt::format("basis = {}\n", toml_string(name_of(k_bases, contract.basis)));
  }
  out += fmt::format("income_growth = {}\n", toml_float(contract.income_growth));
  out += fmt::format("outcome_share = {}\n", contract.outcome_share.size() == 1
                                                 ? toml_float(contract.outcome_share.front())
                                                 : toml_number_list(contract.outcome_share));
  std::vector<std::string> structures;
  for (const auto& structure : contract.structures) structures.push_back(toml_structure(structure));
  out += fmt::format("structures = [{}]\n", fmt::join(structures, ", "));
  out += fmt::format("assessment = {}\n",
                     toml_string(name_of(k_assessments, contract.assessment_months)));
  out += fmt::format("settlement_lag_months = {}\n", contract.settlement_lag_months);
  out += fmt::format("payment_rule = {}\n",
                     toml_string(name_of(k_payment_rules, contract.payment_rule)));
  out += fmt::format("withhold_effort_effect = {}\n", toml_float(contract.withhold_effort_effect));
  if (contract.risk_share) {
    out += fmt::format("risk_share = {{ corridor = {}, commissioner_share = {} }}\n",
                       toml_float(contract.risk_share->corridor),
                       toml_float(contract.risk_share->commissioner_share));
  } else {
    out += "# risk_share: none\n";
  }
}

// `header` is how the list is written ("indicator", "provider.indicator",
// "network.indicator", ...); `scenario` names delivered_by's provider.
void write_indicator(std::string& out, const Indicator& indicator,
                     std::string_view header = "indicator", const Scenario* scenario = nullptr) {
  out += fmt::format("\n[[{}]]\n", header);
  out += fmt::format("id = {}\n", toml_string(indicator.id));
  out += fmt::format("name = {}\n", toml_string(indicator.name));
  out += fmt::format("measure = {}\n", toml_string(indicator.measure));
  out += fmt::format("weight = {}\n", toml_float(indicator.weight));
  out += fmt::format("direction = {}\n", toml_string(name_of(k_directions, indicator.direction)));
  out += fmt::format("baseline = {}\n", toml_float(indicator.baseline));
  out += fmt::format("target = {}\n", toml_float(indicator.target));
  out += fmt::format("floor = {}\n", toml_float(indicator.floor));
  out += fmt::format("cases_per_month = {}\n", indicator.cases_per_month);
  out += fmt::format("volatility = {}\n", toml_float(indicator.volatility));
  out += fmt::format("reversion = {}\n", toml_float(indicator.reversion));
  out += fmt::format("trend = {}\n", toml_float(indicator.trend));
  if (indicator.delivered_by >= 0 && scenario != nullptr) {
    out += fmt::format("delivered_by = {}\n",
                       toml_string(scenario->provider_setup(indicator.delivered_by).id));
  }
}

void write_correlation(std::string& out, const Eigen::MatrixXd& correlation,
                       std::string_view header = "performance") {
  out += fmt::format("[{}]\ncorrelation = [\n", header);
  for (Eigen::Index i = 0; i < correlation.rows(); ++i) {
    std::vector<double> row(correlation.cols());
    for (Eigen::Index j = 0; j < correlation.cols(); ++j)
      row[static_cast<std::size_t>(j)] = correlation(i, j);
    out += "  " + toml_number_list(row) + ",\n";
  }
  out += "]\n";
}

void write_provider_keys(std::string& out, const ProviderFinance& provider) {
  out += fmt::format("opening_cash = {}\n", toml_float(provider.opening_cash));
  out += fmt::format("shortfall_threshold = {}\n", toml_float(provider.shortfall_threshold));
  out += fmt::format("stress_start_cash = {}\n", toml_float(provider.stress_start_cash));
  out += fmt::format("stress_penalty = {}\n", toml_float(provider.stress_penalty));
  out += fmt::format("underlying_deficit = {}\n", toml_float(provider.underlying_deficit));
  out += fmt::format("fixed_cost_share = {}\n", toml_float(provider.fixed_cost_share));
  out += fmt::format("cost_growth = {}\n", toml_float(provider.cost_growth));
  out += fmt::format("cost_noise = {}\n", toml_float(provider.cost_noise));
  out += fmt::format("overdraft_rate = {}\n", toml_float(provider.overdraft_rate));
}

void write_demand(std::string& out, const DemandProcess& demand, std::string_view header) {
  out += fmt::format("[{}]\n", header);
  out += fmt::format("volatility = {}\n", toml_float(demand.volatility));
  out += fmt::format("persistence = {}\n", toml_float(demand.persistence));
  out += fmt::format("growth = {}\n", toml_float(demand.growth));
  out += fmt::format("seasonality = {}\n", toml_number_list(demand.seasonality));
}

// [[segment]] (header "") or [[provider.segment]] (header "provider.").
void write_segments(std::string& out, const ProviderSetup& setup, std::string_view header,
                    const Scenario& scenario) {
  for (const auto& segment : setup.segments) {
    out += fmt::format("\n[[{}segment]]\n", header);
    out += fmt::format("id = {}\n", toml_string(segment.id));
    out += fmt::format("annual_value = {}\n", toml_float(segment.annual_value));
    out += fmt::format("basis = {}\n", toml_string(name_of(k_bases, segment.basis)));
    write_demand(out, segment.demand, fmt::format("{}segment.demand", header));
    for (int i = segment.first_indicator; i < segment.first_indicator + segment.indicator_count;
         ++i) {
      write_indicator(out, setup.indicators[static_cast<std::size_t>(i)],
                      fmt::format("{}segment.indicator", header), &scenario);
    }
  }
}

// One [[provider]] element of a network, every key resolved.
void write_network_provider(std::string& out, const ProviderSetup& setup,
                            const Scenario& scenario) {
  out += "\n[[provider]]\n";
  out += fmt::format("id = {}\n", toml_string(setup.id));
  write_provider_keys(out, setup.provider);
  if (setup.segments.empty()) write_demand(out, setup.demand, "provider.demand");
  if (!setup.holds_contract) {
    out += "# a subcontractor: no contract with the commissioner\n";
    return;
  }
  write_contract(out, setup.contract, "provider.", !setup.segments.empty());
  if (setup.indicator_count() > 0) write_correlation(out, setup.correlation, "provider.performance");
  if (setup.segments.empty()) {
    for (const auto& indicator : setup.indicators) {
      write_indicator(out, indicator, "provider.indicator", &scenario);
    }
  }
  write_segments(out, setup, "provider.", scenario);
}

void write_network(std::string& out, const Scenario& scenario) {
  const Network& network = scenario.network;
  const bool has_lead = network.model != NetworkModel::alliance;
  out += "[network]\n";
  out += fmt::format("model = {}\n", toml_string(name_of(k_network_models, network.model)));
  if (has_lead) {
    out += fmt::format("lead = {}\n", toml_string(scenario.provider_setup(network.lead).id));
  }
  if (network.model == NetworkModel::integrator) {
    out += fmt::format("management_fee = {}\n", toml_float(network.management_fee));
  }
  if (!network.shared_indicators.empty()) {
    write_correlation(out, network.shared_correlation, "network.performance");
  }
  for (const auto& subcontract : network.subcontracts) {
    out += "\n[[network.subcontract]]\n";
    out += fmt::format("provider = {}\n",
                       toml_string(scenario.provider_setup(subcontract.provider).id));
    out += fmt::format("value = {}\n", toml_float(subcontract.value));
    out += fmt::format("pass_through = {}\n", toml_float(subcontract.pass_through));
    out += fmt::format("payment_delay_months = {}\n", subcontract.payment_delay_months);
  }
  for (const auto& indicator : network.shared_indicators) {
    write_indicator(out, indicator, "network.indicator", &scenario);
  }
  for (int p = 0; p < scenario.provider_count(); ++p) {
    write_network_provider(out, scenario.provider_setup(p), scenario);
  }
}


// ---------------------------------------------------------------------------
// Sweeps: [sweep] makes one scenario file a study of many design points, each
// the base scenario with the swept keys set, and each validated as a whole.

constexpr std::array<std::string_view, 4> k_sweep_keys{"mode", "common_random_numbers", "points",
                                                       "parameters"};
constexpr std::array<std::string_view, 3> k_sweep_modes{"grid", "zip", "lhs"};
// A million points of even 1,000 runs is a day on a large node: beyond it a
// typo in a grid is likelier than a study.
constexpr std::size_t k_max_design_points = 1'000'000;
// Keys that name things rather than model them: the results file's
// dimensions (indicator ids) and labels must be the same at every point.
constexpr std::array<std::string_view, 3> k_naming_indicator_keys{"id", "name", "measure"};

struct SweepParameter {
  std::string key;
  const toml::node* node = nullptr;  // its value in the file
  std::string origin;                // FILE:LINE of the value
  std::vector<DesignValue> values;   // grid, zip
  LatinHypercubeRange range;         // lhs
};

struct SweepTable {
  std::string mode = "grid";
  bool common_random_numbers = true;
  int points = 0;  // lhs
  const toml::node* anchor = nullptr;
  std::vector<SweepParameter> parameters;  // in file order
};

std::string describe_value(const DesignValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return shortest(*number);
  return toml_string(std::get<std::string>(value));
}

std::string toml_value(const DesignValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return toml_float(*number);
  return toml_string(std::get<std::string>(value));
}

// The key may be swept: a scalar model key, not one that is the same for the
// whole file (simulation.*, which shapes every scenario's run axis and
// horizon) or names something.
void check_sweepable(const std::string& key, const std::string& origin) {
  const std::vector<std::string> path = split(key, '.');
  if (path[0] == "simulation") {
    fail_override(origin, fmt::format("{} cannot be swept: the simulation settings are the same "
                                      "for every point of a sweep",
                                      key));
  }
  if (path[0] == "title" || path[0] == "sweep") {
    fail_override(origin, fmt::format("{} cannot be swept", key));
  }
  if (path[0] == "indicator" && path.size() == 3 && contains(k_naming_indicator_keys, path[2])) {
    fail_override(origin, fmt::format("{} cannot be swept: indicator {}s are the same at every "
                                      "point of a sweep",
                                      key, path[2]));
  }
  // Names and links: the results file's labels and the network's shape are
  // the same at every point.
  if (key == "network.model" || key == "network.lead" ||
      (path[0] == "provider" && path.size() == 3 && path[2] == "id")) {
    fail_override(origin, fmt::format("{} cannot be swept: provider ids and the network's model "
                                      "and lead are the same at every point of a sweep",
                                      key));
  }
  if (path.back() == "structures" || path.back() == "seasonality") {
    fail_override(origin, fmt::format("{} is a list and cannot be swept; a sweep key takes one "
                                      "number or text per point",
                                      key));
  }
}

std::vector<DesignValue> listed_values(const Context& context, const SweepParameter& parameter) {
  const auto* list = parameter.node->as_array();
  if (list == nullptr || list->empty()) {
    context.fail(parameter.node,
                 fmt::format("sweep.parameters.\"{}\" = {} must be a non-empty list of values",
                             parameter.key, describe(*parameter.node)));
  }
  std::vector<DesignValue> values;
  for (const auto& element : *list) {
    if (const auto* text = element.as_string()) {
      values.emplace_back(text->get());
    } else if (element.is_number()) {
      values.emplace_back(element.value<double>().value());
    } else {
      context.fail(parameter.node,
                   fmt::format("sweep.parameters.\"{}\": {} is not a number or a text; each value "
                               "is one point's setting of the key",
                               parameter.key, describe(element)));
    }
  }
  return values;
}

// [low, high] or { range = [low, high], log = true }.
LatinHypercubeRange hypercube_range(const Context& context, const SweepParameter& parameter) {
  LatinHypercubeRange range;
  range.key = parameter.key;
  const toml::node* bounds = parameter.node;
  const std::string label = fmt::format("sweep.parameters.\"{}\"", parameter.key);
  const std::string expected = "[low, high] or { range = [low, high], log = true }";
  if (const auto* table = parameter.node->as_table()) {
    constexpr std::array<std::string_view, 2> keys{"range", "log"};
    reject_unknown_keys(*table, label, keys, context);
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
    context.fail(bounds, fmt::format("{} = {} must be {} for mode = \"lhs\"", label,
                                     describe(*bounds), expected));
  }
  range.low = pair->get(0)->value<double>().value();
  range.high = pair->get(1)->value<double>().value();
  if (!(std::isfinite(range.low) && std::isfinite(range.high) && range.low < range.high)) {
    context.fail(bounds, fmt::format("{} = {}: low must be below high, both finite", label,
                                     describe(*bounds)));
  }
  if (range.log && range.low <= 0.0) {
    context.fail(bounds, fmt::format("{} = {}: a log range needs low > 0", label, describe(*bounds)));
  }
  return range;
}

SweepTable read_sweep_table(const toml::table& document, const Context& context) {
  SweepTable sweep;
  const toml::node* node = document.get("sweep");
  sweep.anchor = node;
  const auto* table = node->as_table();
  if (table == nullptr) {
    context.fail(node, fmt::format("sweep = {} must be a table, written [sweep]", describe(*node)));
  }
  reject_unknown_keys(*table, "sweep", k_sweep_keys, context);
  if (const toml::node* mode = table->get("mode")) {
    const auto* text = mode->as_string();
    if (text == nullptr || !contains(k_sweep_modes, text->get())) {
      context.fail(mode, fmt::format("sweep.mode = {} must be one of {}{}", describe(*mode),
                                     joined(k_sweep_modes),
                                     text != nullptr ? did_you_mean(text->get(), k_sweep_modes) : ""));
    }
    sweep.mode = text->get();
  }
  if (const toml::node* crn = table->get("common_random_numbers")) {
    if (!crn->is_boolean()) {
      context.fail(crn, fmt::format("sweep.common_random_numbers = {} must be true or false",
                                    describe(*crn)));
    }
    sweep.common_random_numbers = crn->value<bool>().value();
  }
  const toml::node* points = table->get("points");
  if (sweep.mode == "lhs") {
    if (points == nullptr) {
      context.fail(node, "sweep.points is missing: mode = \"lhs\" needs the number of points");
    }
    sweep.points = static_cast<int>(integer_within(context, *points, "sweep.points",
                                                   Interval::closed(1, k_max_design_points)));
  } else if (points != nullptr) {
    context.fail(points, fmt::format("sweep.points is only used with mode = \"lhs\" (here mode = "
                                     "\"{}\", whose points come from the listed values)",
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
    if (sweep.mode == "lhs") {
      parameter.range = hypercube_range(context, parameter);
    } else {
      parameter.values = listed_values(context, parameter);
    }
  }
  return sweep;
}

// Every swept key must name existing tables, and no two overrides (swept keys
// or --set) may write the same value: the later would silently win.
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
    if (sweep.mode == "lhs") {
      std::vector<LatinHypercubeRange> ranges;
      for (const auto& parameter : sweep.parameters) ranges.push_back(parameter.range);
      return latin_hypercube_design(ranges, sweep.points, seed);
    }
    std::vector<DesignAxis> axes;
    for (const auto& parameter : sweep.parameters) axes.push_back({parameter.key, parameter.values});
    return sweep.mode == "zip" ? zip_design(axes) : grid_design(axes, k_max_design_points);
  } catch (const std::invalid_argument& error) {
    context.fail(sweep.anchor, fmt::format("[sweep] mode = \"{}\": {}", sweep.mode, error.what()));
  }
}

std::string sweep_to_toml(const SweepTable& sweep) {
  std::string out = "\n[sweep]\n";
  out += fmt::format("mode = {}\n", toml_string(sweep.mode));
  out += fmt::format("common_random_numbers = {}\n", sweep.common_random_numbers);
  if (sweep.mode == "lhs") out += fmt::format("points = {}\n", sweep.points);
  out += "\n[sweep.parameters]\n";
  for (const auto& parameter : sweep.parameters) {
    std::string value;
    if (sweep.mode == "lhs") {
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

// "contract.outcome_share = 0.05, provider.opening_cash = 0"
std::string describe_point(const SweepTable& sweep, const std::vector<DesignValue>& point) {
  std::vector<std::string> settings;
  for (std::size_t k = 0; k < point.size(); ++k) {
    settings.push_back(fmt::format("{} = {}", sweep.parameters[k].key, describe_value(point[k])));
  }
  return fmt::format("{}", fmt::join(settings, ", "));
}

toml::table document_with_overrides(std::string_view text, std::string_view source_name,
                                    std::span<const std::string> overrides, Context& context) {
  toml::table document = parse_document(text, source_name);
  if (document.empty()) {
    throw ScenarioError(
        fmt::format("{}: the scenario is empty: it needs at least "
                    "contract.annual_value and one [[indicator]]",
                    source_name));
  }
  for (const auto& argument : overrides) apply_override(document, argument, context);
  return document;
}

// Warnings repeat from point to point: keep each once, in order, and at most
// k_max_warnings of them.
constexpr std::size_t k_max_warnings = 20;
void add_warnings(std::vector<std::string>& all, std::set<std::string>& seen, std::size_t& dropped,
                  std::vector<std::string> more) {
  for (auto& warning : more) {
    if (!seen.insert(warning).second) continue;
    if (all.size() < k_max_warnings) {
      all.push_back(std::move(warning));
    } else {
      ++dropped;
    }
  }
}

}  // namespace

LoadedScenario load_scenario_text(std::string_view text, std::string_view source_name,
                                  std::span<const std::string> overrides) {
  Context context{std::string(source_name)};
  const toml::table document = document_with_overrides(text, source_name, overrides, context);
  if (const toml::node* sweep = document.get("sweep")) {
    context.fail(sweep, "the file holds a [sweep]: load it as a study (load_study_text)");
  }
  LoadedScenario loaded;
  loaded.scenario = read_scenario(document, context);
  loaded.warnings = context.take_warnings();
  loaded.resolved_toml = scenario_to_toml(loaded.scenario);
  return loaded;
}

LoadedScenario load_scenario_file(const std::filesystem::path& path,
                                  std::span<const std::string> overrides) {
  return load_scenario_text(read_text_file(path), path.string(), overrides);
}

LoadedStudy load_study_text(std::string_view text, std::string_view source_name,
                            std::span<const std::string> overrides) {
  Context context{std::string(source_name)};
  const toml::table document = document_with_overrides(text, source_name, overrides, context);
  // The base must be a valid scenario by itself: it is what the resolved
  // text shows, and what every point starts from.
  const Scenario base = read_scenario(document, context);
  LoadedStudy study;
  study.title = base.title;
  if (!document.contains("sweep")) {
    study.scenarios.push_back(base);
    study.warnings = context.take_warnings();
    study.resolved_toml = scenario_to_toml(base);
    return study;
  }

  const SweepTable sweep = read_sweep_table(document, context);
  check_sweep_targets(document, sweep, overrides, context);
  study.mode = sweep.mode;
  study.common_random_numbers = sweep.common_random_numbers;
  for (const auto& parameter : sweep.parameters) study.swept_keys.push_back(parameter.key);
  study.design = make_design(sweep, base.simulation.seed, context);

  std::set<std::string> seen;
  std::size_t dropped = 0;
  const std::size_t point_count = study.design.size();
  study.scenarios.reserve(point_count);
  for (std::size_t p = 0; p < point_count; ++p) {
    const auto& point = study.design[p];
    Context point_context{std::string(source_name)};
    try {
      toml::table point_document = document_with_overrides(text, source_name, overrides, point_context);
      for (std::size_t k = 0; k < point.size(); ++k) {
        const auto& parameter = sweep.parameters[k];
        set_key(point_document, parameter.key, toml_value(point[k]), parameter.origin, point_context);
      }
      study.scenarios.push_back(read_scenario(point_document, point_context));
    } catch (const ScenarioError& error) {
      // "FILE:LINE: sweep point 3 of 0..26 (key = value, ...): what is wrong"
      std::string message = error.what();
      std::string where = std::string(source_name) + ": ";
      if (message.starts_with(source_name)) {
        const auto end = message.find(": ", source_name.size());
        if (end != std::string::npos) {
          where = message.substr(0, end + 2);
          message.erase(0, end + 2);
        }
      }
      throw ScenarioError(fmt::format("{}sweep point {} of 0..{} ({}): {}", where, p, point_count - 1,
                                      describe_point(sweep, point), message));
    }
    // MODEL.md section 8: one shock key for the sweep, or one per point.
    study.scenarios.back().shock_key = sweep.common_random_numbers ? 0 : p + 1;
    add_warnings(study.warnings, seen, dropped, point_context.take_warnings());
  }
  if (dropped > 0) {
    study.warnings.push_back(fmt::format("{}: warning: ... and {} more warnings of other sweep points",
                                         source_name, dropped));
  }
  study.resolved_toml = scenario_to_toml(base) + sweep_to_toml(sweep);
  return study;
}

std::string scenario_title(std::string_view text) {
  try {
    return read_title(toml::parse(text));
  } catch (const toml::parse_error&) {
    return "";
  }
}

LoadedStudy load_study_file(const std::filesystem::path& path,
                            std::span<const std::string> overrides) {
  return load_study_text(read_text_file(path), path.string(), overrides);
}

std::string scenario_to_toml(const Scenario& scenario) {
  const ProviderFinance& provider = scenario.provider;
  const DemandProcess& demand = scenario.demand;
  // Single-provider files keep the layout of INTERFACE.md key for key.
  std::string out = "# Resolved scenario: every key with the value used, defaults filled in.\n";
  out += fmt::format("title = {}\n\n", toml_string(scenario.title));
  out += "[simulation]\n";
  out += fmt::format("runs = {}\n", scenario.simulation.runs);
  out += fmt::format("horizon_months = {}\n", scenario.simulation.horizon_months);
  out += fmt::format("seed = {}\n", toml_seed(scenario.simulation.seed));
  if (scenario.simulation.stops_on_precision()) {
    out += fmt::format("target_halfwidth = {}\n", toml_float(scenario.simulation.target_halfwidth));
    out += fmt::format("min_runs = {}\n", scenario.simulation.min_runs);
    out += fmt::format("max_runs = {}\n", scenario.simulation.max_runs);
  } else {
    out += "# target_halfwidth: none (exactly `runs` runs)\n";
  }
  out += "\n";
  if (scenario.network.model != NetworkModel::single) {
    write_network(out, scenario);
    return out;
  }
  out += "[provider]\n";
  write_provider_keys(out, provider);
  out += "\n";
  if (scenario.segments.empty()) {
    write_demand(out, demand, "demand");
    out += "\n";
  }
  write_contract(out, scenario.contract, "", !scenario.segments.empty());
  out += "\n";
  write_correlation(out, scenario.correlation);
  if (scenario.segments.empty()) {
    for (const auto& indicator : scenario.indicators) write_indicator(out, indicator);
  }
  write_segments(out, scenario, "", scenario);
  return out;
}

}  // namespace shortfall
