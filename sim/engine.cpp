#include "engine.h"

#include <algorithm>
#include <optional>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace shortfall {

namespace {

// Binomial measurement draws from the stream of (run, period, indicator):
// every structure restarts the same stream, so equal probabilities give
// equal counts and unequal ones share their uniforms.
class StreamMeasurementSampler final : public MeasurementSampler {
 public:
  StreamMeasurementSampler(const StreamKey& key, std::uint64_t run) : key_(key), run_(run) {}
  int cases_met(int period, int indicator, int cases, double probability) override {
    RandomStream stream(key_, {run_, 0, static_cast<std::uint32_t>(period),
                               static_cast<std::uint32_t>(indicator), Purpose::measurement});
    return binomial(stream, cases, probability);
  }

 private:
  StreamKey key_;
  std::uint64_t run_;
};

int thread_count(int requested) {
  return requested > 0 ? requested : tbb::this_task_arena::max_concurrency();
}

StreamKey stream_key(const Scenario& scenario) {
  return {scenario.simulation.seed, scenario.shock_key};
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

void draw_run_shocks(const StreamKey& key, std::uint64_t run, int months, int indicators,
                     RunShocks& shocks) {
  for (int t = 1; t <= months; ++t) {
    const auto month = static_cast<std::uint32_t>(t);
    const auto slot = static_cast<std::size_t>(t - 1);
    RandomStream demand(key, {run, 0, month, 0, Purpose::demand});
    shocks.demand[slot] = standard_normal(demand);
    RandomStream cost(key, {run, 0, month, 0, Purpose::cost});
    shocks.cost[slot] = standard_normal(cost);
    for (int i = 0; i < indicators; ++i) {
      RandomStream performance(key, {run, 0, month, static_cast<std::uint32_t>(i), Purpose::performance});
      shocks.performance[slot * static_cast<std::size_t>(indicators) + static_cast<std::size_t>(i)] =
          standard_normal(performance);
    }
  }
}

TallyShape tally_shape(const Scenario& scenario, bool keep_runs) {
  return {scenario.structure_count(), scenario.simulation.horizon_months,
          scenario.indicator_count(), keep_runs};
}

BlockTally simulate_block(const Scenario& scenario, const ProviderRunModel& model,
                          const WorkUnit& unit, bool keep_runs) {
  const int months = model.months();
  const int indicators = model.indicator_count();
  const auto key = stream_key(scenario);
  BlockTally tally(tally_shape(scenario, keep_runs), unit.first_run, unit.run_count);
  RunShocks shocks;
  shocks.demand.resize(static_cast<std::size_t>(months));
  shocks.cost.resize(static_cast<std::size_t>(months));
  shocks.performance.resize(static_cast<std::size_t>(months * indicators));
  auto work = model.make_workspace();
  const auto month_count = static_cast<std::size_t>(months);
  const auto indicator_count = static_cast<std::size_t>(indicators);
  for (int j = 0; j < unit.run_count; ++j) {
    const auto run = static_cast<std::uint64_t>(unit.first_run + j);
    draw_run_shocks(key, run, months, indicators, shocks);
    StreamMeasurementSampler sampler(key, run);
    model.simulate(shocks, sampler, work);
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
  const int workers = thread_count(threads);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(workers));
  tbb::task_arena arena(workers);
  ScenarioResults results;
  arena.execute([&] {
    results = tally.finalize([](std::size_t count, const std::function<void(std::size_t)>& body) {
      tbb::parallel_for(std::size_t{0}, count, body);
    });
  });
  return results;
}

ScenarioTally simulate_scenario(const Scenario& scenario, const EngineOptions& options) {
  const ProviderRunModel model(scenario);
  const auto units = plan_work_units(0, scenario.simulation.runs);
  std::vector<std::optional<BlockTally>> finished(units.size());
  const int threads = thread_count(options.threads);
  // More threads than cores is allowed (--threads 8 on 2 cores): lift TBB's
  // default cap for the duration of the run.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, units.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (auto u = range.begin(); u != range.end(); ++u) {
                          finished[u] = simulate_block(scenario, model, units[u], options.keep_runs);
                          if (options.on_progress) {
                            options.on_progress(std::int64_t{units[u].run_count} * model.structure_count());
                          }
                        }
                      });
  });
  // The merge is in block order, whatever order the blocks finished in.
  ScenarioTally merged(tally_shape(scenario, options.keep_runs));
  for (auto& block : finished) merged.add(std::move(*block));
  return merged;
}

}  // namespace shortfall
