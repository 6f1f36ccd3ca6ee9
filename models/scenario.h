// A validated scenario: every number the model needs, typed and checked.
//
// Only sim/scenario_loader touches TOML; everything here is already within
// its documented range (docs/scenario-keys.md), so model code does not
// re-validate. Symbols in comments are those of MODEL.md.
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

// One payment structure of MODEL.md section 2: the withhold fraction h
// (bonus 0, withhold 1, hybrid in between) or `advance`.
struct PaymentStructure {
  std::string name;          // "bonus", "withhold", "advance", "hybrid_0.5"
  double withhold_fraction;  // h; `advance` carries 1 (it frames the money as a loss)
  bool advance = false;

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
  Basis basis = Basis::block;
  double income_growth = 0.0;               // g_I
  std::vector<double> outcome_share{0.03};  // p_y per financial year; the last value holds
  std::vector<PaymentStructure> structures;
  int assessment_months = 3;  // M: 1, 3 or 12
  int settlement_lag_months = 0;  // L
  PaymentRule payment_rule = PaymentRule::linear;
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
};

struct DemandProcess {
  double volatility = 0.0;   // sigma_A
  double persistence = 0.0;  // rho_A in (-1, 1]
  double growth = 0.0;       // g_D, yearly
  std::array<double, 12> seasonality{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};  // lambda, April first
};

struct Indicator {
  std::string id;
  std::string name;
  std::string measure;
  double weight = 0.0;  // w_i
  Direction direction = Direction::higher;
  double baseline = 0.5;  // pi0_i, in (0, 1)
  double target = 0.5;
  double floor = 0.0;     // used by the linear rule; lies on the far side of the target
  int cases_per_month = 0;  // n_i; 0 measures the rate without sampling noise
  double volatility = 0.0;  // sigma_i, monthly, logit units
  double reversion = 0.0;   // kappa_i in [0, 1]
  double trend = 0.0;       // tau_i, logit per year, not multiplied by the direction
};

struct SimulationSettings {
  std::int64_t runs = 10000;
  int horizon_months = 36;  // T
  std::uint64_t seed = 0;
  // Precision-based stopping (off when target_halfwidth is 0): runs go on,
  // block by block, until the 95 % Wilson interval of p_shortfall is at most
  // this wide on either side for every structure, but never fewer than
  // min_runs nor more than max_runs.
  double target_halfwidth = 0.0;
  std::int64_t min_runs = 0;
  std::int64_t max_runs = 0;

  bool stops_on_precision() const { return target_halfwidth > 0.0; }
  // The most runs a scenario may take: `runs`, or max_runs when stopping on precision.
  std::int64_t most_runs() const { return stops_on_precision() ? max_runs : runs; }
};

struct Scenario {
  std::string title;
  SimulationSettings simulation;
  ProviderFinance provider;
  DemandProcess demand;
  Contract contract;
  std::vector<Indicator> indicators;
  Eigen::MatrixXd correlation;  // R, K x K, positive semi-definite, unit diagonal
  // Which random futures the scenario sees (MODEL.md section 8). Scenarios of a
  // sweep share one by default; a single scenario uses 0.
  std::uint64_t shock_key = 0;

  int indicator_count() const { return static_cast<int>(indicators.size()); }
  int structure_count() const { return static_cast<int>(contract.structures.size()); }
};

}  // namespace shortfall
