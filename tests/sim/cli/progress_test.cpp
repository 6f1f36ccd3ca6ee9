// The progress line: what a user reads during a long run.
#include "sim/cli/progress.h"

#include <cmath>

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("the progress line shows done/total, rate, elapsed and ETA", "[progress]") {
  // 42 % of 2,938,000 at 91,200/s: 1,704,000 left take 18.7 s. The share is
  // padded to five characters so the line does not jump.
  CHECK(progress_line(1'234'000, 2'938'000, 91'200.0, 13.2, 24) ==
        "[##########..............]   42.0%  1,234,000/2,938,000 run-structures  91,200/s  "
        "elapsed 13s  eta 19s");
  // Not on a terminal: no bar.
  CHECK(progress_line(1'234'000, 2'938'000, 91'200.0, 13.2, 0) ==
        " 42.0%  1,234,000/2,938,000 run-structures  91,200/s  elapsed 13s  eta 19s");
}

TEST_CASE("the progress line's durations and edge cases", "[progress]") {
  // Minutes and hours.
  CHECK_THAT(progress_line(0, 600'000'000, 100'000.0, 725.0, 0),
             Catch::Contains("elapsed 12m05s  eta 1h40m"));
  // Before any work is done the ETA is unknown, not infinite or negative.
  CHECK_THAT(progress_line(0, 1000, 0.0, 0.0, 10), Catch::Contains("[..........]") && Catch::Contains("eta ?"));
  // Done: a full bar, nothing left.
  CHECK_THAT(progress_line(1000, 1000, 500.0, 2.0, 10),
             Catch::Contains("[##########]  100.0%") && Catch::Contains("eta 0s"));
  // A total that shrank below the work done (a scenario stopped early) stays at 100 %.
  CHECK_THAT(progress_line(1200, 1000, 500.0, 2.0, 4), Catch::Contains("[####]  100.0%"));
}
