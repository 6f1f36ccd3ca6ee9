// Fuzz target: `--set KEY=VALUE` arguments and `[sweep]` tables applied to a
// small valid scenario -> a validated study or a clean ScenarioError, and a
// resolved text that loads back to itself.
//
// Input: lines up to a line "%%" are --set arguments, one a line; what
// follows "%%" (if anything) is appended to the scenario, typically a
// [sweep] table with its [sweep.parameters]. A first line "%network" takes
// a prime network with a segment as the scenario instead, so that
// network.*, provider.<id>.* and segment keys have something to select.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "sim/input/scenario_loader.h"

namespace {

// Two indicators so that indicator.<id>.<key> and indicator.*.<key> both
// have something to select.
constexpr std::string_view k_base_scenario = R"(title = "fuzz base"
[simulation]
runs = 1000
horizon_months = 12
seed = 7
[provider]
opening_cash = 3.0e6
stress_start_cash = 12.0e6
stress_penalty = 0.3
underlying_deficit = 0.015
[demand]
volatility = 0.03
persistence = 0.7
[contract]
annual_value = 150.0e6
outcome_share = 0.03
structures = ["bonus", "withhold", 0.5]
assessment = "quarterly"
payment_rule = "linear"
[performance]
correlation = 0.2
[[indicator]]
id = "eip_two_weeks"
weight = 0.5
baseline = 0.58
target = 0.60
floor = 0.50
cases_per_month = 6
volatility = 0.12
[[indicator]]
id = "readmission_30_days"
weight = 0.5
direction = "lower"
baseline = 0.09
target = 0.08
floor = 0.11
cases_per_month = 90
)";

// A prime network: a lead paid in two segments, two subcontractors, an
// indicator delivered by one of them; the subcontractors' ids are those of
// scenarios/pass-through-sweep.toml, so its [sweep] table applies.
constexpr std::string_view k_network_scenario = R"(title = "fuzz network"
[simulation]
runs = 1000
horizon_months = 12
seed = 7
[network]
model = "prime"
lead = "trust"
[[network.subcontract]]
provider = "vcs_recovery"
value = 4.8e6
pass_through = 1.0
payment_delay_months = 1
[[network.subcontract]]
provider = "vcs_crisis"
value = 2.4e6
[[provider]]
id = "trust"
opening_cash = 5.0e6
[provider.contract]
structures = ["bonus", "withhold"]
[[provider.segment]]
id = "psychosis"
annual_value = 60.0e6
basis = "episodic"
[[provider.segment.indicator]]
id = "eip"
weight = 1.0
baseline = 0.58
target = 0.60
[[provider.segment]]
id = "community"
annual_value = 40.0e6
[[provider.segment.indicator]]
id = "crisis"
weight = 1.0
baseline = 0.8
target = 0.85
delivered_by = "vcs_crisis"
[[provider]]
id = "vcs_recovery"
opening_cash = 0.3e6
[[provider]]
id = "vcs_crisis"
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shortfall;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  std::string scenario(k_base_scenario);
  if (input.substr(0, 9) == "%network\n") {
    scenario = k_network_scenario;
    input.remove_prefix(9);
  }
  while (!input.empty()) {
    const auto end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    if (line == "%%") {
      scenario += input;
      break;
    }
    overrides.emplace_back(line);
  }
  std::string resolved;
  try {
    resolved = load_study_text(scenario, "fuzz.toml", overrides).resolved_toml;
  } catch (const ScenarioError&) {
    return 0;
  }
  try {
    if (load_study_text(resolved, "resolved.toml").resolved_toml != resolved)
      fuzz::broken("the resolved scenario does not load back to itself");
  } catch (const ScenarioError& error) {
    fuzz::broken(std::string("the resolved scenario does not load: ") + error.what());
  }
  return 0;
}
