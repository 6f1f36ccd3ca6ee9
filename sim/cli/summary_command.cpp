#include "sim/cli/summary_command.h"

#include <cstdio>

#include "analysis/summary_export.h"
#include "analysis/summary_table.h"
#include "sim/cli/results_io.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

int print_summary(const std::string& path, const std::string& format) {
  const ResultsData results = read_results_input(path);
  std::string title = scenario_title(results.meta.scenario_toml);
  if (title.empty()) title = path;
  if (results.shard.index > 0) {
    std::fprintf(stderr,
                 "shortfall: warning: %s is shard %d/%d of a study: it holds only that shard's "
                 "finished scenarios; join the shards with `shortfall merge`\n",
                 path.c_str(), results.shard.index, results.shard.count);
  }
  if (results.meta.complete != 1) {
    std::fprintf(stderr,
                 "shortfall: warning: %s is from a run that has not finished: scenarios not "
                 "run yet show no runs\n",
                 path.c_str());
  }
  if (format == "csv") {
    std::fputs(format_summary_csv(results).c_str(), stdout);
  } else if (format == "json") {
    std::fputs(format_summary_json(results, title).c_str(), stdout);
  } else {
    std::fputs(format_summary_table(results, title).c_str(), stdout);
  }
  return 0;
}

}  // namespace shortfall
