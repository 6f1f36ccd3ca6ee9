// [contract]: the value and basis, the outcome share (phased or not), the
// structures compared, the assessment and settlement, the risk share.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/input/readers.h"

namespace shortfall {

namespace {

// The NHS guidance links 2-4 % of the money to outcomes: outside, a warning.
constexpr double k_guidance_share_low = 0.02;
constexpr double k_guidance_share_high = 0.04;

const ScenarioKey& key(std::string_view name) { return keys::row(keys::contract, name); }

PaymentStructure structure_from_node(const Context& context, const toml::node& node,
                                     const std::string& label) {
  static constexpr std::array<std::string_view, 3> names{"bonus", "withhold", "advance"};
  if (const auto* name = node.as_string()) {
    if (name->get() == "bonus") return PaymentStructure::bonus();
    if (name->get() == "withhold") return PaymentStructure::withhold();
    if (name->get() == "advance") return PaymentStructure::paid_in_advance();
    context.fail(&node, fmt::format("{} = {} is not a structure: use bonus, withhold, advance or a "
                                    "withhold fraction in [0, 1]{}",
                                    label, describe(node), did_you_mean(name->get(), names)));
  }
  if (!node.is_number()) {
    context.fail(&node, fmt::format("{} = {} must be a structure name (bonus, withhold, advance) "
                                    "or a withhold fraction in [0, 1]",
                                    label, describe(node)));
  }
  return PaymentStructure::from_fraction(number_within(context, node, label, key("structures").allowed));
}

}  // namespace

std::vector<double> outcome_share_value(Context& context, const toml::node& node,
                                        const std::string& label) {
  const Interval& allowed = key("outcome_share").allowed;
  const auto warn_outside_guidance = [&](const toml::node& share_node, const std::string& where,
                                         double share) {
    if (share < k_guidance_share_low || share > k_guidance_share_high) {
      context.warn(&share_node, fmt::format("{} = {} is outside the guidance range 2–4 %", where,
                                            describe(share_node)));
    }
  };
  if (const auto* phasing = node.as_array()) {
    if (phasing->empty()) {
      context.fail(&node, label + " = [] must hold at least one share (one per financial year)");
    }
    std::vector<double> shares;
    for (std::size_t i = 0; i < phasing->size(); ++i) {
      const toml::node& element = *phasing->get(i);
      const std::string element_label = fmt::format("{}[{}]", label, i + 1);
      shares.push_back(number_within(context, element, element_label, allowed));
      warn_outside_guidance(element, element_label, shares.back());
    }
    return shares;
  }
  if (!node.is_number()) {
    context.fail(&node, fmt::format("{} = {} must be a number in [0, 1] or a list of them (one per "
                                    "financial year)",
                                    label, describe(node)));
  }
  const double share = number_within(context, node, label, allowed);
  warn_outside_guidance(node, label, share);
  return {share};
}

std::vector<PaymentStructure> structures_value(const Context& context, const toml::node& node,
                                               const std::string& label) {
  const auto* list = node.as_array();
  if (list == nullptr) {
    context.fail(&node, fmt::format("{} = {} must be a list of structures, e.g. [\"bonus\", "
                                    "\"withhold\", 0.5]",
                                    label, describe(node)));
  }
  if (list->empty()) context.fail(&node, label + " = [] must name at least one structure");
  std::vector<PaymentStructure> structures;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string element_label = fmt::format("{}[{}]", label, i + 1);
    PaymentStructure structure = structure_from_node(context, *list->get(i), element_label);
    // Names are the results file's coordinate: 0 and "bonus" are the same structure.
    const auto same = std::find_if(structures.begin(), structures.end(),
                                   [&](const auto& seen) { return seen.name == structure.name; });
    if (same != structures.end()) {
      context.fail(list->get(i), fmt::format("{} = {} is structure '{}' again (already {}[{}])",
                                             element_label, describe(*list->get(i)), structure.name,
                                             label, same - structures.begin() + 1));
    }
    structures.push_back(std::move(structure));
  }
  return structures;
}

RiskShare risk_share_value(Context& context, const toml::node& node, const std::string& label) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    context.fail(&node, fmt::format("{} = {} must be a table, e.g. "
                                    "{{ corridor = 0.02, commissioner_share = 0.5 }}",
                                    label, describe(node)));
  }
  const Section risk_share(context, table, label, &node);
  return RiskShare{risk_share.required_number(keys::row(keys::risk_share, "corridor")),
                   risk_share.required_number(keys::row(keys::risk_share, "commissioner_share"))};
}

Contract read_contract(const Section& section, const toml::node* segments_node) {
  Context& context = section.context();
  Contract contract;
  if (segments_node != nullptr) {
    for (const auto name : {"annual_value", "basis"}) {
      if (const toml::node* node = section.find(name)) {
        context.fail(node, fmt::format("{} = {} cannot be set together with segments ({} at {}): "
                                       "a segmented contract's {} comes from its segments",
                                       section.label(name), describe(*node),
                                       section.path() == "contract" ? "[[segment]]"
                                                                    : "[[provider.segment]]",
                                       context.where(segments_node),
                                       std::string_view(name) == "basis" ? "basis" : "value"));
      }
    }
  } else {
    contract.annual_value = section.required_number(key("annual_value"));
    contract.basis = section.choice(key("basis"), choices::basis);
  }
  contract.income_growth = section.number(key("income_growth"));
  const toml::node* share = section.find("outcome_share");
  contract.outcome_share = share != nullptr
                               ? outcome_share_value(context, *share, section.label("outcome_share"))
                               : std::vector<double>{key("outcome_share").fallback.number};
  // The default is written in TOML in its row, and read as if the file held it.
  const toml::table fallback = toml::parse(fmt::format("v = {}", key("structures").fallback.text));
  const toml::node* structures = section.find("structures");
  contract.structures = structures_value(context, structures != nullptr ? *structures : *fallback.get("v"),
                                         section.label("structures"));
  contract.assessment_months = section.choice(key("assessment"), choices::assessment);
  contract.settlement_lag_months =
      static_cast<int>(section.integer(key("settlement_lag_months")));
  contract.payment_rule = section.choice(key("payment_rule"), choices::payment_rule);
  contract.withhold_effort_effect = section.number(key("withhold_effort_effect"));
  if (const toml::node* risk_share = section.find("risk_share")) {
    contract.risk_share = risk_share_value(context, *risk_share, section.label("risk_share"));
  }
  return contract;
}

std::string structure_names(const Contract& contract) {
  std::vector<std::string> names;
  for (const auto& structure : contract.structures) names.push_back(toml_string(structure.name));
  return fmt::format("[{}]", fmt::join(names, ", "));
}

}  // namespace shortfall
