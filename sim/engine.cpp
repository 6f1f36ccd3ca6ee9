#include "engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "thread_sanitizer.h"

namespace shortfall {

namespace {

// Runs `work` on `requested` threads (0: all cores). More threads than cores
// is allowed (--threads 8 on 2 cores): TBB's default cap is lifted for the
// duration.
template <class Work>
void run_on_threads(int requested, Work&& work) {
  const int threads = requested > 0 ? requested : tbb::this_task_arena::max_concurrency();
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute(std::forward<Work>(work));
}

}  // namespace

std::vector<WorkUnit> plan_work_units(int scenario, std::int64_t runs, int runs_per_block) {
  std::vector<WorkUnit> units;
  for (std::int64_t first = 0, block = 0; first < runs; first += runs_per_block, ++block) {
    const auto count = static_cast<int>(std::min<std::int64_t>(runs_per_block, runs - first));
    units.push_back({scenario, block, first, count});
  }
  return units;
}

RunDraws::RunDraws(const Scenario& scenario)
    : key_{scenario.simulation.seed, scenario.shock_key},
      months_(scenario.simulation.horizon_months),
      indicators_(scenario.indicator_count()),
      periods_(scenario.simulation.horizon_months / scenario.contract.assessment_months) {
  const auto months = static_cast<std::size_t>(months_);
  const auto indicators = static_cast<std::size_t>(indicators_);
  for (const auto& indicator : scenario.indicators) measured_.push_back(indicator.cases_per_month > 0);
  shocks_.demand.resize(months);
  shocks_.cost.resize(months);
  shocks_.performance.resize(months * indicators);
  measurement_blocks_.resize(static_cast<std::size_t>(periods_) * indicators);
}

void RunDraws::draw(std::uint64_t run) {
  run_ = run;
  // The measurement streams' first blocks, shared by every structure.
  const auto indicators = static_cast<std::size_t>(indicators_);
  for (int k = 1; k <= periods_; ++k) {
    for (std::size_t i = 0; i < indicators; ++i) {
      if (!measured_[i]) continue;
      measurement_blocks_[static_cast<std::size_t>(k - 1) * indicators + i] = RandomStream::first_block(
          key_, {run, 0, static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i), Purpose::measurement});
    }
  }
  for (int t = 1; t <= months_; ++t) {
    const auto month = static_cast<std::uint32_t>(t);
    const auto slot = static_cast<std::size_t>(t - 1);
    RandomStream demand(key_, {run, 0, month, 0, Purpose::demand});
    shocks_.demand[slot] = standard_normal(demand);
    RandomStream cost(key_, {run, 0, month, 0, Purpose::cost});
    shocks_.cost[slot] = standard_normal(cost);
    for (std::size_t i = 0; i < indicators; ++i) {
      RandomStream performance(key_, {run, 0, month, static_cast<std::uint32_t>(i), Purpose::performance});
      shocks_.performance[slot * indicators + i] = standard_normal(performance);
    }
  }
}

int RunDraws::cases_met(int period, int indicator, int cases, double probability) {
  const auto slot = static_cast<std::size_t>(period - 1) * static_cast<std::size_t>(indicators_) +
                    static_cast<std::size_t>(indicator);
  RandomStream stream(key_, {run_, 0, static_cast<std::uint32_t>(period),
                             static_cast<std::uint32_t>(indicator), Purpose::measurement},
                      measurement_blocks_[slot]);
  return binomial(stream, cases, probability);
}

TallyShape tally_shape(const Scenario& scenario, bool keep_runs) {
  return {scenario.structure_count(), scenario.simulation.horizon_months,
          scenario.indicator_count(), keep_runs};
}

BlockTally simulate_block(const Scenario& scenario, const ProviderRunModel& model,
                          const WorkUnit& unit, bool keep_runs) {
  const auto month_count = static_cast<std::size_t>(model.months());
  const auto indicator_count = static_cast<std::size_t>(model.indicator_count());
  BlockTally tally(tally_shape(scenario, keep_runs), unit.first_run, unit.run_count);
  RunDraws draws(scenario);
  auto work = model.make_workspace();
  for (int j = 0; j < unit.run_count; ++j) {
    draws.draw(static_cast<std::uint64_t>(unit.first_run + j));
    model.simulate(draws.shocks(), draws, work);
    for (int s = 0; s < model.structure_count(); ++s) {
      const auto slot = static_cast<std::size_t>(s);
      tally.record(s, j, work.outcomes[slot],
                   std::span(work.cash).subspan(slot * month_count, month_count),
                   std::span(work.achievement_mean).subspan(slot * indicator_count, indicator_count));
    }
  }
  return tally;
}

ScenarioResults finalize_scenario(const ScenarioTally& tally, int threads) {
  ScenarioResults results;
  run_on_threads(threads, [&] {
    results = tally.finalize([](std::size_t count, const std::function<void(std::size_t)>& body) {
      parallel_for_index(count, body);
    });
  });
  return results;
}

ScenarioTally simulate_scenario(const Scenario& scenario, const EngineOptions& options) {
  const ProviderRunModel model(scenario);
  const auto units = plan_work_units(0, scenario.simulation.runs);
  std::vector<std::optional<BlockTally>> finished(units.size());
  run_on_threads(options.threads, [&] {
    const LoopOrdering ordering;
    ordering.loop_starts();
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, units.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        ordering.task_starts();
                        for (auto u = range.begin(); u != range.end(); ++u) {
                          finished[u] = simulate_block(scenario, model, units[u], options.keep_runs);
                          if (options.on_progress) {
                            options.on_progress(std::int64_t{units[u].run_count} * model.structure_count());
                          }
                        }
                        ordering.task_ends();
                      });
    ordering.joined();
  });
  // The merge is in block order, whatever order the blocks finished in.
  ScenarioTally merged(tally_shape(scenario, options.keep_runs));
  for (auto& block : finished) merged.add(std::move(*block));
  return merged;
}

}  // namespace shortfall
