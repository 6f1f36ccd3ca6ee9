#include "sim/engine/mpi_job.h"

#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#ifdef SHORTFALL_WITH_MPI
#include <mpi.h>
#endif

namespace shortfall::mpi {

#ifdef SHORTFALL_WITH_MPI

namespace {

bool g_started = false;

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

Message received(const MPI_Status& status) {
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  Message message;
  message.from = status.MPI_SOURCE;
  message.tag = status.MPI_TAG;
  message.bytes.resize(static_cast<std::size_t>(count));
  check(MPI_Recv(message.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "MPI_Recv");
  return message;
}

}  // namespace

// Was this process started by an MPI launcher? mpirun (Open MPI sets
// OMPI_COMM_WORLD_SIZE), a PMIx launcher such as `srun --mpi=pmix` or prterun
// (PMIX_RANK), or a PMI-1/PMI-2 one such as `srun --mpi=pmi2` or MPICH's
// hydra (PMI_RANK). Started any other way, the process is a job of one and
// MPI is not started at all: Open MPI would otherwise spawn an `orted`
// daemon for a singleton, half a second before every `check`, `summary` or
// refused input, and on some login nodes it fails or waits for a network.
namespace {
bool started_by_an_mpi_launcher() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(variable) != nullptr) return true;
  return false;
}
}  // namespace

Session::Session(int& argc, char**& argv) {
  if (!started_by_an_mpi_launcher()) return;
  int provided = 0;
  // Only the main thread calls MPI; TBB's threads never do.
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS)
    g_started = true;
}

Session::~Session() {
  if (g_started) MPI_Finalize();
  g_started = false;
}

bool built_with_mpi() { return true; }
bool started() { return g_started; }

int rank() {
  int value = 0;
  if (g_started) MPI_Comm_rank(MPI_COMM_WORLD, &value);
  return value;
}

int size() {
  int value = 1;
  if (g_started) MPI_Comm_size(MPI_COMM_WORLD, &value);
  return value;
}

void send(int to, int tag, std::span<const std::byte> bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::runtime_error("MPI: a message of " + std::to_string(bytes.size()) +
                             " bytes is too large");
  }
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD),
        "MPI_Send");
}

std::optional<Message> poll() {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
  if (flag == 0) return std::nullopt;
  return received(status);
}

Message receive(int from) {
  MPI_Status status;
  check(MPI_Probe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &status), "MPI_Probe");
  return received(status);
}

void abort(int code) {
  if (g_started) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else

Session::Session(int&, char**&) {}
Session::~Session() = default;
bool built_with_mpi() { return false; }
bool started() { return false; }
int rank() { return 0; }
int size() { return 1; }
void send(int, int, std::span<const std::byte>) {
  throw std::logic_error("MPI: not built with MPI");
}
std::optional<Message> poll() { return std::nullopt; }
Message receive(int) { throw std::logic_error("MPI: not built with MPI"); }
void abort(int code) { std::exit(code); }

#endif

}  // namespace shortfall::mpi
