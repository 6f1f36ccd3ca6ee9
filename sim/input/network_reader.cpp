// A network file (docs/model.md, "Networks and segments"): [network], its
// subcontracts and alliance-wide indicators, and one [[provider]] element
// per provider, read in steps: the ids every cross-reference names, the
// links between providers, each provider's contract, the horizon every
// contract's assessment divides, the alliance's rules, each provider's
// cash and indicators, and the values that must add up.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/input/readers.h"

namespace shortfall {

namespace {

const ScenarioKey& network_key(std::string_view name) { return keys::row(keys::network, name); }
const ScenarioKey& subcontract_key(std::string_view name) {
  return keys::row(keys::subcontract, name);
}

// What the steps share.
struct NetworkDraft {
  NetworkDraft(const toml::node* node, Context& context)
      : network_node(node), network(context, node->as_table(), "network", node) {}

  const toml::node* network_node;
  Section network;
  ProviderIds ids;
  std::vector<ProviderDraft> drafts;        // by position
  std::vector<Section> subcontract_sections;  // by subcontract
  std::vector<int> subcontract_of;          // provider -> its subcontract, or -1
  const toml::node* subcontracts_node = nullptr;
  std::string model_name;
  bool has_lead = false;
};

// Ids first: every cross-reference names a provider by its id.
void read_provider_ids(const toml::array& elements, NetworkDraft& net, Context& context) {
  net.drafts.resize(elements.size());
  for (std::size_t p = 0; p < elements.size(); ++p) {
    const toml::node* element = elements.get(p);
    const toml::table& table = *element->as_table();
    const toml::node* id_node = table.get("id");
    if (id_node == nullptr) {
      context.fail(element, fmt::format("provider[{}].id is missing: {}", p + 1,
                                        keys::network_provider.front().fallback.text));
    }
    const std::string id = id_value(context, *id_node, fmt::format("provider[{}].id", p + 1));
    const auto same = std::find(net.ids.ids.begin(), net.ids.ids.end(), id);
    if (same != net.ids.ids.end()) {
      context.fail(id_node, fmt::format("provider[{}].id = {} is already the id of provider[{}]",
                                        p + 1, describe(*id_node), same - net.ids.ids.begin() + 1));
    }
    net.ids.ids.push_back(id);
    ProviderPlace& place = net.drafts[p].place;
    place.scope = &table;
    place.anchor = element;
    place.finance = &table;
    place.finance_node = element;
    place.name = "provider." + id;
    place.prefix = place.name + ".";
    place.header = "provider.";
    place.network_ids = &net.ids;
    net.drafts[p].setup.id = id;
  }
}

// The model, the lead and the integrator's fee.
void read_model_and_lead(Network& network, NetworkDraft& net, Context& context) {
  const Section& section = net.network;
  if (section.find("model") == nullptr) section.fail_missing(network_key("model"));
  network.model = section.choice(network_key("model"), choices::network_model);
  net.model_name = std::string(name_of(choices::network_model, network.model));
  net.has_lead = network.model != NetworkModel::alliance;
  const toml::node* lead_node = section.find("lead");
  if (!net.has_lead && lead_node != nullptr) {
    context.fail(lead_node, fmt::format("network.lead = {} is only used with model = \"prime\" or "
                                        "\"integrator\" (here \"alliance\": every member holds "
                                        "its own contract)",
                                        describe(*lead_node)));
  }
  if (net.has_lead && lead_node == nullptr) {
    section.fail_missing("lead", fmt::format("model = \"{}\" needs the id of the provider that "
                                             "holds the commissioner's contract (one of {})",
                                             net.model_name, fmt::join(net.ids.ids, ", ")));
  }
  network.lead = net.has_lead ? net.ids.position(context, *lead_node, "network.lead") : 0;
  if (const toml::node* fee = section.find("management_fee");
      fee && network.model != NetworkModel::integrator) {
    context.fail(fee, fmt::format("network.management_fee = {} is only used with model = "
                                  "\"integrator\" (here \"{}\")",
                                  describe(*fee), net.model_name));
  }
  network.management_fee = section.number(network_key("management_fee"));
}

// [[network.subcontract]]: who the lead subcontracts, at what value and
// pass-through (the payment delay waits for the horizon).
void read_subcontracts(Network& network, NetworkDraft& net, Context& context) {
  net.subcontracts_node = net.network.find("subcontract");
  const toml::array* subcontracts = table_array(net.subcontracts_node, "network.subcontract",
                                                "network.subcontract", context);
  net.subcontract_of.assign(net.drafts.size(), -1);
  if (subcontracts != nullptr && !subcontracts->empty() && !net.has_lead) {
    context.fail(net.subcontracts_node,
                 "network.subcontract: an alliance has no subcontracts (every member holds its "
                 "own contract with the commissioner); use model = \"prime\" or \"integrator\"");
  }
  for (std::size_t j = 0; subcontracts != nullptr && j < subcontracts->size(); ++j) {
    const toml::node* element = subcontracts->get(j);
    const auto* provider_text = element->as_table()->get_as<std::string>("provider");
    const std::string label = provider_text && is_valid_id(provider_text->get())
                                  ? "network.subcontract." + provider_text->get()
                                  : fmt::format("network.subcontract[{}]", j + 1);
    const Section section(context, element->as_table(), label, element);
    const toml::node* provider_node = section.find("provider");
    if (provider_node == nullptr) section.fail_missing(subcontract_key("provider"));
    Subcontract subcontract;
    subcontract.provider = net.ids.position(context, *provider_node, section.label("provider"));
    if (subcontract.provider == network.lead) {
      context.fail(provider_node,
                   fmt::format("{} = {} is the lead (network.lead): a lead cannot subcontract "
                               "itself",
                               section.label("provider"), describe(*provider_node)));
    }
    const int earlier = net.subcontract_of[static_cast<std::size_t>(subcontract.provider)];
    if (earlier >= 0) {
      context.fail(provider_node,
                   fmt::format("{} = {} is already subcontracted at {}: each subcontractor has "
                               "one subcontract",
                               section.label("provider"), describe(*provider_node),
                               context.where(subcontracts->get(static_cast<std::size_t>(earlier)))));
    }
    net.subcontract_of[static_cast<std::size_t>(subcontract.provider)] = static_cast<int>(j);
    subcontract.value = section.required_number(subcontract_key("value"));
    subcontract.pass_through = section.number(subcontract_key("pass_through"));
    network.subcontracts.push_back(subcontract);
    net.subcontract_sections.push_back(section);
  }
  for (std::size_t p = 0; net.has_lead && p < net.drafts.size(); ++p) {
    if (static_cast<int>(p) == network.lead || net.subcontract_of[p] >= 0) continue;
    context.fail(net.drafts[p].place.anchor,
                 fmt::format("{} is neither the lead (network.lead = {}) nor a subcontractor "
                             "([[network.subcontract]] with provider = {}): in a {} network every "
                             "provider is one of them",
                             net.drafts[p].place.name,
                             toml_string(net.ids.ids[static_cast<std::size_t>(network.lead)]),
                             toml_string(net.ids.ids[p]), net.model_name));
  }
}

// Each provider's contract, and the assessment period each sets.
std::vector<AssessmentPeriod> read_contracts(const Network& network, NetworkDraft& net,
                                             Context& context) {
  std::vector<AssessmentPeriod> periods;
  for (std::size_t p = 0; p < net.drafts.size(); ++p) {
    ProviderDraft& draft = net.drafts[p];
    const std::string why =
        net.subcontract_of[p] >= 0
            ? fmt::format("is a subcontractor of {} (network.subcontract.{})",
                          net.ids.ids[static_cast<std::size_t>(network.lead)], net.ids.ids[p])
            : "";
    read_contract_part(draft, why, context);
    if (!draft.setup.holds_contract) continue;
    const Contract& contract = draft.setup.contract;
    if (net.has_lead && contract.risk_share) {
      context.fail(draft.place.scope->at_path("contract.risk_share").node(),
                   fmt::format("{}contract.risk_share is only for an alliance member or a single "
                               "provider: with a lead paying subcontractors, whose costs a risk "
                               "share reconciles is not settled (docs/model.md, \"Networks and "
                               "segments\"); remove it from this {} contract",
                               draft.place.prefix, net.model_name));
    }
    periods.push_back({contract.assessment_months, draft.place.prefix + "contract.assessment"});
  }
  return periods;
}

// Alliance rules: one structure axis; alliance-wide indicators need one
// assessment and one payment rule, and members without segments.
void check_alliance(const NetworkDraft& net, const toml::node* shared_node, bool shared,
                    Context& context) {
  const ProviderDraft& first = net.drafts.front();
  const auto contract_key = [&](const ProviderDraft& draft, const char* name) {
    const toml::node* node = draft.place.scope->at_path(std::string("contract.") + name).node();
    return node != nullptr ? node : draft.place.scope->get("contract");
  };
  for (std::size_t p = 1; p < net.drafts.size(); ++p) {
    const ProviderDraft& draft = net.drafts[p];
    const Contract& a = first.setup.contract;
    const Contract& b = draft.setup.contract;
    std::vector<std::string> names_a;
    std::vector<std::string> names_b;
    for (const auto& s : a.structures) names_a.push_back(s.name);
    for (const auto& s : b.structures) names_b.push_back(s.name);
    if (names_a != names_b) {
      context.fail(contract_key(draft, "structures"),
                   fmt::format("{}contract.structures = {} differs from {}contract.structures = "
                               "{}{}: alliance members share the results file's structure axis, "
                               "so they list the same structures in the same order",
                               draft.place.prefix, structure_names(b), first.place.prefix,
                               structure_names(a),
                               origin_note(context, contract_key(first, "structures"),
                                           contract_key(draft, "structures"))));
    }
    if (!shared) continue;
    if (a.assessment_months != b.assessment_months) {
      context.fail(contract_key(draft, "assessment"),
                   fmt::format("{}contract.assessment = \"{}\" differs from {}contract.assessment "
                               "= \"{}\": with alliance-wide indicators ([[network.indicator]]) "
                               "every member is assessed together",
                               draft.place.prefix,
                               name_of(choices::assessment, b.assessment_months),
                               first.place.prefix,
                               name_of(choices::assessment, a.assessment_months)));
    }
    if (a.payment_rule != b.payment_rule) {
      context.fail(contract_key(draft, "payment_rule"),
                   fmt::format("{}contract.payment_rule = \"{}\" differs from "
                               "{}contract.payment_rule = \"{}\": with alliance-wide indicators "
                               "([[network.indicator]]) every member's achievement is the same",
                               draft.place.prefix, name_of(choices::payment_rule, b.payment_rule),
                               first.place.prefix, name_of(choices::payment_rule, a.payment_rule)));
    }
  }
  for (const auto& draft : net.drafts) {
    if (shared && draft.segments_node != nullptr) {
      context.fail(draft.segments_node,
                   fmt::format("{}segment: the alliance has alliance-wide indicators "
                               "([[network.indicator]] at {}), so its members cannot have "
                               "segments, whose indicators are their own",
                               draft.place.prefix, context.where(shared_node)));
    }
  }
}

// [[network.indicator]] and [network.performance] of an alliance.
void read_shared_indicators(Network& network, const NetworkDraft& net, const toml::array* shared,
                            IndicatorRegistry& registry, Context& context) {
  const toml::node* performance = net.network_node->as_table()->get("performance");
  if (shared == nullptr) {
    network.shared_correlation = Eigen::MatrixXd(0, 0);
    if (performance != nullptr) {
      context.fail(performance, "network.performance is only used with alliance-wide indicators "
                                "([[network.indicator]]), and there are none");
    }
    return;
  }
  network.shared_indicators =
      read_indicator_list(*shared, "network.", net.drafts.front().setup.contract.payment_rule,
                          &net.ids, registry, context);
  check_weights_sum_to_one(network.shared_indicators, shared, context, "network.");
  warn_about_indicator_counts(network.shared_indicators, shared, context, "the alliance",
                              "[[network.indicator]]", "network.indicator.*.measure");
  network.shared_correlation = read_correlation(
      Section(context, performance != nullptr ? performance->as_table() : nullptr,
              "network.performance", performance != nullptr ? performance : net.network_node),
      network.shared_indicators.size());
}

// Values must add up (docs/model.md): a prime keeps part of the care, an
// integrator passes on all but its fee.
void check_values_add_up(const Network& network, const NetworkDraft& net, Context& context) {
  const ProviderDraft& lead = net.drafts[static_cast<std::size_t>(network.lead)];
  const double value = lead.setup.contract.annual_value;
  const std::string value_text =
      fmt::format("{}contract.annual_value = {}", lead.place.prefix, shortest(value));
  double total = 0.0;
  for (std::size_t j = 0; j < network.subcontracts.size(); ++j) {
    const double v = network.subcontracts[j].value;
    total += v;
    if (v > value) {
      context.fail(net.subcontract_sections[j].find("value"),
                   fmt::format("{} = {} is larger than {}, the contract it is part of",
                               net.subcontract_sections[j].label("value"), shortest(v),
                               value_text));
    }
  }
  const toml::node* blamed =
      net.subcontracts_node != nullptr ? net.subcontracts_node : net.network_node;
  if (network.model == NetworkModel::prime && !(total < value)) {
    context.fail(blamed, fmt::format("the subcontracts' values (network.subcontract.*.value) sum "
                                     "to {}, not below {}: a prime delivers part of the care "
                                     "itself",
                                     shortest(total), value_text));
  }
  if (network.model == NetworkModel::integrator) {
    const double expected = (1.0 - network.management_fee) * value;
    if (std::abs(total - expected) > k_mean_tolerance * value) {
      context.fail(blamed, fmt::format("the subcontracts' values (network.subcontract.*.value) "
                                       "sum to {}; an integrator passes on all but its "
                                       "management fee, so they must sum to (1 - "
                                       "network.management_fee) x {} = {} (within 1e-9 of the "
                                       "contract value)",
                                       shortest(total), value_text, shortest(expected)));
    }
  }
}

}  // namespace

Scenario read_network_scenario(const toml::table& document, Context& context) {
  check_network_keys(document, context);
  Scenario scenario;
  scenario.title = read_title(document);
  const toml::node* network_node = document.get("network");
  NetworkDraft net(network_node, context);
  read_provider_ids(*document.get("provider")->as_array(), net, context);
  Network& network = scenario.network;
  read_model_and_lead(network, net, context);
  read_subcontracts(network, net, context);

  // Contracts, then the horizon every contract's assessment must divide.
  const std::vector<AssessmentPeriod> periods = read_contracts(network, net, context);
  scenario.simulation = read_simulation(section_of(document, "simulation", context), periods);
  const ScenarioKey& delay = subcontract_key("payment_delay_months");
  for (std::size_t j = 0; j < network.subcontracts.size(); ++j) {
    network.subcontracts[j].payment_delay_months = static_cast<int>(net.subcontract_sections[j].integer(
        delay, Interval::closed(delay.allowed.low, scenario.simulation.horizon_months),
        static_cast<std::int64_t>(delay.fallback.number)));
  }

  const toml::node* shared_node = net.network.find("indicator");
  const toml::array* shared =
      table_array(shared_node, "network.indicator", "network.indicator", context);
  if (shared != nullptr && shared->empty()) shared = nullptr;
  if (shared != nullptr && net.has_lead) {
    context.fail(shared_node, fmt::format("network.indicator: alliance-wide indicators are only "
                                          "for model = \"alliance\"; in a {} network the lead's "
                                          "contract holds every indicator ([[provider.indicator]] "
                                          "with delivered_by)",
                                          net.model_name));
  }
  if (!net.has_lead) check_alliance(net, shared_node, shared != nullptr, context);

  // Providers in file order: cash, demand, indicators.
  IndicatorRegistry registry;
  for (std::size_t p = 0; p < net.drafts.size(); ++p) {
    ProviderDraft& draft = net.drafts[p];
    const double income =
        draft.setup.holds_contract
            ? draft.setup.contract.annual_value
            : network.subcontracts[static_cast<std::size_t>(net.subcontract_of[p])].value;
    read_provider_part(draft, income, shared != nullptr ? shared_node : nullptr, registry, context);
  }
  read_shared_indicators(network, net, shared, registry, context);
  if (net.has_lead) check_values_add_up(network, net, context);

  static_cast<ProviderSetup&>(scenario) = std::move(net.drafts.front().setup);
  for (std::size_t p = 1; p < net.drafts.size(); ++p) {
    scenario.other_providers.push_back(std::move(net.drafts[p].setup));
  }
  return scenario;
}

}  // namespace shortfall
