// The entry points of the scenario language: text -> validated scenarios.
#include "sim/input/scenario_loader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "sim/input/overrides.h"
#include "sim/input/readers.h"
#include "sim/input/sweep_reader.h"

namespace shortfall {

namespace {

Scenario read_scenario(const toml::table& document, Context& context) {
  return is_network_document(document) ? read_network_scenario(document, context)
                                       : read_single_scenario(document, context);
}

toml::table parse_document(std::string_view text, std::string_view source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    throw ScenarioError(fmt::format("{}:{}", source_name, error.source().begin.line),
                        fmt::format("not valid TOML: {}", error.description()));
  }
}

std::string read_text_file(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw ScenarioError(
        "", fmt::format("cannot read scenario file '{}': {}", path.string(), std::strerror(errno)));
  }
  std::string text;
  std::array<char, 65536> buffer;
  std::size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) {
    text.append(buffer.data(), count);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;  // e.g. EISDIR: a directory opens but cannot be read
  std::fclose(file);
  if (failed) {
    throw ScenarioError(
        "", fmt::format("cannot read scenario file '{}': {}", path.string(), std::strerror(error)));
  }
  return text;
}

toml::table document_with_overrides(std::string_view text, std::string_view source_name,
                                    std::span<const std::string> overrides, Context& context) {
  toml::table document = parse_document(text, source_name);
  if (document.empty()) {
    throw ScenarioError(std::string(source_name), "the scenario is empty: it needs at least "
                                                  "contract.annual_value and one [[indicator]]");
  }
  for (const auto& argument : overrides) apply_override(document, argument, context);
  return document;
}

// Warnings repeat from point to point: keep each once, in order, and at most
// k_max_warnings of them.
constexpr std::size_t k_max_warnings = 20;
void add_warnings(std::vector<std::string>& all, std::set<std::string>& seen, std::size_t& dropped,
                  std::vector<std::string> more) {
  for (auto& warning : more) {
    if (!seen.insert(warning).second) continue;
    if (all.size() < k_max_warnings) {
      all.push_back(std::move(warning));
    } else {
      ++dropped;
    }
  }
}

}  // namespace

LoadedScenario load_scenario_text(std::string_view text, std::string_view source_name,
                                  std::span<const std::string> overrides) {
  Context context{std::string(source_name)};
  const toml::table document = document_with_overrides(text, source_name, overrides, context);
  if (const toml::node* sweep = document.get("sweep")) {
    context.fail(sweep, "the file holds a [sweep]: load it as a study (load_study_text)");
  }
  LoadedScenario loaded;
  loaded.scenario = read_scenario(document, context);
  loaded.warnings = context.take_warnings();
  loaded.resolved_toml = scenario_to_toml(loaded.scenario);
  return loaded;
}

LoadedScenario load_scenario_file(const std::filesystem::path& path,
                                  std::span<const std::string> overrides) {
  return load_scenario_text(read_text_file(path), path.string(), overrides);
}

LoadedStudy load_study_text(std::string_view text, std::string_view source_name,
                            std::span<const std::string> overrides,
                            std::span<const std::string> sweeps) {
  Context context{std::string(source_name)};
  const toml::table document = document_with_overrides(text, source_name, overrides, context);
  // The base must be a valid scenario by itself: it is what the resolved
  // text shows, and what every point starts from.
  const Scenario base = read_scenario(document, context);
  LoadedStudy study;
  study.title = base.title;
  // The file's [sweep] (an empty grid without one), less the keys --set
  // fixes, with --sweep's keys (docs/sweeps.md, "From the command line").
  SweepTable sweep;
  if (document.contains("sweep")) {
    sweep = read_sweep_table(document, context);
    drop_keys_set_by_overrides(document, sweep, overrides, context);
  }
  apply_command_line_sweeps(sweep, sweeps);
  if (sweep.parameters.empty()) {
    study.scenarios.push_back(base);
    study.warnings = context.take_warnings();
    study.resolved_toml = scenario_to_toml(base);
    return study;
  }
  check_sweep_targets(document, sweep, overrides, context);
  study.mode = sweep.mode;
  study.common_random_numbers = sweep.common_random_numbers;
  for (const auto& parameter : sweep.parameters) study.swept_keys.push_back(parameter.key);
  study.design = make_design(sweep, base.simulation.seed, context);

  std::set<std::string> seen;
  std::size_t dropped = 0;
  const std::size_t point_count = study.design.size();
  study.scenarios.reserve(point_count);
  for (std::size_t p = 0; p < point_count; ++p) {
    const auto& point = study.design[p];
    Context point_context{std::string(source_name)};
    try {
      toml::table point_document = document_with_overrides(text, source_name, overrides, point_context);
      for (std::size_t k = 0; k < point.size(); ++k) {
        const auto& parameter = sweep.parameters[k];
        set_key(point_document, parameter.key, toml_value(point[k]), parameter.origin, point_context);
      }
      study.scenarios.push_back(read_scenario(point_document, point_context));
    } catch (const ScenarioError& error) {
      // "FILE:LINE: sweep point 3 of 0..26 (key = value, ...): what is wrong". An
      // error placed elsewhere (a --set) keeps its place inside the message.
      const bool in_file = error.where().starts_with(source_name);
      throw ScenarioError(in_file ? error.where() : std::string(source_name),
                          fmt::format("sweep point {} of 0..{} ({}): {}", p, point_count - 1,
                                      describe_point(sweep, point),
                                      in_file ? error.problem() : error.what()));
    }
    // docs/model.md section 8: one shock key for the sweep, or one per point.
    study.scenarios.back().shock_key = sweep.common_random_numbers ? 0 : p + 1;
    add_warnings(study.warnings, seen, dropped, point_context.take_warnings());
  }
  if (dropped > 0) {
    study.warnings.push_back(fmt::format("{}: warning: ... and {} more warnings of other sweep points",
                                         source_name, dropped));
  }
  study.resolved_toml = scenario_to_toml(base) + sweep_to_toml(sweep);
  return study;
}

std::string scenario_title(std::string_view text) {
  try {
    return read_title(toml::parse(text));
  } catch (const toml::parse_error&) {
    return "";
  }
}

LoadedStudy load_study_file(const std::filesystem::path& path,
                            std::span<const std::string> overrides,
                            std::span<const std::string> sweeps) {
  return load_study_text(read_text_file(path), path.string(), overrides, sweeps);
}

}  // namespace shortfall
