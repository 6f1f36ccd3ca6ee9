// A thin executable: everything lives in the libraries.
#include "sim/cli/commands.h"
#include "sim/engine/mpi_job.h"

int main(int argc, char** argv) {
  // Under mpirun every rank starts here; without MPI this does nothing.
  const shortfall::mpi::Session session(argc, argv);
  return shortfall::run_command_line(argc, argv);
}
