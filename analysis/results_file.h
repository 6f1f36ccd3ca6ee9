// The results file: HDF5 laid out as docs/model.md section 7 says, readable as
// netCDF-4 (dimensions are HDF5 dimension scales). This header gathers its
// parts; include the one you need, or this one for all of them:
//
//   results_data.h     what a file holds, in memory (ResultsData)
//   results_writer.h   write_results_file, atomically
//   results_reader.h   read_results_file, guarded against damaged files
//   shard_part.h       a shard's part file and its blocks, for `merge`
//
// Inside analysis/ only: results_layout.h (the names and shapes writer and
// reader share), hdf5_io.h (typed datasets, attributes and texts),
// results_read_guard.h (the check before an unverified file is read).
#pragma once

#include "results_data.h"
#include "results_reader.h"
#include "results_writer.h"
#include "shard_part.h"
