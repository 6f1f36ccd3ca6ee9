// Provenance: what a results file and `--version` say about the program and
// the run, gathered in one place.
#include "sim/cli/provenance.h"

#include <regex>
#include <string>

#include "models/isa.h"

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("provenance: the command line is one line, quoting what has spaces or quotes",
          "[provenance]") {
  const char* argv[] = {"shortfall", "run",   "my scenario.toml", "--set", "title=it's",
                        "-o",        "out.h5"};
  CHECK(joined_command_line(7, argv) ==
        "shortfall run 'my scenario.toml' --set 'title=it's' -o out.h5");
  CHECK(joined_command_line(0, argv).empty());
}

TEST_CASE("provenance: the time is UTC to the second, ISO 8601", "[provenance]") {
  CHECK(std::regex_match(utc_now(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST_CASE("provenance: --version names the version, the revision, MPI and the instruction paths",
          "[provenance]") {
  const std::string text = version_text();
  CHECK(text.starts_with(program_version() + " (" + git_revision() + "), with"));
  const auto line_end = text.find('\n');
  REQUIRE(line_end != std::string::npos);
  const std::string first_line = text.substr(0, line_end);
  CHECK((first_line.ends_with(", with MPI") || first_line.ends_with(", without MPI")));
  std::string paths;
  for (const Isa isa : isas_supported()) paths += (paths.empty() ? "" : ", ") + std::string(isa_name(isa));
  CHECK(text.substr(line_end + 1) ==
        "instruction paths this CPU can use: " + paths + " (SHORTFALL_ISA chooses; default: the last)");
  CHECK_FALSE(program_version().empty());
  CHECK_FALSE(host_name().empty());
}
