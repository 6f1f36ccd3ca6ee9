// The shape of a scenario file, checked before any value is read: every
// key is one the key table knows for its place, every table is a table.
#include <fmt/format.h>

#include "sim/input/readers.h"

namespace shortfall {

std::vector<std::string_view> network_provider_key_names() {
  std::vector<std::string_view> names{keys::network_provider.front().name};  // id
  for (const auto& key : keys::provider) names.push_back(key.name);
  for (const auto& key : keys::network_provider.subspan(1)) names.push_back(key.name);
  return names;
}

KeyRows provider_table_rows(std::string_view name) {
  if (name == "demand") return keys::demand;
  if (name == "contract") return keys::contract;
  if (name == "performance") return keys::performance;
  return {};
}

namespace {

void check_indicator_list_keys(const toml::node* node, const std::string& prefix,
                               std::string_view header, KeyScope file, const Context& context) {
  const auto keys = key_names(keys::indicator, file);
  if (const toml::array* list = table_array(node, prefix + "indicator", header, context)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& indicator = *list->get(i)->as_table();
      reject_unknown_keys(indicator, indicator_label(indicator, i, prefix), keys, context);
    }
  }
}

// The tables of one provider: [demand], [contract] (with its risk share),
// [performance], [[indicator]] and [[segment]], at the top level of a
// single-provider file (prefix "", header "") or inside a [[provider]]
// element (prefix "provider.<id>.", header "provider.").
void check_provider_tables(const toml::table& scope, const std::string& prefix,
                           const std::string& header, bool in_network, const Context& context) {
  for (const auto& table : keys::network_provider) {
    if (table.type != KeyType::table) continue;
    checked_table(scope.get(table.name), prefix + std::string(table.name),
                  header + std::string(table.name), key_names(provider_table_rows(table.name)),
                  context);
  }
  if (const auto* risk_share = scope.at_path("contract.risk_share").as_table()) {
    reject_unknown_keys(*risk_share, prefix + "contract.risk_share", key_names(keys::risk_share),
                        context);
  }
  const KeyScope file = in_network ? KeyScope::network_file : KeyScope::single_provider_file;
  check_indicator_list_keys(scope.get("indicator"), prefix, header + "indicator", file, context);
  const std::string segment_header = header + "segment";
  if (const toml::array* segments =
          table_array(scope.get("segment"), prefix + "segment", segment_header, context)) {
    for (std::size_t s = 0; s < segments->size(); ++s) {
      const auto& segment = *segments->get(s)->as_table();
      const std::string label = element_label(segment, s, prefix + "segment");
      reject_unknown_keys(segment, label, key_names(keys::segment), context);
      checked_table(segment.get("demand"), label + ".demand", segment_header + ".demand",
                    key_names(keys::demand), context);
      check_indicator_list_keys(segment.get("indicator"), label + ".", segment_header + ".indicator",
                                file, context);
    }
  }
}

}  // namespace

bool is_network_document(const toml::table& document) {
  const toml::node* provider = document.get("provider");
  return document.contains("network") || (provider != nullptr && provider->is_array());
}

void check_keys(const toml::table& document, const Context& context) {
  reject_unknown_keys(document, "", key_names(keys::document, KeyScope::single_provider_file),
                      context);
  if (const toml::node* title = document.get("title"); title && !title->is_string()) {
    context.fail(title, fmt::format("title = {} must be a string", describe(*title)));
  }
  checked_table(document.get("simulation"), "simulation", "simulation", key_names(keys::simulation),
                context);
  checked_table(document.get("provider"), "provider", "provider", key_names(keys::provider),
                context);
  check_provider_tables(document, "", "", false, context);
}

void check_network_keys(const toml::table& document, const Context& context) {
  const toml::node* network_node = document.get("network");
  const toml::node* providers_node = document.get("provider");
  if (network_node == nullptr) {
    context.fail(providers_node,
                 "[[provider]] elements make a network, which needs a [network] table with model = "
                 "\"alliance\", \"prime\" or \"integrator\" (one provider is written [provider])");
  }
  for (const auto& key : keys::document) {
    // The provider's own tables, which a network holds in each [[provider]].
    if (key.scope != KeyScope::single_provider_file && key.name != "provider") continue;
    const std::string_view name = key.name;
    const toml::node* node = document.get(name);
    if (node == nullptr || (name == "provider" && node->is_array())) continue;
    const std::string written =
        name == "indicator" || name == "segment" ? fmt::format("[[{}]]", name)
                                                 : fmt::format("[{}]", name);
    const std::string inside = name == "provider"
                                   ? std::string("[[provider]] elements, one per provider")
                                   : fmt::format("each [[provider]] element, written {}",
                                                 name == "indicator" || name == "segment"
                                                     ? fmt::format("[[provider.{}]]", name)
                                                     : fmt::format("[provider.{}]", name));
    context.fail(node, fmt::format("a network file (it has [network]) cannot have a top-level {}: "
                                   "its providers' keys go in {}",
                                   written, inside));
  }
  reject_unknown_keys(document, "", key_names(keys::document, KeyScope::network_file), context);
  if (const toml::node* title = document.get("title"); title && !title->is_string()) {
    context.fail(title, fmt::format("title = {} must be a string", describe(*title)));
  }
  checked_table(document.get("simulation"), "simulation", "simulation", key_names(keys::simulation),
                context);
  const toml::table& network =
      *checked_table(network_node, "network", "network", key_names(keys::network), context);
  checked_table(network.get("performance"), "network.performance", "network.performance",
                key_names(keys::performance), context);
  if (const toml::array* subcontracts = table_array(
          network.get("subcontract"), "network.subcontract", "network.subcontract", context)) {
    for (std::size_t j = 0; j < subcontracts->size(); ++j) {
      const auto& subcontract = *subcontracts->get(j)->as_table();
      const auto* provider = subcontract.get_as<std::string>("provider");
      const std::string label = provider != nullptr && is_valid_id(provider->get())
                                    ? "network.subcontract." + provider->get()
                                    : fmt::format("network.subcontract[{}]", j + 1);
      reject_unknown_keys(subcontract, label, key_names(keys::subcontract), context);
    }
  }
  check_indicator_list_keys(network.get("indicator"), "network.", "network.indicator",
                            KeyScope::network_file, context);
  const toml::array* providers =
      table_array(providers_node, "provider", "provider", context);
  if (providers == nullptr || providers->empty()) {
    context.fail(network_node, "a network needs at least one [[provider]] element");
  }
  for (std::size_t p = 0; p < providers->size(); ++p) {
    const auto& provider = *providers->get(p)->as_table();
    const std::string label = element_label(provider, p, "provider");
    reject_unknown_keys(provider, label, network_provider_key_names(), context);
    check_provider_tables(provider, label + ".", "provider.", true, context);
  }
}

}  // namespace shortfall
