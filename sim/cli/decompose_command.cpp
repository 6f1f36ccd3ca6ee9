#include "sim/cli/decompose_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "analysis/decomposition.h"
#include "analysis/decomposition_table.h"
#include "analysis/results_file.h"
#include "models/comparators.h"
#include "sim/cli/interrupt.h"
#include "sim/cli/output_lock.h"
#include "sim/cli/output_path.h"
#include "sim/cli/overflow_message.h"
#include "sim/cli/progress.h"
#include "sim/cli/results_metadata.h"
#include "sim/cli/study_loading.h"
#include "sim/engine/cluster.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/engine/memory_budget.h"
#include "sim/engine/pilot.h"
#include "sim/engine/study_engine.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// One scenario with at least two structures, or a message saying why not.
void require_decomposable(const LoadedStudy& study, const std::string& source) {
  if (study.scenarios.size() > 1) {
    throw InputError(fmt::format(
        "{}: decompose takes a single scenario, and this file's [sweep] has {} design points "
        "(swept: {}); decompose one point from a copy of the file without [sweep]",
        source, study.scenarios.size(), fmt::join(study.swept_keys, ", ")));
  }
  const auto& structures = study.scenarios.front().main_contract().structures;
  if (structures.size() < 2) {
    throw InputError(fmt::format(
        "{}: contract.structures = [\"{}\"] has one structure; decompose compares each structure "
        "with the reference (the bonus, or the first structure), so it needs at least two",
        source, structures.front().name));
  }
}

// The tally columns of structure s at provider p, and of its comparators.
std::vector<std::vector<ComparedColumns>> compared_columns(const Scenario& scenario) {
  const auto& structures = scenario.main_contract().structures;
  const ComparatorColumns columns(static_cast<int>(structures.size()),
                                  reference_structure(structures));
  const int providers = scenario.provider_count();
  std::vector<std::vector<ComparedColumns>> compared(structures.size());
  for (int s = 0; s < columns.structures; ++s) {
    for (int p = 0; p < providers; ++p) {
      // Tally columns are (structure, provider), structure-major.
      const auto column = [&](int structure) { return structure * providers + p; };
      const auto index = static_cast<std::size_t>(s);
      compared[index].push_back({column(s), column(columns.reference),
                                 s == columns.reference ? -1 : column(columns.flat[index]),
                                 s == columns.reference ? -1 : column(columns.outcomes_of_reference[index])});
    }
  }
  return compared;
}

DecompositionLabels labels_of(const LoadedStudy& study) {
  const Scenario& scenario = study.scenarios.front();
  DecompositionLabels labels{study.title, scenario.simulation.seed,
                             scenario.simulation.horizon_months, {}, {}};
  for (const auto& structure : scenario.main_contract().structures) {
    labels.structures.push_back(structure.name);
  }
  if (scenario.network.model != NetworkModel::single) {
    for (int p = 0; p < scenario.provider_count(); ++p) {
      labels.providers.push_back(scenario.provider_setup(p).id);
    }
  }
  return labels;
}

// The study as the engine runs it: its scenario with the comparators, so an
// overflow names the comparator it happened under.
LoadedStudy with_comparators_study(const LoadedStudy& study, const Scenario& augmented) {
  LoadedStudy named = study;
  named.scenarios = {augmented};
  return named;
}

}  // namespace

std::vector<Scenario> decomposition_scenarios_from_text(const std::string& study_text) {
  const LoadedStudy study = load_study_text(study_text, "the scenario of rank 0");
  const Scenario& scenario = study.scenarios.front();
  const auto earned = pilot_earned_fractions(scenario, scenario.simulation.pilot_runs, 0);
  return {with_comparators(scenario, earned)};
}

int decompose_scenario(const DecomposeRequest& request, const std::string& command_line) {
  if (request.scenario_path.empty()) {
    throw InputError("decompose: give a scenario file (shortfall decompose SCENARIO.toml)");
  }
  const auto started = std::chrono::steady_clock::now();
  const StudyOptions options{request.overrides, request.runs, request.seed};
  const LoadedStudy study = load_with_options(options, [&](const std::vector<std::string>& overrides) {
    return load_study_file(request.scenario_path, overrides);
  });
  require_decomposable(study, request.scenario_path);
  print_warnings(study.warnings);
  const fs::path output = request.output_path;
  // One writer per results file (output_lock.h): a run or another
  // decomposition writing the same file refuses this one, and the other way.
  std::optional<OutputLock> output_lock;
  if (!output.empty()) {
    check_output_path(output, request.force);
    output_lock.emplace(output);
  }

  const Scenario& scenario = study.scenarios.front();
  std::vector<std::vector<double>> earned;
  try {
    earned = pilot_earned_fractions(scenario, scenario.simulation.pilot_runs, request.threads);
  } catch (const NonFiniteRunValue& overflow) {
    NonFiniteRunValue in_scenario = overflow;
    in_scenario.scenario = 0;  // the pilot's runs are the scenario's own structures
    throw InputError(overflow_message(study, in_scenario, request.scenario_path + " (pilot)"));
  }
  const std::vector<Scenario> augmented{with_comparators(scenario, earned)};
  require_memory_for(augmented, KeptPerRun::values, request.threads, request.scenario_path);

  // The other ranks of an MPI job build the same scenario from the text.
  start_worker_ranks(0, study.resolved_toml, false, request.threads);
  std::mutex done_mutex;
  std::optional<ScenarioResults> results;
  std::optional<Decomposition> decomposition;
  bool target_met = false;
  const auto compared = compared_columns(scenario);
  const int reference = reference_structure(scenario.main_contract().structures);
  ProgressReporter progress(augmented.front().simulation.most_runs() * tally_columns(augmented.front()),
                            !request.quiet);
  InterruptHandler interrupt;
  StudyEngineOptions engine;
  engine.threads = request.threads;
  engine.keep_blocks = true;  // the paired per-run differences (analysis/decomposition.h)
  engine.on_scenario_done = [&](int, ScenarioResults&& done, bool met, const ScenarioTally& tally) {
    Decomposition parts =
        decompose(tally, done, reference, compared, earned, scenario.simulation.pilot_runs);
    const std::lock_guard lock(done_mutex);
    results = own_structures(done, scenario.structure_count());
    decomposition = std::move(parts);
    target_met = met;
  };
  engine.on_progress = [&progress](std::int64_t done) { progress.add(done); };
  engine.on_work_dropped = [&progress](std::int64_t dropped) { progress.drop(dropped); };
  engine.stop_requested = &interrupt.stop_requested();
  bool complete = false;
  try {
    complete = simulate_study(augmented, engine);
  } catch (const NonFiniteRunValue& overflow) {
    throw InputError(
        overflow_message(with_comparators_study(study, augmented.front()), overflow, request.scenario_path));
  }
  progress.finish();
  if (!complete) {
    std::fprintf(stderr, "shortfall: %s: stopped; nothing was written\n", interrupt.signal_name());
    return 2;
  }

  const DecompositionLabels labels = labels_of(study);
  const std::string printed = request.json ? format_decomposition_json(*decomposition, labels)
                                           : format_decomposition_table(*decomposition, labels);
  std::fputs(printed.c_str(), stdout);
  if (output.empty()) return 0;

  ResultsData data;
  data.meta = describe_run(study, command_line);
  data.meta.complete = 1;
  data.meta.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  data.scenarios = {*results};
  data.decompositions = {*decomposition};
  if (scenario.simulation.stops_on_precision()) data.target_met = {target_met ? 1 : 0};
  try {
    write_results_file(output, data);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
  if (!request.json) std::printf("\nresults: %s\n", output.c_str());
  return 0;
}

}  // namespace shortfall
