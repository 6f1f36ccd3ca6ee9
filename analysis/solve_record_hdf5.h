// The group `solve` (analysis/solve_record.h) inside an open HDF5 file:
// written by the results writer, read by the results reader, implemented in
// analysis/solve_record.cpp. Internal to analysis/.
#pragma once

#include <hdf5.h>

#include <optional>

#include "solve_record.h"

namespace shortfall {

// Writes the group `solve`, its variables attached to the root's dimension
// scales `structure` and `scenario`. Throws Hdf5Error.
void write_solve_group(hid_t file, const SolveRecord& record, hid_t structure_scale,
                       hid_t scenario_scale);

// The group `solve` of `file`, or nothing when it has none. Throws Hdf5Error
// when it is damaged or its variables are not of the file's lengths.
std::optional<SolveRecord> read_solve_group(hid_t file, hsize_t structure_count,
                                            hsize_t scenario_count);

}  // namespace shortfall
