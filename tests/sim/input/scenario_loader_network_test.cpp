// sim/input/scenario_loader.h for networks (docs/model.md 9) and segments (docs/model.md 9):
// every key reaches its field, positions link providers, the rules of
// docs/model.md "Networks and segments" are errors naming the file, line,
// key, value and what is allowed, --set and sweep keys reach network paths,
// and the resolved TOML loads back to the identical scenario.
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scenario_compare.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {
namespace {

using Catch::Contains;

// A prime network: the trust leads, two VCS subcontractors, indicators
// delivered by each.
constexpr std::string_view k_prime = R"(title = "prime"

[simulation]
runs = 100
horizon_months = 24

[network]
model = "prime"
lead = "trust"

[[network.subcontract]]
provider = "vcs_a"
value = 4.8e6
pass_through = 1.0
payment_delay_months = 1

[[network.subcontract]]
provider = "vcs_b"
value = 2.4e6

[[provider]]
id = "trust"
opening_cash = 5.0e6
[provider.demand]
volatility = 0.03
[provider.contract]
annual_value = 100.0e6
structures = ["bonus", "withhold"]
payment_rule = "linear"
[provider.performance]
correlation = 0.2

[[provider.indicator]]
id = "eip"
weight = 0.5
baseline = 0.58
target = 0.60
floor = 0.50

[[provider.indicator]]
id = "crisis"
weight = 0.25
baseline = 0.8
target = 0.85
floor = 0.7
delivered_by = "vcs_a"

[[provider.indicator]]
id = "housing"
weight = 0.25
baseline = 0.6
target = 0.65
floor = 0.5
delivered_by = "vcs_b"

[[provider]]
id = "vcs_a"
opening_cash = 0.3e6
stress_penalty = 0.4
[provider.demand]
volatility = 0.06

[[provider]]
id = "vcs_b"
)";

// An alliance of two members with alliance-wide indicators.
constexpr std::string_view k_alliance = R"([network]
model = "alliance"
[network.performance]
correlation = 0.1

[[network.indicator]]
id = "shared_a"
weight = 0.5
baseline = 0.5
target = 0.6
delivered_by = "b"

[[network.indicator]]
id = "shared_b"
weight = 0.5
baseline = 0.5
target = 0.6

[[provider]]
id = "a"
[provider.contract]
annual_value = 50e6
assessment = "annual"

[[provider]]
id = "b"
[provider.contract]
annual_value = 5e6
assessment = "annual"
)";

// A single provider whose contract is split into two segments.
constexpr std::string_view k_segments = R"([provider]
opening_cash = 1e6

[contract]
outcome_share = 0.03
structures = ["bonus", "withhold", "advance"]

[performance]
correlation = 0.1

[[segment]]
id = "non_psychosis"
annual_value = 60e6
basis = "capitation"
[segment.demand]
growth = 0.03

[[segment.indicator]]
id = "talking"
weight = 1
baseline = 0.8
target = 0.75

[[segment]]
id = "psychosis"
annual_value = 40e6
basis = "episodic"
[segment.demand]
volatility = 0.05

[[segment.indicator]]
id = "eip"
weight = 0.5
baseline = 0.5
target = 0.6

[[segment.indicator]]
id = "followup"
weight = 0.5
baseline = 0.9
target = 0.95
)";

LoadedScenario load(std::string_view text, const std::vector<std::string>& overrides = {}) {
  return load_scenario_text(text, "x.toml", overrides);
}

std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const auto at = out.find(from);
  REQUIRE(at != std::string::npos);
  out.replace(at, from.size(), to);
  return out;
}

// "x.toml:N:" for the line holding the `nth` occurrence (from 1) of `snippet`.
std::string at_line_of(std::string_view text, std::string_view snippet, int nth = 1) {
  std::size_t at = std::string_view::npos;
  for (int n = 0; n < nth; ++n) {
    at = text.find(snippet, at == std::string_view::npos ? 0 : at + 1);
    REQUIRE(at != std::string_view::npos);
  }
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return "x.toml:" + std::to_string(line) + ":";
}

void require_round_trip(const Scenario& scenario) {
  const std::string text = scenario_to_toml(scenario);
  INFO(text);
  require_identical(load(text).scenario, scenario);
}

}  // namespace

TEST_CASE("a prime network loads providers, links and subcontracts by position",
          "[scenario_loader][network]") {
  const LoadedScenario loaded = load(k_prime);
  const Scenario& s = loaded.scenario;
  CHECK(s.network.model == NetworkModel::prime);
  CHECK(s.network.lead == 0);
  REQUIRE(s.provider_count() == 3);
  CHECK(s.id == "trust");
  CHECK(s.holds_contract);
  CHECK(s.provider_setup(1).id == "vcs_a");
  CHECK(s.provider_setup(2).id == "vcs_b");
  CHECK_FALSE(s.provider_setup(1).holds_contract);
  CHECK(s.provider_setup(1).indicators.empty());
  CHECK(s.provider_setup(1).correlation.size() == 0);
  CHECK(s.provider_setup(1).provider.opening_cash == 0.3e6);
  CHECK(s.provider_setup(1).provider.stress_penalty == 0.4);
  CHECK(s.provider_setup(1).demand.volatility == 0.06);
  // A subcontractor's cash defaults to one month of its subcontract.
  CHECK(s.provider_setup(2).provider.opening_cash == 2.4e6 / 12.0);
  CHECK(s.contract.annual_value == 100.0e6);
  CHECK(s.main_contract().annual_value == 100.0e6);
  REQUIRE(s.network.subcontracts.size() == 2);
  CHECK(s.network.subcontracts[0].provider == 1);
  CHECK(s.network.subcontracts[0].value == 4.8e6);
  CHECK(s.network.subcontracts[0].pass_through == 1.0);
  CHECK(s.network.subcontracts[0].payment_delay_months == 1);
  CHECK(s.network.subcontracts[1].provider == 2);
  CHECK(s.network.subcontracts[1].pass_through == 0.0);
  CHECK(s.network.subcontracts[1].payment_delay_months == 0);
  REQUIRE(s.indicators.size() == 3);
  CHECK(s.indicators[0].delivered_by == -1);
  CHECK(s.indicators[1].delivered_by == 1);
  CHECK(s.indicators[2].delivered_by == 2);
  CHECK(s.indicator_count() == 3);
  CHECK_FALSE(s.is_single_provider());
  require_round_trip(s);
}

TEST_CASE("an alliance with alliance-wide indicators loads them into the network",
          "[scenario_loader][network]") {
  const Scenario s = load(k_alliance).scenario;
  CHECK(s.network.model == NetworkModel::alliance);
  REQUIRE(s.provider_count() == 2);
  CHECK(s.indicators.empty());
  CHECK(s.provider_setup(1).indicators.empty());
  REQUIRE(s.network.shared_indicators.size() == 2);
  CHECK(s.network.shared_indicators[0].delivered_by == 1);
  CHECK(s.network.shared_indicators[1].delivered_by == -1);
  CHECK(s.network.shared_correlation(0, 1) == 0.1);
  CHECK(s.indicator_count() == 2);
  CHECK(s.indicator(1).id == "shared_b");
  require_round_trip(s);
}

TEST_CASE("segments fill their ranges of the provider's indicators", "[scenario_loader][segment]") {
  const Scenario s = load(k_segments).scenario;
  CHECK(s.network.model == NetworkModel::single);
  REQUIRE(s.segments.size() == 2);
  CHECK(s.segments[0].id == "non_psychosis");
  CHECK(s.segments[0].annual_value == 60e6);
  CHECK(s.segments[0].basis == Basis::capitation);
  CHECK(s.segments[0].demand.growth == 0.03);
  CHECK(s.segments[0].first_indicator == 0);
  CHECK(s.segments[0].indicator_count == 1);
  CHECK(s.segments[1].basis == Basis::episodic);
  CHECK(s.segments[1].demand.volatility == 0.05);
  CHECK(s.segments[1].first_indicator == 1);
  CHECK(s.segments[1].indicator_count == 2);
  CHECK(s.contract.annual_value == 100e6);
  CHECK(s.contract.basis == Basis::capitation);
  REQUIRE(s.indicators.size() == 3);
  CHECK(s.indicators[2].id == "followup");
  CHECK(s.correlation.rows() == 3);
  CHECK(s.correlation(0, 2) == 0.1);
  CHECK_FALSE(s.is_single_provider());
  require_round_trip(s);
}

TEST_CASE("a network of one provider loads to the single-provider numbers",
          "[scenario_loader][network]") {
  constexpr std::string_view single = R"([provider]
stress_penalty = 0.3
underlying_deficit = 0.02
[demand]
volatility = 0.03
[contract]
annual_value = 200e6
structures = ["bonus", "withhold", "advance"]
payment_rule = "linear"
risk_share = { corridor = 0.02, commissioner_share = 0.5 }
[performance]
correlation = 0.2
[[indicator]]
id = "eip"
weight = 0.5
baseline = 0.58
target = 0.6
floor = 0.5
[[indicator]]
id = "followup"
weight = 0.5
baseline = 0.96
target = 0.95
floor = 0.9
)";
  std::string network = "[network]\nmodel = \"alliance\"\n[[provider]]\nid = \"trust\"\n" +
                        std::string(single);
  network = replaced(network, "[provider]\nstress", "stress");
  for (const auto* table : {"[demand]", "[contract]", "[performance]"}) {
    network = replaced(network, table, "[provider." + std::string(table + 1));
  }
  while (network.find("[[indicator]]") != std::string::npos) {
    network = replaced(network, "[[indicator]]", "[[provider.indicator]]");
  }
  INFO(network);
  Scenario from_network = load(network).scenario;
  const Scenario from_single = load(single).scenario;
  CHECK(from_network.network.model == NetworkModel::alliance);
  CHECK(from_network.id == "trust");
  from_network.network.model = NetworkModel::single;
  from_network.id.clear();
  require_identical(from_network, from_single);
}

TEST_CASE("every new scenario file round-trips through its resolved text",
          "[scenario_loader][network]") {
  const auto folder = std::filesystem::path(SHORTFALL_SOURCE_DIR) / "scenarios";
  for (const auto* name : {"alliance.toml", "prime-contractor.toml", "integrator.toml",
                           "segments-honos.toml", "pass-through-sweep.toml"}) {
    INFO(name);
    const LoadedStudy loaded = load_study_file(folder / name);
    CHECK(loaded.warnings.empty());
    const LoadedStudy again = load_study_text(loaded.resolved_toml, "resolved.toml");
    REQUIRE(again.scenarios.size() == loaded.scenarios.size());
    for (std::size_t p = 0; p < loaded.scenarios.size(); ++p) {
      require_identical(again.scenarios[p], loaded.scenarios[p]);
    }
  }
  const Scenario integrator = load_study_file(folder / "integrator.toml").scenarios.front();
  CHECK(integrator.network.model == NetworkModel::integrator);
  CHECK(integrator.network.management_fee == 0.04);
  CHECK(integrator.provider_count() == 4);
}

TEST_CASE("network rules are errors naming the file, line, key, value and what is allowed",
          "[scenario_loader][network]") {
  const std::string_view p = k_prime;
  SECTION("an unknown lead lists the known ids") {
    const auto text = replaced(p, "lead = \"trust\"", "lead = \"trusts\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "lead =")) &&
                                        Contains("network.lead = \"trusts\"") &&
                                        Contains("known ids are trust, vcs_a, vcs_b") &&
                                        Contains("did you mean 'trust'"));
  }
  SECTION("an unknown subcontracted provider") {
    const auto text = replaced(p, "provider = \"vcs_b\"", "provider = \"vcs_c\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "provider = \"vcs_c\"")) &&
                                        Contains("network.subcontract.vcs_c.provider = \"vcs_c\"") &&
                                        Contains("known ids are trust, vcs_a, vcs_b"));
  }
  SECTION("an unknown delivered_by") {
    const auto text = replaced(p, "delivered_by = \"vcs_b\"", "delivered_by = \"nobody\"");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "\"nobody\"")) &&
                            Contains("provider.trust.indicator.housing.delivered_by = \"nobody\"") &&
                            Contains("known ids are trust, vcs_a, vcs_b"));
  }
  SECTION("a provider subcontracted twice") {
    const auto text = replaced(p, "provider = \"vcs_b\"", "provider = \"vcs_a\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "provider = \"vcs_a\"", 2)) &&
                                        Contains("is already subcontracted at x.toml:11"));
  }
  SECTION("the lead subcontracting itself") {
    const auto text = replaced(p, "provider = \"vcs_b\"", "provider = \"trust\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "provider = \"trust\"")) &&
                                        Contains("is the lead (network.lead)") &&
                                        Contains("cannot subcontract itself"));
  }
  SECTION("a provider neither lead nor subcontractor") {
    const auto text = replaced(p, "[[network.subcontract]]\nprovider = \"vcs_b\"\nvalue = 2.4e6\n",
                               "");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[provider]]", 3)) &&
                                        Contains("provider.vcs_b is neither the lead"));
  }
  SECTION("a lead missing") {
    const auto text = replaced(p, "lead = \"trust\"\n", "");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[network]")) &&
                                        Contains("network.lead is missing") &&
                                        Contains("trust, vcs_a, vcs_b"));
  }
  SECTION("a management fee outside an integrator") {
    const auto text = replaced(p, "lead = \"trust\"", "lead = \"trust\"\nmanagement_fee = 0.04");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "management_fee")) &&
                                        Contains("network.management_fee = 0.04 is only used "
                                                 "with model = \"integrator\""));
  }
  SECTION("a management fee out of range") {
    auto text = replaced(p, "model = \"prime\"", "model = \"integrator\"\nmanagement_fee = 1.0");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "management_fee")) &&
                                        Contains("network.management_fee = 1 is outside [0, 1)"));
  }
  SECTION("integrator values that do not add up") {
    const auto text = replaced(p, "model = \"prime\"", "model = \"integrator\"\nmanagement_fee = 0.04");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:") && Contains("sum to 7200000") &&
                                        Contains("(1 - network.management_fee) x "
                                                 "provider.trust.contract.annual_value = 100000000 "
                                                 "= 96000000"));
  }
  SECTION("prime values not below the contract") {
    const auto text = replaced(p, "value = 2.4e6", "value = 95.2e6");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[network.subcontract]]")) &&
                                        Contains("sum to 100000000, not below "
                                                 "provider.trust.contract.annual_value = 100000000"));
  }
  SECTION("a subcontract larger than its contract") {
    const auto text = replaced(p, "value = 2.4e6", "value = 200e6");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "value = 200e6")) &&
                                        Contains("network.subcontract.vcs_b.value = 200000000 is "
                                                 "larger than provider.trust.contract.annual_value"));
  }
  SECTION("a subcontract value out of range") {
    const auto text = replaced(p, "value = 2.4e6", "value = -1");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "value = -1")) &&
                                        Contains("network.subcontract.vcs_b.value = -1 is outside "
                                                 "(0, inf)"));
  }
  SECTION("pass_through out of range") {
    const auto text = replaced(p, "pass_through = 1.0", "pass_through = 1.5");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "pass_through")) &&
                                        Contains("network.subcontract.vcs_a.pass_through = 1.5 is "
                                                 "outside [0, 1]"));
  }
  SECTION("a payment delay beyond the horizon") {
    const auto text = replaced(p, "payment_delay_months = 1", "payment_delay_months = 25");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "payment_delay_months")) &&
                                        Contains("network.subcontract.vcs_a.payment_delay_months = "
                                                 "25 is outside [0, 24]"));
  }
  SECTION("a subcontractor with a contract") {
    const auto text = replaced(p, "id = \"vcs_b\"\n", "id = \"vcs_b\"\n[provider.contract]\n"
                                                      "annual_value = 1e6\n");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[provider.contract]\nannual_value = 1e6")) &&
                                        Contains("provider.vcs_b.contract is not allowed") &&
                                        Contains("subcontractor of trust"));
  }
  SECTION("a lead without a contract") {
    auto text = replaced(p, "[provider.contract]\nannual_value = 100.0e6\nstructures = "
                            "[\"bonus\", \"withhold\"]\npayment_rule = \"linear\"\n", "");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[provider]]")) &&
                                        Contains("provider.trust.contract is missing"));
  }
  SECTION("subcontracts in an alliance") {
    const auto text = replaced(p, "model = \"prime\"\nlead = \"trust\"", "model = \"alliance\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[network.subcontract]]")) &&
                                        Contains("an alliance has no subcontracts"));
  }
  SECTION("a risk share in a prime contract") {
    const auto text = replaced(p, "payment_rule = \"linear\"",
                               "payment_rule = \"linear\"\nrisk_share = { corridor = 0.02, "
                               "commissioner_share = 0.5 }");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "risk_share")) &&
                                        Contains("provider.trust.contract.risk_share is only for an "
                                                 "alliance member or a single provider"));
  }
  SECTION("indicator ids unique across the network") {
    const auto text = replaced(p, "id = \"housing\"", "id = \"eip\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "id = \"eip\"", 2)) &&
                                        Contains("provider.trust.indicator[3].id = \"eip\" is "
                                                 "already the id of provider.trust.indicator[1]"));
  }
  SECTION("weights per contract") {
    const auto text = replaced(p, "weight = 0.5", "weight = 0.4");
    REQUIRE_THROWS_WITH(load(text), Contains("provider.trust.indicator.*.weight") &&
                                        Contains("sum to 0.9"));
  }
  SECTION("misspelt keys in a provider and its tables") {
    const auto text = replaced(p, "opening_cash = 0.3e6", "opening_csh = 0.3e6");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "opening_csh")) &&
                                        Contains("unknown key 'provider.vcs_a.opening_csh' (did "
                                                 "you mean 'opening_cash'?)"));
    const auto outcome = replaced(p, "payment_rule = \"linear\"", "outcome_shar = 0.5");
    REQUIRE_THROWS_WITH(load(outcome), Contains(at_line_of(outcome, "outcome_shar")) &&
                                           Contains("unknown key "
                                                    "'provider.trust.contract.outcome_shar'"));
  }
  SECTION("a contract value out of range names the provider") {
    const auto text = replaced(p, "annual_value = 100.0e6", "annual_value = 0");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "annual_value = 0")) &&
                                        Contains("provider.trust.contract.annual_value = 0 is "
                                                 "outside (0, inf)"));
  }
  SECTION("top-level single-provider tables in a network file") {
    const auto text = std::string(p) + "\n[demand]\nvolatility = 0.1\n";
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[demand]")) &&
                                        Contains("cannot have a top-level [demand]") &&
                                        Contains("[provider.demand]"));
    const auto indicator = std::string(p) + "\n[[indicator]]\nid = \"x\"\n";
    REQUIRE_THROWS_WITH(load(indicator), Contains(at_line_of(indicator, "[[indicator]]")) &&
                                             Contains("cannot have a top-level [[indicator]]"));
  }
  SECTION("provider ids") {
    const auto bad = replaced(p, "id = \"vcs_b\"", "id = \"VCS B\"");
    REQUIRE_THROWS_WITH(load(bad), Contains(at_line_of(bad, "VCS B")) &&
                                       Contains("provider[3].id = \"VCS B\" must be a string "
                                                "matching [a-z0-9_]+"));
    const auto twice = replaced(p, "id = \"vcs_b\"", "id = \"vcs_a\"");
    REQUIRE_THROWS_WITH(load(twice), Contains("provider[3].id = \"vcs_a\" is already the id of "
                                              "provider[2]"));
  }
  SECTION("an unknown model") {
    const auto text = replaced(p, "model = \"prime\"", "model = \"primer\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "model =")) &&
                                        Contains("network.model = \"primer\" must be one of "
                                                 "alliance, prime, integrator"));
  }
  SECTION("the horizon is a multiple of every contract's assessment") {
    const auto text = replaced(p, "horizon_months = 24", "horizon_months = 4");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "horizon_months")) &&
                                        Contains("provider.trust.contract.assessment = "
                                                 "\"quarterly\""));
  }
}

TEST_CASE("alliance rules are errors naming both members", "[scenario_loader][network]") {
  const std::string_view a = k_alliance;
  SECTION("different structures") {
    const auto text = replaced(a, "annual_value = 5e6", "annual_value = 5e6\nstructures = [\"bonus\"]");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "structures =")) &&
                                        Contains("provider.b.contract.structures = [\"bonus\"] "
                                                 "differs from provider.a.contract.structures = "
                                                 "[\"bonus\", \"withhold\"]"));
  }
  SECTION("different assessment with alliance-wide indicators") {
    const auto text = replaced(a, "annual_value = 5e6\nassessment = \"annual\"",
                               "annual_value = 5e6\nassessment = \"quarterly\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "\"quarterly\"")) &&
                                        Contains("provider.b.contract.assessment = \"quarterly\" "
                                                 "differs from provider.a.contract.assessment = "
                                                 "\"annual\""));
  }
  SECTION("different payment rule with alliance-wide indicators") {
    const auto text = replaced(a, "annual_value = 5e6", "annual_value = 5e6\npayment_rule = \"linear\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "payment_rule")) &&
                                        Contains("provider.b.contract.payment_rule = \"linear\" "
                                                 "differs from provider.a.contract.payment_rule"));
  }
  SECTION("a member's own indicators next to alliance-wide ones") {
    const auto text = std::string(a) + "[[provider.indicator]]\nid = \"own\"\nweight = 1\n"
                                       "baseline = 0.5\ntarget = 0.6\n";
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[provider.indicator]]")) &&
                                        Contains("provider.b.indicator: the alliance has "
                                                 "alliance-wide indicators"));
  }
  SECTION("alliance-wide weights sum to 1") {
    const auto text = replaced(a, "weight = 0.5\nbaseline = 0.5\ntarget = 0.6\ndelivered_by",
                               "weight = 0.25\nbaseline = 0.5\ntarget = 0.6\ndelivered_by");
    REQUIRE_THROWS_WITH(load(text), Contains("network.indicator.*.weight") &&
                                        Contains("sum to 0.75"));
  }
  SECTION("a lead in an alliance") {
    const auto text = replaced(a, "model = \"alliance\"", "model = \"alliance\"\nlead = \"a\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "lead =")) &&
                                        Contains("network.lead = \"a\" is only used with"));
  }
  SECTION("alliance-wide indicators in a prime network") {
    auto text = replaced(a, "model = \"alliance\"", "model = \"prime\"\nlead = \"a\"");
    text = replaced(text, "[[provider]]\nid = \"b\"\n[provider.contract]\nannual_value = 5e6\n"
                          "assessment = \"annual\"\n", "");
    REQUIRE_THROWS_WITH(load(text), Contains("network.indicator: alliance-wide indicators are "
                                             "only for model = \"alliance\""));
  }
}

TEST_CASE("segment rules are errors naming both keys", "[scenario_loader][segment]") {
  const std::string_view s = k_segments;
  SECTION("a contract value next to segments") {
    const auto text = replaced(s, "outcome_share = 0.03", "annual_value = 1e8\noutcome_share = 0.03");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "annual_value = 1e8")) &&
                                        Contains("contract.annual_value = 100000000 cannot be set "
                                                 "together with segments ([[segment]] at x.toml:"));
  }
  SECTION("a contract basis next to segments") {
    const auto text = replaced(s, "outcome_share = 0.03", "basis = \"block\"\noutcome_share = 0.03");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "basis = \"block\"")) &&
                                        Contains("contract.basis = \"block\" cannot be set"));
  }
  SECTION("a top-level [demand] next to segments") {
    const auto text = replaced(s, "[contract]", "[demand]\nvolatility = 0.1\n[contract]");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[demand]")) &&
                                        Contains("demand cannot be set together with segments"));
  }
  SECTION("a top-level [[indicator]] next to segments") {
    const auto text = std::string(s) + "[[indicator]]\nid = \"x\"\nweight = 1\nbaseline = 0.5\n"
                                       "target = 0.6\n";
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[indicator]]")) &&
                                        Contains("indicator cannot be used together with segments"));
  }
  SECTION("weights per segment") {
    const auto text = replaced(s, "weight = 1\n", "weight = 0.5\n");
    REQUIRE_THROWS_WITH(load(text), Contains("segment.non_psychosis.indicator.*.weight") &&
                                        Contains("sum to 0.5"));
  }
  SECTION("a segment without indicators") {
    const auto text = replaced(s, "[[segment.indicator]]\nid = \"talking\"\nweight = 1\n"
                                  "baseline = 0.8\ntarget = 0.75\n", "");
    REQUIRE_THROWS_WITH(load(text), Contains("segment.non_psychosis has no [[segment.indicator]]"));
  }
  SECTION("segment ids unique, values positive") {
    const auto twice = replaced(s, "id = \"psychosis\"", "id = \"non_psychosis\"");
    REQUIRE_THROWS_WITH(load(twice), Contains(at_line_of(twice, "id = \"non_psychosis\"", 2)) &&
                                         Contains("segment[2].id = \"non_psychosis\" is already "
                                                  "the id of segment[1]"));
    const auto value = replaced(s, "annual_value = 40e6", "annual_value = 0");
    REQUIRE_THROWS_WITH(load(value), Contains(at_line_of(value, "annual_value = 0")) &&
                                         Contains("segment.psychosis.annual_value = 0 is outside "
                                                  "(0, inf)"));
  }
  SECTION("the correlation covers every segment's indicators") {
    const auto text = replaced(s, "correlation = 0.1", "correlation = [[1.0, 0.1], [0.1, 1.0]]");
    REQUIRE_THROWS_WITH(load(text), Contains("performance.correlation has 2 rows; it must be 3 x 3"));
  }
}

TEST_CASE("overrides (--set) reach network, provider, segment and indicator paths",
          "[scenario_loader][network]") {
  const Scenario s = load(k_prime, {"network.subcontract.vcs_a.pass_through=0.25",
                                    "network.subcontract.vcs_b.payment_delay_months=2",
                                    "network.subcontract.vcs_b.value=3e6",
                                    "provider.vcs_b.opening_cash=1e5",
                                    "provider.vcs_a.demand.growth=0.01",
                                    "provider.trust.contract.outcome_share=0.04",
                                    "indicator.crisis.target=0.9", "indicator.*.volatility=0.1"})
                         .scenario;
  CHECK(s.network.subcontracts[0].pass_through == 0.25);
  CHECK(s.network.subcontracts[1].payment_delay_months == 2);
  CHECK(s.network.subcontracts[1].value == 3e6);
  CHECK(s.provider_setup(2).provider.opening_cash == 1e5);
  CHECK(s.provider_setup(1).demand.growth == 0.01);
  CHECK(s.contract.outcome_share.front() == 0.04);
  CHECK(s.indicators[1].target == 0.9);
  for (const auto& indicator : s.indicators) CHECK(indicator.volatility == 0.1);

  const Scenario seg = load(k_segments, {"segment.psychosis.annual_value=50e6",
                                         "segment.non_psychosis.basis=block",
                                         "segment.psychosis.demand.growth=0.02",
                                         "indicator.followup.weight=0.5"})
                           .scenario;
  CHECK(seg.segments[1].annual_value == 50e6);
  CHECK(seg.contract.annual_value == 110e6);
  CHECK(seg.segments[0].basis == Basis::block);
  CHECK(seg.segments[1].demand.growth == 0.02);

  SECTION("unknown targets are named") {
    REQUIRE_THROWS_WITH(load(k_prime, {"network.subcontract.vcs_c.value=1"}),
                        Contains("--set network.subcontract.vcs_c.value=1") &&
                            Contains("no [[network.subcontract]] has provider 'vcs_c'") &&
                            Contains("known: vcs_a, vcs_b"));
    REQUIRE_THROWS_WITH(load(k_prime, {"provider.nobody.opening_cash=1"}),
                        Contains("no [[provider]] has id 'nobody'"));
    REQUIRE_THROWS_WITH(load(k_prime, {"provider.opening_cash=1"}),
                        Contains("provider keys are set as provider.<id>.<key>"));
    REQUIRE_THROWS_WITH(load(k_prime, {"contract.outcome_share=0.03"}),
                        Contains("set provider.<id>.contract.outcome_share"));
    REQUIRE_THROWS_WITH(load(k_segments, {"segment.organic.annual_value=1"}),
                        Contains("no [[segment]] has id 'organic'"));
    REQUIRE_THROWS_WITH(load(k_prime, {"network.subcontract.vcs_a.provider=trust"}),
                        Contains("unknown key 'network.subcontract.vcs_a.provider'"));
  }
  SECTION("a --set that breaks a rule is named") {
    REQUIRE_THROWS_WITH(load(k_prime, {"network.subcontract.vcs_a.pass_through=2"}),
                        Contains("--set network.subcontract.vcs_a.pass_through=2: "
                                 "network.subcontract.vcs_a.pass_through = 2 is outside [0, 1]"));
  }
}

TEST_CASE("sweeps reach network paths and refuse naming keys", "[scenario_loader][network][sweep]") {
  const std::string sweep = std::string(k_prime) +
                            "\n[sweep]\nmode = \"grid\"\n[sweep.parameters]\n"
                            "\"network.subcontract.vcs_a.pass_through\" = [0.0, 0.5, 1.0]\n"
                            "\"network.subcontract.vcs_a.payment_delay_months\" = [0, 2]\n";
  const LoadedStudy study = load_study_text(sweep, "x.toml");
  REQUIRE(study.scenarios.size() == 6);
  CHECK(study.scenarios[3].network.subcontracts[0].pass_through == 0.5);
  CHECK(study.scenarios[3].network.subcontracts[0].payment_delay_months == 2);
  CHECK(study.scenarios[4].network.subcontracts[0].pass_through == 1.0);
  CHECK(study.scenarios[4].network.subcontracts[0].payment_delay_months == 0);
  const LoadedStudy again = load_study_text(study.resolved_toml, "resolved.toml");
  REQUIRE(again.scenarios.size() == 6);
  for (std::size_t p = 0; p < 6; ++p) require_identical(again.scenarios[p], study.scenarios[p]);

  for (const auto* key : {"network.model", "network.lead", "provider.vcs_a.id", "indicator.eip.id"}) {
    INFO(key);
    const std::string text = std::string(k_prime) + "\n[sweep]\n[sweep.parameters]\n\"" + key +
                             "\" = [\"a\", \"b\"]\n";
    REQUIRE_THROWS_WITH(load_study_text(text, "x.toml"),
                        Contains(at_line_of(text, "[\"a\", \"b\"]")) && Contains("cannot be swept"));
  }
  const std::string list = std::string(k_prime) +
                           "\n[sweep]\n[sweep.parameters]\n\"provider.trust.contract.structures\" = "
                           "[\"bonus\"]\n";
  REQUIRE_THROWS_WITH(load_study_text(list, "x.toml"), Contains("is a list and cannot be swept"));
}

}  // namespace shortfall
