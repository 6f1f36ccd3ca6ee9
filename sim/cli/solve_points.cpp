#include "sim/cli/solve_points.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "sim/cli/overflow_message.h"
#include "sim/engine/cluster.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/engine/memory_budget.h"
#include "sim/engine/study_engine.h"
#include "sim/input/scenario_loader.h"
#include "sim/input/solve_study.h"

namespace shortfall {

SolvePoints::SolvePoints(SolvePointsSettings settings, Checkpoint& checkpoint)
    : settings_(std::move(settings)), checkpoint_(checkpoint) {
  for (const int e : checkpoint_.finished_scenarios()) saved_.emplace(e, checkpoint_.load_scenario(e));
  // A saved point counts its whole work: its runs are done.
  const std::int64_t already_done = static_cast<std::int64_t>(saved_.size()) * settings_.work_per_point;
  total_work_ =
      std::max<std::int64_t>(already_done, settings_.work_per_point * settings_.expected_points);
  progress_.emplace(total_work_, !settings_.quiet, already_done);
}

std::span<const EvaluatedPoint> SolvePoints::evaluate(std::span<const double> points) {
  const std::string text = points_study_text(settings_.scenario, settings_.key, points);
  const LoadedStudy study = load_study_text(text, settings_.source);
  const int first = static_cast<int>(points_.size());
  const std::size_t count = points.size();
  std::vector<std::optional<FinishedScenario>> done(count);
  std::vector<bool> finished(count, false);
  for (std::size_t j = 0; j < count; ++j) {
    const auto saved = saved_.find(first + static_cast<int>(j));
    if (saved == saved_.end()) continue;
    done[j] = std::move(saved->second);
    saved_.erase(saved);
    finished[j] = true;
    ++resumed_;
    counted_work_ += settings_.work_per_point;
  }

  const auto unfinished = std::count(finished.begin(), finished.end(), false);
  const std::int64_t needed = counted_work_ + unfinished * settings_.work_per_point;
  if (needed > total_work_) {
    progress_->grow(needed - total_work_);
    total_work_ = needed;
  }
  if (unfinished > 0) {
    if (first == 0) require_memory_for(study.scenarios, KeptPerRun::nothing, settings_.threads,
                                      settings_.source);
    // The other ranks of an MPI job (if any) serve this batch from its text.
    start_worker_study(text, false, settings_.threads);
    std::mutex mutex;
    StudyEngineOptions options;
    options.threads = settings_.threads;
    options.finished = finished;
    options.saved_blocks = [&](int s) { return checkpoint_.load_blocks(first + s); };
    options.saved_state = [&](int s) { return checkpoint_.load_state(first + s); };
    options.on_scenario_done = [&](int s, ScenarioResults&& results, bool target_met,
                                   const ScenarioTally&) {
      checkpoint_.save_scenario(first + s, {results, target_met});
      checkpoint_.drop_blocks(first + s);
      std::lock_guard lock(mutex);
      done[static_cast<std::size_t>(s)] = FinishedScenario{std::move(results), target_met};
    };
    options.on_progress = [this](std::int64_t work) { progress_->add(work); };
    options.on_work_dropped = [this](std::int64_t work) { progress_->drop(work); };
    options.stop_requested = &interrupt_.stop_requested();
    options.on_unfinished_state = [&](int s, const ScenarioTally& merged) {
      checkpoint_.save_state(first + s, merged);
    };
    options.on_unfinished_block = [&](int s, const BlockTally& block) {
      checkpoint_.save_block(first + s, block);
    };
    bool complete = false;
    try {
      complete = simulate_study(study.scenarios, options);
    } catch (const NonFiniteRunValue& overflow) {
      throw InputError(overflow_message(study, overflow, settings_.source));
    }
    if (!complete) throw SolveStopped();
    for (std::size_t j = 0; j < count; ++j) {
      if (!finished[j]) counted_work_ += settings_.work_per_point;
    }
  }

  for (std::size_t j = 0; j < count; ++j) {
    points_.push_back({points[j], std::move(done[j]->results), done[j]->target_met});
  }
  return std::span<const EvaluatedPoint>(points_).last(count);
}

void SolvePoints::expect(int points) {
  const std::int64_t total = counted_work_ + static_cast<std::int64_t>(points) * settings_.work_per_point;
  if (total > total_work_) progress_->grow(total - total_work_);
  if (total < total_work_) progress_->drop(total_work_ - total);
  total_work_ = total;
}

void SolvePoints::finish() {
  // The bar's total was an estimate: what was not needed is dropped.
  if (total_work_ > counted_work_) progress_->drop(total_work_ - counted_work_);
  progress_->finish();
}

}  // namespace shortfall
