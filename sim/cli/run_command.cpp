#include "sim/cli/run_command.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "analysis/results_file.h"
#include "sim/cli/output_on_disk.h"
#include "sim/cli/output_path.h"
#include "sim/cli/overflow_message.h"
#include "sim/cli/randomness_warnings.h"
#include "sim/cli/results_io.h"
#include "sim/cli/run_plan.h"
#include "sim/cli/study_loading.h"
#include "sim/cli/study_run.h"
#include "sim/engine/checkpoint.h"
#include "sim/engine/cluster.h"
#include "sim/engine/errors.h"
#include "sim/engine/memory_budget.h"
#include "sim/engine/shard.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// --extend takes everything from the file: options that would change the
// study, or name another file, are refused rather than ignored.
void check_run_options(const RunRequest& request) {
  if (request.extend_path.empty()) {
    if (request.scenario_path.empty()) {
      throw InputError("run: give a scenario file (shortfall run SCENARIO.toml), or --extend FILE");
    }
    if (request.target_halfwidth) {
      throw InputError(fmt::format(
          "run: --target-halfwidth continues a finished file (with --extend FILE); for a new run "
          "use --set simulation.target_halfwidth={}",
          *request.target_halfwidth));
    }
    return;
  }
  const std::vector<std::pair<bool, const char*>> refused{
      {!request.scenario_path.empty(),
       "a scenario file (the scenario comes from the results file)"},
      {!request.output_path.empty(), "-o (the results file is extended in place)"},
      {request.seed.has_value(), "--seed (the seed comes from the results file)"},
      {!request.overrides.empty(), "--set (the scenario comes from the results file)"},
      {!request.sweeps.empty(), "--sweep (the scenario comes from the results file)"},
      {request.resume, "--resume (an interrupted --extend continues when run again)"},
      {request.shard.has_value(), "--shard"},
      {request.force, "--force"}};
  for (const auto& [given, what] : refused) {
    if (given)
      throw InputError(
          fmt::format("run --extend {}: cannot be combined with {}", request.extend_path, what));
  }
}

StudyOptions study_options(const RunRequest& request) {
  return {request.overrides, request.runs, request.seed};
}

// --extend FILE: the study of a finished results file, with --runs N (the
// new total, not fewer than the file's). A fresh run with more runs keeps
// what the file kept, so `request.keep_runs` follows the file.
LoadedStudy load_extended_study(RunRequest& request, const fs::path& file) {
  const ResultsData extended = read_results_input(file);
  if (extended.meta.complete != 1) {
    throw InputError(fmt::format(
        "{}: cannot extend an unfinished run; continue it with --resume first", file.string()));
  }
  if (!request.runs && !request.target_halfwidth)
    throw InputError(fmt::format(
        "{}: --extend needs --runs N, the new number of runs, or --target-halfwidth H",
        file.string()));
  if (request.runs && *request.runs < extended.meta.runs) {
    throw InputError(
        fmt::format("{}: --runs {} is below the file's {} runs; --extend only adds runs",
                    file.string(), *request.runs, extended.meta.runs));
  }
  request.keep_runs = request.keep_runs || extended.has_kept_runs;
  const std::string source = file.string() + " (scenario_toml)";
  StudyOptions options = study_options(request);
  // A tighter target goes through the scenario's own checks, like --set.
  if (request.target_halfwidth)
    options.overrides.push_back("simulation.target_halfwidth=" + *request.target_halfwidth);
  return load_with_options(options, [&](const std::vector<std::string>& overrides) {
    return load_study_text(extended.meta.scenario_toml, source, overrides);
  });
}

std::string format_version_text() {
  return fmt::format("results {}.{}; checkpoint {}", k_format_version_major, k_format_version_minor,
                     k_checkpoint_format_version);
}

// What this run is, for its saved state: a shard's saved state continues
// only that shard.
RunIdentity identity_of(const LoadedStudy& study, bool keep_runs,
                        const std::optional<ShardSpec>& shard) {
  RunIdentity identity{study.resolved_toml, study.scenarios.front().simulation.seed, keep_runs,
                       static_cast<int>(study.scenarios.size()), format_version_text()};
  if (shard) identity.format_version += fmt::format("; shard {}/{}", shard->index, shard->count);
  return identity;
}

// The command that continues an interrupted run.
std::string continue_command(const RunRequest& request, const fs::path& output,
                             const std::optional<ShardSpec>& shard) {
  if (!request.extend_path.empty()) {
    return fmt::format("shortfall run --extend {}{}{}", output.string(),
                       request.runs ? fmt::format(" --runs {}", *request.runs) : "",
                       request.target_halfwidth
                           ? fmt::format(" --target-halfwidth {}", *request.target_halfwidth)
                           : "");
  }
  const std::string shard_option =
      shard ? fmt::format(" --shard {}/{}", shard->index, shard->count) : "";
  return fmt::format("shortfall run {}{} --resume -o {}", request.scenario_path, shard_option,
                     output.string());
}

}  // namespace

int run_study(const RunRequest& asked, const std::string& command_line) {
  check_run_options(asked);
  RunRequest request = asked;
  const bool extending = !request.extend_path.empty();
  LoadedStudy study;
  fs::path output;
  if (extending) {
    output = request.extend_path;
    study = load_extended_study(request, output);
  } else {
    study =
        load_with_options(study_options(request), [&](const std::vector<std::string>& overrides) {
          return load_study_file(request.scenario_path, overrides, request.sweeps);
        });
    output = request.output_path.empty() ? default_output_path(request.scenario_path)
                                         : fs::path(request.output_path);
  }
  const std::string source = extending ? output.string() : request.scenario_path;
  print_warnings(study.warnings);
  print_warnings(no_randomness_warnings(study.scenarios, source));
  require_memory_for(study.scenarios, request.keep_runs ? KeptPerRun::records : KeptPerRun::nothing,
                     request.threads,
                     extending ? output.string() : request.scenario_path);

  std::optional<ShardSpec> shard;
  if (request.shard) shard = parse_shard(*request.shard);
  const RunIdentity identity = identity_of(study, request.keep_runs, shard);
  // Whether an existing file may be replaced or continued is the plan's to say.
  check_output_path(output, /*overwrite=*/true);

  const RunAsked plan_asked{.resume = request.resume,
                            .extend = extending,
                            .force = request.force,
                            .shard = shard.has_value(),
                            .seed = identity.seed,
                            .scenario_toml = identity.scenario_toml};
  // Holds the output's lock until the run is over.
  const LookedAtOutput looked = look_at_output(output, identity, plan_asked);
  const RunPlan plan = plan_run(plan_asked, looked.disk);
  if (plan.start == RunStart::refused) throw InputError(plan.message);
  if (plan.start == RunStart::already_complete) {
    if (!request.quiet) print_run_results(read_results_input(output), study.title, output);
    return 0;
  }
  const fs::path& folder = looked.disk.saved_state_folder;
  Checkpoint checkpoint = plan.opens_saved_state() ? Checkpoint::open(folder, identity)
                                                   : Checkpoint::create(folder, identity);

  // The other ranks of an MPI job (if any) start from the resolved text, so
  // every rank simulates exactly rank 0's scenarios.
  start_worker_ranks(0, study.resolved_toml, request.keep_runs, request.threads);
  StudyRun run(study,
               {request.threads, request.keep_runs, request.quiet,
                extending ? output : fs::path{}, !request.no_state},
               output, command_line, shard);
  int code = 0;
  try {
    code = run.execute(checkpoint, plan.write_partial_file);
  } catch (const NonFiniteRunValue& overflow) {
    // The study as given cannot be simulated: refuse it like bad input, and
    // leave no saved state behind unless this run continued an earlier one.
    if (!request.resume && !extending) checkpoint.remove();
    throw InputError(
        overflow_message(study, overflow, extending ? output.string() : request.scenario_path));
  }
  if (code != 0) {
    std::fprintf(stderr, "shortfall: continue with: %s\n",
                 continue_command(request, output, shard).c_str());
    return code;
  }
  const ResultsData results = run.assembled(true);
  if (!request.quiet) print_run_results(results, study.title, output);
  // A shard holds only part of the study: its answers say nothing of the whole.
  if (!shard) print_warnings(certain_answer_warnings(results, source));
  return 0;
}

}  // namespace shortfall
