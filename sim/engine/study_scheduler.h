// The scheduler of a study's work units (sim/engine/study_engine.h): internal to
// the engine and to the MPI coordinator (sim/engine/cluster.cpp), which hands its
// units to other ranks.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <variant>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "analysis/tally_serialization.h"
#include "sim/engine/engine.h"
#include "sim/engine/study_engine.h"
#include "sim/engine/thread_sanitizer.h"

namespace shortfall::detail {

// A scenario being simulated: its model, its blocks finished out of turn,
// and the merge of the blocks in order.
struct ActiveScenario {
  ActiveScenario(const Scenario& scenario_, const ScenarioShare& share_, bool keep_runs,
                 bool keep_blocks)
      : index(share_.scenario),
        scenario(scenario_),
        share(share_),
        model(scenario_),
        tally(tally_shape(scenario_, keep_runs), share_.first_block * k_runs_per_block, keep_blocks),
        next_block(share_.first_block),
        shortfalls(static_cast<std::size_t>(tally_columns(scenario_)), 0) {
    for (const auto& unit : plan_work_units(index, scenario_.simulation.most_runs())) {
      if (unit.block >= share.first_block && unit.block < share.end_block) units.push_back(unit);
    }
    saved.assign(units.size(), false);
  }

  int index;
  const Scenario& scenario;
  ScenarioShare share;
  ScenarioModel model;
  std::vector<WorkUnit> units;    // the blocks of the share, in order
  std::vector<bool> saved;        // [unit]: merged from a saved block, not simulated
  std::size_t next_to_issue = 0;  // into units
  ScenarioTally tally;
  std::int64_t next_block;  // the next block to merge
  int in_flight = 0;
  // Finished out of turn, by first block: blocks, or the merged state of
  // consecutive blocks (a span another MPI rank simulated).
  std::map<std::int64_t, SavedWork> waiting;
  std::vector<std::int64_t> shortfalls;        // [structure], of the merged runs
  bool done = false;
  bool target_met = false;
  bool finalising = false;  // handed to one thread to finalise
};

using ActivePointer = std::shared_ptr<ActiveScenario>;

struct Assignment {
  ActivePointer scenario;
  WorkUnit unit;
};

// Consecutive units of one scenario, simulated by one MPI rank and returned
// as one merged state.
struct SpanAssignment {
  ActivePointer scenario;
  std::vector<WorkUnit> units;
};

// Hands out work units and merges finished blocks. One mutex guards it all:
// a block takes tens of milliseconds, so the lock is never contended.
class StudyScheduler {
 public:
  StudyScheduler(std::span<const Scenario> scenarios, const StudyEngineOptions& options,
                 int threads)
      : scenarios_(scenarios),
        options_(options),
        // A few scenarios per thread keep every thread busy while the last
        // blocks of a scenario finish, without holding the sweep in memory.
        window_(2 * threads + 2),
        // Blocks of a precision-stopped scenario simulated ahead of the
        // decision: enough to keep the threads busy, few enough that little
        // work is thrown away when the target is met.
        lookahead_(threads + 1),
        shares_(options.shares.value_or(std::vector<ScenarioShare>{})) {
    if (!options.shares) {
      for (std::size_t s = 0; s < scenarios.size(); ++s) {
        shares_.push_back({static_cast<int>(s), 0, block_count(scenarios[s]), true});
      }
    }
  }

  // The next unit to simulate; nothing when the study is done or stopped.
  std::optional<Assignment> next() {
    std::unique_lock lock(mutex_);
    while (true) {
      if (stop_requested()) return std::nullopt;
      for (auto& active : active_) {
        if (auto unit = issue_from(*active)) return Assignment{active, *unit};
      }
      if (std::ssize(active_) < window_ && open_next_scenario(lock)) continue;
      if (active_.empty() && next_share_ >= shares_.size()) return std::nullopt;
      // Something is in flight and will notify; the timeout is a guard only.
      changed_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

  // Without waiting: a unit if one can be issued now. `more` says whether
  // more may come later (blocks in flight may open the window or, for a
  // scenario stopping on precision, allow more look-ahead).
  std::optional<Assignment> try_next(bool& more) {
    std::unique_lock lock(mutex_);
    return try_next_locked(lock, more);
  }

  // Without waiting: consecutive units of one scenario, about
  // 1/spans_per_scenario of its units (one when spans_per_scenario is 0, and
  // for a scenario stopping on precision, whose rule is asked after every
  // block), or nothing; `more` as for try_next.
  std::optional<SpanAssignment> try_next_span(bool& more, int spans_per_scenario) {
    // One lock for the whole span, so rank 0's own threads never take a unit
    // from its middle: a scenario goes out in at most spans_per_scenario + 1
    // spans whatever its runs.
    std::unique_lock lock(mutex_);
    std::optional<Assignment> first = try_next_locked(lock, more);
    if (!first) return std::nullopt;
    SpanAssignment span{first->scenario, {first->unit}};
    ActiveScenario& active = *span.scenario;
    const auto units = static_cast<std::int64_t>(active.units.size());
    const std::int64_t most_units =
        spans_per_scenario <= 0 ? 1 : std::max<std::int64_t>(1, (units + spans_per_scenario - 1) / spans_per_scenario);
    // Saved units, and units issued before (to rank 0's threads), end a span.
    while (std::ssize(span.units) < most_units && !active.scenario.simulation.stops_on_precision() &&
           active.next_to_issue < active.units.size() && !active.saved[active.next_to_issue] &&
           active.units[active.next_to_issue].block == span.units.back().block + 1) {
      const auto unit = issue_from(active);
      if (!unit) break;
      span.units.push_back(*unit);
    }
    return span;
  }

  // A block is finished: merge what can be merged, in order, deciding after
  // each block whether its scenario stops. A finished scenario is finalised
  // here, outside the lock.
  void finished(const ActivePointer& active, BlockTally block) {
    const std::int64_t first_block = block.first_run() / k_runs_per_block;
    finished_work(active, first_block, 1, SavedWork(std::move(block)));
  }

  // A span's merged state is finished (`units` of them, from `first_block`).
  void finished(const ActivePointer& active, std::int64_t first_block, int units,
                ScenarioTally span) {
    finished_work(active, first_block, units, SavedWork(std::move(span)));
  }

  // After a stop: the finished blocks of every scenario not done, in order.
  void hand_over_unfinished() {
    std::lock_guard lock(mutex_);
    if (!options_.on_unfinished_block) return;
    for (const auto& active : active_) {
      if (!active->tally.keeps_blocks() && active->tally.runs() > 0 && options_.on_unfinished_state)
        options_.on_unfinished_state(active->index, active->tally);
      for (const auto& block : active->tally.blocks())
        options_.on_unfinished_block(active->index, block);
      // A span's state finished out of turn is not saved: its runs are
      // simulated again on resume.
      for (const auto& [index, work] : active->waiting) {
        if (const auto* block = std::get_if<BlockTally>(&work))
          options_.on_unfinished_block(active->index, *block);
      }
    }
  }

  bool all_done() const { return active_.empty() && next_share_ >= shares_.size(); }

  // A worker failed: hand out no more work.
  void fail() {
    failed_.store(true);
    std::lock_guard lock(mutex_);
    changed_.notify_all();
  }

 private:
  // try_next with the lock held (open_next_scenario may release it while
  // it finalises a scenario whose every block was saved).
  std::optional<Assignment> try_next_locked(std::unique_lock<std::mutex>& lock, bool& more) {
    while (true) {
      if (stop_requested()) {
        more = false;
        return std::nullopt;
      }
      for (auto& active : active_) {
        if (auto unit = issue_from(*active)) {
          more = true;
          return Assignment{active, *unit};
        }
      }
      if (std::ssize(active_) < window_ && open_next_scenario(lock)) continue;
      more = !(active_.empty() && next_share_ >= shares_.size());
      return std::nullopt;
    }
  }

  void finished_work(const ActivePointer& active, std::int64_t first_block, int units,
                     SavedWork work) {
    std::unique_lock lock(mutex_);
    active->in_flight -= units;
    if (!active->done) {
      active->waiting.emplace(first_block, std::move(work));
      merge_in_order(*active);
    }
    const bool finalise_now = active->done && !active->finalising;
    if (finalise_now) mark_finalising(active);
    changed_.notify_all();
    lock.unlock();
    if (finalise_now) finalise(*active);
  }

  bool stop_requested() const {
    return failed_.load() ||
           (options_.stop_requested != nullptr && options_.stop_requested->load());
  }

  std::optional<WorkUnit> issue_from(ActiveScenario& active) {
    if (active.done) return std::nullopt;
    // Saved blocks are merged, not simulated.
    while (active.next_to_issue < active.units.size() && active.saved[active.next_to_issue]) {
      ++active.next_to_issue;
    }
    if (active.next_to_issue >= active.units.size()) return std::nullopt;
    const auto merged = static_cast<std::size_t>(active.next_block - active.share.first_block);
    if (active.scenario.simulation.stops_on_precision() &&
        active.next_to_issue >= merged + static_cast<std::size_t>(lookahead_)) {
      return std::nullopt;
    }
    ++active.in_flight;
    return active.units[active.next_to_issue++];
  }

  // Opens the next scenario not already finished. The model is built under
  // the lock: it takes microseconds, and keeps the scenario order simple.
  bool open_next_scenario(std::unique_lock<std::mutex>& lock) {
    while (next_share_ < shares_.size() &&
           is_finished(static_cast<std::size_t>(shares_[next_share_].scenario))) {
      ++next_share_;
    }
    if (next_share_ >= shares_.size()) return false;
    const ScenarioShare& share = shares_[next_share_++];
    auto active = std::make_shared<ActiveScenario>(
        scenarios_[static_cast<std::size_t>(share.scenario)], share, options_.keep_runs,
        options_.keep_blocks);
    if (options_.saved_state && !active->tally.keeps_blocks()) take_saved_state(*active);
    if (options_.saved_blocks) {
      for (auto& block : options_.saved_blocks(share.scenario)) {
        const std::int64_t number = block.first_run() / k_runs_per_block;
        if (number < share.first_block || number >= share.end_block) continue;
        const auto unit = static_cast<std::size_t>(number - share.first_block);
        if (active->saved[unit]) continue;
        active->saved[unit] = true;
        active->waiting.emplace(number, std::move(block));
      }
    }
    active_.push_back(active);
    merge_in_order(*active);
    if (active->done && !active->finalising) {
      // Every block it needed was saved: finish it without simulating.
      mark_finalising(active);
      lock.unlock();
      finalise(*active);
      lock.lock();
    }
    return true;
  }

  // A saved merged state of the share's first runs (an interrupted run's, or
  // an extended file's): the tally starts from it, and the blocks it holds
  // are neither simulated nor merged again. A state ending inside a block
  // (a file extended from a run count that is not a multiple of the block
  // size) shortens that block to the runs after it: splitting a block
  // changes no bit, as the sums are exact and the sketches integer counts.
  // The stopping rule is then asked only at a block's end, as a run that
  // never stopped there would ask it.
  void take_saved_state(ActiveScenario& active) {
    std::optional<ScenarioTally> saved = options_.saved_state(active.index);
    if (!saved || saved->first_run() != active.tally.first_run() || saved->runs() == 0) return;
    const std::int64_t end_run = saved->first_run() + saved->runs();
    const auto unit_end = [](const WorkUnit& unit) { return unit.first_run + unit.run_count; };
    std::size_t covered = 0;
    while (covered < active.units.size() && unit_end(active.units[covered]) <= end_run) ++covered;
    const bool inside_a_block =
        covered < active.units.size() && active.units[covered].first_run < end_run;
    if (!inside_a_block && (covered == 0 || unit_end(active.units[covered - 1]) != end_run)) {
      return;  // more runs than the share holds: not this run's state
    }
    active.tally.add(*saved);
    if (inside_a_block) {
      WorkUnit& rest = active.units[covered];
      rest.run_count = static_cast<int>(unit_end(rest) - end_run);
      rest.first_run = end_run;
    }
    for (std::size_t unit = 0; unit < covered; ++unit) active.saved[unit] = true;
    active.next_block += static_cast<std::int64_t>(covered);
    for (std::size_t s = 0; s < active.shortfalls.size(); ++s)
      active.shortfalls[s] += saved->shortfalls(static_cast<int>(s));
    if (options_.on_progress)
      options_.on_progress(saved->runs() * static_cast<std::int64_t>(active.shortfalls.size()));
    if (!inside_a_block) decide(active);
  }

  bool is_finished(std::size_t scenario) const {
    return scenario < options_.finished.size() && options_.finished[scenario];
  }

  void merge_in_order(ActiveScenario& active) {
    const auto structures = static_cast<std::size_t>(tally_columns(active.scenario));
    while (!active.done) {
      const auto found = active.waiting.find(active.next_block);
      if (found == active.waiting.end()) return;
      std::int64_t runs = 0;
      std::int64_t blocks = 1;
      if (auto* block = std::get_if<BlockTally>(&found->second)) {
        for (std::size_t s = 0; s < structures; ++s)
          active.shortfalls[s] += block->shortfall_count(static_cast<int>(s));
        runs = block->run_count();
        active.tally.add(std::move(*block));
      } else {
        const ScenarioTally& span = std::get<ScenarioTally>(found->second);
        for (std::size_t s = 0; s < structures; ++s)
          active.shortfalls[s] += span.shortfalls(static_cast<int>(s));
        runs = span.runs();
        blocks = units_in(active, span);
        active.tally.add(span);
      }
      active.waiting.erase(found);
      active.next_block += blocks;
      if (options_.on_progress) options_.on_progress(runs * static_cast<std::int64_t>(structures));
      decide(active);
    }
  }

  // The units a span's state covers, from the next block to merge.
  static std::int64_t units_in(const ActiveScenario& active, const ScenarioTally& span) {
    auto unit = static_cast<std::size_t>(active.next_block - active.share.first_block);
    const std::int64_t end_run = span.first_run() + span.runs();
    std::int64_t count = 0;
    while (unit < active.units.size() &&
           active.units[unit].first_run + active.units[unit].run_count <= end_run) {
      ++unit;
      ++count;
    }
    if (count == 0 || active.units[unit - 1].first_run + active.units[unit - 1].run_count != end_run)
      throw std::logic_error("StudyScheduler: a span's state does not end on a block's end");
    return count;
  }

  // After a merge: is the scenario (or the share) done?
  void decide(ActiveScenario& active) {
    if (!active.share.whole) {
      // Part of a scenario: done with its blocks; the merge decides nothing.
      active.done = active.next_block == active.share.end_block;
      return;
    }
    const auto structures = static_cast<std::int64_t>(tally_columns(active.scenario));
    const auto decision =
        stopping_decision(active.scenario.simulation, active.tally.runs(), active.shortfalls);
    if (decision != StopDecision::go_on) {
      active.done = true;
      active.target_met = decision == StopDecision::target_met;
      active.waiting.clear();
      const std::int64_t left = active.scenario.simulation.most_runs() - active.tally.runs();
      if (left > 0 && options_.on_work_dropped) options_.on_work_dropped(left * structures);
    }
  }

  void mark_finalising(const ActivePointer& active) {
    active->finalising = true;
    active_.remove(active);
  }

  void finalise(ActiveScenario& active) {
    if (!active.share.whole) {
      if (options_.on_part_done) options_.on_part_done(active.index, active.tally);
      release(active);
      return;
    }
    ScenarioResults results;
    // Isolated, so this thread waits only for its own quantile tasks, never
    // for another scenario's worker loop it might otherwise steal.
    tbb::this_task_arena::isolate([&] {
      results = active.tally.finalize(
          [](std::size_t count, const std::function<void(std::size_t)>& body) {
            parallel_for_index(count, body);
          });
    });
    if (options_.on_scenario_done) {
      options_.on_scenario_done(active.index, std::move(results), active.target_met, active.tally);
    }
    release(active);
  }

  // Frees the per-run values now (blocks still in flight keep the rest of
  // the scenario alive) and lets a waiting worker open the next scenario.
  void release(ActiveScenario& active) {
    active.tally = ScenarioTally(active.tally.shape(), 0, active.tally.keeps_blocks());
    std::lock_guard lock(mutex_);
    changed_.notify_all();
  }

  std::span<const Scenario> scenarios_;
  const StudyEngineOptions& options_;
  const int window_;
  const int lookahead_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ScenarioShare> shares_;  // what to simulate, in scenario order
  std::size_t next_share_ = 0;
  std::list<ActivePointer> active_;  // opened, not yet done, in scenario order
  std::atomic<bool> failed_{false};
};

}  // namespace shortfall::detail
