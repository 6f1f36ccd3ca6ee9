#include "child_process_check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <system_error>

// Present only in a sanitizer build; null otherwise.
extern "C" void __sanitizer_set_report_fd(void* fd) __attribute__((weak));

namespace shortfall {

namespace {

// The child's exit statuses. Anything else is a crash (a sanitizer exits
// with its own status after a report).
constexpr int k_check_passed = 0;
constexpr int k_check_failed = 3;

void write_fully(int descriptor, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t count = ::write(descriptor, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return;  // the parent has gone: nothing to report to
    written += static_cast<std::size_t>(count);
  }
}

std::string read_fully(int descriptor) {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t count = ::read(descriptor, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return text;
    text.append(buffer, static_cast<std::size_t>(count));
  }
}

[[noreturn]] void run_child(const std::function<void()>& check, int report, std::chrono::seconds limit) {
  // The child's own stderr goes to /dev/null: what a crash prints there
  // (glibc's "free(): invalid pointer" before its SIGABRT, HDF5's error
  // stack) would reach the user's terminal ahead of the one error line the
  // parent prints. glibc 2.36 writes such messages to fd 2, not /dev/tty.
  const int null_device = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_device >= 0) {
    ::dup2(null_device, STDERR_FILENO);
    if (__sanitizer_set_report_fd != nullptr)
      __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<intptr_t>(null_device)));
  }
  // A crash must end the child with its signal, and the time limit must be
  // able to fire, whatever the parent had installed or blocked.
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) ::signal(signal, SIG_DFL);
  sigset_t alarm_only;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  ::sigprocmask(SIG_UNBLOCK, &alarm_only, nullptr);
  ::alarm(static_cast<unsigned>(std::max<std::chrono::seconds::rep>(limit.count(), 1)));
  int status = k_check_passed;
  try {
    check();
  } catch (const std::exception& error) {
    write_fully(report, error.what());
    status = k_check_failed;
  } catch (...) {
    write_fully(report, "an unknown exception");
    status = k_check_failed;
  }
  ::_exit(status);
}

}  // namespace

ChildCheckOutcome check_in_child_process(const std::function<void()>& check,
                                         std::chrono::seconds limit) {
  int channel[2];
  if (::pipe2(channel, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "creating a pipe for a child process");
  // Output buffered now would otherwise be written twice, once by the child.
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    const int saved = errno;
    ::close(channel[0]);
    ::close(channel[1]);
    throw std::system_error(saved, std::generic_category(), "starting a child process");
  }
  if (child == 0) {
    ::close(channel[0]);
    run_child(check, channel[1], limit);
  }
  ::close(channel[1]);
  ChildCheckOutcome outcome;
  outcome.message = read_fully(channel[0]);
  ::close(channel[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "waiting for a child process");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == k_check_passed) {
    outcome.kind = ChildCheckOutcome::Kind::passed;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == k_check_failed && !outcome.message.empty()) {
    outcome.kind = ChildCheckOutcome::Kind::failed;
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    outcome.kind = ChildCheckOutcome::Kind::timed_out;
    outcome.message = "still running after " + std::to_string(limit.count()) + " s";
  } else if (WIFSIGNALED(status)) {
    outcome.kind = ChildCheckOutcome::Kind::crashed;
    const char* name = ::strsignal(WTERMSIG(status));
    outcome.message = "signal " + std::to_string(WTERMSIG(status)) + " (" + (name ? name : "?") + ")";
  } else {
    outcome.kind = ChildCheckOutcome::Kind::crashed;
    outcome.message = "exit status " + std::to_string(WEXITSTATUS(status));
  }
  return outcome;
}

}  // namespace shortfall
