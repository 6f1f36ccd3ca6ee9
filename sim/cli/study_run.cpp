#include "sim/cli/study_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "analysis/saved_states.h"
#include "analysis/tally_serialization.h"
#include "sim/cli/interrupt.h"
#include "sim/cli/progress.h"
#include "sim/cli/results_metadata.h"
#include "sim/cli/study_loading.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/engine/study_engine.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// The statistics of a scenario not run yet: every value NaN, no runs.
ScenarioResults not_run(const Scenario& scenario) {
  return ScenarioTally(tally_shape(scenario, false)).finalize();
}

// The merged state a finished scenario left in the checkpoint, as bytes;
// none when it left blocks (--keep-runs) or nothing (an older checkpoint).
std::vector<std::byte> finished_state_bytes(const Checkpoint& checkpoint, int scenario) {
  const std::optional<ScenarioTally> state = checkpoint.load_finished_state(scenario);
  return state ? serialize(*state) : std::vector<std::byte>{};
}

// Run-structures of a scenario's blocks [first_block, end_block).
std::int64_t work_of(const Scenario& scenario, const ScenarioShare& share) {
  const std::int64_t first = share.first_block * k_runs_per_block;
  const std::int64_t end =
      std::min(share.end_block * k_runs_per_block, scenario.simulation.most_runs());
  return (end - first) * tally_columns(scenario);
}

}  // namespace

StudyRun::StudyRun(const LoadedStudy& study, StudyRunSettings settings, fs::path output,
                   std::string command_line, std::optional<ShardSpec> shard)
    : study_(study),
      settings_(settings),
      output_(std::move(output)),
      command_line_(std::move(command_line)),
      shard_(shard),
      results_(study.scenarios.size()),
      target_met_(study.scenarios.size(), 0) {
  if (shard_) shares_ = shard_work(study.scenarios, *shard_);
}

int StudyRun::execute(Checkpoint& checkpoint, bool write_partial_file) {
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
  if (finished_count > 0 && !settings_.quiet) {
    std::fprintf(stderr, "shortfall: resuming: %lld of %zu scenarios already finished in %s\n",
                 static_cast<long long>(finished_count), scenario_count,
                 checkpoint.folder().c_str());
  }

  ProgressReporter progress(total, !settings_.quiet, already_done);
  InterruptHandler interrupt;
  StudyEngineOptions options;
  options.threads = settings_.threads;
  options.keep_runs = settings_.keep_runs;
  options.finished = finished;
  options.saved_blocks = [&checkpoint](int s) { return checkpoint.load_blocks(s); };
  // An interrupted run's state first (it is further on), then, extending,
  // the file's: a state that does not fit the run is not taken.
  options.saved_state = [&](int s) -> std::optional<ScenarioTally> {
    if (auto saved = checkpoint.load_state(s)) return saved;
    if (settings_.extending.empty() || settings_.keep_runs) return std::nullopt;
    try {
      std::optional<ScenarioTally> earlier = read_saved_state(settings_.extending, s);
      if (earlier) ++reused_states_;
      return earlier;
    } catch (const ResultsFileError& error) {
      if (!settings_.quiet)
        std::fprintf(stderr, "shortfall: warning: %s; its runs are simulated again\n", error.what());
      return std::nullopt;
    }
  };
  options.on_scenario_done = [&](int s, ScenarioResults&& results, bool target_met,
                                 const ScenarioTally& tally) {
    // Its merged state (or, with --keep-runs, its blocks) for the results file.
    checkpoint.save_kept_runs(s, tally);
    checkpoint.save_scenario(s, {results, target_met});
    checkpoint.drop_blocks(s);
    std::lock_guard lock(mutex_);
    results_[static_cast<std::size_t>(s)] = std::move(results);
    target_met_[static_cast<std::size_t>(s)] = target_met ? 1 : 0;
  };
  if (shard_) options.shares = shares_;
  // Part of a scenario (a shard's): its merged state (its blocks with
  // --keep-runs), for `shortfall merge`, and a result without runs marking
  // it done.
  options.on_part_done = [&](int s, const ScenarioTally& part) {
    checkpoint.save_kept_runs(s, part);
    checkpoint.save_scenario(s, {not_run(study_.scenarios[static_cast<std::size_t>(s)]), false});
    checkpoint.drop_blocks(s);
  };
  options.on_progress = [&progress](std::int64_t done) { progress.add(done); };
  options.on_work_dropped = [&progress](std::int64_t dropped) { progress.drop(dropped); };
  options.stop_requested = &interrupt.stop_requested();
  options.on_unfinished_state = [&checkpoint](int s, const ScenarioTally& merged) {
    checkpoint.save_state(s, merged);
  };
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
  if (!settings_.extending.empty() && !settings_.quiet) {
    std::fprintf(stderr,
                 "shortfall: extending: the runs %s held were reused for %d of %zu scenarios; "
                 "only new runs were simulated for them\n",
                 settings_.extending.c_str(), reused_states_.load(), scenario_count);
  }
  return 0;
}

ResultsData StudyRun::assembled(bool complete) const {
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

// Atomic (temporary file + rename). A partial file (complete = 0) holds
// the finished scenarios' statistics, not their per-run records.
void StudyRun::write(bool complete, const Checkpoint* checkpoint) {
  const ResultsData data = assembled(complete);
  if (shard_ && complete) {
    write_part(data, *checkpoint);
    return;
  }
  ScenarioTally loaded(tally_shape(study_.scenarios.front(), true));
  const KeptRunsSource kept = [&](std::size_t s) -> const ScenarioTally& {
    loaded = ScenarioTally(tally_shape(study_.scenarios[s], true));
    for (auto& work : checkpoint->load_saved_work(static_cast<int>(s)))
      add_saved_work(loaded, std::move(work));
    return loaded;
  };
  const SavedStatesSource states = [checkpoint](int s) { return finished_state_bytes(*checkpoint, s); };
  try {
    write_results_file(output_, data, complete && settings_.keep_runs ? &kept : nullptr,
                       complete && !settings_.keep_runs && settings_.write_states ? &states
                                                                                  : nullptr);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
}

// A shard's part file: the statistics of the scenarios it finished, and
// the blocks of those it did part of (of all, with --keep-runs).
void StudyRun::write_part(ResultsData data, const Checkpoint& checkpoint) {
  data.shard.index = shard_->index;
  data.shard.count = shard_->count;
  data.shard.keep_runs = settings_.keep_runs;
  for (const ScenarioShare& share : shares_) {
    if (share.whole) data.shard.whole_scenarios.push_back(share.scenario);
    if (!share.whole || settings_.keep_runs) data.shard.block_scenarios.push_back(share.scenario);
  }
  const ShardBlocksSource blocks = [&checkpoint](int s) {
    return shard_blocks_bytes(checkpoint.load_saved_work(s));
  };
  const SavedStatesSource states = [&](int s) {
    const auto& whole = data.shard.whole_scenarios;
    if (settings_.keep_runs || !settings_.write_states ||
        std::find(whole.begin(), whole.end(), s) == whole.end()) {
      return std::vector<std::byte>{};
    }
    return finished_state_bytes(checkpoint, s);
  };
  try {
    write_shard_file(output_, data, blocks, &states);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
}

// What this process simulates: a shard's shares, or every scenario whole.
std::vector<ScenarioShare> StudyRun::shares() const {
  if (shard_) return shares_;
  std::vector<ScenarioShare> all;
  for (std::size_t s = 0; s < study_.scenarios.size(); ++s) {
    all.push_back({static_cast<int>(s), 0, block_count(study_.scenarios[s]), true});
  }
  return all;
}

}  // namespace shortfall
