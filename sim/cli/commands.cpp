#include "sim/cli/commands.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "sim/cli/check_command.h"
#include "sim/cli/decompose_command.h"
#include "sim/cli/merge_command.h"
#include "sim/cli/provenance.h"
#include "sim/cli/run_command.h"
#include "sim/cli/solve_command.h"
#include "sim/cli/summary_command.h"
#include "sim/engine/cluster.h"
#include "sim/engine/errors.h"
#include "sim/engine/mpi_job.h"
#include "models/isa.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

namespace {

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

CLI::App* add_run_command(CLI::App& app, RunRequest& request) {
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
                  "add runs to a finished results file in place (with --runs N, the new total, "
                  "or --target-halfwidth H)");
  run->add_option("--target-halfwidth", request.target_halfwidth,
                  "with --extend: continue precision-based stopping to this Wilson half-width");
  run->add_option(
      "--shard", request.shard,
      "run only shard K of N of the work (K from 1, e.g. $SLURM_ARRAY_TASK_ID/16); join the "
      "parts with `shortfall merge`");
  run->add_flag("--quiet", request.quiet, "no progress and no summary table");
  run->add_flag("--no-state", request.no_state,
                "leave out the merged states that let `run --extend` simulate only the new runs "
                "(a smaller file for a sweep of many points)");
  run->add_option("--set", request.overrides, "override a scenario key, KEY=VALUE (repeatable)");
  run->add_option("--sweep", request.sweeps,
                  "sweep a key over listed values, KEY=V1,V2,... (repeatable: a grid)")
      ->allow_extra_args(false);
  return run;
}

CLI::App* add_check_command(CLI::App& app, CheckRequest& request) {
  auto* check = app.add_subcommand("check", "validate a scenario or sweep and print it resolved");
  check->add_option("scenario", request.path, "scenario file (TOML)")->required();
  check->add_option("--set", request.overrides, "override a scenario key, KEY=VALUE (repeatable)");
  check->add_option("--sweep", request.sweeps,
                    "sweep a key over listed values, KEY=V1,V2,... (repeatable: a grid)")
      ->allow_extra_args(false);
  check->add_option("--threads", request.threads,
                    "threads the run time is estimated for (default: all cores)")
      ->check(integer_in(1, 4096));
  return check;
}

CLI::App* add_merge_command(CLI::App& app, MergeRequest& request) {
  auto* merge =
      app.add_subcommand("merge", "join the shard files of one study into its results file");
  merge->add_option("-o,--output", request.output_path, "results file to write")->required();
  merge->add_option("parts", request.parts, "the shard files (run --shard K/N), every K once")
      ->required();
  merge->add_option("--threads", request.threads, "worker threads (default: all cores)")
      ->check(integer_in(1, 4096));
  merge->add_flag("--force", request.force, "overwrite an existing results file");
  merge->add_flag("--quiet", request.quiet, "no summary table");
  merge->add_flag("--no-state", request.no_state,
                  "leave out the merged states that let `run --extend` simulate only the new runs");
  return merge;
}

CLI::App* add_solve_command(CLI::App& app, SolveRequest& request) {
  auto* solve = app.add_subcommand(
      "solve", "the value of one key where P(shortfall) crosses a target, per structure");
  solve->add_option("scenario", request.scenario_path, "scenario file (TOML), one design point");
  solve->add_option("--vary", request.key, "the numeric scenario key to solve for, as in --set")
      ->required();
  solve->add_option("--between", request.between, "the bracket LO HI searched (never beyond)")
      ->expected(2)
      ->required();
  solve->add_option("--target", request.target, "the probability to cross, in (0, 1), e.g. 0.05")
      ->required();
  solve->add_option("--structure", request.structures,
                    "a structure to answer for (repeatable; default: every structure)")
      ->allow_extra_args(false);
  solve->add_option("--tolerance", request.tolerance,
                    "how close to the crossing, in the key's unit (default: (HI - LO) / 1000; "
                    "an integer key: 1)");
  solve->add_option("--statistic", request.statistic,
                    "p_shortfall (default), or in a network p_any_shortfall (default) or "
                    "p_shortfall with --provider ID");
  solve->add_option("--provider", request.provider, "a network's provider, for p_shortfall");
  solve->add_flag("--json", request.json, "print one JSON object instead of the table");
  solve->add_option("-o,--output", request.output_path,
                    "keep every evaluated point as a results file (a sweep of the key)");
  solve->add_option("--runs", request.runs, "runs per point (overrides simulation.runs)")
      ->check(integer_in(1, 1'000'000'000));
  solve->add_option("--seed", request.seed, "random seed, an integer in [0, 2^64)");
  solve->add_option("--threads", request.threads, "worker threads (default: all cores)")
      ->check(integer_in(1, 4096));
  solve->add_option("--set", request.overrides, "override a scenario key, KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  solve->add_flag("--resume", request.resume, "continue an interrupted solve");
  solve->add_flag("--force", request.force, "replace an existing results file or saved solve");
  solve->add_flag("--quiet", request.quiet, "no progress");
  return solve;
}

CLI::App* add_decompose_command(CLI::App& app, DecomposeRequest& request) {
  auto* decompose = app.add_subcommand(
      "decompose",
      "split each structure's difference from the reference into price, timing and feedback");
  decompose->add_option("scenario", request.scenario_path, "scenario file (TOML)")->required();
  decompose->add_option("-o,--output", request.output_path,
                        "also write a results file holding the decomposition");
  decompose->add_flag("--json", request.json, "print one JSON object instead of the table");
  decompose->add_option("--runs", request.runs, "runs per structure (overrides simulation.runs)")
      ->check(integer_in(1, 1'000'000'000));
  decompose->add_option("--seed", request.seed, "random seed, an integer in [0, 2^64)");
  decompose->add_option("--threads", request.threads, "worker threads (default: all cores)")
      ->check(integer_in(1, 4096));
  decompose->add_flag("--force", request.force, "overwrite an existing results file");
  decompose->add_flag("--quiet", request.quiet, "no progress");
  decompose->add_option("--set", request.overrides,
                        "override a scenario key, KEY=VALUE (repeatable)");
  return decompose;
}

struct SummaryRequest {
  std::string path;
  std::string format = "table";
};

CLI::App* add_summary_command(CLI::App& app, SummaryRequest& request) {
  auto* summary = app.add_subcommand("summary", "print the summary table of a results file");
  summary->add_option("file", request.path, "results file (HDF5)")->required();
  summary->add_option("--format", request.format,
                      "table (default), csv (tidy: a row per point, structure and provider) or "
                      "json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  return summary;
}

// Runs `command` and turns what it throws into the exit code (the README's "Command line"):
// 1 invalid input, 2 a failure while running, the message on stderr.
template <class Command>
int exit_code_of(Command command) {
  try {
    return command();
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
}

int run_on_rank_zero(int argc, char** argv) {
  CLI::App app{"shortfall: provider cash under outcome-based payment contracts"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  RunRequest run_request;
  CheckRequest check_request;
  MergeRequest merge_request;
  SummaryRequest summary_request;
  SolveRequest solve_request;
  DecomposeRequest decompose_request;
  const auto* run = add_run_command(app, run_request);
  const auto* check = add_check_command(app, check_request);
  const auto* merge = add_merge_command(app, merge_request);
  const auto* summary = add_summary_command(app, summary_request);
  const auto* solve = add_solve_command(app, solve_request);
  const auto* decompose = add_decompose_command(app, decompose_request);

  // CLI11 reports an unknown first word as "A subcommand is required"; name it.
  const auto is_command = [&app](const std::string& word) {
    for (const auto* command : app.get_subcommands({})) {
      if (command->get_name() == word) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    std::fprintf(stderr,
                 "shortfall: error: unknown command '%s' (expected run, check, summary, merge, "
                 "solve or decompose)\n",
                 argv[1]);
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 1;
  }

  return exit_code_of([&] {
    // A bad SHORTFALL_ISA is the user's input: refused before any work by
    // every command that computes runs or writes a results file.
    if (!*summary) {
      try {
        isa_in_use();
      } catch (const IsaError& error) {
        throw InputError(error.what());
      }
    }
    if (*run) return run_study(run_request, joined_command_line(argc, argv));
    if (*check) return check_study(check_request);
    if (*summary) return print_summary(summary_request.path, summary_request.format);
    if (*merge) return merge_shard_files(merge_request, joined_command_line(argc, argv));
    if (*solve) return solve_for_target(solve_request, joined_command_line(argc, argv));
    if (*decompose) return decompose_scenario(decompose_request, joined_command_line(argc, argv));
    return 1;
  });
}

}  // namespace

int run_command_line(int argc, char** argv) {
  const bool is_run = argc > 1 && std::string_view(argv[1]) == "run";
  const bool is_solve = argc > 1 && std::string_view(argv[1]) == "solve";
  const bool is_decompose = argc > 1 && std::string_view(argv[1]) == "decompose";
  // Under mpirun the ranks above 0 only ever simulate work units of a `run`
  // or a `decompose`, or of each study of a `solve`, taking everything from
  // rank 0 (sim/engine/cluster.h); other commands are rank 0's.
  if (mpi::rank() > 0) {
    if (is_decompose) return serve_as_worker_rank(decomposition_scenarios_from_text);
    const auto load = [](const std::string& text) {
      return load_study_text(text, "the scenario of rank 0").scenarios;
    };
    if (is_run) return serve_as_worker_rank(load);
    if (is_solve) return serve_studies_as_worker_rank(load);
    return 0;
  }
  const int code = run_on_rank_zero(argc, argv);
  // However rank 0's command ended (bad input, nothing to do), the other ranks
  // hear it and exit with its code; once they have started, this does nothing.
  if (is_run || is_decompose) start_worker_ranks(code);
  if (is_solve) finish_worker_ranks(code);
  return code;
}

}  // namespace shortfall
