// One provider: its cash and costs ([provider]), its demand, its contract
// and indicators, at the top level of a single-provider file or inside one
// [[provider]] element of a network; and the single-provider scenario.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/input/cash_days.h"
#include "sim/input/readers.h"

namespace shortfall {

namespace {

const ScenarioKey& provider_key(std::string_view name) { return keys::row(keys::provider, name); }
const ScenarioKey& demand_key(std::string_view name) { return keys::row(keys::demand, name); }

// Stress grows as cash falls from Z to S, so Z > S.
void check_stress_above_threshold(const Section& section, const ProviderFinance& provider) {
  if (provider.stress_start_cash > provider.shortfall_threshold) return;
  const Context& context = section.context();
  const toml::node* stress = section.find("stress_start_cash");
  const toml::node* threshold = section.find("shortfall_threshold");
  const toml::node* blamed = stress != nullptr ? stress : threshold;
  context.fail(blamed, fmt::format("{} = {} must be greater than {} = {}{}",
                                   section.label("stress_start_cash"),
                                   shortest(provider.stress_start_cash),
                                   section.label("shortfall_threshold"),
                                   shortest(provider.shortfall_threshold),
                                   origin_note(context, threshold, blamed)));
}

// A cash key in pounds, or in days of operating cost (cash_days.h) of the
// provider's `annual_value` and its own deficit: one of the two, or the
// pound key's default.
double pounds_or_days(const Section& section, const CashSpellings& spelling,
                      double pound_default, double annual_value, std::optional<double>& days_given) {
  const toml::node* pounds = section.find(spelling.pounds);
  const toml::node* days = section.find(spelling.days);
  if (pounds != nullptr && days != nullptr) {
    const Context& context = section.context();
    context.fail(days, fmt::format("{} and {} (at {}) both give the same cash, in days and in "
                                   "GBP: keep one of them",
                                   section.label(spelling.days), section.label(spelling.pounds),
                                   context.where(pounds)));
  }
  if (days != nullptr) {
    const double deficit = section.number(provider_key("underlying_deficit"));
    days_given = section.number(provider_key(spelling.days));
    return *days_given * one_day_of_cost(annual_value, deficit);
  }
  return section.number(provider_key(spelling.pounds), pound_default);
}

// A segment's id, value, basis and demand (its indicators come later, once
// the contract's payment rule is known).
void read_segment_heads(ProviderDraft& draft, Context& context) {
  const ProviderPlace& place = draft.place;
  const toml::node* node = place.scope->get("segment");
  const toml::array* list = table_array(node, place.prefix + "segment", place.header + "segment",
                                        context);
  if (list == nullptr || list->empty()) return;
  draft.segments_node = node;
  for (std::size_t s = 0; s < list->size(); ++s) {
    const toml::node* element = list->get(s);
    const auto* table = element->as_table();
    SegmentPlace segment_place{table, element,
                               element_label(*table, s, place.prefix + "segment")};
    const Section section(context, table, segment_place.label, element);
    Segment segment;
    const toml::node* id_node = section.find("id");
    if (id_node == nullptr) {
      section.fail_missing("id", fmt::format("each [[{}segment]] needs an id matching [a-z0-9_]+",
                                             place.header));
    }
    segment.id = id_value(context, *id_node, section.label("id"));
    for (std::size_t other = 0; other < draft.setup.segments.size(); ++other) {
      if (draft.setup.segments[other].id == segment.id) {
        context.fail(id_node, fmt::format("{}segment[{}].id = {} is already the id of "
                                          "{}segment[{}] (segment ids are unique within a "
                                          "provider)",
                                          place.prefix, s + 1, toml_string(segment.id),
                                          place.prefix, other + 1));
      }
    }
    segment.annual_value = section.required_number(keys::row(keys::segment, "annual_value"));
    segment.basis = section.choice(keys::row(keys::segment, "basis"), choices::basis);
    const toml::node* demand_node = table->get("demand");
    segment.demand = read_demand(Section(context, demand_node ? demand_node->as_table() : nullptr,
                                         segment_place.label + ".demand",
                                         demand_node ? demand_node : element));
    draft.setup.segments.push_back(std::move(segment));
    draft.segment_places.push_back(std::move(segment_place));
  }
}

}  // namespace

ProviderFinance read_provider(const Section& section, double annual_value) {
  // The cash defaults scale with the contract: one month of income in hand.
  const double one_month_of_income = annual_value / 12.0;
  ProviderFinance provider;
  provider.opening_cash =
      pounds_or_days(section, k_cash_spellings[0], one_month_of_income, annual_value,
                     provider.opening_cash_days);
  provider.shortfall_threshold = pounds_or_days(section, k_cash_spellings[1], 0.0, annual_value,
                                                provider.shortfall_threshold_days);
  provider.stress_start_cash = section.number(provider_key("stress_start_cash"),
                                              provider.shortfall_threshold + one_month_of_income);
  check_stress_above_threshold(section, provider);
  provider.stress_penalty = section.number(provider_key("stress_penalty"));
  provider.underlying_deficit = section.number(provider_key("underlying_deficit"));
  provider.fixed_cost_share = section.number(provider_key("fixed_cost_share"));
  provider.cost_growth = section.number(provider_key("cost_growth"));
  provider.cost_noise = section.number(provider_key("cost_noise"));
  provider.overdraft_rate = section.number(provider_key("overdraft_rate"));
  return provider;
}

std::array<double, 12> seasonality_value(const Context& context, const toml::node& node,
                                         const std::string& label) {
  std::array<double, 12> seasonality{};
  const auto* list = node.as_array();
  if (list == nullptr || list->size() != seasonality.size()) {
    context.fail(&node, fmt::format("{} = {} must be a list of 12 numbers, April first", label,
                                    describe(node)));
  }
  double sum = 0.0;
  for (std::size_t m = 0; m < seasonality.size(); ++m) {
    seasonality[m] = number_within(context, *list->get(m), fmt::format("{}[{}]", label, m + 1),
                                   demand_key("seasonality").allowed);
    sum += seasonality[m];
  }
  const double mean = sum / 12.0;
  // Seasonality moves activity within the year, not its level.
  if (std::abs(mean - 1.0) > k_mean_tolerance) {
    context.fail(&node, fmt::format("{} has mean {}; it must average 1 (within 1e-9)", label,
                                    shortest(mean)));
  }
  return seasonality;
}

DemandProcess read_demand(const Section& section) {
  DemandProcess demand;
  demand.volatility = section.number(demand_key("volatility"));
  demand.persistence = section.number(demand_key("persistence"));
  demand.growth = section.number(demand_key("growth"));
  const toml::node* seasonality = section.find("seasonality");
  if (seasonality != nullptr) {
    demand.seasonality = seasonality_value(section.context(), *seasonality,
                                           section.label("seasonality"));
  } else {
    demand.seasonality.fill(1.0);  // twelve 1s: no seasonality
  }
  return demand;
}

Section ProviderPlace::section(std::string_view table, Context& context) const {
  const toml::node* node = scope->get(table);
  return Section(context, node != nullptr ? node->as_table() : nullptr, prefix + std::string(table),
                 node != nullptr ? node : anchor);
}

void read_contract_part(ProviderDraft& draft, const std::string& no_contract_why,
                        Context& context) {
  const ProviderPlace& place = draft.place;
  ProviderSetup& setup = draft.setup;
  setup.holds_contract = no_contract_why.empty();
  if (!setup.holds_contract) {
    for (const auto table : {"contract", "performance", "indicator", "segment"}) {
      if (const toml::node* node = place.scope->get(table)) {
        const bool list = std::string_view(table) == "indicator" || std::string_view(table) == "segment";
        context.fail(node, fmt::format("{}{} is not allowed: {} {} and holds no contract with the "
                                       "commissioner, so it has no {}provider.{}{}",
                                       place.prefix, table, place.name, no_contract_why,
                                       list ? "[[" : "[", table, list ? "]]" : "]"));
      }
    }
    setup.correlation = Eigen::MatrixXd(0, 0);
    return;
  }
  read_segment_heads(draft, context);
  const Section contract = place.section("contract", context);
  if (place.in_network() && place.scope->get("contract") == nullptr) {
    context.fail(place.anchor,
                 fmt::format("{}contract is missing: {} holds a contract with the commissioner "
                             "(it is the lead or an alliance member), written [provider.contract]",
                             place.prefix, place.name));
  }
  setup.contract = read_contract(contract, draft.segments_node);
  if (draft.segments_node != nullptr) {
    double total = 0.0;
    for (const auto& segment : setup.segments) total += segment.annual_value;
    setup.contract.annual_value = total;
    setup.contract.basis = setup.segments.front().basis;  // unused: each segment has its own
  }
}

void read_provider_part(ProviderDraft& draft, double default_value, const toml::node* shared_list,
                        IndicatorRegistry& registry, Context& context) {
  const ProviderPlace& place = draft.place;
  ProviderSetup& setup = draft.setup;
  setup.provider = read_provider(place.finance_section(context), default_value);
  const bool segmented = draft.segments_node != nullptr;
  const std::string segments_at =
      segmented ? fmt::format("[[{}segment]] at {}", place.header, context.where(draft.segments_node))
                : "";
  if (const toml::node* demand = place.scope->get("demand"); demand && segmented) {
    context.fail(demand, fmt::format("{}demand cannot be set together with segments ({}): each "
                                     "segment has its own [{}segment.demand]",
                                     place.prefix, segments_at, place.header));
  }
  setup.demand = read_demand(place.section("demand", context));
  if (!setup.holds_contract) return;

  const toml::node* list_node = place.scope->get("indicator");
  const toml::array* list =
      table_array(list_node, place.prefix + "indicator", place.header + "indicator", context);
  const PaymentRule rule = setup.contract.payment_rule;
  const std::string whose =
      place.in_network() ? fmt::format("{}'s contract", place.name) : "the scenario";
  if (segmented) {
    if (list != nullptr && !list->empty()) {
      context.fail(list_node, fmt::format("{}indicator cannot be used together with segments "
                                          "({}): each segment has its own [[{}segment.indicator]]",
                                          place.prefix, segments_at, place.header));
    }
    for (std::size_t s = 0; s < setup.segments.size(); ++s) {
      const SegmentPlace& segment_place = draft.segment_places[s];
      const toml::node* node = segment_place.table->get("indicator");
      const std::string prefix = segment_place.label + ".";
      const toml::array* segment_list = table_array(node, prefix + "indicator",
                                                    place.header + "segment.indicator", context);
      if (segment_list == nullptr || segment_list->empty()) {
        context.fail(node != nullptr ? node : segment_place.node,
                     fmt::format("{} has no [[{}segment.indicator]]: each segment needs at least "
                                 "one outcome indicator",
                                 segment_place.label, place.header));
      }
      Segment& segment = setup.segments[s];
      segment.first_indicator = setup.indicator_count();
      std::vector<Indicator> indicators = read_indicator_list(
          *segment_list, prefix, rule, place.network_ids, registry, context);
      check_weights_sum_to_one(indicators, segment_list, context, prefix);
      segment.indicator_count = static_cast<int>(indicators.size());
      for (auto& indicator : indicators) setup.indicators.push_back(std::move(indicator));
    }
    warn_about_indicator_counts(setup.indicators, draft.segments_node, context, whose,
                                fmt::format("[[{}segment.indicator]]", place.header),
                                place.prefix + "segment.*.indicator.*.measure");
  } else if (shared_list != nullptr) {
    if (list != nullptr && !list->empty()) {
      context.fail(list_node, fmt::format("{}indicator: the alliance has alliance-wide indicators "
                                          "([[network.indicator]] at {}), so its members have "
                                          "none of their own",
                                          place.prefix, context.where(shared_list)));
    }
  } else {
    if (list == nullptr || list->empty()) {
      if (!place.in_network()) {
        context.fail(list_node,
                     "no [[indicator]]: a scenario needs at least one outcome indicator");
      }
      context.fail(list_node != nullptr ? list_node : place.anchor,
                   fmt::format("{} has no [[provider.indicator]]: a contract needs at least one "
                               "outcome indicator",
                               place.name));
    }
    setup.indicators =
        read_indicator_list(*list, place.prefix, rule, place.network_ids, registry, context);
    check_weights_sum_to_one(setup.indicators, list, context, place.prefix);
    warn_about_indicator_counts(setup.indicators, list, context, whose,
                                fmt::format("[[{}indicator]]", place.header),
                                place.prefix + "indicator.*.measure");
  }
  setup.correlation = read_correlation(place.section("performance", context),
                                       setup.indicators.size());
}

Scenario read_single_scenario(const toml::table& document, Context& context) {
  check_keys(document, context);
  Scenario scenario;
  scenario.title = read_title(document);
  ProviderDraft draft;
  draft.place.scope = &document;
  draft.place.finance_node = document.get("provider");
  draft.place.finance =
      draft.place.finance_node != nullptr ? draft.place.finance_node->as_table() : nullptr;
  draft.place.name = "provider";
  read_contract_part(draft, "", context);
  const std::array<AssessmentPeriod, 1> periods{
      AssessmentPeriod{draft.setup.contract.assessment_months, "contract.assessment"}};
  scenario.simulation = read_simulation(section_of(document, "simulation", context), periods);
  IndicatorRegistry registry;
  read_provider_part(draft, draft.setup.contract.annual_value, nullptr, registry, context);
  static_cast<ProviderSetup&>(scenario) = std::move(draft.setup);
  return scenario;
}

}  // namespace shortfall
