// Progress of a long run on stderr: a bar redrawn four times a second on a
// terminal, one line every ~10 s otherwise, nothing with --quiet. Workers
// only add to atomic counters; a separate thread does the printing, so the
// engine never waits on the terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace shortfall {

// The progress line, a pure function of its inputs (tested):
// "[#########...........]  42.0%  1,234,000/2,938,000 run-structures  91,000/s  elapsed 13s  eta
// 18s" `rate` is per second over the work done in this process (a resumed run's earlier work counts
// as done but not toward the rate).
std::string progress_line(std::int64_t done, std::int64_t total, double rate,
                          double elapsed_seconds, int bar_width);

class ProgressReporter {
 public:
  // `already_done` of `total_run_structures` were finished before this
  // process started (a resumed run).
  ProgressReporter(std::int64_t total_run_structures, bool enabled, std::int64_t already_done = 0);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void add(std::int64_t run_structures) {
    done_.fetch_add(run_structures, std::memory_order_relaxed);
  }
  // Work that will not be needed after all (a scenario met its precision target early).
  void drop(std::int64_t run_structures) {
    total_.fetch_sub(run_structures, std::memory_order_relaxed);
  }
  // More work than the total foresaw (a solve's batches beyond its estimate).
  void grow(std::int64_t run_structures) {
    total_.fetch_add(run_structures, std::memory_order_relaxed);
  }
  void finish();

 private:
  void report_loop();
  void print(bool final_line) const;

  std::atomic<std::int64_t> total_;
  bool enabled_;
  bool terminal_;
  std::int64_t already_done_;
  std::atomic<std::int64_t> done_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread printer_;
};

}  // namespace shortfall
