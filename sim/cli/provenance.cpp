#include "sim/cli/provenance.h"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "git_revision.h"  // generated at build time: SHORTFALL_GIT_REVISION
#include "sim/engine/mpi_job.h"
#include "models/isa.h"

#ifndef SHORTFALL_VERSION
#define SHORTFALL_VERSION "0.0.0"
#endif

namespace shortfall {

std::string program_version() { return SHORTFALL_VERSION; }

std::string git_revision() { return SHORTFALL_GIT_REVISION; }

std::string version_text() {
  std::string paths;
  for (const Isa isa : isas_supported()) paths += (paths.empty() ? "" : ", ") + std::string(isa_name(isa));
  return program_version() + " (" + git_revision() + ")" +
         (mpi::built_with_mpi() ? ", with MPI" : ", without MPI") +
         "\ninstruction paths this CPU can use: " + paths + " (SHORTFALL_ISA chooses; default: the last)";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string joined_command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string argument = argv[i];
    if (i > 0) line += ' ';
    line += argument.find_first_of(" \t\"'") == std::string::npos ? argument
                                                                  : fmt::format("'{}'", argument);
  }
  return line;
}

}  // namespace shortfall
