// One writer per results file at a time.
//
// Two runs writing the same results file (a job array with a repeated index,
// a command started twice) would share one checkpoint folder: each deletes
// the other's temporary files and the two would interleave their saved
// work. So `run` and `merge` take a lock on the output before they touch the
// checkpoint or the file, and a second process refuses to start.
//
// The lock is flock(2) on `.<file name>.lock` in the output's folder. The
// kernel releases it when its process ends however it ends (kill -9
// included), so a lock file left behind by a killed run blocks nothing: the
// next run takes it. flock works across the nodes of an NFSv4 cluster file
// system (Linux maps it onto byte-range locks there).
#pragma once

#include <filesystem>
#include <string>
#include <variant>

namespace shortfall {

class OutputLock {
 public:
  // Takes the lock of the results file `output`. Throws InputError naming
  // the file, and the process holding the lock, when another process holds
  // it; RunFailure when the lock file cannot be made.
  explicit OutputLock(const std::filesystem::path& output);
  // The same, but another process holding the lock is an answer, not an
  // error: the refusal the constructor would throw, as text (`run` weighs it
  // against its other refusals, run_plan.h). RunFailure as the constructor.
  static std::variant<OutputLock, std::string> try_take(const std::filesystem::path& output);

  OutputLock(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  OutputLock& operator=(OutputLock&&) = delete;
  // Removes the lock file, then releases the lock.
  ~OutputLock();

  // `.<name>.lock` beside `output`.
  static std::filesystem::path lock_path_for(const std::filesystem::path& output);

 private:
  OutputLock(std::filesystem::path path, int descriptor);

  std::filesystem::path path_;
  int descriptor_ = -1;
};

}  // namespace shortfall
