// The MPI job this process is part of (docs/hpc.md), or a job of one when
// the program is built without MPI or started without mpirun.
//
// Rank 0 is the only rank that reads input, writes files and prints; it runs
// the study's scheduler and hands work units to the other ranks, which
// simulate them and send back the finished blocks (sim/engine/study_engine.h). Only
// the thread that started MPI calls it.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace shortfall::mpi {

// Starts MPI for the life of the object (MPI_Init_thread, funneled), and
// finalises it; only when an MPI launcher (mpirun, srun --mpi=...) started
// this process: otherwise the process is a job of one without MPI.
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

bool built_with_mpi();
bool started();  // whether this process started MPI (false without MPI)
int rank();  // 0 without MPI
int size();  // 1 without MPI

struct Message {
  int from = 0;
  int tag = 0;
  std::vector<std::byte> bytes;
};

void send(int to, int tag, std::span<const std::byte> bytes);
// A message from any rank if one has arrived, else nothing (does not wait).
std::optional<Message> poll();
// The next message from `from` (waits).
Message receive(int from);
// Ends every rank of the job with `code` (after an error has been printed).
[[noreturn]] void abort(int code);

}  // namespace shortfall::mpi
