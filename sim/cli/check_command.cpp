#include "sim/cli/check_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "sim/cli/horizon_warnings.h"
#include "sim/cli/overflow_message.h"
#include "sim/cli/randomness_warnings.h"
#include "sim/cli/study_loading.h"
#include "sim/engine/errors.h"
#include "sim/engine/engine.h"
#include "sim/engine/memory_budget.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

namespace {

// Run-structures of a scenario run to its most runs.
std::int64_t work_of(const Scenario& scenario) {
  return scenario.simulation.most_runs() * tally_columns(scenario);
}

// Run-structures a second on one thread, from a few short blocks spread over
// the design; 0 when too quick to time. Throws InputError when the study
// overflows double precision: it cannot be run, so it is not valid.
double calibrate(const LoadedStudy& study, const std::string& path, std::size_t& samples) {
  constexpr int k_calibration_runs = 64;
  const auto points = study.scenarios.size();
  samples = std::min<std::size_t>(points, 3);
  std::int64_t calibrated = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < samples; ++i) {
    const std::size_t p = samples == 1 ? 0 : i * (points - 1) / (samples - 1);
    const Scenario& scenario = study.scenarios[p];
    const ScenarioModel model(scenario);
    const int runs = static_cast<int>(
        std::min<std::int64_t>(k_calibration_runs, scenario.simulation.most_runs()));
    try {
      simulate_block(scenario, model, WorkUnit{static_cast<int>(p), 0, 0, runs}, false);
    } catch (NonFiniteRunValue& overflow) {
      overflow.scenario = static_cast<int>(p);  // as the engine places it for `run`
      throw InputError(overflow_message(study, overflow, path));
    }
    calibrated += std::int64_t{runs} * tally_columns(scenario);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return seconds > 0 ? static_cast<double>(calibrated) / seconds : 0.0;
}

}  // namespace

int check_study(const CheckRequest& request) {
  const std::string& path = request.path;
  const int threads = request.threads;
  const LoadedStudy study = load_study_file(path, request.overrides, request.sweeps);
  std::size_t samples = 0;
  const double per_thread = calibrate(study, path, samples);
  print_warnings(study.warnings);
  print_warnings(horizon_warnings(study.scenarios, path));
  print_warnings(no_randomness_warnings(study.scenarios, path));
  std::fputs(study.resolved_toml.c_str(), stdout);

  const Scenario& first = study.scenarios.front();
  std::int64_t work = 0;
  for (const auto& scenario : study.scenarios) work += work_of(scenario);
  const auto points = study.scenarios.size();
  std::fprintf(stdout,
               "\n# %s is valid: %zu design point%s%s, %d structures%s, %s%lld runs each: %s%lld "
               "run-structures\n",
               path.c_str(), points, points == 1 ? "" : "s",
               study.mode.empty() ? ""
                                  : fmt::format(" ({}, common random numbers {})", study.mode,
                                                study.common_random_numbers ? "on" : "off")
                                        .c_str(),
               first.structure_count(),
               first.provider_count() > 1
                   ? fmt::format(" x {} providers", first.provider_count()).c_str()
                   : "",
               first.simulation.stops_on_precision() ? "up to " : "",
               static_cast<long long>(first.simulation.most_runs()),
               first.simulation.stops_on_precision() ? "up to " : "", static_cast<long long>(work));
  std::fprintf(stdout, "# memory: about %s at the peak, of %s this process may use\n",
               format_bytes(peak_memory_estimate(study.scenarios, KeptPerRun::nothing, threads)).c_str(),
               format_bytes(available_memory()).c_str());
  const int cores =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (per_thread > 0) {
    const double estimate = static_cast<double>(work) / (per_thread * cores);
    std::fprintf(
        stdout,
        "# estimated run time: %s%.0f s on %d threads (calibrated at %.0f run-structures/s "
        "per thread on %zu point%s; assumes threads scale linearly)\n",
        first.simulation.stops_on_precision() ? "at most " : "", std::ceil(estimate), cores,
        per_thread, samples, samples == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace shortfall
