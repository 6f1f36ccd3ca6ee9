// The child-process check turns a crash, a hang or an exception in the
// child into an outcome, and the parent carries on.
#include "analysis/child_process_check.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

using namespace shortfall;
using Kind = ChildCheckOutcome::Kind;

TEST_CASE("child process check: each way a check can end", "[child_process_check]") {
  const std::chrono::seconds limit(10);

  SECTION("it returns") {
    const auto outcome = check_in_child_process([] {}, limit);
    CHECK(outcome.kind == Kind::passed);
  }
  SECTION("it throws: the message comes back") {
    const auto outcome =
        check_in_child_process([] { throw std::runtime_error("file 'x' is not ours"); }, limit);
    CHECK(outcome.kind == Kind::failed);
    CHECK(outcome.message == "file 'x' is not ours");
  }
  SECTION("it dies of a signal, as HDF5 does on some damaged files") {
    const auto outcome = check_in_child_process([] { std::raise(SIGSEGV); }, limit);
    CHECK(outcome.kind == Kind::crashed);
    CHECK_THAT(outcome.message, Catch::Contains("signal 11"));
  }
  SECTION("it exits on its own, as a sanitizer does after a report") {
    const auto outcome = check_in_child_process([] { ::_exit(86); }, limit);
    CHECK(outcome.kind == Kind::crashed);
    CHECK_THAT(outcome.message, Catch::Contains("exit status 86"));
  }
  SECTION("it hangs: killed at the time limit") {
    const auto outcome = check_in_child_process([] { while (true) ::pause(); }, std::chrono::seconds(1));
    CHECK(outcome.kind == Kind::timed_out);
    CHECK_THAT(outcome.message, Catch::Contains("1 s"));
  }
  SECTION("nothing the child writes to stderr reaches the parent's, even as it aborts") {
    // As glibc does before its SIGABRT on a bad free inside HDF5 (a fuzz
    // finding): the parent's stderr is a file here, which must stay empty.
    std::FILE* captured = std::tmpfile();
    REQUIRE(captured != nullptr);
    std::fflush(stderr);
    const int saved_stderr = ::dup(STDERR_FILENO);
    ::dup2(::fileno(captured), STDERR_FILENO);
    const auto outcome = check_in_child_process(
        [] {
          const char message[] = "free(): invalid pointer\n";
          (void)!::write(STDERR_FILENO, message, sizeof message - 1);
          std::abort();
        },
        limit);
    ::dup2(saved_stderr, STDERR_FILENO);
    ::close(saved_stderr);
    CHECK(outcome.kind == Kind::crashed);
    CHECK_THAT(outcome.message, Catch::Contains("signal 6"));
    std::fseek(captured, 0, SEEK_END);
    CHECK(std::ftell(captured) == 0);
    std::fclose(captured);
  }
  SECTION("nothing the child does reaches the parent's memory") {
    int value = 1;
    const auto outcome = check_in_child_process([&value] { value = 2; }, limit);
    CHECK(outcome.kind == Kind::passed);
    CHECK(value == 1);
  }
}
