#include "sim/cli/interrupt.h"

#include <csignal>
#include <stdexcept>

namespace shortfall {

namespace {

// A signal handler can only reach state with static storage; lock-free
// atomics are safe to write from one.
std::atomic<bool> g_stop_requested{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};
struct sigaction g_previous_interrupt;
struct sigaction g_previous_terminate;

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void request_stop(int signal) {
  g_signal.store(signal);
  g_stop_requested.store(true);
}

}  // namespace

InterruptHandler::InterruptHandler() {
  if (g_installed.exchange(true))
    throw std::logic_error("InterruptHandler: one is already installed");
  g_stop_requested.store(false);
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the first signal asks politely, a second one ends the run.
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, &g_previous_interrupt);
  sigaction(SIGTERM, &action, &g_previous_terminate);
}

InterruptHandler::~InterruptHandler() {
  sigaction(SIGINT, &g_previous_interrupt, nullptr);
  sigaction(SIGTERM, &g_previous_terminate, nullptr);
  g_installed.store(false);
}

const std::atomic<bool>& InterruptHandler::stop_requested() const { return g_stop_requested; }

const char* InterruptHandler::signal_name() const {
  switch (g_signal.load()) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "";
  }
}

}  // namespace shortfall
