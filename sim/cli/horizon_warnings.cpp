#include "sim/cli/horizon_warnings.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "models/late_payments.h"
#include "sim/input/scenario_keys.h"

namespace shortfall {

namespace {

// As the loader keeps a sweep's guidance warnings: each once, at most this many.
constexpr std::size_t k_max_warnings = 20;

std::string plural(int count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

// "a", "a and b", "a, b and c"
std::string listed(const std::vector<std::string>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " and " : ", ";
    text += items[i];
  }
  return text;
}

bool pays_in_advance(const Contract& contract) {
  return std::any_of(contract.structures.begin(), contract.structures.end(),
                     [](const PaymentStructure& structure) { return structure.advance; });
}

// `sweep`: the summary of a sweep has no "owed at T" column; the file has it.
std::string warning_of(const Scenario& scenario, const LatePayments& late, bool sweep) {
  const int horizon = scenario.simulation.horizon_months;
  const bool network = scenario.provider_count() > 1 || !scenario.provider_setup(0).id.empty();
  const ProviderSetup& owed = scenario.provider_setup(late.provider);
  const int count = late.count();
  std::vector<std::string> causes;  // the keys responsible, with their values
  std::vector<std::string> what;
  const std::string row = network ? fmt::format(" of {}", owed.id) : "";  // its summary row
  std::string owed_to;
  bool clawback = false;
  if (late.subcontract < 0) {
    const Contract& contract = owed.contract;
    const std::string prefix =
        network ? fmt::format("provider.{}.contract.", owed.id) : "contract.";
    if (late.settlements > 0) {
      causes.push_back(fmt::format("{}assessment = \"{}\"", prefix,
                                   name_of(choices::assessment, contract.assessment_months)));
      what.push_back(plural(late.settlements, "settlement", "settlements"));
      clawback = pays_in_advance(contract);
    }
    causes.push_back(
        fmt::format("{}settlement_lag_months = {}", prefix, contract.settlement_lag_months));
    if (late.risk_share_transfers > 0) {
      causes.push_back(prefix + "risk_share");
      what.push_back(
          plural(late.risk_share_transfers, "risk-share transfer", "risk-share transfers"));
    }
  } else {
    const Subcontract& subcontract =
        scenario.network.subcontracts[static_cast<std::size_t>(late.subcontract)];
    causes.push_back(fmt::format("network.subcontract.{}.payment_delay_months = {}", owed.id,
                                 subcontract.payment_delay_months));
    what.push_back(fmt::format(
        "{} of {} to {}", plural(late.subcontract_payments, "monthly payment", "monthly payments"),
        scenario.provider_setup(scenario.network.lead).id, owed.id));
    owed_to = fmt::format(" to {}", owed.id);
  }
  const bool one = count == 1;
  const int longest = static_cast<int>(keys::row(keys::simulation, "horizon_months").allowed.high);
  const std::string remedy =
      late.covering_horizon <= longest
          ? fmt::format("simulation.horizon_months = {} or more would bring {} into the cash path",
                        late.covering_horizon, one ? "it" : "them")
          : fmt::format("no horizon up to {} months would bring {} into the cash path", longest,
                        one ? "it" : "them");
  return fmt::format(
      "with {}, {} {} due after simulation.horizon_months = {}, {} month {}: {} money is owed{} at "
      "the horizon ({}), not cash{}; {}",
      listed(causes), listed(what), one ? "falls" : "fall", horizon, one ? "in" : "the last in",
      late.last_month, one ? "its" : "their", owed_to,
      sweep ? "receivable_mean in the results file"
            : fmt::format("\"owed at T\"{} in the summary", row),
      clawback ? " (under advance a settlement is a clawback)" : "", remedy);
}

}  // namespace

std::vector<std::string> horizon_warnings(std::span<const Scenario> scenarios,
                                          std::string_view source) {
  std::vector<std::string> warnings;
  std::set<std::string> seen;
  std::size_t dropped = 0;
  for (const Scenario& scenario : scenarios) {
    for (const LatePayments& late : payments_after_horizon(scenario)) {
      std::string warning =
          fmt::format("{}: warning: {}", source, warning_of(scenario, late, scenarios.size() > 1));
      if (!seen.insert(warning).second) continue;
      if (warnings.size() < k_max_warnings) {
        warnings.push_back(std::move(warning));
      } else {
        ++dropped;
      }
    }
  }
  if (dropped > 0) {
    warnings.push_back(fmt::format(
        "{}: warning: ... and {} more warnings of payments after the horizon in other sweep points",
        source, dropped));
  }
  return warnings;
}

}  // namespace shortfall
