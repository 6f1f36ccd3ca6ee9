#include "sim/cli/commands.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "analysis/results_file.h"
#include "analysis/summary_table.h"
#include "sim/engine/cluster.h"
#include "sim/engine/errors.h"
#include "sim/engine/mpi_job.h"
#include "sim/input/scenario_loader.h"
#include "sim/cli/provenance.h"
#include "sim/cli/study_runner.h"

namespace shortfall {

namespace {

int print_summary(const std::string& path) {
  ResultsData results;
  try {
    results = read_results_file(path);
  } catch (const ResultsFileError& error) {
    throw InputError(error.what());
  }
  std::string title = scenario_title(results.meta.scenario_toml);
  if (title.empty()) title = path;
  if (results.shard.index > 0) {
    std::fprintf(stderr,
                 "shortfall: warning: %s is shard %d/%d of a study: it holds only that shard's "
                 "finished scenarios; join the shards with `shortfall merge`\n",
                 path.c_str(), results.shard.index, results.shard.count);
  }
  if (results.meta.complete != 1) {
    std::fprintf(stderr,
                 "shortfall: warning: %s is from a run that has not finished: scenarios not "
                 "run yet show no runs\n",
                 path.c_str());
  }
  std::fputs(format_summary_table(results, title).c_str(), stdout);
  return 0;
}

// --extend takes everything from the file: options that would change the
// study, or name another file, are refused rather than ignored.
void check_run_options(const RunRequest& request) {
  if (request.extend_path.empty()) {
    if (request.scenario_path.empty()) {
      throw InputError("run: give a scenario file (shortfall run SCENARIO.toml), or --extend FILE");
    }
    return;
  }
  const std::vector<std::pair<bool, const char*>> refused{
      {!request.scenario_path.empty(),
       "a scenario file (the scenario comes from the results file)"},
      {!request.output_path.empty(), "-o (the results file is extended in place)"},
      {request.seed.has_value(), "--seed (the seed comes from the results file)"},
      {!request.overrides.empty(), "--set (the scenario comes from the results file)"},
      {request.resume, "--resume (an interrupted --extend continues when run again)"},
      {request.shard.has_value(), "--shard"},
      {request.force, "--force"}};
  for (const auto& [given, what] : refused) {
    if (given)
      throw InputError(
          fmt::format("run --extend {}: cannot be combined with {}", request.extend_path, what));
  }
}

// "--runs: abc is not an integer in [1, 1000000000]", before CLI11 converts.
CLI::Validator integer_in(std::int64_t low, std::int64_t high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        std::int64_t value = 0;
        const auto* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        if (error != std::errc() || stop != end || value < low || value > high) {
          return fmt::format("{} is not an integer in [{}, {}]", text, low, high);
        }
        return {};
      },
      fmt::format("INT in [{} - {}]", low, high));
}

}  // namespace

namespace {
int run_on_rank_zero(int argc, char** argv);
}

int run_command_line(int argc, char** argv) {
  const bool is_run = argc > 1 && std::string_view(argv[1]) == "run";
  // Under mpirun the ranks above 0 only ever simulate work units of a `run`,
  // taking everything from rank 0 (sim/engine/cluster.h); other commands are rank 0's.
  if (mpi::rank() > 0) {
    if (!is_run) return 0;
    return serve_as_worker_rank([](const std::string& text) {
      return load_study_text(text, "the scenario of rank 0").scenarios;
    });
  }
  const int code = run_on_rank_zero(argc, argv);
  // However rank 0's `run` ended (bad input, nothing to do), the other ranks
  // hear it and exit with its code; once they have started, this does nothing.
  if (is_run) start_worker_ranks(code);
  return code;
}

namespace {

int run_on_rank_zero(int argc, char** argv) {
  CLI::App app{"shortfall: provider cash under outcome-based payment contracts"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);

  RunRequest request;
  auto* run = app.add_subcommand(
      "run", "simulate a scenario or sweep, write the results file, print the summary");
  run->add_option("scenario", request.scenario_path, "scenario file (TOML)");
  run->add_option("-o,--output", request.output_path,
                  "results file (default: <scenario name>.h5 here)");
  run->add_option("--runs", request.runs, "runs per structure (overrides simulation.runs)")
      ->check(integer_in(1, 1'000'000'000));
  run->add_option("--seed", request.seed, "random seed, an integer in [0, 2^64)");
  run->add_option("--threads", request.threads, "worker threads (default: all cores)")
      ->check(integer_in(1, 4096));
  run->add_flag("--keep-runs", request.keep_runs, "also store per-run records and cash paths");
  run->add_flag("--force", request.force, "overwrite an existing results file");
  run->add_flag(
      "--resume", request.resume,
      "continue an interrupted run into the same results file (starts one if there is none)");
  run->add_option("--extend", request.extend_path,
                  "add runs to a finished results file in place (with --runs N, the new total)");
  run->add_option(
      "--shard", request.shard,
      "run only shard K of N of the work (K from 1, e.g. $SLURM_ARRAY_TASK_ID/16); join the "
      "parts with `shortfall merge`");
  run->add_flag("--quiet", request.quiet, "no progress and no summary table");
  run->add_option("--set", request.overrides, "override a scenario key, KEY=VALUE (repeatable)");

  std::string check_path;
  std::vector<std::string> check_overrides;
  auto* check = app.add_subcommand("check", "validate a scenario or sweep and print it resolved");
  check->add_option("scenario", check_path, "scenario file (TOML)")->required();
  check->add_option("--set", check_overrides, "override a scenario key, KEY=VALUE (repeatable)");

  MergeRequest merge_request;
  auto* merge =
      app.add_subcommand("merge", "join the shard files of one study into its results file");
  merge->add_option("-o,--output", merge_request.output_path, "results file to write")->required();
  merge->add_option("parts", merge_request.parts, "the shard files (run --shard K/N), every K once")
      ->required();
  merge->add_option("--threads", merge_request.threads, "worker threads (default: all cores)")
      ->check(integer_in(1, 4096));
  merge->add_flag("--force", merge_request.force, "overwrite an existing results file");
  merge->add_flag("--quiet", merge_request.quiet, "no summary table");

  std::string summary_path;
  auto* summary = app.add_subcommand("summary", "print the summary table of a results file");
  summary->add_option("file", summary_path, "results file (HDF5)")->required();

  // CLI11 reports an unknown first word as "A subcommand is required"; name it.
  const auto is_command = [&app](const std::string& word) {
    for (const auto* command : app.get_subcommands({})) {
      if (command->get_name() == word) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    std::fprintf(stderr,
                 "shortfall: error: unknown command '%s' (expected run, check, summary or merge)\n",
                 argv[1]);
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 1;
  }

  try {
    if (*run) {
      check_run_options(request);
      return run_study(request, joined_command_line(argc, argv));
    }
    if (*check) return check_study(check_path, check_overrides, 0);
    if (*summary) return print_summary(summary_path);
    if (*merge) return merge_shard_files(merge_request, joined_command_line(argc, argv));
  } catch (const ScenarioError& error) {
    std::fprintf(stderr, "shortfall: error: %s\n", error.what());
    return 1;
  } catch (const InputError& error) {
    std::fprintf(stderr, "shortfall: error: %s\n", error.what());
    return 1;
  } catch (const RunFailure& error) {
    std::fprintf(stderr, "shortfall: run failed: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "shortfall: run failed: %s\n", error.what());
    return 2;
  }
  return 1;
}

}  // namespace

}  // namespace shortfall
