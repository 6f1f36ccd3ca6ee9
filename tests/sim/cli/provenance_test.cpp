// Provenance: what a results file and `--version` say about the program and
// the run, gathered in one place.
#include "sim/cli/provenance.h"

#include <regex>

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

TEST_CASE("provenance: --version names the version, the revision and MPI", "[provenance]") {
  const std::string text = version_text();
  CHECK(text.starts_with(program_version() + " (" + git_revision() + "), with"));
  CHECK((text.ends_with(", with MPI") || text.ends_with(", without MPI")));
  CHECK_FALSE(program_version().empty());
  CHECK_FALSE(host_name().empty());
}
