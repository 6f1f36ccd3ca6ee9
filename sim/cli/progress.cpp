#include "sim/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace shortfall {

namespace {

constexpr int k_bar_width = 24;

// 12,345,678: long counts are read at a glance.
std::string grouped(std::int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  std::string text = value < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

// 59s, 12m05s, 3h07m
std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto whole = static_cast<std::int64_t>(std::llround(seconds));
  if (whole < 60) return fmt::format("{}s", whole);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

}  // namespace

std::string progress_line(std::int64_t done, std::int64_t total, double rate,
                          double elapsed_seconds, int bar_width) {
  const double share =
      total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0)
                : 1.0;
  std::string line;
  if (bar_width > 0) {
    const auto filled = static_cast<int>(std::floor(share * bar_width));
    line += '[';
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(bar_width - filled), '.');
    line += "]  ";
  }
  const double remaining =
      rate > 0 ? static_cast<double>(std::max<std::int64_t>(total - done, 0)) / rate : std::nan("");
  line += fmt::format("{:5.1f}%  {}/{} run-structures  {}/s  elapsed {}  eta {}", 100.0 * share,
                      grouped(done), grouped(total), grouped(std::llround(rate)),
                      duration(elapsed_seconds), duration(remaining));
  return line;
}

ProgressReporter::ProgressReporter(std::int64_t total_run_structures, bool enabled,
                                   std::int64_t already_done)
    : total_(total_run_structures),
      enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1),
      already_done_(already_done),
      done_(already_done),
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
  const auto interval =
      terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(10000);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) print(false);
}

void ProgressReporter::print(bool final_line) const {
  const auto done = done_.load(std::memory_order_relaxed);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - already_done_) / elapsed : 0.0;
  const std::string line = progress_line(done, total_.load(std::memory_order_relaxed), rate,
                                         elapsed, terminal_ ? k_bar_width : 0);
  if (terminal_) {
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace shortfall
