// The engine: work units, the parallel loop and the ordered merge.
//
// Work is cut into units of (scenario, block of runs). A unit's result
// depends only on its identity: its runs draw from counter-based streams
// addressed by run number. Units run in parallel under TBB; their tallies
// are merged in unit order, so the results are the same bits for any thread
// count, and later for any rank count, shard split or resumed run.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "analysis/tally.h"
#include "models/provider_run.h"
#include "models/scenario.h"
#include "random_streams.h"

namespace shortfall {

// Runs per work unit. Fixed (not derived from the thread count) so that
// block boundaries, and with them the order of every sum, never change.
inline constexpr int k_runs_per_block = 1000;

struct WorkUnit {
  int scenario = 0;
  std::int64_t block = 0;
  std::int64_t first_run = 0;
  int run_count = 0;
};

// The units of one scenario's runs 0..runs-1, in block order.
std::vector<WorkUnit> plan_work_units(int scenario, std::int64_t runs,
                                      int runs_per_block = k_runs_per_block);

// The random draws of one run (MODEL.md section 8), from counter-based
// streams in the layout of sim/random_streams.h: the standard normal shocks
// of every month, and the binomial measurement draws, which every structure
// takes from the same stream of (run, period, indicator). The opening blocks
// are computed once per run; buffers are sized once and reused run after run.
class RunDraws final : public MeasurementSampler {
 public:
  // The streams are keyed by the scenario's seed and shock key.
  explicit RunDraws(const Scenario& scenario);

  // Draws run `run`'s shocks, and the first block of each measurement
  // stream, which all structures then share.
  void draw(std::uint64_t run);
  const RunShocks& shocks() const { return shocks_; }

  // Y ~ Binomial(cases, probability) from the stream of (run, period, indicator).
  int cases_met(int period, int indicator, int cases, double probability) override;

 private:
  RandomStream measurement_stream(int period, int indicator) const;

  StreamKey key_;
  std::uint64_t run_ = 0;
  int months_;
  int indicators_;
  int periods_;
  int indicator_groups_;  // opening blocks of performance shocks per month: ceil(K / 4)
  RunShocks shocks_;
  std::vector<PhiloxBlock> measurement_blocks_;  // [P][K]: first blocks of the measurement streams
};

// Simulates one unit: every run of the block under every structure.
BlockTally simulate_block(const Scenario& scenario, const ProviderRunModel& model,
                          const WorkUnit& unit, bool keep_runs);

struct EngineOptions {
  int threads = 0;  // 0: all cores
  bool keep_runs = false;
  // Called from worker threads with the number of run-structures just
  // finished; must be thread-safe and cheap.
  std::function<void(std::int64_t)> on_progress;
};

// Simulates all runs of one scenario and merges the blocks in order.
ScenarioTally simulate_scenario(const Scenario& scenario, const EngineOptions& options);

TallyShape tally_shape(const Scenario& scenario, bool keep_runs);

// The scenario's statistics, the per-month cash quantiles spread over
// `threads` (0: all cores). The same bits for any thread count.
ScenarioResults finalize_scenario(const ScenarioTally& tally, int threads);

}  // namespace shortfall
