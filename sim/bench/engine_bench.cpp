// scripts/bench: run-structures per second per thread on a scenario, beside
// the floor - the time to draw the same random variates alone.
//
// The floor draws, per run, every standard normal the engine draws (demand
// and cost per month, performance per month and indicator) and, per
// structure, every binomial measurement draw, with a probability that
// changes from draw to draw as it does in the engine. The engine cannot be
// faster than its draws; the ratio engine / floor says how much of the run
// time is the model itself.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "sim/engine/engine.h"
#include "sim/input/scenario_loader.h"

using namespace shortfall;

namespace {

// Wall time by default. With --cpu-time, the process's CPU time instead:
// on a machine shared with other jobs it leaves out the time the process
// waits for a core, so one-thread comparisons are steadier (it still counts
// slow-downs from shared caches). Two-thread figures are always wall time.
bool g_cpu_time = false;

double now_seconds(bool wall) {
  if (!wall && g_cpu_time) {
    timespec time{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
    return static_cast<double>(time.tv_sec) + 1e-9 * static_cast<double>(time.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Clock {
  using time_point = double;
  static double now() { return now_seconds(false); }
};

double seconds_since(double start) { return Clock::now() - start; }

struct FloorTiming {
  double seconds = 0.0;  // normals + binomials
  double normal_seconds = 0.0;
  double binomial_seconds = 0.0;
  std::int64_t normals = 0;
  std::int64_t binomials = 0;
  double checksum = 0.0;  // keeps the draws from being optimised away
};

FloorTiming time_random_variates_alone(const Scenario& scenario, std::int64_t runs) {
  const int months = scenario.simulation.horizon_months;
  const int indicators = scenario.indicator_count();
  const int period_months = scenario.contract.assessment_months;
  RunDraws draws(scenario);
  FloorTiming timing;
  // The normals (and the measurement streams' first blocks) alone, then
  // again with the binomials: no clock reads inside the loops.
  const double normals_start = Clock::now();
  for (std::int64_t r = 0; r < runs; ++r) {
    draws.draw(static_cast<std::uint64_t>(r));
    timing.checksum += draws.shocks().performance[0];
  }
  timing.normal_seconds = seconds_since(normals_start);
  // The binomials as the kernel draws them: a period's indicators of every
  // structure in one call.
  std::vector<MeasurementSampler::Draw> period_draws;
  std::vector<int> met(static_cast<std::size_t>(indicators * scenario.structure_count()));
  const double start = Clock::now();
  for (std::int64_t r = 0; r < runs; ++r) {
    draws.draw(static_cast<std::uint64_t>(r));  // every normal, and the measurement streams' first blocks
    timing.checksum += draws.shocks().performance[0];
    for (int period = 1; period <= months / period_months; ++period) {
      period_draws.clear();
      for (int s = 0; s < scenario.structure_count(); ++s) {
        for (int i = 0; i < indicators; ++i) {
          const auto& indicator = scenario.indicators[static_cast<std::size_t>(i)];
          if (indicator.cases_per_month == 0) continue;
          // A probability that differs in every draw, near the baseline.
          const double probability =
              indicator.baseline * (1.0 - 1e-3 * static_cast<double>((r + s + period) % 17));
          period_draws.push_back({i, indicator.cases_per_month * period_months, probability});
        }
      }
      draws.cases_met(period, period_draws, std::span<int>(met.data(), period_draws.size()));
      for (std::size_t d = 0; d < period_draws.size(); ++d) timing.checksum += met[d];
      timing.binomials += static_cast<std::int64_t>(period_draws.size());
    }
  }
  timing.seconds = seconds_since(start);
  timing.binomial_seconds = timing.seconds - timing.normal_seconds;
  timing.normals = runs * months * (2 + indicators);
  return timing;
}

double time_engine(const Scenario& scenario, int threads) {
  EngineOptions options;
  options.threads = threads;
  const bool wall = threads > 1;
  const double start = now_seconds(wall);
  const auto tally = simulate_scenario(scenario, options);
  const auto results = finalize_scenario(tally, threads);
  const double elapsed = now_seconds(wall) - start;
  if (results.runs_done != scenario.simulation.runs) std::fputs("bench: runs missing\n", stderr);
  return elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shortfall_bench: engine speed against the floor of its random draws"};
  std::string scenario_path = "scenarios/struggling-trust.toml";
  std::int64_t runs = 30000;
  std::vector<int> thread_counts{1, 2};
  int repeats = 3;
  app.add_option("scenario", scenario_path, "scenario file");
  app.add_option("--runs", runs, "runs per measurement")->check(CLI::PositiveNumber);
  app.add_option("--threads", thread_counts, "thread counts to measure")->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "best of this many timings")->check(CLI::PositiveNumber);
  app.add_flag("--cpu-time", g_cpu_time,
               "time the floor and one thread by the process's CPU time, not wall time "
               "(steadier on a shared machine)");
  CLI11_PARSE(app, argc, argv);

  try {
    auto scenario = load_scenario_file(scenario_path, {}).scenario;
    scenario.simulation.runs = runs;
    const auto run_structures = static_cast<double>(runs * scenario.structure_count());
    std::printf("scenario: %s\n", scenario_path.c_str());
    std::printf("  %d indicators, %d months, assessment every %d months, %d structures, stress penalty %g\n",
                scenario.indicator_count(), scenario.simulation.horizon_months,
                scenario.contract.assessment_months, scenario.structure_count(),
                scenario.provider.stress_penalty);
    std::printf("  %lld runs: %.0f run-structures per measurement, best of %d%s\n\n",
                static_cast<long long>(runs), run_structures, repeats,
                g_cpu_time ? ", one thread timed by CPU time" : "");

    FloorTiming floor;
    floor.seconds = 1e300;
    for (int k = 0; k < repeats; ++k) {
      const auto timing = time_random_variates_alone(scenario, runs);
      if (timing.seconds < floor.seconds) floor = timing;
    }
    const double floor_rate = run_structures / floor.seconds;
    std::printf("floor, 1 thread (random variates alone): %10.0f run-structures/s\n", floor_rate);
    std::printf("  %.2f us a run for its %lld normals and the first Philox block of each measurement stream\n",
                1e6 * floor.normal_seconds / static_cast<double>(runs),
                static_cast<long long>(floor.normals / runs));
    std::printf("  %.1f ns per binomial (%lld a run)\n",
                1e9 * floor.binomial_seconds / static_cast<double>(floor.binomials),
                static_cast<long long>(floor.binomials / runs));

    double one_thread_rate = 0.0;
    for (const int threads : thread_counts) {
      double best = 1e300;
      for (int k = 0; k < repeats; ++k) best = std::min(best, time_engine(scenario, threads));
      const double rate = run_structures / best;
      if (threads == 1) one_thread_rate = rate;
      std::printf("engine, %d thread%s: %10.0f run-structures/s (%.0f per thread)", threads,
                  threads == 1 ? " " : "s", rate, rate / threads);
      if (threads == 1) std::printf(", %.2f x the floor's time", floor_rate / rate);
      if (threads > 1 && one_thread_rate > 0) std::printf(", %.2f x one thread", rate / one_thread_rate);
      std::printf("\n");
    }
    std::printf("(checksum %g)\n", floor.checksum);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "shortfall_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
