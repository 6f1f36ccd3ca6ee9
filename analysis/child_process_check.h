// A check run in a forked child process, so that a crash or a hang inside it
// cannot take the calling process down.
//
// Why: HDF5 1.10 trusts the bytes it parses. On a damaged file it usually
// returns an error, but on some (about 3 in 500 randomly corrupted results
// files, docs/reliability.md) it dereferences garbage and the process dies
// with SIGSEGV inside H5Fopen or H5Dread. A user must see "the file is
// damaged", not a crash, so a results file whose bytes shortfall cannot
// vouch for (no valid checksum) is first read in a child; only when the child
// read it cleanly does the caller read it itself.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace shortfall {

struct ChildCheckOutcome {
  enum class Kind {
    passed,     // `check` returned
    failed,     // `check` threw: `message` is its what()
    crashed,    // the child died: a signal, or a sanitizer's exit; `message` says which
    timed_out,  // the child ran past the time limit and was killed
  };
  Kind kind = Kind::passed;
  std::string message;
};

// Forks; the child runs `check`, reports a thrown std::exception's message
// through a pipe, and leaves with _exit (no atexit handlers, no leak check:
// the child's heap dies with it). The child is killed by SIGALRM after
// `limit`. The caller must be the only thread using the libraries `check`
// calls (a lock held by another thread at the fork would stay locked in the
// child): shortfall reads results files before any worker thread starts.
// The child's stderr, and under a sanitizer its reports, go to /dev/null:
// what the child parses is untrusted by design, and its failure is reported
// as `crashed`, in the caller's words.
ChildCheckOutcome check_in_child_process(const std::function<void()>& check,
                                         std::chrono::seconds limit);

}  // namespace shortfall
