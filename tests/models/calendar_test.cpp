#include "models/calendar.h"

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("months, financial years and periods (docs/model.md section 1)", "[calendar]") {
  // Month 1 is April of financial year 0; month 13 April of year 1.
  STATIC_REQUIRE(financial_year(1) == 0);
  STATIC_REQUIRE(financial_year(12) == 0);
  STATIC_REQUIRE(financial_year(13) == 1);
  STATIC_REQUIRE(month_of_year(1) == 0);
  STATIC_REQUIRE(month_of_year(12) == 11);
  STATIC_REQUIRE(month_of_year(14) == 1);
  // Quarter k covers months 3k-2 .. 3k.
  STATIC_REQUIRE(period_of_month(1, 3) == 1);
  STATIC_REQUIRE(period_of_month(3, 3) == 1);
  STATIC_REQUIRE(period_of_month(4, 3) == 2);
  STATIC_REQUIRE(last_month_of_period(4, 3) == 12);
  STATIC_REQUIRE(is_period_end(12, 12));
  STATIC_REQUIRE(!is_period_end(11, 12));
  STATIC_REQUIRE(is_period_end(5, 1));
}
