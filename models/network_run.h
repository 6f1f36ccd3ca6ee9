// One run of a network of providers, or of a segmented contract, under
// every payment structure (docs/model.md section 9, "Networks and
// segments").
//
// The providers step month by month together, because money and stress
// cross between them: in month t every indicator moves with the stress its
// deliverer had in month t-1, periods that end are measured and settled,
// the commissioner pays each contract's holder, a lead pays its
// subcontractors what falls due, and every provider's cash moves. A network
// of one provider performs exactly the arithmetic of the single-provider
// kernel (models/provider_run.h), in the same order, so it gives the same
// bits; tests check that. Both kernels measure, settle and keep cash
// through the same pieces (measurement.h, settlement_book.h,
// cash_account.h); what is left here is what only a network has.
#pragma once

#include <span>
#include <vector>

#include "cash_account.h"
#include "demand.h"
#include "indicator.h"
#include "measurement.h"
#include "operating_cost.h"
#include "payment_structure.h"
#include "provider_run.h"
#include "run_outcome.h"
#include "scenario.h"
#include "settlement_book.h"
#include "shock_correlation.h"

namespace shortfall {

class NetworkRunModel {
 public:
  explicit NetworkRunModel(const Scenario& scenario);

  int months() const { return months_; }
  int provider_count() const { return static_cast<int>(providers_.size()); }
  int structure_count() const { return structure_count_; }
  int indicator_count() const { return static_cast<int>(indicators_.size()); }
  // Who draws random numbers: every provider, then the alliance-wide
  // indicators when there are any (docs/model.md sections 8 and 9).
  int holder_count() const { return static_cast<int>(holders_.size()); }

  struct Workspace {
    // The run's paths, the same under every structure:
    std::vector<double> activity;           // [demand process][T]
    std::vector<double> cost_activity;      // [T], a provider's value-weighted activity
    std::vector<double> efficient_payment;  // [T], scratch for the risk share
    std::vector<double> cost;               // [provider][T]
    std::vector<double> risk_transfer;      // [provider][T]
    std::vector<double> risk_receivable;    // [provider]
    std::vector<double> correlated_shocks;  // [holder]: [T][K_holder], at holder offsets
    // One structure's state:
    std::vector<double> latent, rate_sum;        // [K]
    std::vector<double> group_achievement;       // [group], the period just measured
    std::vector<double> group_achievement_by_period;  // [S][group][T], k-1 of each period k measured
    std::vector<double> settlements_due;         // [provider][T], commissioner outcome money
    std::vector<SettlementBook> settlements;     // [provider], over its part of settlements_due
    std::vector<double> subcontract_due;         // [subcontract][T], lead -> subcontractor
    std::vector<double> subcontract_outcome_due; // [subcontract][T], its outcome part
    std::vector<CashAccount> accounts;           // [provider]
    std::vector<double> commissioner_payment;    // [provider], the month's B_t + O_t + R_t
    // Outputs:
    std::vector<RunOutcome> outcomes;      // [S][P]
    std::vector<double> cash_path;         // [S][P][T], Cash_1..Cash_T
    std::vector<double> commissioner_paid; // [S][P][T], B_t + O_t + R_t paid to each holder
    std::vector<double> achievement_mean;  // [S][K], every indicator of the network
  };
  Workspace make_workspace() const;

  // `shocks[h]` and `samplers[h]` are holder h's (holder_count() of each).
  void simulate(std::span<const RunShocks* const> shocks,
                std::span<MeasurementSampler* const> samplers, Workspace& work) const;

 private:
  // A set of indicators whose weights sum to 1: a segment's, a contract's, or
  // the alliance's. Its weighted achievement pays the pots that use it.
  struct IndicatorGroup {
    int first = 0, count = 0;  // global indicator indices
    int period_months = 3;
  };
  struct MeasuredIndicator {
    IndicatorProcess process;
    const Indicator* spec;
    int holder = 0;
    int local_index = 0;  // its number in its holder's streams
    IndicatorMeasurement measurement;
    double effort_effect = 0.0;  // delta_w of the contract (value-weighted for alliance-wide)
    std::vector<std::pair<int, double>> stress_sources;  // (provider, weight)
    int periods = 1;
  };
  struct PaidSegment {
    std::vector<PaymentSchedule> schedules;  // [S]
    EfficientCostPayments efficient_payments;
    int activity = 0;  // demand process
    int group = 0;
  };
  struct ContractTerms {
    int period_months = 3;
    std::vector<PaidSegment> segments;
    const Contract* contract = nullptr;
  };
  struct ProviderTerms {
    const ProviderSetup* setup = nullptr;
    OperatingCostModel cost;
    int first_activity = 0, activity_count = 1;
    std::vector<double> activity_weights;  // V_s / V of each demand process
    int contract = -1;                     // into contracts_, or -1
    std::vector<int> subcontracts_paid;    // as lead
    int subcontract_received = -1;         // as subcontractor
  };
  struct SubcontractTerms {
    int lead = 0, provider = 0;
    double share = 0.0;  // c = v / V
    double pass_through = 0.0;
    int delay = 0;
  };
  struct Holder {
    int first_indicator = 0, indicator_count = 0;
    ShockCorrelation correlation;
    int first_activity = 0, activity_count = 0;
  };

  void simulate_structure(int s, std::span<MeasurementSampler* const> samplers,
                          Workspace& work) const;
  double measure_group(int g, int period, std::span<MeasurementSampler* const> samplers,
                       Workspace& work, std::span<double> achievement_sum) const;

  int months_;
  int structure_count_;
  std::vector<double> effort_fraction_;  // [S]: h, advance counting as 1
  // [S]: the earlier structure whose indicator paths and measurements a
  // structure takes (PaymentStructure::outcomes_from), or -1.
  std::vector<int> outcomes_from_;
  std::vector<DemandModel> demand_;      // [demand process]
  std::vector<ProviderTerms> providers_;
  std::vector<ContractTerms> contracts_;
  std::vector<SubcontractTerms> subcontracts_;
  std::vector<IndicatorGroup> groups_;
  std::vector<MeasuredIndicator> indicators_;
  std::vector<Holder> holders_;
};

}  // namespace shortfall
