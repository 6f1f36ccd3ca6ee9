#include "sim/cli/output_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "sim/engine/errors.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// The process id the holder wrote into the lock file, for the message.
std::string holder_of(int descriptor) {
  char text[32] = {};
  const ssize_t count = ::pread(descriptor, text, sizeof text - 1, 0);
  if (count <= 0) return "another process";
  std::string pid(text, static_cast<std::size_t>(count));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return "another process";
  return "process " + pid;
}

// Takes the lock on `lock_path` for `output`: the descriptor holding it, or
// the refusal naming the process that holds it.
std::variant<int, std::string> take_lock(const fs::path& output, const fs::path& lock_path) {
  // The holder removes the lock file as it leaves; a process that opened the
  // file just before then holds a lock on a removed file, so it checks that
  // the name still leads to what it locked, and starts over if not.
  int descriptor = -1;
  while (true) {
    descriptor = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (descriptor < 0) {
      throw RunFailure(fmt::format("{}: cannot create the lock file {}: {}", output.string(),
                                   lock_path.string(), std::strerror(errno)));
    }
    if (::flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
      const int reason = errno;
      const std::string holder = reason == EWOULDBLOCK ? holder_of(descriptor) : "";
      ::close(descriptor);
      if (reason == EWOULDBLOCK) {
        return fmt::format(
            "{}: another shortfall run ({}) is writing this results file; wait for it to finish, "
            "or write elsewhere with -o",
            output.string(), holder);
      }
      throw RunFailure(fmt::format("{}: cannot lock {}: {}", output.string(), lock_path.string(),
                                   std::strerror(reason)));
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(descriptor, &locked) == 0 && ::stat(lock_path.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino) {
      break;
    }
    ::close(descriptor);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Only for the message another process prints: a failure here changes nothing.
  if (::ftruncate(descriptor, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(descriptor, pid.data(), pid.size(), 0);
  }
  return descriptor;
}

}  // namespace

fs::path OutputLock::lock_path_for(const fs::path& output) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "." + name.
  std::string name = ".";
  name += output.filename().string();
  name += ".lock";
  return output.parent_path() / name;
}

OutputLock::OutputLock(const fs::path& output) : path_(lock_path_for(output)) {
  auto taken = take_lock(output, path_);
  if (const auto* refusal = std::get_if<std::string>(&taken)) throw InputError(*refusal);
  descriptor_ = std::get<int>(taken);
}

std::variant<OutputLock, std::string> OutputLock::try_take(const fs::path& output) {
  fs::path path = lock_path_for(output);
  auto taken = take_lock(output, path);
  if (auto* refusal = std::get_if<std::string>(&taken)) return std::move(*refusal);
  return OutputLock(std::move(path), std::get<int>(taken));
}

OutputLock::OutputLock(fs::path path, int descriptor)
    : path_(std::move(path)), descriptor_(descriptor) {}

OutputLock::OutputLock(OutputLock&& other) noexcept
    : path_(std::move(other.path_)), descriptor_(std::exchange(other.descriptor_, -1)) {}

OutputLock::~OutputLock() {
  if (descriptor_ < 0) return;  // moved from
  ::unlink(path_.c_str());
  ::close(descriptor_);
}

}  // namespace shortfall
