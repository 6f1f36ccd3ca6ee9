#include "comparators.h"

#include <stdexcept>

namespace shortfall {

int reference_structure(const std::vector<PaymentStructure>& structures) {
  for (std::size_t s = 0; s < structures.size(); ++s) {
    const auto& structure = structures[s];
    if (structure.withhold_fraction == 0.0 && !structure.advance && !structure.is_flat() &&
        structure.outcomes_from < 0) {
      return static_cast<int>(s);
    }
  }
  return 0;
}

ComparatorColumns::ComparatorColumns(int structure_count, int reference_structure)
    : reference(reference_structure),
      structures(structure_count),
      flat(static_cast<std::size_t>(structure_count), -1),
      outcomes_of_reference(static_cast<std::size_t>(structure_count), -1) {
  int next = structure_count;
  for (int s = 0; s < structure_count; ++s) {
    if (s == reference) continue;
    flat[static_cast<std::size_t>(s)] = next++;
    outcomes_of_reference[static_cast<std::size_t>(s)] = next++;
  }
}

std::string flat_comparator_name(const PaymentStructure& structure) {
  return structure.name + ":flat";
}

std::string outcomes_comparator_name(const PaymentStructure& structure,
                                     const PaymentStructure& reference) {
  return structure.name + ":outcomes_of_" + reference.name;
}

namespace {

// The structures of one contract, followed by the comparators of each
// structure but the reference.
std::vector<PaymentStructure> structures_with_comparators(
    const std::vector<PaymentStructure>& structures, const ComparatorColumns& columns,
    const std::vector<std::vector<double>>& earned_fraction) {
  std::vector<PaymentStructure> augmented = structures;
  const auto& reference = structures[static_cast<std::size_t>(columns.reference)];
  for (int s = 0; s < columns.structures; ++s) {
    if (s == columns.reference) continue;
    const PaymentStructure& compared = structures[static_cast<std::size_t>(s)];
    // F_s: s's base (h p_y of it withheld; advance's base is a withhold's),
    // a flat e-bar p_y V_y / 12 a month. Its outcomes pay nothing, so it
    // takes the reference's rather than simulating its own.
    PaymentStructure flat{flat_comparator_name(compared), compared.withhold_fraction, false};
    flat.flat_earned_fraction = earned_fraction[static_cast<std::size_t>(s)];
    flat.outcomes_from = columns.reference;
    // W0_s: s itself, on the reference's outcomes.
    PaymentStructure on_reference = compared;
    on_reference.name = outcomes_comparator_name(compared, reference);
    on_reference.outcomes_from = columns.reference;
    augmented.push_back(std::move(flat));
    augmented.push_back(std::move(on_reference));
  }
  return augmented;
}

}  // namespace

Scenario with_comparators(const Scenario& scenario,
                          const std::vector<std::vector<double>>& earned_fraction) {
  const auto& structures = scenario.main_contract().structures;
  if (structures.size() < 2) {
    throw std::invalid_argument("with_comparators: a decomposition needs at least two structures");
  }
  if (earned_fraction.size() != structures.size()) {
    throw std::invalid_argument("with_comparators: one earned fraction list per structure expected");
  }
  for (const auto& per_provider : earned_fraction) {
    if (per_provider.size() != static_cast<std::size_t>(scenario.provider_count())) {
      throw std::invalid_argument("with_comparators: one earned fraction per provider expected");
    }
  }
  const ComparatorColumns columns(static_cast<int>(structures.size()),
                                  reference_structure(structures));
  Scenario augmented = scenario;
  // Every contract lists the same structures (an alliance's members do, and
  // the network kernel reads the main contract's list): keep it so.
  for (int p = 0; p < augmented.provider_count(); ++p) {
    ProviderSetup& setup = p == 0 ? augmented : augmented.other_providers[static_cast<std::size_t>(p - 1)];
    if (!setup.holds_contract) continue;
    setup.contract.structures =
        structures_with_comparators(setup.contract.structures, columns, earned_fraction);
  }
  return augmented;
}

}  // namespace shortfall
