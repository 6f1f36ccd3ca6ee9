// The engine over a study: precision-based stopping, common random numbers
// across design points, and stopping and resuming without changing a bit.
#include "sim/engine/study_engine.h"

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/estimators.h"
#include "sim/engine/engine.h"
#include "support/engine_fixture.h"

using namespace shortfall;
using shortfall::testing::noisy_scenario;
using shortfall::testing::require_identical;

namespace {

struct StudyOutcome {
  std::map<int, ScenarioResults> results;
  std::map<int, bool> target_met;
  std::map<int, std::vector<std::uint8_t>>
      shortfall_flags;  // [scenario] -> structure 0's flags by run
  bool complete = false;
};

StudyOutcome run_study(const std::vector<Scenario>& scenarios, int threads,
                       StudyEngineOptions options = {}) {
  StudyOutcome outcome;
  std::mutex mutex;
  options.threads = threads;
  options.keep_blocks = true;  // the flags of every run, below
  options.on_scenario_done = [&](int s, ScenarioResults&& results, bool met,
                                 const ScenarioTally& tally) {
    std::vector<std::uint8_t> flags;
    for (const auto& block : tally.blocks()) {
      flags.insert(flags.end(), block.shortfall_flags.begin(),
                   block.shortfall_flags.begin() + block.run_count());
    }
    std::lock_guard lock(mutex);
    REQUIRE(outcome.results.count(s) == 0);  // once per scenario
    outcome.results.emplace(s, std::move(results));
    outcome.target_met[s] = met;
    outcome.shortfall_flags[s] = std::move(flags);
  };
  outcome.complete = simulate_study(scenarios, options);
  return outcome;
}

// P(shortfall) about 0.32 under the bonus (and near 1 under the others, at
// this fixed seed), so a half-width target of 0.012 is met after about 6,000
// runs: between min_runs and max_runs.
Scenario stopping_scenario(double target_halfwidth) {
  Scenario scenario = noisy_scenario();
  scenario.provider.opening_cash = 1.0e6;
  scenario.simulation.runs = 20000;
  scenario.simulation.target_halfwidth = target_halfwidth;
  scenario.simulation.min_runs = 2000;
  scenario.simulation.max_runs = 20000;
  return scenario;
}

}  // namespace

TEST_CASE("the Wilson half-width and the stopping decision", "[study_engine][stopping]") {
  // Closed form: z sqrt(p(1-p)/n + z^2/(4n^2)) / (1 + z^2/n).
  const double z = 1.959964;
  for (const auto& [k, n] :
       {std::pair<std::int64_t, std::int64_t>{0, 1000}, {37, 1000}, {5000, 10000}}) {
    const double p = static_cast<double>(k) / static_cast<double>(n);
    const double nn = static_cast<double>(n);
    const double expected =
        z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
    CHECK(wilson_halfwidth(k, n) == Approx(expected).epsilon(1e-12));
  }

  SimulationSettings fixed;
  fixed.runs = 3000;
  const std::vector<std::int64_t> none{0, 0};
  CHECK(stopping_decision(fixed, 2000, none) == StopDecision::go_on);
  CHECK(stopping_decision(fixed, 3000, none) == StopDecision::runs_done);

  SimulationSettings precise;
  precise.runs = 100000;
  precise.target_halfwidth = 0.005;
  precise.min_runs = 10000;
  precise.max_runs = 100000;
  // A zero-event start: the Wilson half-width at 0 of 1,000 is 0.0019, within
  // the target, but min_runs holds the run back.
  REQUIRE(wilson_halfwidth(0, 1000) < 0.005);
  CHECK(stopping_decision(precise, 1000, none) == StopDecision::go_on);
  CHECK(stopping_decision(precise, 9000, none) == StopDecision::go_on);
  CHECK(stopping_decision(precise, 10000, none) == StopDecision::target_met);
  // Every structure must be within the target: p = 0.5 needs n = 38,415.
  const std::vector<std::int64_t> mixed{0, 5000};
  CHECK(stopping_decision(precise, 10000, mixed) == StopDecision::go_on);
  const std::vector<std::int64_t> half{0, 19500};
  CHECK(stopping_decision(precise, 39000, half) == StopDecision::target_met);
  const std::vector<std::int64_t> wide{50000, 50000};
  CHECK(stopping_decision(precise, 100000, wide) == StopDecision::target_met);
  precise.target_halfwidth = 0.001;
  CHECK(stopping_decision(precise, 100000, wide) == StopDecision::runs_done);
}

TEST_CASE("precision stopping stops at the first block that meets the target, for any thread count",
          "[study_engine][stopping][reproducibility]") {
  const Scenario stopping = stopping_scenario(0.012);
  // The reference: every block of the scenario without stopping, and the rule
  // walked by hand over the blocks' counts.
  Scenario full = stopping;
  full.simulation.target_halfwidth = 0.0;
  full.simulation.runs = full.simulation.max_runs;
  EngineOptions engine;
  engine.threads = 2;
  engine.keep_blocks = true;
  const ScenarioTally everything = simulate_scenario(full, engine);
  std::vector<std::int64_t> short_runs(3, 0);
  std::int64_t expected_runs = 0;
  for (const auto& block : everything.blocks()) {
    expected_runs += block.run_count();
    bool precise = expected_runs >= stopping.simulation.min_runs;
    for (int s = 0; s < 3; ++s) {
      short_runs[static_cast<std::size_t>(s)] += block.shortfall_count(s);
      const auto [low, high] =
          wilson_interval(short_runs[static_cast<std::size_t>(s)], expected_runs);
      precise = precise && (high - low) / 2.0 <= 0.012;
    }
    if (precise) break;
  }
  INFO("the hand-walked rule stops at " << expected_runs << " runs");
  REQUIRE(expected_runs > stopping.simulation.min_runs);  // the test means something
  REQUIRE(expected_runs < stopping.simulation.max_runs);

  const std::vector<Scenario> study{stopping};
  const auto one = run_study(study, 1);
  const auto two = run_study(study, 2);
  const auto eight = run_study(study, 8);
  REQUIRE(one.complete);
  CHECK(one.results.at(0).runs_done == expected_runs);
  CHECK(one.target_met.at(0));
  require_identical(one.results.at(0), two.results.at(0));
  require_identical(one.results.at(0), eight.results.at(0));

  // A target out of reach stops at max_runs, not met.
  const auto capped = run_study({stopping_scenario(0.001)}, 2);
  CHECK(capped.results.at(0).runs_done == 20000);
  CHECK_FALSE(capped.target_met.at(0));
}

TEST_CASE("a scenario of a sweep with the shared key gives the bits of the scenario run alone",
          "[study_engine][crn]") {
  Scenario base = noisy_scenario();
  base.simulation.runs = 3000;
  std::vector<Scenario> study;
  for (const double cash : {1.0e6, 2.0e6, 3.0e6}) {
    study.push_back(base);
    study.back().provider.opening_cash = cash;
  }
  const auto swept = run_study(study, 2);
  for (std::size_t p = 0; p < study.size(); ++p) {
    EngineOptions alone;
    alone.threads = 1;
    require_identical(swept.results.at(static_cast<int>(p)),
                      simulate_scenario(study[p], alone).finalize());
  }
}

TEST_CASE("common random numbers make paired differences between points precise",
          "[study_engine][crn]") {
  // Two neighbouring points: £0.1m more opening cash, P(shortfall) under the
  // bonus about 0.54 and 0.5. The paired standard error of the difference is
  // much smaller when both points see the same futures.
  Scenario base = noisy_scenario();
  base.simulation.runs = 4000;
  base.provider.opening_cash = 0.5e6;
  const auto paired_se = [&](bool common) {
    std::vector<Scenario> study{base, base};
    study[1].provider.opening_cash = 0.6e6;
    study[0].shock_key = common ? 0 : 1;
    study[1].shock_key = common ? 0 : 2;
    const auto outcome = run_study(study, 2);
    const auto& a = outcome.shortfall_flags.at(0);
    const auto& b = outcome.shortfall_flags.at(1);
    REQUIRE(a.size() == b.size());
    const double n = static_cast<double>(a.size());
    double sum = 0.0, sum_squares = 0.0;
    for (std::size_t j = 0; j < a.size(); ++j) {
      const double d = static_cast<double>(b[j]) - static_cast<double>(a[j]);
      sum += d;
      sum_squares += d * d;
    }
    const double mean = sum / n;
    return std::sqrt((sum_squares - n * mean * mean) / (n - 1.0) / n);
  };
  const double with_crn = paired_se(true);
  const double without = paired_se(false);
  INFO("paired s.e. with CRN " << with_crn << ", without " << without);
  // Independent points: s.e. ~ sqrt((p1 q1 + p2 q2) / n) ~ 0.011; with CRN
  // only the runs whose lowest cash falls between the two openings differ,
  // about 5 % of them: s.e. ~ sqrt(0.05 / n) ~ 0.0035. Measured 0.0036
  // against 0.0113 at this fixed seed; a factor 3 is the claim.
  CHECK(with_crn * 3.0 < without);
}

TEST_CASE("a stopped study resumes from its saved blocks to the same bits",
          "[study_engine][resume][reproducibility]") {
  // About 35 blocks of 1,000 runs: the last stop below (after 13 merged
  // blocks) must leave more work than the threads can have in flight, or a
  // loaded machine finishes the study before the stop is seen.
  Scenario base = noisy_scenario();
  base.simulation.runs = 10000;
  std::vector<Scenario> study;
  for (const double cash : {0.5e6, 1.5e6, 2.5e6, 3.5e6}) {
    study.push_back(base);
    study.back().provider.opening_cash = cash;
  }
  study[2].simulation.target_halfwidth = 0.02;  // one stops on precision
  study[2].simulation.min_runs = 1000;
  study[2].simulation.max_runs = 10000;
  const auto uninterrupted = run_study(study, 2);
  REQUIRE(uninterrupted.complete);

  for (const int stop_after : {1, 6, 13}) {
    INFO("stop after " << stop_after << " merged blocks");
    // Stop after some blocks have merged; keep what the run hands over.
    std::atomic<bool> stop{false};
    std::atomic<int> merged{0};
    std::mutex mutex;
    std::map<int, std::vector<BlockTally>> saved;
    StudyEngineOptions first;
    first.stop_requested = &stop;
    first.on_progress = [&](std::int64_t) {
      if (++merged >= stop_after) stop = true;
    };
    first.on_unfinished_block = [&](int s, const BlockTally& block) {
      std::lock_guard lock(mutex);
      saved[s].push_back(block);
    };
    const auto part = run_study(study, 2, first);
    REQUIRE_FALSE(part.complete);

    // Resume: skip the finished scenarios, merge the saved blocks.
    StudyEngineOptions second;
    second.finished.assign(study.size(), false);
    for (const auto& [s, results] : part.results)
      second.finished[static_cast<std::size_t>(s)] = true;
    second.saved_blocks = [&](int s) {
      auto found = saved.find(s);
      return found == saved.end() ? std::vector<BlockTally>{} : std::move(found->second);
    };
    const auto rest = run_study(study, 1, second);
    REQUIRE(rest.complete);
    for (int s = 0; s < static_cast<int>(study.size()); ++s) {
      const auto& resumed = part.results.count(s) ? part.results.at(s) : rest.results.at(s);
      require_identical(uninterrupted.results.at(s), resumed);
    }
  }
}
