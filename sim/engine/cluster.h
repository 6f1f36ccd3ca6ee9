// One study over the ranks of an MPI job (docs/hpc.md).
//
// Rank 0 reads the input, owns the checkpoint and the results file, and runs
// the study's scheduler: its own threads take work units from it, and so do
// the other ranks, which ask for work when they have free threads (dynamic
// load balancing: design points differ in cost). A rank is handed spans:
// consecutive blocks of one scenario, about two spans per worker thread in
// a scenario, each simulated in order on one thread and folded into one
// merged state, which is all that travels back (analysis/tally_serialization.h).
// So the bytes reaching rank 0 for a scenario do not grow with its runs. A
// scenario stopping on precision goes out a block at a time (its rule is
// asked after every block), and with --keep-runs every block travels whole
// (rank 0 writes its records). Rank 0 merges the states and blocks in block
// order, so the file is the one a single process writes, bit for bit. Only
// rank 0 prints.
//
// Messages (tags below), all byte strings in analysis/byte_codec.h's codec:
//   start   0 -> r   i32 exit code (non-zero: exit at once), u8 keep_runs,
//                    i32 threads, the resolved scenario text
//   request r -> 0   i32 free threads
//   work    0 -> r   i32 n, then n spans (i32 scenario, i32 units, then per
//                    unit i64 block, i64 first run, i32 runs); n = 0
//                    releases the rank: i32 exit code
//   result  r -> 0   i32 scenario, i64 first block, i32 units, u8 1 and the
//                    span's serialised merged state (u8 0 and the serialised
//                    block tally with --keep-runs)
//   failure r -> 0   the error message
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

namespace detail {
class StudyScheduler;
}

// Rank 0 of a `run` under mpirun, once: what the other ranks are to simulate,
// or (code != 0) that they exit with `code` at once. Without other ranks, or
// once sent, it does nothing.
void start_worker_ranks(int code, const std::string& study_text = {}, bool keep_runs = false,
                        int threads = 0);

// The scenarios of a study from its resolved text. The engine reads no
// scenario language: the command line hands it the loader.
using StudyFromText = std::function<std::vector<Scenario>(const std::string& study_text)>;

// Ranks above 0 of `shortfall run`: wait for rank 0's start, load the study
// from the text it sends, simulate the units it hands out until released.
// Returns the exit code rank 0 sent.
int serve_as_worker_rank(const StudyFromText& load_study);

// A command that simulates several studies one after another (`solve`: one
// batch of points at a time) keeps the other ranks for all of them: rank 0
// starts each study as `run` starts its one (the same start message), the
// ranks serve it until released, then wait for the next start or the end.
//   finish  0 -> r   i32 exit code: no more studies
// Rank 0: the other ranks are to serve this study (before simulate_study).
void start_worker_study(const std::string& study_text, bool keep_runs, int threads);
// Rank 0, once, however the command ended: the other ranks exit with `code`.
void finish_worker_ranks(int code);
// Ranks above 0 of such a command: serve every study rank 0 starts; returns
// the code of rank 0's finish.
int serve_studies_as_worker_rank(const StudyFromText& load_study);

// Rank 0, inside simulate_study: hands spans to the other ranks and merges
// what they send back until every rank is released. Throws RunFailure naming
// the rank when one failed. With SHORTFALL_MPI_TRAFFIC set, prints the bytes
// received per scenario.
void coordinate_worker_ranks(detail::StudyScheduler& scheduler, bool keep_runs);

}  // namespace shortfall
