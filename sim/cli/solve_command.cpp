#include "sim/cli/solve_command.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/results_file.h"
#include "sim/cli/output_lock.h"
#include "sim/cli/output_path.h"
#include "sim/cli/results_metadata.h"
#include "sim/cli/solve_points.h"
#include "sim/cli/solve_report.h"
#include "sim/cli/solver.h"
#include "sim/cli/study_loading.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/input/scenario_loader.h"
#include "sim/input/solve_study.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// The saved state's format: the checkpoint's, and the search's own (a
// change to how points are chosen makes old saved evaluations unusable).
constexpr int k_solve_state_version = 1;

double number_option(const std::string& option, const std::string& text) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || !std::isfinite(value)) {
    throw InputError(fmt::format("{} {}: not a finite number", option, text));
  }
  return value;
}

// The probability solved for, and how to count it in a point's results.
struct Statistic {
  std::string name;   // as --statistic says it
  std::string label;  // in tables and reasons
  int provider = -1;  // a network's p_shortfall of this provider
  bool any = false;   // a network's p_any_shortfall
};

Statistic choose_statistic(const SolveRequest& request, const Scenario& scenario) {
  const bool network = scenario.network.model != NetworkModel::single;
  std::vector<std::string> ids;
  for (int p = 0; p < scenario.provider_count(); ++p) ids.push_back(scenario.provider_setup(p).id);
  const std::string name =
      request.statistic.empty() ? (network && request.provider.empty() ? "p_any_shortfall" : "p_shortfall")
                                : request.statistic;
  if (name != "p_shortfall" && name != "p_any_shortfall") {
    throw InputError(fmt::format("--statistic {}: unknown statistic (expected p_shortfall{})", name,
                                 network ? " with --provider ID, or p_any_shortfall" : ""));
  }
  if (!network) {
    if (name == "p_any_shortfall" || !request.provider.empty()) {
      throw InputError(fmt::format("{}: {} has one provider; its statistic is p_shortfall",
                                   name == "p_any_shortfall" ? "--statistic p_any_shortfall"
                                                             : "--provider " + request.provider,
                                   request.scenario_path));
    }
    return {"p_shortfall", "P(shortfall)"};
  }
  if (name == "p_any_shortfall") {
    if (!request.provider.empty())
      throw InputError(fmt::format("--provider {}: p_any_shortfall is the network's, not a "
                                   "provider's; use --statistic p_shortfall --provider {}",
                                   request.provider, request.provider));
    return {"p_any_shortfall", "P(any shortfall)", -1, true};
  }
  const auto found = std::find(ids.begin(), ids.end(), request.provider);
  if (request.provider.empty() || found == ids.end()) {
    throw InputError(fmt::format("--provider {}: {} (the network's providers: {})",
                                 request.provider.empty() ? "missing" : request.provider,
                                 request.provider.empty()
                                     ? "p_shortfall of a network needs the provider's id"
                                     : "no such provider",
                                 fmt::join(ids, ", ")));
  }
  const int p = static_cast<int>(found - ids.begin());
  return {"p_shortfall", fmt::format("P(shortfall of {})", request.provider), p};
}

// The structures asked for, as indices into the scenario's, in its order.
std::vector<int> choose_structures(const SolveRequest& request, const Scenario& scenario) {
  std::vector<std::string> names;
  for (const auto& structure : scenario.main_contract().structures) names.push_back(structure.name);
  if (request.structures.empty()) {
    std::vector<int> all(names.size());
    for (std::size_t s = 0; s < names.size(); ++s) all[s] = static_cast<int>(s);
    return all;
  }
  std::vector<int> chosen;
  for (const auto& name : request.structures) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      throw InputError(fmt::format("--structure {}: no such structure (the scenario has {})", name,
                                   fmt::join(names, ", ")));
    }
    const int s = static_cast<int>(found - names.begin());
    if (std::find(chosen.begin(), chosen.end(), s) != chosen.end())
      throw InputError(fmt::format("--structure {}: given twice", name));
    chosen.push_back(s);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

ShortfallCount count_of(const ScenarioResults& results, const Statistic& statistic, int structure) {
  const auto s = static_cast<std::size_t>(structure);
  const double p =
      statistic.any ? results.p_any_shortfall[s]
                    : results.p_shortfall[s * static_cast<std::size_t>(results.provider_count) +
                                          static_cast<std::size_t>(std::max(0, statistic.provider))];
  // p is shortfalls / runs in double precision: the count is exact.
  return {std::llround(p * static_cast<double>(results.runs_done)), results.runs_done};
}

// The request's bracket, target and tolerance, checked against the key.
SolveSearch search_of(const SolveRequest& request, const VariedKey& varied) {
  SolveSearch search;
  if (request.between.size() != 2)
    throw InputError("--between needs two values, LO HI, e.g. --between 0 0.06");
  const std::string between = fmt::format("--between {} {}", request.between[0], request.between[1]);
  search.low = number_option("--between", request.between[0]);
  search.high = number_option("--between", request.between[1]);
  if (!(search.low < search.high))
    throw InputError(fmt::format("{}: LO must be below HI", between));
  for (const double end : {search.low, search.high}) {
    if (!varied.allowed.contains(end)) {
      throw InputError(fmt::format("{}: {} = {} is outside {}", between, varied.key, end,
                                   varied.allowed.text()));
    }
    if (varied.integer && end != std::trunc(end)) {
      throw InputError(fmt::format("{}: {} is an integer key; give integers", between, varied.key));
    }
  }
  search.integer = varied.integer;
  search.target = number_option("--target", request.target);
  if (!(search.target > 0.0 && search.target < 1.0)) {
    throw InputError(fmt::format("--target {} is outside (0, 1): a probability, e.g. 0.05 for 5 %",
                                 request.target));
  }
  const double width = search.high - search.low;
  search.tolerance = search.integer ? 1.0 : width / 1000.0;
  if (request.tolerance) {
    const double tolerance = number_option("--tolerance", *request.tolerance);
    const double least = search.integer ? 1.0 : width * 1e-9;
    if (!(tolerance >= least && tolerance <= width) ||
        (search.integer && tolerance != std::trunc(tolerance))) {
      throw InputError(fmt::format("--tolerance {} is outside [{}, {}]{}", *request.tolerance, least,
                                   width,
                                   search.integer ? " (an integer: the key is an integer)"
                                                  : " (from HI - LO over 10^9 to HI - LO)"));
    }
    search.tolerance = tolerance;
  }
  return search;
}

// Refuses a scenario that is not valid at an end of the bracket (a rule
// between keys, such as stress_start_cash above the shortfall threshold).
void check_bracket_ends(const std::string& base_text, const SolveRequest& request,
                        const SolveSearch& search) {
  for (const double end : {search.low, search.high}) {
    const std::vector<std::string> at_end{fmt::format("{}={}", request.key, end)};
    try {
      load_study_text(base_text, request.scenario_path, at_end);
    } catch (const ScenarioError& error) {
      // The message names the value already; the user gave no such --set.
      std::string problem = error.problem();
      const std::string set_note = fmt::format(" (at --set {})", at_end.front());
      if (const auto at = problem.find(set_note); at != std::string::npos)
        problem.erase(at, set_note.size());
      throw InputError(fmt::format("--between {} {}: at {} = {} the scenario is not valid: {}",
                                   request.between[0], request.between[1], request.key, end,
                                   problem));
    }
  }
}

// What the saved state is of: the scenario and every option that moves a point.
RunIdentity identity_of(const LoadedStudy& study, const std::string& base_text,
                        const SolveRequest& request, const SolveSearch& search,
                        const Statistic& statistic, const std::vector<std::string>& structures) {
  const std::string request_text = fmt::format(
      "\n# shortfall solve\n# --vary {}\n# --between {} {}\n# --target {}\n# --tolerance {}\n"
      "# --statistic {} {}\n# --structure {}\n",
      request.key, search.low, search.high, search.target, search.tolerance, statistic.name,
      statistic.label, fmt::join(structures, " "));
  return {base_text + request_text, study.scenarios.front().simulation.seed, false,
          most_points(search),
          fmt::format("results {}.{}; checkpoint {}; solve {}", k_format_version_major,
                      k_format_version_minor, k_checkpoint_format_version,
                      k_solve_state_version)};
}

// The saved state's folder and the path the lock guards: beside -o FILE, or
// `<scenario stem>.solve` here.
fs::path state_base(const SolveRequest& request) {
  if (!request.output_path.empty()) return request.output_path;
  return fs::path(fs::path(request.scenario_path).stem().string() + ".solve");
}

Checkpoint open_saved_state(const SolveRequest& request, const fs::path& folder,
                            const RunIdentity& identity) {
  const bool output_exists = !request.output_path.empty() && fs::exists(request.output_path);
  if (Checkpoint::exists(folder)) {
    if (request.resume) return Checkpoint::open(folder, identity);
    if (request.force) return Checkpoint::create(folder, identity);
    throw InputError(fmt::format("{} holds an interrupted solve: continue it with --resume, or "
                                 "start afresh with --force",
                                 folder.string()));
  }
  if (output_exists && request.resume && !request.force) {
    throw InputError(fmt::format("{} exists and there is no saved solve to continue: that solve "
                                 "finished (--force solves again and replaces it)",
                                 request.output_path));
  }
  return Checkpoint::create(folder, identity);
}

// The command as given, named `shortfall` like run's (argv[0] may be any
// path to the binary), with --resume.
std::string continue_command(const std::string& command_line) {
  // A quoted argv[0] ('...') may hold spaces: the arguments start after it.
  const std::size_t name_end =
      command_line.starts_with('\'') ? command_line.find('\'', 1) : std::size_t{0};
  const std::size_t first_space =
      name_end == std::string::npos ? std::string::npos : command_line.find(' ', name_end);
  const std::string arguments =
      first_space == std::string::npos ? std::string() : command_line.substr(first_space);
  const std::string command = "shortfall" + arguments;
  return command.find(" --resume") == std::string::npos ? command + " --resume" : command;
}

// The -o file: the evaluated points, ascending, as a sweep of the key, and
// the solve's request and answers.
void write_solve_file(const SolveRequest& request, const std::string& base_text,
                      const SolvePoints& points, const SolveRecord& record_in,
                      const std::string& command_line, double elapsed_seconds) {
  std::vector<std::size_t> order(points.points().size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return points.points()[a].x < points.points()[b].x; });
  std::vector<double> xs;
  for (const std::size_t i : order) xs.push_back(points.points()[i].x);
  const LoadedStudy file_study =
      load_study_text(points_study_text(base_text, request.key, xs), request.scenario_path);
  ResultsData data;
  data.meta = describe_run(file_study, command_line);
  data.meta.complete = 1;
  data.meta.elapsed_seconds = elapsed_seconds;
  data.swept_keys = swept_key_columns(file_study);
  SolveRecord record = record_in;
  for (const std::size_t i : order) {
    data.scenarios.push_back(points.points()[i].results);
    if (file_study.scenarios.front().simulation.stops_on_precision())
      data.target_met.push_back(points.points()[i].target_met ? 1 : 0);
    record.evaluation.push_back(static_cast<std::int64_t>(i));
  }
  data.solve = std::move(record);
  try {
    write_results_file(request.output_path, data);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
}

SolveRecord record_of(const SolveReport& report, const Statistic& statistic,
                      const std::vector<int>& chosen, int structure_count,
                      const Scenario& scenario) {
  SolveRecord record;
  record.key = report.key;
  record.statistic = statistic.provider < 0
                         ? statistic.name
                         : fmt::format("{} of {}", statistic.name,
                                       scenario.provider_setup(statistic.provider).id);
  record.target = report.target;
  record.bracket_low = report.low;
  record.bracket_high = report.high;
  record.tolerance = report.tolerance;
  record.answers.resize(static_cast<std::size_t>(structure_count));
  for (auto& answer : record.answers) {
    answer.reason = "not asked for (--structure)";
    answer.value = answer.low = answer.high = answer.p_at_value = NAN;
  }
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const Crossing& c = report.crossings[i];
    SolveAnswer& answer = record.answers[static_cast<std::size_t>(chosen[i])];
    answer.found = c.found;
    answer.reason = c.reason;
    if (!c.found) continue;
    answer.value = c.value;
    answer.low = c.low;
    answer.high = c.high;
    answer.p_at_value = c.at_value.p();
    answer.safe_side = c.safe == SafeSide::below ? "below" : "above";
    answer.low_at_bracket = c.low_at_bracket;
    answer.high_at_bracket = c.high_at_bracket;
  }
  return record;
}

}  // namespace

int solve_for_target(const SolveRequest& request, const std::string& command_line) {
  const auto started = std::chrono::steady_clock::now();
  if (request.scenario_path.empty())
    throw InputError("solve: give a scenario file (shortfall solve SCENARIO.toml --vary KEY ...)");
  std::vector<std::string> applied;
  const LoadedStudy study = load_with_options(
      {request.overrides, request.runs, request.seed},
      [&](const std::vector<std::string>& overrides) {
        return load_study_file(request.scenario_path, overrides);
      },
      &applied);
  if (!study.mode.empty()) {
    const bool swept = std::find(study.swept_keys.begin(), study.swept_keys.end(), request.key) !=
                       study.swept_keys.end();
    if (swept) {
      throw InputError(fmt::format("--vary {}: {} also sweeps {} in its [sweep]; solve chooses the "
                                   "values itself: remove it from [sweep.parameters]",
                                   request.key, request.scenario_path, request.key));
    }
    throw InputError(fmt::format("--vary {}: {} is a sweep (over {}); solve answers for one "
                                 "scenario: remove its [sweep] table",
                                 request.key, request.scenario_path,
                                 fmt::join(study.swept_keys, ", ")));
  }
  print_warnings(study.warnings);
  const Scenario& base = study.scenarios.front();
  // Every point starts from the file as given (solve_study.h), which must be
  // the scenario just loaded.
  const std::string base_text = solve_base_text(request.scenario_path, applied);
  if (load_study_text(base_text, request.scenario_path).resolved_toml != study.resolved_toml)
    throw std::logic_error("solve: the scenario written back does not read as the scenario");
  const VariedKey varied = varied_key(base_text, request.key);
  SolveSearch search = search_of(request, varied);
  const std::vector<int> chosen = choose_structures(request, base);
  const Statistic statistic = choose_statistic(request, base);
  search.structures = static_cast<int>(chosen.size());
  search.statistic = statistic.label;
  check_bracket_ends(base_text, request, search);
  if (!request.output_path.empty()) {
    check_output_path(request.output_path, /*overwrite=*/true);
    if (fs::exists(request.output_path) && !request.force && !request.resume)
      throw InputError(existing_output_message(request.output_path));
  }

  std::vector<std::string> names;
  for (const int s : chosen) names.push_back(base.main_contract().structures[static_cast<std::size_t>(s)].name);
  const fs::path base_path = state_base(request);
  const OutputLock lock(base_path);
  const fs::path folder = request.output_path.empty() ? fs::path(base_path.string() + ".checkpoint")
                                                      : Checkpoint::folder_for(base_path);
  Checkpoint checkpoint =
      open_saved_state(request, folder,
                       identity_of(study, base_text, request, search, statistic, names));

  SolvePointsSettings settings;
  settings.scenario = base_text;
  settings.key = request.key;
  settings.source = request.scenario_path;
  settings.threads = request.threads;
  settings.quiet = request.quiet;
  settings.work_per_point = base.simulation.most_runs() * tally_columns(base);
  settings.expected_points = expected_points(search);
  const std::size_t saved = checkpoint.finished_scenarios().size();
  if (saved > 0 && !request.quiet) {
    std::fprintf(stderr, "shortfall: resuming: %zu evaluations already saved in %s\n", saved,
                 folder.c_str());
  }
  SolvePoints points(settings, checkpoint);
  SolveResult result;
  try {
    result = solve_crossings(search, [&](std::span<const double> xs) {
      std::vector<std::vector<ShortfallCount>> counts;
      for (const EvaluatedPoint& point : points.evaluate(xs)) {
        std::vector<ShortfallCount> row;
        for (const int s : chosen) row.push_back(count_of(point.results, statistic, s));
        counts.push_back(std::move(row));
      }
      return counts;
    }, [&points](int expected) { points.expect(expected); });
  } catch (const SolveStopped&) {
    points.finish();
    std::fprintf(stderr,
                 "shortfall: %s: stopped; %zu evaluations are saved in %s\n"
                 "shortfall: continue with: %s\n",
                 points.signal_name(), checkpoint.finished_scenarios().size(), folder.c_str(),
                 continue_command(command_line).c_str());
    return 2;
  }
  points.finish();

  SolveReport report;
  report.title = study.title;
  report.key = request.key;
  report.unit = varied.unit;
  report.integer = varied.integer;
  report.low = search.low;
  report.high = search.high;
  report.target = search.target;
  report.tolerance = search.tolerance;
  report.statistic = statistic.name;
  report.statistic_label = statistic.label;
  report.seed = base.simulation.seed;
  report.runs = base.simulation.most_runs();
  report.evaluations = static_cast<int>(result.evaluated.size());
  report.batches = result.batches;
  report.structures = names;
  report.crossings = result.crossings;
  if (!request.output_path.empty()) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    write_solve_file(request, base_text, points,
                     record_of(report, statistic, chosen, base.structure_count(), base),
                     command_line, elapsed);
  }
  checkpoint.remove();
  const std::string text = request.json ? format_solve_json(report) : format_solve_table(report);
  std::fputs(text.c_str(), stdout);
  if (!request.output_path.empty() && !request.json)
    std::fprintf(stdout, "\nresults: %s\n", request.output_path.c_str());
  return 0;
}

}  // namespace shortfall
