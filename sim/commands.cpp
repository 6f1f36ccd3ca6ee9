#include "commands.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analysis/results_file.h"
#include "analysis/summary_table.h"
#include "engine.h"
#include "errors.h"
#include "git_revision.h"  // generated at build time: SHORTFALL_GIT_REVISION
#include "output_path.h"
#include "progress.h"
#include "scenario_loader.h"

#ifndef SHORTFALL_VERSION
#define SHORTFALL_VERSION "0.0.0"
#endif

namespace shortfall {

namespace {

struct RunRequest {
  std::string scenario_path;
  std::string output_path;
  std::optional<std::int64_t> runs;
  std::optional<std::string> seed;
  int threads = 0;
  bool keep_runs = false;
  bool force = false;
  bool quiet = false;
  std::vector<std::string> overrides;
};

std::string joined_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string argument = argv[i];
    if (i > 0) line += ' ';
    line += argument.find_first_of(" \t\"'") == std::string::npos ? argument : fmt::format("'{}'", argument);
  }
  return line;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// --seed is an integer in [0, 2^64): checked here so the message says so.
std::uint64_t parse_seed(const std::string& text) {
  const bool digits_only = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits_only && text.size() <= 20) {
    try {
      std::size_t used = 0;
      const auto value = std::stoull(text, &used);
      if (used == text.size()) return value;
    } catch (const std::out_of_range&) {
    }
  }
  throw InputError(fmt::format("--seed {} is not an integer in [0, 2^64)", text));
}

LoadedScenario load_requested_scenario(const RunRequest& request) {
  std::vector<std::string> overrides = request.overrides;
  if (request.runs) overrides.push_back(fmt::format("simulation.runs={}", *request.runs));
  // Seeds of 2^63 and above do not fit a TOML integer; the loader takes them as text.
  if (request.seed) overrides.push_back(fmt::format("simulation.seed=\"{}\"", parse_seed(*request.seed)));
  return load_scenario_file(request.scenario_path, overrides);
}

void print_warnings(const LoadedScenario& loaded) {
  for (const auto& warning : loaded.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
}

ResultsMetadata describe_run(const LoadedScenario& loaded, const std::string& command_line) {
  const auto& scenario = loaded.scenario;
  ResultsMetadata meta;
  meta.program_version = SHORTFALL_VERSION;
  meta.git_revision = SHORTFALL_GIT_REVISION;
  meta.seed = scenario.simulation.seed;
  meta.runs = scenario.simulation.runs;
  meta.horizon_months = scenario.simulation.horizon_months;
  meta.created_utc = utc_now();
  meta.scenario_toml = loaded.resolved_toml;
  meta.command_line = command_line;
  meta.complete = 1;
  meta.host = host_name();
  for (const auto& structure : scenario.contract.structures) {
    meta.structure_names.push_back(structure.name);
    meta.withhold_fraction.push_back(structure.withhold_fraction);
  }
  for (const auto& indicator : scenario.indicators) {
    meta.indicator_ids.push_back(indicator.id);
    meta.indicator_names.push_back(indicator.name);
  }
  return meta;
}

int run_simulation(const RunRequest& request, const std::string& command_line) {
  const auto loaded = load_requested_scenario(request);
  print_warnings(loaded);
  const std::filesystem::path output = request.output_path.empty()
                                           ? default_output_path(request.scenario_path)
                                           : std::filesystem::path(request.output_path);
  check_output_path(output, request.force);

  const auto& scenario = loaded.scenario;
  const auto started = std::chrono::steady_clock::now();
  ProgressReporter progress(scenario.simulation.runs * scenario.structure_count(), !request.quiet);
  EngineOptions options;
  options.threads = request.threads;
  options.keep_runs = request.keep_runs;
  options.on_progress = [&progress](std::int64_t done) { progress.add(done); };
  const ScenarioTally tally = simulate_scenario(scenario, options);
  progress.finish();

  ResultsData results;
  results.meta = describe_run(loaded, command_line);
  results.scenarios.push_back(finalize_scenario(tally, request.threads));
  results.meta.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::vector<const ScenarioTally*> kept{&tally};
  try {
    write_results_file(output, results, request.keep_runs ? &kept : nullptr);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
  if (!request.quiet) {
    std::fputs(format_summary_table(results, scenario.title).c_str(), stdout);
    std::fprintf(stdout, "\nresults: %s\n", output.c_str());
  }
  return 0;
}

int check_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  const auto loaded = load_scenario_file(path, overrides);
  print_warnings(loaded);
  const auto& scenario = loaded.scenario;
  std::fputs(loaded.resolved_toml.c_str(), stdout);
  std::fprintf(stdout, "\n# %s is valid: 1 design point, %d structures, %lld runs: %lld run-structures\n",
               path.c_str(), scenario.structure_count(), static_cast<long long>(scenario.simulation.runs),
               static_cast<long long>(scenario.simulation.runs * scenario.structure_count()));
  return 0;
}

int print_summary(const std::string& path) {
  ResultsData results;
  try {
    results = read_results_file(path);
  } catch (const ResultsFileError& error) {
    throw InputError(error.what());
  }
  std::string title = path;
  try {
    title = load_scenario_text(results.meta.scenario_toml, path).scenario.title;
  } catch (const ScenarioError&) {
    // An older or hand-edited scenario text still has its statistics to show.
  }
  std::fputs(format_summary_table(results, title).c_str(), stdout);
  return 0;
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

int run_command_line(int argc, char** argv) {
  CLI::App app{"shortfall: provider cash under outcome-based payment contracts"};
  app.set_version_flag("--version", std::string(SHORTFALL_VERSION) + " (" + SHORTFALL_GIT_REVISION + ")");
  app.require_subcommand(1);

  RunRequest request;
  auto* run = app.add_subcommand("run", "simulate a scenario, write the results file, print the summary");
  run->add_option("scenario", request.scenario_path, "scenario file (TOML)")->required();
  run->add_option("-o,--output", request.output_path, "results file (default: <scenario name>.h5 here)");
  run->add_option("--runs", request.runs, "runs per structure (overrides simulation.runs)")
      ->check(integer_in(1, 1'000'000'000));
  run->add_option("--seed", request.seed, "random seed, an integer in [0, 2^64)");
  run->add_option("--threads", request.threads, "worker threads (default: all cores)")
      ->check(integer_in(1, 4096));
  run->add_flag("--keep-runs", request.keep_runs, "also store per-run records and cash paths");
  run->add_flag("--force", request.force, "overwrite an existing results file");
  run->add_flag("--quiet", request.quiet, "no progress and no summary table");
  run->add_option("--set", request.overrides, "override a scenario key, KEY=VALUE (repeatable)");

  std::string check_path;
  std::vector<std::string> check_overrides;
  auto* check = app.add_subcommand("check", "validate a scenario and print it resolved");
  check->add_option("scenario", check_path, "scenario file (TOML)")->required();
  check->add_option("--set", check_overrides, "override a scenario key, KEY=VALUE (repeatable)");

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
    std::fprintf(stderr, "shortfall: error: unknown command '%s' (expected run, check or summary)\n",
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
    if (*run) return run_simulation(request, joined_command_line(argc, argv));
    if (*check) return check_scenario(check_path, check_overrides);
    if (*summary) return print_summary(summary_path);
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

}  // namespace shortfall
