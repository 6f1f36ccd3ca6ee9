#include "sim/engine/study_engine.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "analysis/estimators.h"
#include "sim/engine/cluster.h"
#include "sim/engine/engine.h"
#include "sim/engine/mpi_job.h"
#include "sim/engine/study_scheduler.h"
#include "sim/engine/thread_sanitizer.h"

namespace shortfall {

double wilson_halfwidth(std::int64_t shortfalls, std::int64_t runs) {
  const auto [low, high] = wilson_interval(shortfalls, runs);
  return (high - low) / 2.0;
}

StopDecision stopping_decision(const SimulationSettings& settings, std::int64_t runs,
                               std::span<const std::int64_t> shortfalls) {
  if (settings.stops_on_precision() && runs >= settings.min_runs) {
    const bool precise = std::all_of(shortfalls.begin(), shortfalls.end(), [&](std::int64_t count) {
      return wilson_halfwidth(count, runs) <= settings.target_halfwidth;
    });
    if (precise) return StopDecision::target_met;
  }
  return runs >= settings.most_runs() ? StopDecision::runs_done : StopDecision::go_on;
}

using detail::StudyScheduler;

bool simulate_study(std::span<const Scenario> scenarios, const StudyEngineOptions& options) {
  const int threads =
      options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
  StudyScheduler scheduler(scenarios, options, threads);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  // The first failure (disk full while saving, out of memory) stops every
  // worker before it is rethrown; the others finish their block and return.
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const auto local_workers = [&] {
    arena.execute([&] {
      const LoopOrdering ordering;
      tbb::task_group workers;
      ordering.loop_starts();
      for (int t = 0; t < threads; ++t) {
        workers.run([&] {
          ordering.task_starts();
          try {
            while (auto assignment = scheduler.next()) {
              const auto& active = *assignment->scenario;
              BlockTally block = [&] {
                try {
                  return simulate_block(active.scenario, active.model, assignment->unit,
                                        options.keep_runs);
                } catch (NonFiniteRunValue& overflow) {
                  overflow.scenario = assignment->unit.scenario;
                  throw;
                }
              }();
              scheduler.finished(assignment->scenario, std::move(block));
            }
          } catch (...) {
            std::lock_guard lock(failure_mutex);
            if (!failure) failure = std::current_exception();
            scheduler.fail();
          }
          ordering.task_ends();
        });
      }
      workers.wait();
      ordering.joined();
    });
  };
  if (mpi::size() > 1 && mpi::rank() == 0) {
    // This thread serves the other ranks (only it may call MPI); the local
    // workers run beside it.
    std::thread local(local_workers);
    try {
      coordinate_worker_ranks(scheduler, options.keep_runs);
    } catch (...) {
      scheduler.fail();
      local.join();
      throw;
    }
    local.join();
  } else {
    local_workers();
  }
  if (failure) std::rethrow_exception(failure);
  if (scheduler.all_done()) return true;
  scheduler.hand_over_unfinished();
  return false;
}

}  // namespace shortfall
