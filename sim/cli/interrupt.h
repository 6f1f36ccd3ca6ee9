// SIGINT and SIGTERM ask a long run to stop cleanly: the units in flight
// finish, the finished work is saved, and the run exits with code 2 saying
// how to resume. A second signal ends the process at once (the default
// action is restored after the first); the saved state stays consistent
// because every checkpoint file is written atomically.
#pragma once

#include <atomic>

namespace shortfall {

// While one exists, SIGINT and SIGTERM set stop_requested() instead of
// ending the process. One at a time (signal dispositions are per process).
class InterruptHandler {
 public:
  InterruptHandler();
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

  const std::atomic<bool>& stop_requested() const;
  // The signal that asked to stop ("SIGINT", "SIGTERM"), or "" before any.
  const char* signal_name() const;
};

}  // namespace shortfall
