// The resolved scenario: every key with the value used, defaults filled
// in, numbers written so that they read back bit for bit. Loading it gives
// the identical scenario; it is what results files store and checkpoints
// are identified by, so its text must not change from release to release
// without a reason.
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/input/scenario_loader.h"
#include "sim/input/scenario_keys.h"
#include "sim/input/toml_text.h"

namespace shortfall {

namespace {

// Writes "name = value" lines of one table's rows, each value as its row's
// type is written: a number always as a float, a choice as a quoted name.
class KeyWriter {
 public:
  KeyWriter(std::string& out, KeyRows rows) : out_(out), rows_(rows) {}

  void number(std::string_view name, double value) const {
    line(name, KeyType::number, toml_float(value));
  }
  void integer(std::string_view name, std::int64_t value) const {
    line(name, KeyType::integer, std::to_string(value));
  }
  void choice(std::string_view name, std::string_view chosen) const {
    line(name, KeyType::choice, toml_string(chosen));
  }
  void string(std::string_view name, std::string_view value) const {
    line(name, keys::row(rows_, name).type, toml_string(value));
  }
  // A value of a special row, already written as TOML.
  void text(std::string_view name, const std::string& toml) const {
    line(name, keys::row(rows_, name).type, toml);
  }

 private:
  void line(std::string_view name, KeyType type, const std::string& value) const {
    const ScenarioKey& key = keys::row(rows_, name);
    if (key.type != type) {
      throw std::logic_error(fmt::format("scenario key '{}' is written as another type", name));
    }
    out_ += fmt::format("{} = {}\n", key.name, value);
  }

  std::string& out_;
  KeyRows rows_;
};

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
  const KeyWriter write(out, keys::contract);
  if (segmented) {
    out += "# annual_value, basis: from the segments\n";
  } else {
    write.number("annual_value", contract.annual_value);
    write.choice("basis", name_of(choices::basis, contract.basis));
  }
  write.number("income_growth", contract.income_growth);
  write.text("outcome_share", contract.outcome_share.size() == 1
                                  ? toml_float(contract.outcome_share.front())
                                  : toml_number_list(contract.outcome_share));
  std::vector<std::string> structures;
  for (const auto& structure : contract.structures) structures.push_back(toml_structure(structure));
  write.text("structures", fmt::format("[{}]", fmt::join(structures, ", ")));
  write.choice("assessment", name_of(choices::assessment, contract.assessment_months));
  write.integer("settlement_lag_months", contract.settlement_lag_months);
  write.choice("payment_rule", name_of(choices::payment_rule, contract.payment_rule));
  write.number("withhold_effort_effect", contract.withhold_effort_effect);
  if (contract.risk_share) {
    write.text("risk_share", fmt::format("{{ corridor = {}, commissioner_share = {} }}",
                                         toml_float(contract.risk_share->corridor),
                                         toml_float(contract.risk_share->commissioner_share)));
  } else {
    out += "# risk_share: none\n";
  }
}

// `header` is how the list is written ("indicator", "provider.indicator",
// "network.indicator", ...); `scenario` names delivered_by's provider.
void write_indicator(std::string& out, const Indicator& indicator,
                     std::string_view header = "indicator", const Scenario* scenario = nullptr) {
  out += fmt::format("\n[[{}]]\n", header);
  const KeyWriter write(out, keys::indicator);
  write.string("id", indicator.id);
  write.string("name", indicator.name);
  write.string("measure", indicator.measure);
  write.number("weight", indicator.weight);
  write.choice("direction", name_of(choices::direction, indicator.direction));
  write.number("baseline", indicator.baseline);
  write.number("target", indicator.target);
  write.number("floor", indicator.floor);
  write.integer("cases_per_month", indicator.cases_per_month);
  write.number("volatility", indicator.volatility);
  write.number("reversion", indicator.reversion);
  write.number("trend", indicator.trend);
  if (indicator.delivered_by >= 0 && scenario != nullptr) {
    write.string("delivered_by", scenario->provider_setup(indicator.delivered_by).id);
  }
}

void write_correlation(std::string& out, const Eigen::MatrixXd& correlation,
                       std::string_view header = "performance") {
  out += fmt::format("[{}]\n{} = [\n", header, keys::row(keys::performance, "correlation").name);
  for (Eigen::Index i = 0; i < correlation.rows(); ++i) {
    std::vector<double> row(correlation.cols());
    for (Eigen::Index j = 0; j < correlation.cols(); ++j)
      row[static_cast<std::size_t>(j)] = correlation(i, j);
    out += "  " + toml_number_list(row) + ",\n";
  }
  out += "]\n";
}

void write_provider_keys(std::string& out, const ProviderFinance& provider) {
  const KeyWriter write(out, keys::provider);
  // In the spelling the file used: days stay days, so a point of a sweep
  // that moves the deficit or the value re-derives its pounds on reading.
  if (provider.opening_cash_days) {
    write.number("opening_cash_days", *provider.opening_cash_days);
  } else {
    write.number("opening_cash", provider.opening_cash);
  }
  if (provider.shortfall_threshold_days) {
    write.number("shortfall_threshold_days", *provider.shortfall_threshold_days);
  } else {
    write.number("shortfall_threshold", provider.shortfall_threshold);
  }
  write.number("stress_start_cash", provider.stress_start_cash);
  write.number("stress_penalty", provider.stress_penalty);
  write.number("underlying_deficit", provider.underlying_deficit);
  write.number("fixed_cost_share", provider.fixed_cost_share);
  write.number("cost_growth", provider.cost_growth);
  write.number("cost_noise", provider.cost_noise);
  write.number("overdraft_rate", provider.overdraft_rate);
}

void write_demand(std::string& out, const DemandProcess& demand, std::string_view header) {
  out += fmt::format("[{}]\n", header);
  const KeyWriter write(out, keys::demand);
  write.number("volatility", demand.volatility);
  write.number("persistence", demand.persistence);
  write.number("growth", demand.growth);
  write.text("seasonality", toml_number_list(demand.seasonality));
}

// [[segment]] (header "") or [[provider.segment]] (header "provider.").
void write_segments(std::string& out, const ProviderSetup& setup, std::string_view header,
                    const Scenario& scenario) {
  for (const auto& segment : setup.segments) {
    out += fmt::format("\n[[{}segment]]\n", header);
    const KeyWriter write(out, keys::segment);
    write.string("id", segment.id);
    write.number("annual_value", segment.annual_value);
    write.choice("basis", name_of(choices::basis, segment.basis));
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
  KeyWriter(out, keys::network_provider).string("id", setup.id);
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
  const KeyWriter write(out, keys::network);
  write.choice("model", name_of(choices::network_model, network.model));
  if (has_lead) write.string("lead", scenario.provider_setup(network.lead).id);
  if (network.model == NetworkModel::integrator) {
    write.number("management_fee", network.management_fee);
  }
  if (!network.shared_indicators.empty()) {
    write_correlation(out, network.shared_correlation, "network.performance");
  }
  for (const auto& subcontract : network.subcontracts) {
    out += "\n[[network.subcontract]]\n";
    const KeyWriter write_subcontract(out, keys::subcontract);
    write_subcontract.string("provider", scenario.provider_setup(subcontract.provider).id);
    write_subcontract.number("value", subcontract.value);
    write_subcontract.number("pass_through", subcontract.pass_through);
    write_subcontract.integer("payment_delay_months", subcontract.payment_delay_months);
  }
  for (const auto& indicator : network.shared_indicators) {
    write_indicator(out, indicator, "network.indicator", &scenario);
  }
  for (int p = 0; p < scenario.provider_count(); ++p) {
    write_network_provider(out, scenario.provider_setup(p), scenario);
  }
}

}  // namespace

std::string scenario_to_toml(const Scenario& scenario) {
  const ProviderFinance& provider = scenario.provider;
  const DemandProcess& demand = scenario.demand;
  // Single-provider files keep their first layout key for key.
  std::string out = "# Resolved scenario: every key with the value used, defaults filled in.\n";
  KeyWriter(out, keys::document).string("title", scenario.title);
  out += "\n[simulation]\n";
  const SimulationSettings& simulation = scenario.simulation;
  const KeyWriter write(out, keys::simulation);
  write.integer("runs", simulation.runs);
  write.integer("horizon_months", simulation.horizon_months);
  write.text("seed", toml_seed(simulation.seed));
  if (simulation.stops_on_precision()) {
    write.number("target_halfwidth", simulation.target_halfwidth);
    write.integer("min_runs", simulation.min_runs);
    write.integer("max_runs", simulation.max_runs);
  } else {
    out += "# target_halfwidth: none (exactly `runs` runs)\n";
  }
  // Only `decompose` reads it; written when given, so the text of every
  // scenario that leaves it out (the identity of its results files and
  // checkpoints) is what it was before the key existed.
  if (simulation.pilot_runs_given) write.integer("pilot_runs", simulation.pilot_runs);
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
