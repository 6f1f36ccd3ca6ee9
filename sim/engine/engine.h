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
#include <optional>
#include <vector>

#include "analysis/tally.h"
#include "models/network_run.h"
#include "models/provider_run.h"
#include "models/scenario.h"
#include "sim/engine/binomial_batch.h"
#include "sim/engine/binomial_sampler.h"
#include "sim/engine/philox_batch.h"
#include "sim/engine/random_streams.h"

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

// The random draws of one run (docs/model.md section 8), from counter-based
// streams in the layout of sim/engine/random_streams.h: the standard normal shocks
// of every month, and the binomial measurement draws, which every structure
// takes from the same stream of (run, period, indicator). The opening blocks
// are computed once per run; buffers are sized once and reused run after run.
class RunDraws final : public MeasurementSampler {
 public:
  // The streams are keyed by the scenario's seed and shock key. A network
  // draws one RunDraws per provider (`holder` = its position) and, when it
  // has alliance-wide indicators, one more for them (`holder` = the
  // provider count), whose streams carry that number as their provider.
  explicit RunDraws(const Scenario& scenario, int holder = 0);

  // Draws run `run`'s shocks, and the first block of each measurement
  // stream, which all structures then share.
  void draw(std::uint64_t run);
  const RunShocks& shocks() const { return shocks_; }

  // Y ~ Binomial(cases, probability) from the stream of (run, period, indicator).
  int cases_met(int period, int indicator, int cases, double probability) override;
  // A period's draws together, side by side on the AVX-512 path
  // (binomial_batch.h): the same counts as one at a time.
  void cases_met(int period, std::span<const Draw> draws, std::span<int> met) override;

 private:
  // One standard normal of a run: where its opening word is, its stream's
  // address (but for the run) and where its value goes.
  struct NormalSlot {
    std::size_t block = 0;
    int word = 0;
    StreamAddress address;
    std::vector<double> RunShocks::*shocks = nullptr;
    std::size_t position = 0;
  };

  // The counters of every block draw() opens, but for the run (set there),
  // and the normals they open.
  void add_run_blocks();
  RandomStream measurement_stream(int period, int indicator) const;
  // The sampler for `cases` of stream indicator `indicator`, built on first use.
  const BinomialSampler& sampler_for(int indicator, int cases);

  StreamKey key_;
  std::uint32_t provider_;
  std::uint64_t run_ = 0;
  int months_;
  int indicators_;
  int periods_;
  int demand_processes_;  // one per segment; 0 for alliance-wide indicators (no cash)
  int indicator_groups_;  // opening blocks of performance shocks per month: ceil(K / 4)
  RunShocks shocks_;
  std::vector<std::optional<BinomialSampler>> samplers_;  // [K]
  std::vector<BinomialDraw> batch_;  // a period's draws, reused
  Isa isa_;             // the path that computes the run's blocks (philox_batch.h)
  // Every block a run opens, computed side by side; the measurement
  // streams' first blocks come first, [P][K].
  PhiloxBatch blocks_;
  std::vector<NormalSlot> normals_;  // in the order of their opening blocks
  // Reused by draw(): each normal's opening word, its value from the
  // vector path, and the normals that path left to the scalar ziggurat.
  std::vector<std::uint64_t> opening_words_;
  std::vector<double> normal_values_;
  std::vector<std::uint32_t> undecided_;
};

// A scenario's kernel, built once and shared by the threads: the
// single-provider kernel (docs/model.md 2-6, the hot path kept lean), or the
// network kernel for several providers or a segmented contract.
class ScenarioModel {
 public:
  explicit ScenarioModel(const Scenario& scenario);
  const ProviderRunModel* single() const { return single_ ? &*single_ : nullptr; }
  const NetworkRunModel* network() const { return network_ ? &*network_ : nullptr; }

 private:
  std::optional<ProviderRunModel> single_;
  std::optional<NetworkRunModel> network_;
};

// Simulates one unit: every run of the block under every structure (and,
// in a network, for every provider: the tally's columns, TallyShape).
BlockTally simulate_block(const Scenario& scenario, const ScenarioModel& model,
                          const WorkUnit& unit, bool keep_runs);

struct EngineOptions {
  int threads = 0;  // 0: all cores
  bool keep_runs = false;
  bool keep_blocks = false;  // the tally keeps every block (keep_runs does too)
  // Called from worker threads with the number of run-structures just
  // finished; must be thread-safe and cheap.
  std::function<void(std::int64_t)> on_progress;
};

// Simulates all runs of one scenario and merges the blocks in order.
ScenarioTally simulate_scenario(const Scenario& scenario, const EngineOptions& options);

TallyShape tally_shape(const Scenario& scenario, bool keep_runs);

// The tally's columns: structures x providers. Progress and work estimates
// count a run of one column as one run-structure.
inline int tally_columns(const Scenario& scenario) {
  return scenario.structure_count() * scenario.provider_count();
}

// The scenario's statistics, the per-month cash quantiles spread over
// `threads` (0: all cores). The same bits for any thread count.
ScenarioResults finalize_scenario(const ScenarioTally& tally, int threads);

}  // namespace shortfall
