// MPI is started only by an MPI launcher: a process started any other way is
// a job of one and spawns no Open MPI daemon (sim/engine/mpi_job.cpp). Run by ctest,
// not under mpirun, so no launcher variable is set; tests/e2e/test_mpi.py and
// scripts/test-slurm cover the launched side.
#include "sim/engine/mpi_job.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#ifdef SHORTFALL_WITH_MPI
#include <mpi.h>
#endif

using namespace shortfall;

TEST_CASE("mpi: a process not started by an MPI launcher does not start MPI", "[mpi]") {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    REQUIRE(std::getenv(variable) == nullptr);
  int argc = 1;
  char name[] = "shortfall";
  char* arguments[] = {name, nullptr};
  char** argv = arguments;
  {
    const mpi::Session session(argc, argv);
    CHECK_FALSE(mpi::started());
    CHECK(mpi::rank() == 0);
    CHECK(mpi::size() == 1);
#ifdef SHORTFALL_WITH_MPI
    int initialized = 1;
    MPI_Initialized(&initialized);
    CHECK(initialized == 0);
#endif
  }
}
