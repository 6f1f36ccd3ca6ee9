#include "sim/cli/overflow_message.h"

#include <cmath>

#include <fmt/format.h>

namespace shortfall {

std::string overflow_message(const LoadedStudy& study, const NonFiniteRunValue& overflow,
                             const std::string& source) {
  std::string where = source;
  if (study.scenarios.size() > 1 && overflow.scenario >= 0)
    where += fmt::format(": design point {}", overflow.scenario);
  // The tally's column: a structure, or in a network a (structure, provider)
  // pair, structure-major.
  std::string structure = fmt::format("structure {}", overflow.structure);
  if (overflow.scenario >= 0 &&
      static_cast<std::size_t>(overflow.scenario) < study.scenarios.size()) {
    const Scenario& scenario = study.scenarios[static_cast<std::size_t>(overflow.scenario)];
    const int providers = scenario.provider_count();
    const int index = overflow.structure / providers;
    const int provider = overflow.structure % providers;
    const auto& structures = scenario.contract.structures;
    if (overflow.structure >= 0 && static_cast<std::size_t>(index) < structures.size()) {
      structure = structures[static_cast<std::size_t>(index)].name;
      if (providers > 1)
        structure += fmt::format(" for provider '{}'", scenario.provider_setup(provider).id);
    }
  }
  return fmt::format(
      "{}: run {} under {}: {}{} is {}: the scenario's values overflow double precision (money "
      "beyond about 1e308, or a demand volatility so large that activity overflows); nothing was "
      "written",
      where, overflow.run, structure, overflow.quantity,
      overflow.month > 0 ? fmt::format(" in month {}", overflow.month) : "",
      std::isnan(overflow.value) ? "NaN" : (overflow.value > 0 ? "+inf" : "-inf"));
}

}  // namespace shortfall
