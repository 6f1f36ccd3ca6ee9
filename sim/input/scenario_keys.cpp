#include "sim/input/scenario_keys.h"

#include <algorithm>
#include <utility>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace shortfall {

namespace {

using K = ScenarioKey;
using D = KeyDefault;
using I = Interval;

// --- The file --------------------------------------------------------------

constexpr std::array k_document{
    K{"title", KeyType::text, D::text_value(""), I::any(), {}, "",
      "a one-line description, copied into results files", Sweep::label},
    K{"simulation", KeyType::table, D::derived("every key at its default"), I::any(), {}, "",
      "the run count, horizon, seed and stopping rule", Sweep::simulation_setting},
    K{"network", KeyType::table, D::absent("none: one provider"), I::any(), {}, "",
      "how the providers of a network are linked", Sweep::yes, "", "", "",
      KeyScope::network_file},
    // A table in a single-provider file; an array of tables, one per
    // provider, in a network file.
    K{"provider", KeyType::table, D::derived("every key at its default"), I::any(), {}, "",
      "the provider's cash and costs; in a network, `[[provider]]` elements, one per provider",
      Sweep::yes},
    K{"demand", KeyType::table, D::derived("every key at its default"), I::any(), {}, "",
      "the demand process", Sweep::yes, "", "", "", KeyScope::single_provider_file},
    K{"contract", KeyType::table, D::required("it holds contract.annual_value"), I::any(), {}, "",
      "the contract with the commissioner", Sweep::yes, "", "", "",
      KeyScope::single_provider_file},
    K{"performance", KeyType::table, D::derived("identity"), I::any(), {}, "",
      "the correlation of the indicators", Sweep::yes, "", "", "",
      KeyScope::single_provider_file},
    K{"indicator", KeyType::tables, D::required("at least one"), I::any(), {}, "",
      "the outcome indicators", Sweep::yes, "", "", "", KeyScope::single_provider_file},
    K{"segment", KeyType::tables, D::absent("none"), I::any(), {}, "",
      "the contract's population segments", Sweep::yes, "", "", "",
      KeyScope::single_provider_file},
    K{"sweep", KeyType::table, D::absent("none: one scenario"), I::any(), {}, "",
      "a study of many design points", Sweep::label},
};

// --- [simulation] -----------------------------------------------------------

constexpr std::array k_simulation{
    K{"runs", KeyType::integer, D::value(10000), I::closed(1, 1e9), {}, "",
      "`N`, Monte Carlo runs per structure", Sweep::simulation_setting},
    K{"horizon_months", KeyType::integer, D::value(36), I::closed(1, 1200), {}, "months",
      "`T`, months simulated; month 1 is April", Sweep::simulation_setting, "", "",
      "[1, 1200], a multiple of the assessment period `M`"},
    // April 2017: the guidance's first contracts.
    K{"seed", KeyType::special, D::value(20170401), I::right_open(0, 18446744073709551616.0), {}, "",
      "base of every random stream. TOML integers stop at 2^63 - 1, so a seed from 2^63 up is "
      "written as a string of decimal digits, e.g. `seed = \"18446744073709551615\"`; any seed may "
      "be written that way",
      Sweep::simulation_setting, "integer or string", "", "[0, 2^64)"},
    K{"target_halfwidth", KeyType::number, D::absent("none (off: exactly `runs` runs)"),
      I::left_open(0, 0.5), {}, "",
      "stop a scenario once the 95 % Wilson interval of `p_shortfall` is at most this wide on "
      "either side, for every structure",
      Sweep::simulation_setting},
    // A Wilson interval is honest at zero events, but a few thousand runs
    // also keep one early lucky block from deciding.
    K{"min_runs", KeyType::integer, D::derived("min(10000, `max_runs`)", 10000), I::closed(1, 1e9), {}, "",
      "never stop before this many runs", Sweep::simulation_setting, "", "",
      "[1, 10^9], at most `max_runs`"},
    K{"max_runs", KeyType::integer, D::derived("`runs`"), I::closed(1, 1e9), {}, "",
      "never run more than this many", Sweep::simulation_setting},
    // Ten thousand runs put e-bar within about 0.002 of its mean (its runs'
    // spread is a few percent), a small error beside the price it sets.
    K{"pilot_runs", KeyType::integer, D::value(10000), I::closed(1, 1e9), {}, "",
      "runs of `shortfall decompose`'s pilot, which fixes each structure's mean earned fraction "
      "`ē_s` (the flat comparator's pay) before the main runs, on random futures of its own",
      Sweep::simulation_setting},
};

// --- [provider] -------------------------------------------------------------

constexpr std::array k_provider{
    K{"opening_cash", KeyType::number, D::derived("`annual_value / 12`"), I::finite(), {}, "GBP",
      "`Cash_0`; by default one month of income in hand"},
    // Finance directors count cash in days (sim/input/cash_days.h).
    K{"opening_cash_days", KeyType::number, D::absent("none: `opening_cash` gives it in GBP"),
      I::finite(), {}, "days",
      "`Cash_0` in days of year-0 operating cost, `(1+d)·V/365` a day; instead of "
      "`opening_cash` (not both); resolved to `opening_cash` in GBP",
      Sweep::yes, "number (days)"},
    K{"shortfall_threshold", KeyType::number, D::value(0), I::finite(), {}, "GBP",
      "`S`: cash below it is a shortfall; negative models a working capital facility"},
    K{"shortfall_threshold_days", KeyType::number,
      D::absent("none: `shortfall_threshold` gives it in GBP"), I::finite(), {}, "days",
      "`S` in days of year-0 operating cost, `(1+d)·V/365` a day (-10: a facility of ten days); "
      "instead of `shortfall_threshold` (not both); resolved to `shortfall_threshold` in GBP",
      Sweep::yes, "number (days)"},
    K{"stress_start_cash", KeyType::number,
      D::derived("`shortfall_threshold + annual_value / 12`"), I::finite(), {}, "GBP",
      "`Z`: stress is 0 above it and rises to 1 at `S`; the default sits one month of contract "
      "value above `S`, so a facility (negative `S`) lowers it by the facility's size",
      Sweep::yes, "", "",
      "finite, > `shortfall_threshold`"},
    K{"stress_penalty", KeyType::number, D::value(0), I::closed(0, 20), {}, "",
      "`γ`: logit points full stress takes off every indicator (0: no feedback)"},
    K{"underlying_deficit", KeyType::number, D::value(0), I::open(-1, 1), {}, "",
      "`d`: costs above the efficient-cost payment (0.02 = 2 % deficit; negative = surplus)"},
    // Staff and estate do not follow the month's activity.
    K{"fixed_cost_share", KeyType::number, D::value(0.75), I::closed(0, 1), {}, "",
      "`φ`: share of cost that does not follow monthly activity (staff and estate)"},
    K{"cost_growth", KeyType::number, D::value(0), I::left_open(-1, 1), {}, "",
      "`g_C`: yearly cost growth"},
    K{"cost_noise", KeyType::number, D::value(0), I::right_open(0, 1), {}, "",
      "`σ_c`: standard deviation of the monthly cost shock, as a share of cost"},
    K{"overdraft_rate", KeyType::number, D::value(0), I::closed(0, 1), {}, "",
      "`r`: yearly interest on negative cash"},
};

// --- [demand] ---------------------------------------------------------------

constexpr std::array k_demand{
    K{"volatility", KeyType::number, D::value(0), I::at_least(0), {}, "",
      "`σ_A`: monthly standard deviation of log activity shocks"},
    K{"persistence", KeyType::number, D::value(0), I::left_open(-1, 1), {}, "",
      "`ρ_A`: AR(1) persistence of log activity (1: a random walk)"},
    K{"growth", KeyType::number, D::value(0), I::left_open(-1, 1), {}, "",
      "`g_D`: yearly growth of expected demand (what capitation pays for)"},
    K{"seasonality", KeyType::special, D::derived("twelve 1s"), I::above(0), {}, "",
      "`λ_0..λ_11`: monthly multipliers, April first", Sweep::list, "list of 12 numbers", "",
      "each in (0, inf); mean 1 within 1e-9"},
};

// --- [contract] -------------------------------------------------------------

constexpr std::array k_risk_share{
    K{"corridor", KeyType::number,
      D::required("a risk share needs both corridor and commissioner_share"), I::at_least(0), {},
      "", "share of `V_y` inside which the provider keeps the variance", Sweep::yes, "",
      "required in `risk_share`"},
    K{"commissioner_share", KeyType::number,
      D::required("a risk share needs both corridor and commissioner_share"), I::closed(0, 1), {},
      "", "share of the excess beyond the corridor the commissioner carries", Sweep::yes, "",
      "required in `risk_share`"},
};

constexpr std::array k_contract{
    K{"annual_value", KeyType::number,
      D::required("the yearly contract value V in GBP has no default"), I::above(0), {}, "GBP",
      "`V`: contract value in year 0, the payment for efficient costs"},
    K{"basis", KeyType::choice, D::choice("block"), I::any(), choices::basis_names, "",
      "what the base payment follows: nothing, the demand trend `G_t`, or realised activity `A_t`"},
    K{"income_growth", KeyType::number, D::value(0), I::left_open(-1, 1), {}, "",
      "`g_I`: yearly uplift of `V`"},
    // The middle of the guidance's 2-4 %.
    K{"outcome_share", KeyType::special, D::value(0.03), I::closed(0, 1), {}, "",
      "`p`: share of `V` linked to outcomes; a list gives one share per financial year (phasing), "
      "the last holding after it ends",
      Sweep::yes, "number, or non-empty list of numbers", "",
      "each in [0, 1]; **warning** outside [0.02, 0.04]"},
    K{"structures", KeyType::special, D::toml("[\"bonus\", \"withhold\"]"), I::closed(0, 1), {}, "",
      "the payment structures compared on the same random futures. A number is a withhold "
      "fraction `h`: 0 is `bonus`, 1 is `withhold`, others are named `hybrid_<h>` (`0.5` → "
      "`hybrid_0.5`, shortest decimal). `0` next to `\"bonus\"` is a duplicate",
      Sweep::list, "non-empty list of names and numbers", "",
      "names `bonus`, `withhold`, `advance`; numbers in [0, 1]; no structure twice"},
    K{"assessment", KeyType::choice, D::choice("quarterly"), I::any(), choices::assessment_names, "",
      "assessment period `M` = 1, 3 or 12 months (the guidance recommends periodic payment)"},
    K{"settlement_lag_months", KeyType::integer, D::value(0), I::closed(0, 24), {}, "months",
      "`L`: months from the end of a period to its payment"},
    K{"payment_rule", KeyType::choice, D::choice("threshold"), I::any(), choices::payment_rule_names, "",
      "achievement: all-or-nothing at the target, or linear from the floor to the target"},
    K{"withhold_effort_effect", KeyType::number, D::value(0), I::closed(-5, 5), {}, "",
      "`δ_w`: logit points loss framing adds (positive: motivates) or takes (negative) under "
      "withhold and advance"},
    K{"risk_share", KeyType::table, D::absent("absent (no risk share)"), I::any(), {}, "",
      "yearly risk share on the operating variance, e.g. `risk_share = { corridor = 0.02, "
      "commissioner_share = 0.5 }`",
      Sweep::yes, "", "", "exactly the two keys below", KeyScope::any, k_risk_share},
};

// --- [performance] ----------------------------------------------------------

constexpr std::array k_performance{
    K{"correlation", KeyType::special, D::value(0), I::closed(-1, 1), {}, "",
      "`R`, the correlation of the indicators' monthly shocks. One number is used for every pair "
      "(below -1/(K-1) it would not be positive semi-definite). Rows and columns follow the "
      "`[[indicator]]` order. A singular matrix (e.g. all ones) is allowed. A matrix is stored "
      "exactly symmetric (the mean of each entry and its mirror)",
      Sweep::yes, "number, or K×K list of lists", "",
      "one number `c`: [max(-1, -1/(K-1)), 1]; a matrix: entries in [-1, 1], unit diagonal "
      "(exactly 1), symmetric within 1e-12, positive semi-definite (smallest eigenvalue ≥ "
      "-1e-10)"},
};

// --- [[indicator]] ----------------------------------------------------------

constexpr std::array k_indicator{
    K{"id", KeyType::special, D::required("each [[indicator]] needs an id matching [a-z0-9_]+"),
      I::any(), {}, "", "the indicator's name in `--set`, sweep keys and results files",
      Sweep::indicator_label, "string", "", "`[a-z0-9_]+`, unique"},
    K{"name", KeyType::text, D::derived("the `id`"), I::any(), {}, "",
      "a readable name for tables and plots", Sweep::indicator_label, "", "", "any"},
    K{"measure", KeyType::text, D::derived("the `id`"), I::any(), {}, "",
      "the outcome measure the indicator belongs to (a label); by default each indicator is its "
      "own measure",
      Sweep::indicator_label, "", "", "any"},
    K{"weight", KeyType::number,
      D::required("every indicator needs a weight; weights sum to 1"), I::closed(0, 1), {}, "",
      "`w_i`: share of the outcome pot this indicator pays", Sweep::yes, "", "",
      "[0, 1]; all weights sum to 1 within 1e-9"},
    K{"direction", KeyType::choice, D::choice("higher"), I::any(), choices::direction_names, "",
      "whether a higher rate is better; `lower` for e.g. readmissions"},
    K{"baseline", KeyType::number,
      D::required("the starting rate, in (0, 1), has no default"), I::open(0, 1), {}, "",
      "`π⁰_i`: the underlying rate at the start"},
    K{"target", KeyType::number, D::required("the target rate has no default"), I::closed(0, 1),
      {}, "", "the rate that earns the indicator's full weight"},
    K{"floor", KeyType::number,
      D::required("the linear payment rule (contract.payment_rule = \"linear\") needs a floor for "
                  "every indicator"),
      I::closed(0, 1), {}, "", "where linear achievement starts; unused by the threshold rule",
      Sweep::yes, "",
      "required under `payment_rule = \"linear\"`; otherwise 0 for `higher`, 1 for `lower`",
      "[0, 1]; under the linear rule below the target for `higher`, above it for `lower`, never "
      "equal"},
    K{"cases_per_month", KeyType::integer, D::value(0), I::closed(0, 1e6), {}, "",
      "`n_i`: cases measured a month; 0 measures the rate without sampling noise"},
    K{"volatility", KeyType::number, D::value(0), I::at_least(0), {}, "",
      "`σ_i`: monthly standard deviation of the logit shock"},
    K{"reversion", KeyType::number, D::value(0), I::closed(0, 1), {}, "",
      "`κ_i`: monthly pull of the logit back towards its mean path"},
    K{"trend", KeyType::number, D::value(0), I::finite(), {}, "",
      "`τ_i`: logit change per year in the indicator's own units (an improving lower-is-better "
      "indicator has `τ_i < 0`)"},
    K{"delivered_by", KeyType::special,
      D::derived("its contract's holder (alliance-wide: every member, weighted by contract value)"),
      I::any(), {}, "", "the provider whose financial stress drags the indicator", Sweep::yes,
      "string", "", "a provider id", KeyScope::network_file},
};

// --- [[segment]] ------------------------------------------------------------

constexpr std::array k_segment{
    K{"id", KeyType::special, D::required("each segment needs an id matching [a-z0-9_]+"),
      I::any(), {}, "", "the segment's name in messages and `--set`", Sweep::label, "string", "",
      "`[a-z0-9_]+`, unique within the provider"},
    K{"annual_value", KeyType::number,
      D::required("the segment's yearly value in GBP has no default"), I::above(0), {}, "GBP",
      "`V_s`: the segment's value in year 0"},
    K{"basis", KeyType::choice, D::choice("block"), I::any(), choices::basis_names, "",
      "what the segment's base payment follows"},
    K{"demand", KeyType::table, D::derived("every demand key at its default"), I::any(), {}, "",
      "the segment's demand process, `[segment.demand]`", Sweep::yes, "", "",
      "the keys of `[demand]`"},
    K{"indicator", KeyType::tables, D::required("at least one"), I::any(), {}, "",
      "the segment's indicators, `[[segment.indicator]]`", Sweep::yes, "", "",
      "the keys of `[[indicator]]`; weights sum to 1 within the segment"},
};

// --- [network] --------------------------------------------------------------

constexpr std::array k_network{
    K{"model", KeyType::choice,
      D::required("a network is one of alliance, prime, integrator"), I::any(),
      choices::network_model_names, "", "who holds the commissioner's contracts", Sweep::network_shape},
    K{"lead", KeyType::special,
      D::derived("required for `prime` and `integrator`; an error in an alliance"), I::any(), {},
      "", "the provider that holds the commissioner's contract", Sweep::network_shape, "string", "",
      "a provider id"},
    K{"management_fee", KeyType::number, D::value(0), I::right_open(0, 1), {}, "",
      "share of the contract value the integrator keeps for its own costs", Sweep::yes, "", "",
      "[0, 1); only with `integrator` (an error otherwise)"},
    K{"subcontract", KeyType::tables, D::absent("none"), I::any(), {}, "",
      "the lead's subcontracts, `[[network.subcontract]]` (below)", Sweep::yes, "", "",
      "prime and integrator only"},
    K{"indicator", KeyType::tables, D::absent("none"), I::any(), {}, "",
      "alliance-wide indicators, `[[network.indicator]]` (below)", Sweep::yes, "", "",
      "alliance only"},
    K{"performance", KeyType::table, D::derived("identity"), I::any(), {}, "",
      "`[network.performance]` `correlation` of the alliance-wide indicators", Sweep::yes, "", "",
      "as `[performance]`; only with `[[network.indicator]]`"},
};

constexpr std::array k_subcontract{
    K{"provider", KeyType::special,
      D::required("each [[network.subcontract]] names the subcontracted provider's id"), I::any(),
      {}, "", "the subcontractor", Sweep::network_shape, "string", "",
      "a provider id, not the lead, at most one subcontract per provider"},
    K{"value", KeyType::number,
      D::required("the subcontract's yearly value in GBP has no default"), I::above(0), {}, "GBP",
      "`v_j`: yearly value in year 0, part of the lead's contract; grows with its `income_growth`",
      Sweep::yes, "", "", "(0, inf), at most the lead's `contract.annual_value`"},
    K{"pass_through", KeyType::number, D::value(0), I::closed(0, 1), {}, "",
      "`π_j`: share of the withhold, bonus, advance and clawback passed on (0: the lead absorbs "
      "it)"},
    // The upper end is the horizon, known only once [simulation] is read.
    K{"payment_delay_months", KeyType::integer, D::value(0), I::closed(0, k_unbounded), {},
      "months", "`D_j`: months from the lead's receipt to the subcontractor's", Sweep::yes, "", "",
      "[0, `simulation.horizon_months`]"},
};

// A [[provider]] element: its id, then every provider key (k_provider, the
// same rows), then its tables.
constexpr std::array k_network_provider{
    K{"id", KeyType::special, D::required("each [[provider]] needs an id matching [a-z0-9_]+"),
      I::any(), {}, "",
      "the provider's name in `lead`, `subcontract.provider`, `delivered_by`, `--set` and results "
      "files",
      Sweep::network_shape, "string", "", "`[a-z0-9_]+`, unique"},
    K{"demand", KeyType::table, D::derived("every demand key at its default"), I::any(), {}, "",
      "`[provider.demand]`: its demand process (drives its costs)", Sweep::yes, "", "",
      "the keys of `[demand]`"},
    K{"contract", KeyType::table,
      D::derived("required for the lead and every alliance member; an error for a subcontractor"),
      I::any(), {}, "", "`[provider.contract]`: its contract with the commissioner", Sweep::yes,
      "", "",
      "the keys of `[contract]`; `risk_share` is an error in a prime or integrator network"},
    K{"performance", KeyType::table, D::derived("identity"), I::any(), {}, "",
      "`[provider.performance]`: the correlation of its indicators", Sweep::yes, "", "",
      "as `[performance]`, over its indicators"},
    K{"indicator", KeyType::tables,
      D::derived("required for a contract holder (unless alliance-wide indicators or segments)"),
      I::any(), {}, "", "`[[provider.indicator]]`: its contract's indicators", Sweep::yes, "", "",
      "the keys of `[[indicator]]` plus `delivered_by`"},
    K{"segment", KeyType::tables, D::absent("none"), I::any(), {}, "",
      "`[[provider.segment]]`: its contract's segments", Sweep::yes, "", "", "as `[[segment]]`"},
};

// --- [sweep] ----------------------------------------------------------------

constexpr std::array k_sweep{
    K{"mode", KeyType::choice, D::choice("grid"), I::any(), choices::sweep_mode, "",
      "how the points are made from the parameters", Sweep::label},
    K{"common_random_numbers", KeyType::flag, D::value(1), I::any(), {}, "",
      "one shock key for every point (`true`), or one per point", Sweep::label, "", "`true`",
      "`true` or `false`"},
    // A million points of even 1,000 runs is a day on a large node: beyond
    // it a typo in a grid is likelier than a study. Grid, zip and the whole
    // of a Saltelli design (N (k + 2) points) share the cap.
    K{"points", KeyType::integer, D::derived("required with `lhs` and `sobol`"), I::closed(1, 1e6),
      {}, "",
      "number of Latin-hypercube points; with `sobol`, of base rows N (N (k + 2) points for k keys)",
      Sweep::label, "", "", "[1, 10^6]; only with `lhs` and `sobol`"},
    K{"parameters", KeyType::table, D::derived("required, not empty"), I::any(), {}, "",
      "swept key → values", Sweep::label, "", "", "see below"},
};

// Numbers as the docs write them: 10^9 for 1e9, inf for infinity.
std::string docs_number(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value >= 1e6 && value == std::trunc(value)) {
    const int exponent = static_cast<int>(std::lround(std::log10(value)));
    if (std::pow(10.0, exponent) == value) return fmt::format("10^{}", exponent);
  }
  return fmt::format("{}", value);
}

std::string quoted_choices(std::span<const std::string_view> names) {
  std::vector<std::string> quoted;
  for (const auto name : names) quoted.push_back(fmt::format("`{}`", name));
  return fmt::format("{}", fmt::join(quoted, ", "));
}

}  // namespace

std::string Interval::text() const {
  return fmt::format("{}{}, {}{}", low_open ? '(' : '[', low, high, high_open ? ')' : ']');
}

namespace keys {
const KeyRows document{k_document};
const KeyRows simulation{k_simulation};
const KeyRows provider{k_provider};
const KeyRows demand{k_demand};
const KeyRows contract{k_contract};
const KeyRows risk_share{k_risk_share};
const KeyRows performance{k_performance};
const KeyRows indicator{k_indicator};
const KeyRows segment{k_segment};
const KeyRows network{k_network};
const KeyRows subcontract{k_subcontract};
const KeyRows network_provider{k_network_provider};
const KeyRows sweep{k_sweep};

std::span<const KeyTable> tables() {
  static const std::array<KeyTable, 13> all{{{"document", document},
                                             {"simulation", simulation},
                                             {"provider", provider},
                                             {"demand", demand},
                                             {"contract", contract},
                                             {"risk_share", risk_share},
                                             {"performance", performance},
                                             {"indicator", indicator},
                                             {"segment", segment},
                                             {"network", network},
                                             {"subcontract", subcontract},
                                             {"network_provider", network_provider},
                                             {"sweep", sweep}}};
  return all;
}

const ScenarioKey* find(KeyRows rows, std::string_view name) {
  const auto found =
      std::find_if(rows.begin(), rows.end(), [&](const auto& key) { return key.name == name; });
  return found != rows.end() ? &*found : nullptr;
}

const ScenarioKey& row(KeyRows rows, std::string_view name) {
  if (const ScenarioKey* key = find(rows, name)) return *key;
  throw std::logic_error(fmt::format("no scenario key '{}' in its table", name));
}

const ScenarioKey* find_dotted(std::span<const std::string> path) {
  if (path.empty()) return nullptr;
  const std::string& name = path.back();
  if (path.size() == 1) return find(document, name);
  // indicator.<id>.<key>: whatever the id is called.
  if (path.front() == "indicator") return path.size() == 3 ? find(indicator, name) : nullptr;
  for (std::size_t i = path.size() - 1; i-- > 0;) {
    const std::string& table = path[i];
    if (table == "provider") {
      const ScenarioKey* key = find(provider, name);
      return key != nullptr ? key : find(network_provider, name);
    }
    for (const auto& [table_name, rows] :
         {std::pair{"simulation", simulation}, {"demand", demand}, {"contract", contract},
          {"risk_share", risk_share}, {"performance", performance}, {"network", network},
          {"subcontract", subcontract}, {"segment", segment}}) {
      if (table == table_name) return find(rows, name);
    }
  }
  return nullptr;
}
}  // namespace keys

std::string key_type_docs(const ScenarioKey& key) {
  if (!key.type_docs.empty()) return std::string(key.type_docs);
  const std::string unit = key.unit == "GBP" ? " (GBP)" : "";
  switch (key.type) {
    case KeyType::number:
      return "number" + unit;
    case KeyType::integer:
      return "integer";
    case KeyType::text:
    case KeyType::choice:
      return "string";
    case KeyType::flag:
      return "boolean";
    case KeyType::table:
      return "table";
    case KeyType::tables:
      return "list of tables";
    case KeyType::special:
      break;
  }
  return "";
}

std::string key_default_docs(const ScenarioKey& key) {
  if (!key.default_docs.empty()) return std::string(key.default_docs);
  switch (key.fallback.kind) {
    case KeyDefault::Kind::number:
      return docs_number(key.fallback.number);
    case KeyDefault::Kind::text:
      return fmt::format("`\"{}\"`", key.fallback.text);
    case KeyDefault::Kind::toml:
      return fmt::format("`{}`", key.fallback.text);
    case KeyDefault::Kind::required:
      return "required";
    case KeyDefault::Kind::derived:
    case KeyDefault::Kind::absent:
      return std::string(key.fallback.text);
  }
  return "";
}

std::string key_allowed_docs(const ScenarioKey& key) {
  if (!key.allowed_docs.empty()) return std::string(key.allowed_docs);
  if (key.type == KeyType::choice) return quoted_choices(key.choices);
  if (key.type == KeyType::text) return "any";
  if (key.type == KeyType::table || key.type == KeyType::tables) return "its keys, below";
  if (key.type != KeyType::number && key.type != KeyType::integer) return "";
  const Interval& range = key.allowed;
  if (range.low == -k_unbounded && range.high == k_unbounded) return "finite";
  return fmt::format("{}{}, {}{}", range.low_open ? '(' : '[', docs_number(range.low),
                     docs_number(range.high), range.high_open ? ')' : ']');
}

namespace {
bool in_file(const ScenarioKey& key, KeyScope file) {
  return file == KeyScope::any || key.scope == KeyScope::any || key.scope == file;
}
}  // namespace

std::vector<std::string_view> key_names(KeyRows rows, KeyScope file) {
  std::vector<std::string_view> names;
  for (const auto& key : rows) {
    if (in_file(key, file)) names.push_back(key.name);
  }
  return names;
}

std::string key_table_markdown(KeyRows rows) {
  std::string out = "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
  for (const auto& key : rows) {
    const std::string_view only = key.scope == KeyScope::network_file ? " (network files only)"
                                  : key.scope == KeyScope::single_provider_file
                                      ? " (single-provider files only)"
                                      : "";
    out += fmt::format("| `{}` | {} | {} | {} | {}{} |\n", key.name, key_type_docs(key),
                       key_default_docs(key), key_allowed_docs(key), key.meaning, only);
  }
  return out;
}

}  // namespace shortfall
