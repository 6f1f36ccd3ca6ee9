// The readers of the scenario language, table by table: internal to
// sim/input/. Each takes a Section (a table of the file, named for
// messages) or a node, and returns validated model values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <toml++/toml.h>

#include "models/scenario.h"
#include "sim/input/reading.h"

namespace shortfall {

// Tolerances of the rules between values (docs/scenario-keys.md).
inline constexpr double k_mean_tolerance = 1e-9;  // weights, seasonality, an integrator's values

// --- The shape of the file (key_check.cpp) ------------------------------------

bool is_network_document(const toml::table& document);
// Unsupported keys first, then misspellings, before any value is read.
void check_keys(const toml::table& document, const Context& context);
void check_network_keys(const toml::table& document, const Context& context);
// The known names of a network's [[provider]] element: its id, every
// provider key, its tables.
std::vector<std::string_view> network_provider_key_names();
// The rows of the table a provider holds under `name` (demand, contract,
// performance); empty for another name.
KeyRows provider_table_rows(std::string_view name);

// --- [simulation] (simulation_reader.cpp) -------------------------------------

// One contract's assessment period, and its key for messages.
struct AssessmentPeriod {
  int months;
  std::string label;  // "contract.assessment", "provider.trust.contract.assessment"
};

std::string read_title(const toml::table& document);
// The horizon must be a multiple of every contract's assessment period.
SimulationSettings read_simulation(const Section& section,
                                   std::span<const AssessmentPeriod> periods);
std::uint64_t seed_value(const Context& context, const toml::node& node);

// --- [provider], [demand] (provider_reader.cpp) ---------------------------------

// `annual_value` sets the cash defaults: one month of income in hand.
ProviderFinance read_provider(const Section& section, double annual_value);
DemandProcess read_demand(const Section& section);
std::array<double, 12> seasonality_value(const Context& context, const toml::node& node,
                                         const std::string& label);

// --- [contract] (contract_reader.cpp) -----------------------------------------

// A segmented contract takes its value and basis from its segments
// (`segments_node` is their [[segment]] list); its own are errors.
Contract read_contract(const Section& section, const toml::node* segments_node = nullptr);
std::vector<double> outcome_share_value(Context& context, const toml::node& node,
                                        const std::string& label);
std::vector<PaymentStructure> structures_value(const Context& context, const toml::node& node,
                                               const std::string& label);
RiskShare risk_share_value(Context& context, const toml::node& node, const std::string& label);
// ["bonus", "withhold"], for messages.
std::string structure_names(const Contract& contract);

// --- [[indicator]] (indicator_reader.cpp) ---------------------------------------

// A network's provider ids, by position (lead, subcontracts, delivered_by).
struct ProviderIds {
  std::vector<std::string> ids;
  int position(const Context& context, const toml::node& node, const std::string& label) const;
};

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
                                           IndicatorRegistry& registry, Context& context);
void check_weights_sum_to_one(const std::vector<Indicator>& indicators, const toml::node* anchor,
                              const Context& context, std::string_view prefix = "");
// Guidance ranges are per contract: `whose` names it ("the scenario",
// "provider.trust's contract"), `list` how its indicators are written.
void warn_about_indicator_counts(const std::vector<Indicator>& indicators, const toml::node* anchor,
                                 Context& context, std::string_view whose = "the scenario",
                                 std::string_view list = "[[indicator]]",
                                 std::string_view measure_key = "indicator.*.measure");
std::string id_value(const Context& context, const toml::node& node, const std::string& label);

// --- [performance] (correlation_reader.cpp) -------------------------------------

Eigen::MatrixXd read_correlation(const Section& performance, std::size_t indicator_count);
// The entries of a correlation value, each in [-1, 1], whatever its size.
void check_correlation_entries(const Context& context, const toml::node& node,
                               const std::string& label);

// --- A provider (provider_reader.cpp) -------------------------------------------

// Where one provider's keys and tables are: the top level of a
// single-provider file, or one [[provider]] element of a network.
struct ProviderPlace {
  const toml::table* scope = nullptr;  // holds demand, contract, performance, indicator, segment
  const toml::node* anchor = nullptr;  // the [[provider]] element; nullptr in a single file
  const toml::table* finance = nullptr;      // holds the provider keys
  const toml::node* finance_node = nullptr;  // [provider], or the element
  std::string name;    // "provider", or "provider.<id>": the path of the provider keys
  std::string prefix;  // "", or "provider.<id>.": the path of its tables
  std::string header;  // "", or "provider.": how its tables are written ([[provider.indicator]])
  const ProviderIds* network_ids = nullptr;  // nullptr in a single-provider file

  Section section(std::string_view table, Context& context) const;
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

// The contract (and segments) of a provider. `no_contract_why` says why a
// provider holds no contract, for messages ("" when it holds one).
void read_contract_part(ProviderDraft& draft, const std::string& no_contract_why,
                        Context& context);
// The provider keys, demand, indicators and correlation. `default_value` is
// the yearly income that sets the cash defaults; `shared_list` the
// alliance-wide [[network.indicator]] list, when there is one.
void read_provider_part(ProviderDraft& draft, double default_value, const toml::node* shared_list,
                        IndicatorRegistry& registry, Context& context);

// --- Whole scenarios -------------------------------------------------------------

Scenario read_single_scenario(const toml::table& document, Context& context);  // provider_reader.cpp
Scenario read_network_scenario(const toml::table& document, Context& context);  // network_reader.cpp

}  // namespace shortfall
