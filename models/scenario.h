// A validated scenario: every number the model needs, typed and checked.
//
// Only sim/input/ touches TOML; everything here is already within its
// documented range (docs/scenario-keys.md), so model code does not
// re-validate. Symbols in comments are those of docs/model.md.
//
// Members start at zero (or empty, or the first enumerator), never at a
// default of their own: a key's default lives in one place, the key table
// (sim/input/scenario_keys.cpp), and the reader applies it. Code that builds
// a Scenario by hand sets every member it uses.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace shortfall {

enum class Basis { block, capitation, episodic };
enum class PaymentRule { threshold, linear };
enum class Direction { higher = +1, lower = -1 };

// One payment structure of docs/model.md section 2: the withhold fraction h
// (bonus 0, withhold 1, hybrid in between) or `advance`.
struct PaymentStructure {
  std::string name;          // "bonus", "withhold", "advance", "hybrid_0.5"
  double withhold_fraction;  // h; `advance` carries 1 (it frames the money as a loss)
  bool advance = false;
  // The comparators of the decomposition (docs/model.md, "Decomposition"),
  // built by models/comparators.h and never read from a scenario file.
  // A flat comparator pays its base (as `withhold_fraction` says) plus,
  // every month, p_y V_y / 12 times its holder's earned fraction (one per
  // provider, by position), never scaled, and settles nothing: there is no
  // pot to earn. Empty: not a flat comparator.
  std::vector<double> flat_earned_fraction = {};
  // The earlier structure whose indicator paths and measurements this one
  // takes instead of simulating its own; -1: its own.
  int outcomes_from = -1;

  bool is_flat() const { return !flat_earned_fraction.empty(); }

  static PaymentStructure bonus() { return {"bonus", 0.0, false}; }
  static PaymentStructure withhold() { return {"withhold", 1.0, false}; }
  static PaymentStructure paid_in_advance() { return {"advance", 1.0, true}; }
  // A fraction h: 0 and 1 are named bonus and withhold, others hybrid_<h>.
  static PaymentStructure from_fraction(double h);
};

struct RiskShare {
  double corridor;            // share of V_y inside which the provider keeps the variance
  double commissioner_share;  // share of the excess the commissioner carries
};

struct Contract {
  double annual_value = 0.0;  // V
  Basis basis{};
  double income_growth = 0.0;               // g_I
  std::vector<double> outcome_share;  // p_y per financial year; the last value holds
  std::vector<PaymentStructure> structures;
  int assessment_months = 0;  // M: 1, 3 or 12
  int settlement_lag_months = 0;  // L
  PaymentRule payment_rule{};
  double withhold_effort_effect = 0.0;  // delta_w
  std::optional<RiskShare> risk_share;

  double outcome_share_in_year(int financial_year) const {
    const auto last = static_cast<int>(outcome_share.size()) - 1;
    return outcome_share[static_cast<std::size_t>(financial_year < last ? financial_year : last)];
  }
};

struct ProviderFinance {
  double opening_cash = 0.0;         // Cash_0
  double shortfall_threshold = 0.0;  // S
  double stress_start_cash = 0.0;    // Z > S
  double stress_penalty = 0.0;       // gamma
  double underlying_deficit = 0.0;   // d
  double fixed_cost_share = 0.0;     // phi
  double cost_growth = 0.0;          // g_C
  double cost_noise = 0.0;           // sigma_c
  double overdraft_rate = 0.0;       // r, yearly
  // The days of year-0 operating cost the file gave instead of pounds
  // (provider.opening_cash_days, provider.shortfall_threshold_days), kept
  // so the resolved text says days too: a sweep of the deficit or the value
  // then re-derives the pounds at every point, as the first reading did.
  std::optional<double> opening_cash_days;
  std::optional<double> shortfall_threshold_days;
};

struct DemandProcess {
  double volatility = 0.0;   // sigma_A
  double persistence = 0.0;  // rho_A in (-1, 1]
  double growth = 0.0;       // g_D, yearly
  // lambda, April first; all 1 (no seasonality) is the neutral value, not a default
  std::array<double, 12> seasonality{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
};

struct Indicator {
  std::string id;
  std::string name;
  std::string measure;
  double weight = 0.0;  // w_i
  Direction direction = Direction::higher;  // +1: the enum has no zero
  double baseline = 0.0;  // pi0_i, in (0, 1)
  double target = 0.0;
  double floor = 0.0;     // used by the linear rule; lies on the far side of the target
  int cases_per_month = 0;  // n_i; 0 measures the rate without sampling noise
  double volatility = 0.0;  // sigma_i, monthly, logit units
  double reversion = 0.0;   // kappa_i in [0, 1]
  double trend = 0.0;       // tau_i, logit per year, not multiplied by the direction
  // Networks (docs/model.md 9): the provider whose financial stress drags this
  // indicator, by its position in the scenario; -1: the contract's holder
  // (for alliance-wide indicators, every member, weighted by contract value).
  int delivered_by = -1;
};

// One population segment of a contract (docs/model.md 9), e.g. a HoNOS payment
// super-class: its own value, basis, demand and indicators. The rest of the
// contract's terms (outcome share, structures, assessment, lag, rule) are
// the contract's.
struct Segment {
  std::string id;
  double annual_value = 0.0;  // V of the segment; the segments' values add up to the contract's
  Basis basis{};
  DemandProcess demand;
  // Its indicators: the provider's indicators [first_indicator, first_indicator + indicator_count);
  // their weights sum to 1 within the segment.
  int first_indicator = 0;
  int indicator_count = 0;
};

// Everything about one provider: its cash and costs, the demand its costs
// follow and, when it holds one, its contract with the commissioner.
struct ProviderSetup {
  std::string id;  // "" in a single-provider file
  ProviderFinance provider;
  DemandProcess demand;  // drives its costs, and its contract's payments when unsegmented
  Contract contract;     // meaningful only when holds_contract
  bool holds_contract = true;  // false for a subcontractor of a prime or integrator
  std::vector<Indicator> indicators;  // of its contract, every segment's, in file order
  Eigen::MatrixXd correlation;        // R over `indicators`, K x K
  // Empty: the contract is one segment (contract.annual_value, contract.basis,
  // `demand`, every indicator). Otherwise its segments, whose demand
  // processes also drive the provider's costs, weighted by value.
  std::vector<Segment> segments;

  int indicator_count() const { return static_cast<int>(indicators.size()); }
  int structure_count() const { return static_cast<int>(contract.structures.size()); }
};

// docs/model.md 9: who holds the commissioner's contracts and how money flows on.
enum class NetworkModel { single, alliance, prime, integrator };

// A prime's or integrator's subcontract. The lead pays the subcontractor,
// `payment_delay_months` after its own receipt, its share c = value / V of
// what the commissioner paid: (1 - pass_through) of its share of the full
// efficient-cost payment plus pass_through of its share of what the lead
// actually received (base and outcome money), so pass_through = 0 keeps its
// income free of outcomes and 1 passes on its full share of the withhold,
// bonus or clawback (docs/model.md, "Networks").
struct Subcontract {
  int provider = 0;    // position in the scenario
  double value = 0.0;  // yearly, in year 0; grows with the lead's contract
  double pass_through = 0.0;
  int payment_delay_months = 0;
};

struct Network {
  NetworkModel model = NetworkModel::single;
  int lead = 0;                 // prime, integrator: holds the commissioner's contract
  double management_fee = 0.0;  // integrator: share of the contract value it keeps
  std::vector<Subcontract> subcontracts;
  // Alliance-wide indicators ([[network.indicator]]): when present, no member
  // has indicators of its own, and the alliance's weighted achievement pays
  // every member its own pot. Their random streams are those of provider
  // `provider_count()`, one past the last.
  std::vector<Indicator> shared_indicators;
  Eigen::MatrixXd shared_correlation;
};

struct SimulationSettings {
  std::int64_t runs = 0;
  int horizon_months = 0;  // T
  std::uint64_t seed = 0;
  // Precision-based stopping (off when target_halfwidth is 0): runs go on,
  // block by block, until the 95 % Wilson interval of p_shortfall is at most
  // this wide on either side for every structure, but never fewer than
  // min_runs nor more than max_runs.
  double target_halfwidth = 0.0;
  std::int64_t min_runs = 0;
  std::int64_t max_runs = 0;
  // Runs of the pilot that fixes the flat comparators' earned fractions
  // before a decomposition's runs (docs/model.md, "Decomposition"); only
  // `shortfall decompose` runs it. The resolved scenario writes the key only
  // when the file or --set gave it (`pilot_runs_given`), so scenarios that do
  // not use it keep their text.
  std::int64_t pilot_runs = 0;
  bool pilot_runs_given = false;

  bool stops_on_precision() const { return target_halfwidth > 0.0; }
  // The most runs a scenario may take: `runs`, or max_runs when stopping on precision.
  std::int64_t most_runs() const { return stops_on_precision() ? max_runs : runs; }
};

// A scenario is its first provider (the only one in a single-provider file,
// so `scenario.provider`, `scenario.contract` and the rest read as in
// docs/model.md 2-6) plus, for a network, the others and how they are linked.
struct Scenario : ProviderSetup {
  std::string title;
  SimulationSettings simulation;
  // Which random futures the scenario sees (docs/model.md section 8). Scenarios of a
  // sweep share one by default; a single scenario uses 0.
  std::uint64_t shock_key = 0;
  Network network;
  std::vector<ProviderSetup> other_providers;  // providers 1, 2, ... of a network

  int provider_count() const { return 1 + static_cast<int>(other_providers.size()); }
  const ProviderSetup& provider_setup(int p) const {
    return p == 0 ? *this : other_providers[static_cast<std::size_t>(p - 1)];
  }
  // The contract that sets the structures and the assessment: the lead's in
  // a prime or integrator network, else the first provider's (an alliance's
  // members all list the same structures).
  const Contract& main_contract() const {
    return provider_setup(network.model == NetworkModel::prime ||
                                  network.model == NetworkModel::integrator
                              ? network.lead
                              : 0)
        .contract;
  }
  int structure_count() const { return static_cast<int>(main_contract().structures.size()); }
  // Every indicator of the scenario, the results file's `indicator` axis:
  // each provider's in provider order, then the alliance-wide ones.
  int indicator_count() const {
    int count = static_cast<int>(network.shared_indicators.size());
    for (int p = 0; p < provider_count(); ++p) count += provider_setup(p).indicator_count();
    return count;
  }
  const Indicator& indicator(int i) const {
    for (int p = 0; p < provider_count(); ++p) {
      const auto& own = provider_setup(p).indicators;
      if (i < static_cast<int>(own.size())) return own[static_cast<std::size_t>(i)];
      i -= static_cast<int>(own.size());
    }
    return network.shared_indicators[static_cast<std::size_t>(i)];
  }
  // One provider with one unsegmented contract: docs/model.md 2-6 exactly, run
  // by the single-provider kernel (models/provider_run.h).
  bool is_single_provider() const {
    return network.model == NetworkModel::single && segments.empty();
  }
};

}  // namespace shortfall
