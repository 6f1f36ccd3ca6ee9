#include "sim/cli/study_runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/byte_codec.h"
#include "analysis/results_file.h"
#include "analysis/summary_table.h"
#include "analysis/tally_serialization.h"
#include "sim/engine/checkpoint.h"
#include "sim/engine/cluster.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/cli/interrupt.h"
#include "sim/engine/memory_budget.h"
#include "sim/cli/output_lock.h"
#include "sim/cli/output_path.h"
#include "sim/cli/progress.h"
#include "sim/cli/provenance.h"
#include "sim/input/scenario_loader.h"
#include "sim/engine/shard.h"
#include "sim/engine/study_engine.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// `shortfall run` prints at most this many rows of a sweep's table;
// `shortfall summary` prints them all.
constexpr std::size_t k_run_table_rows = 40;

// --seed is an integer in [0, 2^64): checked here so the message says so.
std::uint64_t parse_seed(const std::string& text) {
  const bool digits_only =
      !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
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

// The study with --runs and --seed applied. Under precision-based stopping
// --runs is the cap, so it sets simulation.max_runs too.
template <class Load>
LoadedStudy load_with_options(const RunRequest& request, Load load) {
  std::vector<std::string> overrides = request.overrides;
  if (request.runs) overrides.push_back(fmt::format("simulation.runs={}", *request.runs));
  // Seeds of 2^63 and above do not fit a TOML integer; the loader takes them as text.
  if (request.seed)
    overrides.push_back(fmt::format("simulation.seed=\"{}\"", parse_seed(*request.seed)));
  LoadedStudy study = load(overrides);
  const SimulationSettings& settings = study.scenarios.front().simulation;
  if (request.runs && settings.stops_on_precision() && settings.max_runs != *request.runs) {
    overrides.push_back(fmt::format("simulation.max_runs={}", *request.runs));
    study = load(overrides);
  }
  return study;
}

std::string format_version_text() {
  return fmt::format("results {}.{}; checkpoint {}", k_format_version_major, k_format_version_minor,
                     k_checkpoint_format_version);
}

RunIdentity identity_of(const LoadedStudy& study, bool keep_runs) {
  return {study.resolved_toml, study.scenarios.front().simulation.seed, keep_runs,
          static_cast<int>(study.scenarios.size()), format_version_text()};
}

ResultsMetadata describe_run(const LoadedStudy& study, const std::string& command_line) {
  const Scenario& first = study.scenarios.front();
  ResultsMetadata meta;
  meta.program_version = program_version();
  meta.git_revision = git_revision();
  meta.seed = first.simulation.seed;
  meta.runs = first.simulation.most_runs();
  meta.horizon_months = first.simulation.horizon_months;
  meta.created_utc = utc_now();
  meta.scenario_toml = study.resolved_toml;
  meta.command_line = command_line;
  meta.complete = 0;
  meta.host = host_name();
  for (const auto& structure : first.main_contract().structures) {
    meta.structure_names.push_back(structure.name);
    meta.withhold_fraction.push_back(structure.withhold_fraction);
  }
  for (int i = 0; i < first.indicator_count(); ++i) {
    meta.indicator_ids.push_back(first.indicator(i).id);
    meta.indicator_names.push_back(first.indicator(i).name);
  }
  // A network's files carry the provider axis; a single provider's keep
  // INTERFACE.md's layout (even with segments).
  if (first.network.model != NetworkModel::single) {
    for (int p = 0; p < first.provider_count(); ++p) {
      meta.provider_ids.push_back(first.provider_setup(p).id);
    }
  }
  return meta;
}

// One coordinate variable per swept key, along `scenario`.
std::vector<SweptKey> swept_key_columns(const LoadedStudy& study) {
  std::vector<SweptKey> columns;
  for (std::size_t k = 0; k < study.swept_keys.size(); ++k) {
    SweptKey column;
    column.key = study.swept_keys[k];
    column.is_text = std::holds_alternative<std::string>(study.design.front()[k]);
    for (const auto& point : study.design) {
      if (column.is_text) {
        column.texts.push_back(std::get<std::string>(point[k]));
      } else {
        column.numbers.push_back(std::get<double>(point[k]));
      }
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) std::fprintf(stderr, "%s\n", warning.c_str());
}

// The statistics of a scenario not run yet: every value NaN, no runs.
ScenarioResults not_run(const Scenario& scenario) {
  return ScenarioTally(tally_shape(scenario, false)).finalize();
}

std::int64_t work_of(const Scenario& scenario) {
  return scenario.simulation.most_runs() * tally_columns(scenario);
}

// Run-structures of a scenario's blocks [first_block, end_block).
std::int64_t work_of(const Scenario& scenario, const ScenarioShare& share) {
  const std::int64_t first = share.first_block * k_runs_per_block;
  const std::int64_t end =
      std::min(share.end_block * k_runs_per_block, scenario.simulation.most_runs());
  return (end - first) * tally_columns(scenario);
}

// The run of one study into one results file.
class StudyRun {
 public:
  StudyRun(const LoadedStudy& study, const RunRequest& request, fs::path output,
           std::string command_line, std::optional<ShardSpec> shard)
      : study_(study),
        request_(request),
        output_(std::move(output)),
        command_line_(std::move(command_line)),
        shard_(shard),
        results_(study.scenarios.size()),
        target_met_(study.scenarios.size(), 0) {
    if (shard_) shares_ = shard_work(study.scenarios, *shard_);
  }

  // Simulates what the checkpoint does not hold yet. Returns 0 when the
  // results file is complete, 2 when interrupted (the work is saved).
  int execute(Checkpoint& checkpoint, bool write_partial_file) {
    const auto started = std::chrono::steady_clock::now();
    const auto scenario_count = study_.scenarios.size();
    std::vector<bool> finished(scenario_count, false);
    std::int64_t total = 0;
    std::int64_t already_done = 0;
    for (const int s : checkpoint.finished_scenarios()) {
      auto saved = checkpoint.load_scenario(s);
      const auto index = static_cast<std::size_t>(s);
      finished[index] = true;
      already_done += saved.results.runs_done * tally_columns(study_.scenarios[index]);
      target_met_[index] = saved.target_met ? 1 : 0;
      results_[index] = std::move(saved.results);
    }
    for (std::size_t s = 0; s < scenario_count; ++s) {
      if (finished[s]) total += results_[s]->runs_done * tally_columns(study_.scenarios[s]);
    }
    for (const ScenarioShare& share : shares()) {
      const auto index = static_cast<std::size_t>(share.scenario);
      if (!finished[index]) total += work_of(study_.scenarios[index], share);
    }
    print_warnings(checkpoint.warnings());
    const auto finished_count = std::count(finished.begin(), finished.end(), true);
    if (finished_count > 0 && !request_.quiet) {
      std::fprintf(stderr, "shortfall: resuming: %lld of %zu scenarios already finished in %s\n",
                   static_cast<long long>(finished_count), scenario_count,
                   checkpoint.folder().c_str());
    }

    ProgressReporter progress(total, !request_.quiet, already_done);
    InterruptHandler interrupt;
    StudyEngineOptions options;
    options.threads = request_.threads;
    options.keep_runs = request_.keep_runs;
    options.finished = finished;
    options.saved_blocks = [&checkpoint](int s) { return checkpoint.load_blocks(s); };
    options.on_scenario_done = [&](int s, ScenarioResults&& results, bool target_met,
                                   const ScenarioTally& tally) {
      if (request_.keep_runs) checkpoint.save_kept_runs(s, tally.blocks());
      checkpoint.save_scenario(s, {results, target_met});
      checkpoint.drop_blocks(s);
      std::lock_guard lock(mutex_);
      results_[static_cast<std::size_t>(s)] = std::move(results);
      target_met_[static_cast<std::size_t>(s)] = target_met ? 1 : 0;
    };
    if (shard_) options.shares = shares_;
    // Part of a scenario (a shard's): its blocks, for `shortfall merge`, and
    // a result without runs marking it done.
    options.on_part_done = [&](int s, const ScenarioTally& part) {
      checkpoint.save_kept_runs(s, part.blocks());
      checkpoint.save_scenario(s, {not_run(study_.scenarios[static_cast<std::size_t>(s)]), false});
      checkpoint.drop_blocks(s);
    };
    options.on_progress = [&progress](std::int64_t done) { progress.add(done); };
    options.on_work_dropped = [&progress](std::int64_t dropped) { progress.drop(dropped); };
    options.stop_requested = &interrupt.stop_requested();
    options.on_unfinished_block = [&checkpoint](int s, const BlockTally& block) {
      checkpoint.save_block(s, block);
    };
    const bool complete = simulate_study(study_.scenarios, options);
    progress.finish();
    elapsed_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!complete) {
      const auto done = std::count_if(results_.begin(), results_.end(),
                                      [](const auto& results) { return results.has_value(); });
      if (write_partial_file) write(false);
      std::fprintf(stderr,
                   "shortfall: %s: stopped; %lld of %zu scenarios finished, and the finished work "
                   "is saved in %s\n",
                   interrupt.signal_name(), static_cast<long long>(done), scenario_count,
                   checkpoint.folder().c_str());
      return 2;
    }
    write(true, &checkpoint);
    checkpoint.remove();
    return 0;
  }

  ResultsData assembled(bool complete) const {
    ResultsData data;
    data.meta = describe_run(study_, command_line_);
    data.meta.complete = complete ? 1 : 0;
    data.meta.elapsed_seconds = elapsed_seconds_;
    data.swept_keys = swept_key_columns(study_);
    for (std::size_t s = 0; s < results_.size(); ++s) {
      data.scenarios.push_back(results_[s] ? *results_[s] : not_run(study_.scenarios[s]));
    }
    if (study_.scenarios.front().simulation.stops_on_precision()) data.target_met = target_met_;
    return data;
  }

 private:
  // Atomic (temporary file + rename). A partial file (complete = 0) holds
  // the finished scenarios' statistics, not their per-run records.
  void write(bool complete, const Checkpoint* checkpoint = nullptr) {
    const ResultsData data = assembled(complete);
    if (shard_ && complete) {
      write_part(data, *checkpoint);
      return;
    }
    ScenarioTally loaded(tally_shape(study_.scenarios.front(), true));
    const KeptRunsSource kept = [&](std::size_t s) -> const ScenarioTally& {
      loaded = ScenarioTally(tally_shape(study_.scenarios[s], true));
      for (auto& block : checkpoint->load_kept_runs(static_cast<int>(s)))
        loaded.add(std::move(block));
      return loaded;
    };
    try {
      write_results_file(output_, data, complete && request_.keep_runs ? &kept : nullptr);
    } catch (const ResultsFileError& error) {
      throw RunFailure(error.what());
    }
  }

  // A shard's part file: the statistics of the scenarios it finished, and
  // the blocks of those it did part of (of all, with --keep-runs).
  void write_part(ResultsData data, const Checkpoint& checkpoint) {
    data.shard.index = shard_->index;
    data.shard.count = shard_->count;
    data.shard.keep_runs = request_.keep_runs;
    for (const ScenarioShare& share : shares_) {
      if (share.whole) data.shard.whole_scenarios.push_back(share.scenario);
      if (!share.whole || request_.keep_runs) data.shard.block_scenarios.push_back(share.scenario);
    }
    const ShardBlocksSource blocks = [&checkpoint](int s) {
      std::vector<std::byte> bytes;
      for (const auto& block : checkpoint.load_kept_runs(s)) {
        const std::vector<std::byte> serialized = serialize(block);
        append_le64(bytes, serialized.size());
        bytes.insert(bytes.end(), serialized.begin(), serialized.end());
      }
      return bytes;
    };
    try {
      write_shard_file(output_, data, blocks);
    } catch (const ResultsFileError& error) {
      throw RunFailure(error.what());
    }
  }

  // What this process simulates: a shard's shares, or every scenario whole.
  std::vector<ScenarioShare> shares() const {
    if (shard_) return shares_;
    std::vector<ScenarioShare> all;
    for (std::size_t s = 0; s < study_.scenarios.size(); ++s) {
      all.push_back({static_cast<int>(s), 0, block_count(study_.scenarios[s]), true});
    }
    return all;
  }

  const LoadedStudy& study_;
  const RunRequest& request_;
  fs::path output_;
  std::string command_line_;
  std::optional<ShardSpec> shard_;
  std::vector<ScenarioShare> shares_;
  std::mutex mutex_;
  std::vector<std::optional<ScenarioResults>> results_;
  std::vector<int> target_met_;
  double elapsed_seconds_ = 0.0;
};

void print_results(const ResultsData& results, const std::string& title, const fs::path& output) {
  std::fputs(format_summary_table(results, title, k_run_table_rows).c_str(), stdout);
  std::fprintf(stdout, "\nresults: %s\n", output.c_str());
}

ResultsData read_for_input(const fs::path& path) {
  try {
    return read_results_file(path);
  } catch (const ResultsFileError& error) {
    throw InputError(error.what());
  }
}

// --resume of a file with no saved state: fine when the file is the same
// study, complete; refused otherwise.
bool already_complete(const fs::path& output, const RunIdentity& identity) {
  const ResultsData existing = read_for_input(output);
  const auto& meta = existing.meta;
  if (meta.seed != identity.seed) {
    throw InputError(
        fmt::format("{}: cannot resume: the file was made with seed {}, this run has seed {}",
                    output.string(), meta.seed, identity.seed));
  }
  if (meta.scenario_toml != identity.scenario_toml) {
    throw InputError(fmt::format(
        "{}: cannot resume: the file was made from a different scenario (compare its scenario_toml "
        "attribute with `shortfall check`)",
        output.string()));
  }
  if (meta.complete != 1) {
    throw InputError(fmt::format(
        "{}: cannot resume: the run that wrote it did not finish and its saved state {} is gone; "
        "start over with --force",
        output.string(), Checkpoint::folder_for(output).string()));
  }
  return true;
}

// "x.toml: design point 3: run 17 under withhold: cash in month 5 is inf: ..."
std::string overflow_message(const LoadedStudy& study, const NonFiniteRunValue& overflow,
                             const std::string& source) {
  std::string where = source;
  if (study.scenarios.size() > 1 && overflow.scenario >= 0)
    where += fmt::format(": design point {}", overflow.scenario);
  // The tally's column: a structure, or in a network a (structure, provider)
  // pair, structure-major.
  std::string structure = fmt::format("structure {}", overflow.structure);
  if (overflow.scenario >= 0 && static_cast<std::size_t>(overflow.scenario) < study.scenarios.size()) {
    const Scenario& scenario = study.scenarios[static_cast<std::size_t>(overflow.scenario)];
    const int providers = scenario.provider_count();
    const int index = overflow.structure / providers;
    const int provider = overflow.structure % providers;
    const auto& structures = scenario.contract.structures;
    if (overflow.structure >= 0 && static_cast<std::size_t>(index) < structures.size()) {
      structure = structures[static_cast<std::size_t>(index)].name;
      if (providers > 1) structure += fmt::format(" for provider '{}'", scenario.provider_setup(provider).id);
    }
  }
  return fmt::format(
      "{}: run {} under {}: {}{} is {}: the scenario's values overflow double precision (money "
      "beyond about 1e308, or a demand volatility so large that activity overflows); nothing was "
      "written",
      where, overflow.run, structure, overflow.quantity,
      overflow.month > 0 ? fmt::format(" in month {}", overflow.month) : "",
      std::isnan(overflow.value) ? "NaN" : (overflow.value > 0 ? "+inf" : "-inf"));
}

}  // namespace

int run_study(const RunRequest& asked, const std::string& command_line) {
  RunRequest request = asked;
  const bool extending = !request.extend_path.empty();
  std::optional<ResultsData> extended;
  LoadedStudy study;
  fs::path output;
  if (extending) {
    output = request.extend_path;
    extended = read_for_input(output);
    if (extended->meta.complete != 1) {
      throw InputError(fmt::format(
          "{}: cannot extend an unfinished run; continue it with --resume first", output.string()));
    }
    if (!request.runs)
      throw InputError(
          fmt::format("{}: --extend needs --runs N, the new number of runs", output.string()));
    if (*request.runs < extended->meta.runs) {
      throw InputError(
          fmt::format("{}: --runs {} is below the file's {} runs; --extend only adds runs",
                      output.string(), *request.runs, extended->meta.runs));
    }
    // A fresh run with more runs keeps what the file kept.
    request.keep_runs = request.keep_runs || extended->has_kept_runs;
    const std::string source = output.string() + " (scenario_toml)";
    study = load_with_options(request, [&](const std::vector<std::string>& overrides) {
      return load_study_text(extended->meta.scenario_toml, source, overrides);
    });
  } else {
    study = load_with_options(request, [&](const std::vector<std::string>& overrides) {
      return load_study_file(request.scenario_path, overrides);
    });
    output = request.output_path.empty() ? default_output_path(request.scenario_path)
                                         : fs::path(request.output_path);
  }
  print_warnings(study.warnings);
  require_memory_for(study.scenarios, request.keep_runs, request.threads,
                     extending ? output.string() : request.scenario_path);

  std::optional<ShardSpec> shard;
  if (request.shard) shard = parse_shard(*request.shard);
  RunIdentity identity = identity_of(study, request.keep_runs);
  // A shard's saved state continues only that shard.
  if (shard) identity.format_version += fmt::format("; shard {}/{}", shard->index, shard->count);
  const fs::path folder = Checkpoint::folder_for(output);
  const bool continuing = request.resume || extending;
  check_output_path(output, request.force || continuing);
  // Before anything touches the checkpoint folder or the file.
  const OutputLock lock(output);

  std::optional<Checkpoint> checkpoint;
  if (extending && Checkpoint::exists(folder)) {
    // The saved state of an interrupted extension continues only the same
    // extension; any other is abandoned.
    try {
      checkpoint.emplace(Checkpoint::open(folder, identity));
    } catch (const InputError&) {
      checkpoint.emplace(Checkpoint::create(folder, identity));
    }
  } else if (request.resume && Checkpoint::exists(folder)) {
    checkpoint.emplace(Checkpoint::open(folder, identity));
  } else if (request.resume && fs::exists(output) && already_complete(output, identity)) {
    if (!request.quiet) print_results(read_for_input(output), study.title, output);
    return 0;
  } else {
    if (!continuing && !request.force && Checkpoint::exists(folder)) {
      throw InputError(fmt::format(
          "{}: {} holds the saved state of an interrupted run: continue it with --resume, or start "
          "over with --force",
          output.string(), folder.string()));
    }
    checkpoint.emplace(Checkpoint::create(folder, identity));
  }

  // The other ranks of an MPI job (if any) start from the resolved text, so
  // every rank simulates exactly rank 0's scenarios.
  start_worker_ranks(0, study.resolved_toml, request.keep_runs, request.threads);
  StudyRun run(study, request, output, command_line, shard);
  // An interrupted --extend leaves the finished file as it was; a shard's
  // part file is written only whole.
  int code = 0;
  try {
    code = run.execute(*checkpoint, !extending && !shard);
  } catch (const NonFiniteRunValue& overflow) {
    // The study as given cannot be simulated: refuse it like bad input, and
    // leave no saved state behind unless this run continued an earlier one.
    if (!continuing) checkpoint->remove();
    throw InputError(overflow_message(study, overflow,
                                      extending ? output.string() : request.scenario_path));
  }
  if (code != 0) {
    const std::string shard_option =
        shard ? fmt::format(" --shard {}/{}", shard->index, shard->count) : "";
    const std::string again =
        extending
            ? fmt::format("shortfall run --extend {} --runs {}", output.string(), *request.runs)
            : fmt::format("shortfall run {}{} --resume -o {}", request.scenario_path, shard_option,
                          output.string());
    std::fprintf(stderr, "shortfall: continue with: %s\n", again.c_str());
    return code;
  }
  if (!request.quiet) print_results(run.assembled(true), study.title, output);
  return 0;
}

int check_study(const std::string& path, const std::vector<std::string>& overrides, int threads) {
  const LoadedStudy study = load_study_file(path, overrides);
  print_warnings(study.warnings);
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
               first.provider_count() > 1 ? fmt::format(" x {} providers", first.provider_count()).c_str()
                                          : "",
               first.simulation.stops_on_precision() ? "up to " : "",
               static_cast<long long>(first.simulation.most_runs()),
               first.simulation.stops_on_precision() ? "up to " : "", static_cast<long long>(work));
  std::fprintf(stdout, "# memory: about %s at the peak, of %s this process may use\n",
               format_bytes(peak_memory_estimate(study.scenarios, false, threads)).c_str(),
               format_bytes(available_memory()).c_str());

  // Calibration: a few short blocks spread over the design, on one thread.
  constexpr int k_calibration_runs = 64;
  const std::size_t samples = std::min<std::size_t>(points, 3);
  std::int64_t calibrated = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < samples; ++i) {
    const std::size_t p = samples == 1 ? 0 : i * (points - 1) / (samples - 1);
    const Scenario& scenario = study.scenarios[p];
    const ScenarioModel model(scenario);
    const int runs = static_cast<int>(
        std::min<std::int64_t>(k_calibration_runs, scenario.simulation.most_runs()));
    simulate_block(scenario, model, WorkUnit{static_cast<int>(p), 0, 0, runs}, false);
    calibrated += std::int64_t{runs} * tally_columns(scenario);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int cores =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (seconds > 0) {
    const double per_thread = static_cast<double>(calibrated) / seconds;
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

namespace {

struct Part {
  fs::path path;
  ResultsData data;
};

// The shards must be the N parts of one study: the same scenario text, seed,
// run count and format, each K once, none missing.
void check_parts(const std::vector<Part>& parts) {
  const Part& first = parts.front();
  const auto& reference = first.data.meta;
  const int count = first.data.shard.count;
  std::vector<const Part*> by_index(static_cast<std::size_t>(count) + 1, nullptr);
  for (const Part& part : parts) {
    const auto& meta = part.data.meta;
    const std::string name = part.path.string();
    if (part.data.shard.index == 0) {
      throw InputError(
          fmt::format("{}: not a shard's part file (it has no shard attribute); merge joins "
                      "the files of `shortfall run --shard K/N`",
                      name));
    }
    const std::string which = fmt::format("{}/{}", part.data.shard.index, part.data.shard.count);
    if (meta.format_version != reference.format_version) {
      throw InputError(fmt::format("{}: format version {}, but {} has {}", name,
                                   meta.format_version, first.path.string(),
                                   reference.format_version));
    }
    if (part.data.shard.count != count) {
      throw InputError(fmt::format("{}: shard {} of a split into {}, but {} is of a split into {}",
                                   name, which, part.data.shard.count, first.path.string(), count));
    }
    if (meta.seed != reference.seed) {
      throw InputError(fmt::format("{}: seed {}, but {} has seed {}: not shards of one study", name,
                                   meta.seed, first.path.string(), reference.seed));
    }
    if (meta.scenario_toml != reference.scenario_toml || meta.runs != reference.runs ||
        part.data.shard.keep_runs != first.data.shard.keep_runs) {
      throw InputError(
          fmt::format("{}: made from a different scenario (or runs, or --keep-runs) than {}: "
                      "not shards of one study",
                      name, first.path.string()));
    }
    if (meta.complete != 1) {
      throw InputError(
          fmt::format("{}: shard {} did not finish; continue it with --resume first", name, which));
    }
    const Part*& slot = by_index[static_cast<std::size_t>(part.data.shard.index)];
    if (slot != nullptr) {
      throw InputError(
          fmt::format("{} and {} are both shard {}", slot->path.string(), name, which));
    }
    slot = &part;
  }
  std::vector<std::string> missing;
  for (int k = 1; k <= count; ++k) {
    if (by_index[static_cast<std::size_t>(k)] == nullptr)
      missing.push_back(fmt::format("{}/{}", k, count));
  }
  if (!missing.empty()) {
    throw InputError(fmt::format("shard{} {} missing: merge needs all {} parts",
                                 missing.size() > 1 ? "s" : "", fmt::join(missing, ", "), count));
  }
}

// The blocks of scenario s from every part holding some, in shard order (the
// parts are sorted by K), as one tally.
ScenarioTally gather_blocks(const std::vector<Part>& parts, const Scenario& scenario, int s,
                            bool keep_runs) {
  ScenarioTally tally(tally_shape(scenario, keep_runs));
  for (const Part& part : parts) {
    const auto& listed = part.data.shard.block_scenarios;
    if (std::find(listed.begin(), listed.end(), s) == listed.end()) continue;
    std::vector<std::byte> bytes;
    try {
      bytes = read_shard_blocks(part.path, s);
    } catch (const ResultsFileError& error) {
      throw InputError(error.what());
    }
    try {
      for (const std::span<const std::byte> block : split_shard_blocks(bytes, part.path, s)) {
        try {
          tally.add(deserialize_block_tally(block));
        } catch (const std::exception& error) {
          throw InputError(fmt::format("{}: scenario {}: {}", part.path.string(), s, error.what()));
        }
      }
    } catch (const ResultsFileError& error) {
      throw InputError(error.what());
    }
  }
  return tally;
}

}  // namespace

int merge_shard_files(const MergeRequest& request, const std::string& command_line) {
  if (request.parts.empty()) throw InputError("merge: give the shard files to join");
  const fs::path output(request.output_path);
  check_output_path(output, request.force);
  const OutputLock lock(output);
  std::vector<Part> parts;
  for (const auto& path : request.parts) parts.push_back({path, read_for_input(path)});
  check_parts(parts);
  std::sort(parts.begin(), parts.end(),
            [](const Part& a, const Part& b) { return a.data.shard.index < b.data.shard.index; });

  const Part& first = parts.front();
  const LoadedStudy study =
      load_study_text(first.data.meta.scenario_toml, first.path.string() + " (scenario_toml)");
  const auto scenario_count = study.scenarios.size();
  const bool keep_runs = first.data.shard.keep_runs;

  ResultsData merged;
  merged.meta = describe_run(study, command_line);
  merged.meta.complete = 1;
  merged.swept_keys = swept_key_columns(study);
  const bool stopping = study.scenarios.front().simulation.stops_on_precision();
  if (stopping) merged.target_met.assign(scenario_count, 0);
  for (const Part& part : parts) merged.meta.elapsed_seconds += part.data.meta.elapsed_seconds;
  for (std::size_t s = 0; s < scenario_count; ++s) {
    const Scenario& scenario = study.scenarios[s];
    const int index = static_cast<int>(s);
    const Part* owner = nullptr;
    for (const Part& part : parts) {
      const auto& whole = part.data.shard.whole_scenarios;
      if (std::find(whole.begin(), whole.end(), index) != whole.end()) owner = &part;
    }
    if (owner != nullptr) {
      merged.scenarios.push_back(owner->data.scenarios[s]);
      if (stopping) merged.target_met[s] = owner->data.target_met.at(s);
      continue;
    }
    // Cut between shards: finalised here from every part's blocks, in order.
    const ScenarioTally tally = gather_blocks(parts, scenario, index, keep_runs);
    if (tally.runs() != scenario.simulation.most_runs()) {
      throw InputError(fmt::format("scenario {}: the shards hold {} of its {} runs", s,
                                   tally.runs(), scenario.simulation.most_runs()));
    }
    merged.scenarios.push_back(finalize_scenario(tally, request.threads));
  }

  ScenarioTally loaded(tally_shape(study.scenarios.front(), true));
  const KeptRunsSource kept = [&](std::size_t s) -> const ScenarioTally& {
    loaded = gather_blocks(parts, study.scenarios[s], static_cast<int>(s), true);
    return loaded;
  };
  try {
    write_results_file(output, merged, keep_runs ? &kept : nullptr);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
  if (!request.quiet) print_results(merged, study.title, output);
  return 0;
}

}  // namespace shortfall
