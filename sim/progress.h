// Progress of a long run on stderr: a line redrawn a few times a second on a
// terminal, one line every ~10 s otherwise, nothing with --quiet. Workers
// only add to an atomic counter; a separate thread does the printing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace shortfall {

class ProgressReporter {
 public:
  ProgressReporter(std::int64_t total_run_structures, bool enabled);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void add(std::int64_t run_structures) { done_.fetch_add(run_structures, std::memory_order_relaxed); }
  void finish();

 private:
  void report_loop();
  void print(bool final_line) const;

  std::int64_t total_;
  bool enabled_;
  bool terminal_;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread printer_;
};

}  // namespace shortfall
