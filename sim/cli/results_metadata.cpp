#include "sim/cli/results_metadata.h"

#include <algorithm>

#include <utility>
#include <variant>

#include "sim/cli/provenance.h"
#include "analysis/quantile_sketch.h"
#include "models/isa.h"

namespace shortfall {

ResultsMetadata describe_run(const LoadedStudy& study, const std::string& command_line) {
  const Scenario& first = study.scenarios.front();
  ResultsMetadata meta;
  meta.program_version = program_version();
  meta.git_revision = git_revision();
  meta.seed = first.simulation.seed;
  meta.runs = first.simulation.most_runs();
  meta.horizon_months = first.simulation.horizon_months;
  meta.created_utc = utc_now();
  meta.scenario_toml = study.resolved_toml;
  meta.command_line = command_line;
  meta.complete = 0;
  meta.host = host_name();
  meta.isa = isa_name(isa_in_use());
  meta.quantile_method = "sketch";
  meta.quantile_relative_accuracy = QuantileSketch::k_relative_accuracy;
  meta.quantile_absolute_accuracy = QuantileSketch::k_absolute_accuracy;
  for (const auto& structure : first.main_contract().structures) {
    meta.structure_names.push_back(structure.name);
    meta.withhold_fraction.push_back(structure.withhold_fraction);
  }
  for (int i = 0; i < first.indicator_count(); ++i) {
    meta.indicator_ids.push_back(first.indicator(i).id);
    meta.indicator_names.push_back(first.indicator(i).name);
  }
  // A network's files carry the provider axis; a single provider's keep
  // first layout (even with segments).
  if (first.network.model != NetworkModel::single) {
    for (int p = 0; p < first.provider_count(); ++p) {
      meta.provider_ids.push_back(first.provider_setup(p).id);
    }
  }
  return meta;
}

std::vector<SweptKey> swept_key_columns(const LoadedStudy& study) {
  std::vector<SweptKey> columns;
  for (std::size_t k = 0; k < study.swept_keys.size(); ++k) {
    SweptKey column;
    column.key = study.swept_keys[k];
    // A key with a list at some point (a phased outcome share) is text
    // throughout: "[0.02, 0.03]", and its plain numbers "0.05".
    column.is_text = std::any_of(study.design.begin(), study.design.end(), [k](const auto& point) {
      return !std::holds_alternative<double>(point[k]);
    });
    for (const auto& point : study.design) {
      if (column.is_text) {
        column.texts.push_back(design_value_text(point[k]));
      } else {
        column.numbers.push_back(std::get<double>(point[k]));
      }
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

}  // namespace shortfall
