// models/isa.h: SHORTFALL_ISA's values, and the refusals that name the
// paths this CPU has.
#include "models/isa.h"

#include <string>

#include <catch2/catch.hpp>

namespace shortfall {

using Catch::Contains;

TEST_CASE("SHORTFALL_ISA names a path; anything else is refused with the paths the CPU has", "[isa]") {
  CHECK(isa_from_text("scalar") == Isa::scalar);
  CHECK(isas_supported().front() == Isa::scalar);
  for (const Isa isa : isas_supported()) CHECK(isa_from_text(isa_name(isa)) == isa);
  CHECK_THROWS_WITH(isa_from_text("sse9"),
                    Contains("SHORTFALL_ISA=sse9 is not a path: one of scalar, avx2, avx512") &&
                        Contains("this CPU can run scalar"));
  CHECK_THROWS_AS(isa_from_text("AVX2"), IsaError);  // names are lower case, as documented
  for (const std::string name : {"avx2", "avx512"}) {
    bool supported = false;
    for (const Isa isa : isas_supported()) supported = supported || name == isa_name(isa);
    if (!supported) CHECK_THROWS_WITH(isa_from_text(name), Contains("this CPU has no " + name + " instructions"));
  }
}

}  // namespace shortfall
