// One provider's run under every payment structure of a scenario: the
// monthly loop of docs/model.md sections 2-6.
//
// The kernel is plain arithmetic. The engine hands it the run's standard
// normal shocks and a sampler for the binomial measurement draws, both
// taken from counter-based streams, so every structure sees the same random
// future (docs/model.md section 8).
#pragma once

#include <span>
#include <vector>

#include "cash_account.h"
#include "demand.h"
#include "indicator.h"
#include "measurement.h"
#include "operating_cost.h"
#include "payment_structure.h"
#include "run_outcome.h"
#include "scenario.h"
#include "settlement_book.h"
#include "shock_correlation.h"

namespace shortfall {

// The standard normal shocks of one run, month t at index t-1.
struct RunShocks {
  std::vector<double> demand;       // eta_t [T]
  std::vector<double> cost;         // zeta_t [T]
  std::vector<double> performance;  // independent z_{t,i} [T][K]; correlated by the kernel
};

class ProviderRunModel {
 public:
  explicit ProviderRunModel(const Scenario& scenario);

  int months() const { return months_; }
  int indicator_count() const { return static_cast<int>(indicators_.size()); }
  int structure_count() const { return static_cast<int>(schedules_.size()); }
  int period_count() const { return periods_; }

  // Scratch and outputs of one run, allocated once and reused for every run.
  struct Workspace {
    std::vector<double> activity, cost, risk_transfer, efficient_payment;  // [T]
    std::vector<double> correlated_shocks;               // [T][K]
    std::vector<double> settlements_due;                 // [S][T], outcome money due in month t
    std::vector<double> latent, rate_sum;                // [S][K]
    std::vector<MeasurementSampler::Draw> draws;         // a period's draws, at most S K
    std::vector<int> met;                                // [S K], their counts
    std::vector<CashAccount> accounts;                   // [S]
    std::vector<SettlementBook> settlements;             // [S], over settlements_due
    std::vector<double> achievement_by_period;           // [S][P], sum_i w_i a_{i,k}
    // Outputs:
    std::vector<RunOutcome> outcomes;     // [S]
    std::vector<double> cash;             // [S][T], Cash_1..Cash_T
    std::vector<double> achievement_mean; // [S][K]
  };
  Workspace make_workspace() const;

  // Simulates the run under every structure; results land in the workspace.
  void simulate(const RunShocks& shocks, MeasurementSampler& sampler, Workspace& work) const;

 private:
  // Every structure month by month, side by side: each structure's own
  // steps in the order of docs/model.md, so the same bits as one structure
  // after another, but a period's measurement draws of all structures go
  // to the sampler in one batch, and one structure's arithmetic overlaps
  // another's.
  void simulate_structures(MeasurementSampler& sampler, Workspace& work) const;
  // Measures period k of every structure with its own indicator paths from
  // its summed monthly rates (then resets them): adds each indicator's
  // achievement to the structure's achievement_mean and sets its
  // achievement_by_period, sum_i w_i a_{i,k}.
  void measure_period(int period, MeasurementSampler& sampler, Workspace& work) const;
  // The earlier structure whose measured achievement, period by period, a
  // structure reuses: one whose indicator paths cannot differ (no stress
  // feedback, same effort term), or the one it is told to take its
  // outcomes from (PaymentStructure::outcomes_from); -1: none.
  int structure_sharing_outcomes(int structure) const;

  Scenario scenario_;
  int months_;
  int periods_;
  DemandModel demand_;
  OperatingCostModel operating_cost_;
  ShockCorrelation correlation_;
  std::vector<IndicatorProcess> indicators_;
  // The same constants as arrays, for the month's step of every indicator at once.
  IndicatorProcesses indicator_arrays_;
  std::vector<IndicatorMeasurement> measurements_;  // [K]
  std::vector<PaymentSchedule> schedules_;
  std::vector<int> shares_outcomes_with_;  // [S]: earlier structure with identical outcomes, or -1
  std::vector<double> effort_;             // [S]: delta_w h, the effort term of docs/model.md 5
  EfficientCostPayments efficient_payments_;  // what the risk share compares costs against
};

}  // namespace shortfall
