#include "progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace shortfall {

ProgressReporter::ProgressReporter(std::int64_t total_run_structures, bool enabled)
    : total_(total_run_structures),
      enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) printer_ = std::thread([this] { report_loop(); });
}

ProgressReporter::~ProgressReporter() { finish(); }

void ProgressReporter::finish() {
  if (!printer_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  printer_.join();
  if (terminal_) print(true);  // a log file gets no extra line for a short run
}

void ProgressReporter::report_loop() {
  const auto interval = terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(10000);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) print(false);
}

void ProgressReporter::print(bool final_line) const {
  const auto done = done_.load(std::memory_order_relaxed);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double remaining = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  const double share = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const std::string line =
      fmt::format("{:5.1f}%  {}/{} run-structures  {:.0f}/s  elapsed {:.0f}s  eta {:.0f}s",
                  100.0 * share, done, total_, rate, elapsed, remaining);
  if (terminal_) {
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace shortfall
