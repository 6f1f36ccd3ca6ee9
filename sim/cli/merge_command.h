// `shortfall merge -o FILE PART...`: the parts of `run --shard K/N` joined
// into the file one process would have written.
#pragma once

#include <string>
#include <vector>

namespace shortfall {

struct MergeRequest {
  std::string output_path;
  std::vector<std::string> parts;
  int threads = 0;
  bool force = false;
  bool quiet = false;
  bool no_state = false;  // --no-state: no group `state` in the results file
};

// Writes the merged results file and, unless quiet, prints its summary.
// Returns the exit code (0). Refuses (InputError, naming the file) parts of
// different studies, seeds or formats, unfinished parts, duplicates, and
// missing shards (named K/N); RunFailure when the file cannot be written.
int merge_shard_files(const MergeRequest& request, const std::string& command_line);

}  // namespace shortfall
