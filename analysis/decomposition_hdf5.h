// The group `decomposition` of a results file written by `shortfall
// decompose` (docs/model.md, "Decomposition"; the README's "Answering the
// decision"): each structure's difference from the reference in
// P(shortfall) and in mean support needed, split into price, timing and
// feedback, with paired standard errors, beside the cost difference, the
// flat comparator's cost and the pilot's earned fraction. Variables have
// the root's dimensions (scenario, structure[, provider]), so netCDF
// readers open the group with named axes:
// xarray.open_dataset(FILE, engine="h5netcdf", group="decomposition").
// Internal to analysis/: the results writer calls it.
#pragma once

#include <hdf5.h>

#include <functional>
#include <optional>
#include <string>

#include "results_data.h"
#include "results_layout.h"

namespace shortfall {

// What is wrong with data.decompositions for the file's extents, or
// nothing: one per scenario, each with a row per (structure, provider).
std::optional<std::string> decomposition_mismatch(const ResultsData& data, const Extents& extents);

// Writes the group; `scale(dim)` is the root's dimension scale of `dim`.
// Throws Hdf5Error.
void write_decomposition_group(hid_t file, const ResultsData& data, const Extents& extents,
                               const std::function<hid_t(Dim)>& scale);

}  // namespace shortfall
