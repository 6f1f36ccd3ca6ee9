// The table of scenario keys: one row per key, the one place where a key's
// type, default, allowed range, unit, meaning and sweepability are written.
//
// The row drives everything else about the key: the unknown-key check and
// its "did you mean" (the rows of a table, in order, are its known names),
// the reader (default and range come from the row, and so do the messages:
// "contract.outcome_share = 1.3 is outside [0, 1]"), the check of a file's
// value that --set or --runs replaces, the resolved-TOML writer (the row's
// name and type), the sweep check, and the tables of docs/scenario-keys.md
// (build/shortfall_scenario_keys_docs checks and regenerates them, and runs
// as the test sim/input/scenario-keys-docs).
//
// A provider key in a network's [[provider]] element is the same row as in a
// single-provider file's [provider] table; likewise the demand, contract,
// performance and indicator rows inside a provider or a segment.
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

inline constexpr double k_unbounded = std::numeric_limits<double>::infinity();

// An allowed range, printed in interval notation: [a, b] includes both
// ends, (a, b) excludes them.
struct Interval {
  double low;
  double high;
  bool low_open;
  bool high_open;

  static constexpr Interval closed(double low, double high) { return {low, high, false, false}; }
  static constexpr Interval open(double low, double high) { return {low, high, true, true}; }
  static constexpr Interval left_open(double low, double high) { return {low, high, true, false}; }
  static constexpr Interval right_open(double low, double high) { return {low, high, false, true}; }
  static constexpr Interval at_least(double low) { return {low, k_unbounded, false, true}; }
  static constexpr Interval above(double low) { return {low, k_unbounded, true, true}; }
  static constexpr Interval finite() { return {-k_unbounded, k_unbounded, true, true}; }
  // For rows whose values are not numbers: no range applies.
  static constexpr Interval any() { return finite(); }

  // NaN fails both comparisons, so it is outside every interval.
  bool contains(double value) const {
    return (low_open ? value > low : value >= low) && (high_open ? value < high : value <= high);
  }
  // "[0, 1]", "(-1, 1]", "(0, inf)": as in messages.
  std::string text() const;
};

enum class KeyType {
  number,   // a TOML float or integer (an integer is converted)
  integer,  // a TOML integer, or a float with no fractional part (1e5)
  text,     // a string
  choice,   // a string, one of the row's choices
  flag,     // true or false
  table,    // a table of further keys ([demand], risk_share = { ... })
  tables,   // an array of tables ([[indicator]])
  special,  // a shape of its own (lists, matrices, the seed), read by its own function
};

// Why a key cannot be swept (each gives its own message), or `yes`.
enum class Sweep {
  yes,
  simulation_setting,  // every point shares the run axis, horizon and seed
  label,               // names something: the same at every point
  indicator_label,     // an indicator's id, name or measure: the results file's labels
  network_shape,       // the network's model, lead and provider ids
  list,                // a list key: a sweep sets one number or text per point
};

// What a key holds when the file leaves it out.
struct KeyDefault {
  enum class Kind { number, text, toml, derived, required, absent };
  Kind kind;
  double number = 0.0;         // number (and a flag: 0 or 1)
  std::string_view text = "";  // text: a string or a choice's name; toml: the value in TOML;
                               // derived, absent: how the docs say it; required: why, for
                               // the message "KEY is missing: WHY"

  static constexpr KeyDefault value(double number) { return {Kind::number, number, ""}; }
  static constexpr KeyDefault text_value(std::string_view text) { return {Kind::text, 0.0, text}; }
  static constexpr KeyDefault choice(std::string_view name) { return text_value(name); }
  // A value written in TOML ("[\"bonus\", \"withhold\"]"), read as if the file held it.
  static constexpr KeyDefault toml(std::string_view value) { return {Kind::toml, 0.0, value}; }
  // Computed from other keys by the reader; `docs` says how, and `number`
  // is the constant in the rule, if it has one.
  static constexpr KeyDefault derived(std::string_view docs, double number = 0.0) {
    return {Kind::derived, number, docs};
  }
  static constexpr KeyDefault required(std::string_view why) { return {Kind::required, 0.0, why}; }
  static constexpr KeyDefault absent(std::string_view docs) { return {Kind::absent, 0.0, docs}; }
};

// Which files hold a key: both kinds, only a network file (a provider to
// name), or only a single-provider file (a network keeps it per provider).
enum class KeyScope { any, network_file, single_provider_file };

struct ScenarioKey {
  std::string_view name;  // as written in its table: "opening_cash"
  KeyType type;
  KeyDefault fallback;
  Interval allowed = Interval::any();          // number, integer
  std::span<const std::string_view> choices{};  // choice
  std::string_view unit = "";                   // "GBP"; "" for none
  std::string_view meaning = "";                // the docs' one line, with its symbol in docs/model.md
  Sweep sweep = Sweep::yes;
  // The docs' words where the row's own fields do not say it all.
  std::string_view type_docs = "";
  std::string_view default_docs = "";
  std::string_view allowed_docs = "";
  KeyScope scope = KeyScope::any;
  std::span<const ScenarioKey> nested{};  // a table's own rows (risk_share)
};

using KeyRows = std::span<const ScenarioKey>;

// The tables of a scenario file, each with its rows in documentation order
// (which is also the order "did you mean" prefers among equally close names).
namespace keys {
extern const KeyRows document;     // title and the tables of a file
extern const KeyRows simulation;
extern const KeyRows provider;     // [provider], or the keys of a [[provider]] element
extern const KeyRows demand;       // [demand], [provider.demand], [segment.demand]
extern const KeyRows contract;
extern const KeyRows risk_share;   // contract.risk_share = { ... }
extern const KeyRows performance;
extern const KeyRows indicator;    // with delivered_by, in network files only
extern const KeyRows segment;
extern const KeyRows network;
extern const KeyRows subcontract;
extern const KeyRows network_provider;  // id and the tables of a [[provider]] element
extern const KeyRows sweep;

// Every table by name ("simulation", "risk_share", "network_provider"),
// for the docs.
struct KeyTable {
  std::string_view name;
  KeyRows rows;
};
std::span<const KeyTable> tables();

// The row named `name` in `rows`; nullptr when there is none.
const ScenarioKey* find(KeyRows rows, std::string_view name);
// The row, which must exist (a programming error otherwise).
const ScenarioKey& row(KeyRows rows, std::string_view name);
// The row a dotted key of --set or a sweep names ("contract.outcome_share",
// "provider.trust.id", "segment.x.demand.seasonality",
// "indicator.eip.target"), found from the key's shape alone: the last
// part's row in the nearest table the path names. nullptr for none.
const ScenarioKey* find_dotted(std::span<const std::string> path);
}  // namespace keys

// The choice keys: each name with what it stands for, in the order of the
// docs and of "did you mean".
template <typename Value>
struct Named {
  std::string_view name;
  Value value;
};

template <typename Value, std::size_t N>
constexpr std::array<std::string_view, N> names_of(const std::array<Named<Value>, N>& named) {
  std::array<std::string_view, N> names{};
  for (std::size_t i = 0; i < N; ++i) names[i] = named[i].name;
  return names;
}

// The name of `value`, which must be one of `named`.
template <typename Value, std::size_t N>
std::string_view name_of(const std::array<Named<Value>, N>& named, Value value) {
  for (const auto& option : named) {
    if (option.value == value) return option.name;
  }
  return named.front().name;
}

namespace choices {
inline constexpr std::array<Named<Basis>, 3> basis{
    {{"block", Basis::block}, {"capitation", Basis::capitation}, {"episodic", Basis::episodic}}};
inline constexpr std::array<Named<int>, 3> assessment{
    {{"monthly", 1}, {"quarterly", 3}, {"annual", 12}}};  // M in months
inline constexpr std::array<Named<PaymentRule>, 2> payment_rule{
    {{"threshold", PaymentRule::threshold}, {"linear", PaymentRule::linear}}};
inline constexpr std::array<Named<Direction>, 2> direction{
    {{"higher", Direction::higher}, {"lower", Direction::lower}}};
inline constexpr std::array<Named<NetworkModel>, 3> network_model{
    {{"alliance", NetworkModel::alliance},
     {"prime", NetworkModel::prime},
     {"integrator", NetworkModel::integrator}}};
inline constexpr std::array<std::string_view, 4> sweep_mode{"grid", "zip", "lhs", "sobol"};

inline constexpr auto basis_names = names_of(basis);
inline constexpr auto assessment_names = names_of(assessment);
inline constexpr auto payment_rule_names = names_of(payment_rule);
inline constexpr auto direction_names = names_of(direction);
inline constexpr auto network_model_names = names_of(network_model);
}  // namespace choices

// The docs' text of a row's columns (docs/scenario-keys.md).
std::string key_type_docs(const ScenarioKey& key);
std::string key_default_docs(const ScenarioKey& key);
std::string key_allowed_docs(const ScenarioKey& key);
// The names of `rows` that a file of this kind may hold, in order.
std::vector<std::string_view> key_names(KeyRows rows, KeyScope file = KeyScope::any);
// One Markdown table of rows: | key | type | default | allowed | meaning |.
std::string key_table_markdown(KeyRows rows);

}  // namespace shortfall
