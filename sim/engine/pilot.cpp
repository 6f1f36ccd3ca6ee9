#include "sim/engine/pilot.h"

#include <cmath>
#include <limits>
#include <mutex>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "analysis/estimators.h"
#include "sim/engine/engine.h"
#include "sim/engine/thread_sanitizer.h"

namespace shortfall {

std::vector<std::vector<double>> pilot_earned_fractions(const Scenario& scenario,
                                                        std::int64_t runs, int threads) {
  Scenario pilot = scenario;
  pilot.shock_key = k_pilot_shock_key;
  pilot.simulation.runs = runs;
  pilot.simulation.target_halfwidth = 0.0;  // exactly `runs`: the pilot stops on nothing
  const ScenarioModel model(pilot);
  const auto units = plan_work_units(0, runs);
  const auto columns = static_cast<std::size_t>(tally_columns(pilot));

  // Exact sums add in any order to the same bits, so the blocks may be
  // added as they finish, and only the sums are kept.
  std::vector<ExactSum> earned_fraction_sum(columns);
  std::mutex sum_mutex;
  const int used = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(used));
  tbb::task_arena arena(used);
  arena.execute([&] {
    parallel_for_index(units.size(), [&](std::size_t u) {
      const BlockTally block = simulate_block(pilot, model, units[u], false);
      const std::lock_guard lock(sum_mutex);
      for (std::size_t c = 0; c < columns; ++c) {
        earned_fraction_sum[c] += block.sums[c].earned_fraction_sum;
      }
    });
  });

  // Columns are (structure, provider), structure-major (TallyShape).
  const auto providers = static_cast<std::size_t>(pilot.provider_count());
  std::vector<std::vector<double>> fractions(columns / providers,
                                             std::vector<double>(providers, 0.0));
  for (std::size_t c = 0; c < columns; ++c) {
    const double mean = earned_fraction_sum[c].value() / static_cast<double>(runs);
    const bool holds_contract = pilot.provider_setup(static_cast<int>(c % providers)).holds_contract;
    // A mean that is not finite: no pot (earned / pot is undefined), so
    // nothing to pay flat.
    fractions[c / providers][c % providers] =
        !holds_contract ? std::numeric_limits<double>::quiet_NaN() : std::isfinite(mean) ? mean : 0.0;
  }
  return fractions;
}

}  // namespace shortfall
