#include "solve_record.h"

#include <hdf5_hl.h>

#include <cmath>
#include <functional>
#include <tuple>

#include "hdf5_io.h"
#include "solve_record_hdf5.h"

namespace shortfall {

namespace {

constexpr const char* k_solve_group = "solve";

// A variable of the group along one root dimension, with its description.
H5Handle create_along(hid_t group, const char* name, hid_t stored_type, hsize_t extent,
                      hid_t scale, const char* long_name) {
  const hsize_t extents[] = {extent};
  H5Handle dataset = create_dataset(group, name, stored_type, extents);
  require(H5DSattach_scale(dataset.get(), scale, 0),
          std::string("attaching a dimension to 'solve/") + name + "'");
  write_text_attribute(dataset.get(), "long_name", long_name);
  return dataset;
}

template <class T>
void write_numbers(hid_t group, const char* name, const std::vector<T>& values, hid_t scale,
                   const char* long_name) {
  H5Handle dataset = create_along(group, name, H5Types<T>::stored(), values.size(), scale, long_name);
  write_all(dataset.get(), H5Types<T>::memory(), values.size(), values.data(),
            std::string("writing 'solve/") + name + "'");
}

template <class T, class Field>
std::vector<T> column(const SolveRecord& record, Field field) {
  std::vector<T> values;
  for (const SolveAnswer& answer : record.answers) values.push_back(static_cast<T>(field(answer)));
  return values;
}

}  // namespace

void write_solve_group(hid_t file, const SolveRecord& record, hid_t structure_scale,
                       hid_t scenario_scale) {
  const std::string what = "writing group 'solve'";
  H5Handle creation = H5Handle::plist(H5Pcreate(H5P_GROUP_CREATE), what);
  require(H5Pset_link_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  require(H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  H5Handle group = H5Handle::group(
      H5Gcreate2(file, k_solve_group, H5P_DEFAULT, creation.get(), H5P_DEFAULT), what);
  const hid_t g = group.get();
  write_text_attribute(g, "description",
                       "shortfall solve: the value of `key` in [bracket_low, bracket_high] where "
                       "`statistic` crosses `target`, per structure, with its 95 % interval by "
                       "test inversion (docs/model.md, Solving for a safe design)");
  write_text_attribute(g, "key", record.key);
  write_text_attribute(g, "statistic", record.statistic);
  write_number_attribute(g, "target", record.target);
  write_number_attribute(g, "bracket_low", record.bracket_low);
  write_number_attribute(g, "bracket_high", record.bracket_high);
  write_number_attribute(g, "tolerance", record.tolerance);
  write_number_attribute<std::int64_t>(g, "evaluations",
                                       static_cast<std::int64_t>(record.evaluation.size()));

  write_numbers(g, "found", column<std::int8_t>(record, [](const SolveAnswer& a) { return a.found; }),
                structure_scale, "1 when the target is crossed in the bracket");
  write_numbers(g, "value", column<double>(record, [](const SolveAnswer& a) { return a.value; }),
                structure_scale, "the answer: the evaluated point on the safe side of the crossing");
  write_numbers(g, "low", column<double>(record, [](const SolveAnswer& a) { return a.low; }),
                structure_scale, "low end of the answer's 95 % interval");
  write_numbers(g, "high", column<double>(record, [](const SolveAnswer& a) { return a.high; }),
                structure_scale, "high end of the answer's 95 % interval");
  write_numbers(g, "p_at_value",
                column<double>(record, [](const SolveAnswer& a) { return a.p_at_value; }),
                structure_scale, "the statistic at the answer");
  write_numbers(g, "low_at_bracket",
                column<std::int8_t>(record, [](const SolveAnswer& a) { return a.low_at_bracket; }),
                structure_scale, "1 when the interval reaches the bracket's low end");
  write_numbers(g, "high_at_bracket",
                column<std::int8_t>(record, [](const SolveAnswer& a) { return a.high_at_bracket; }),
                structure_scale, "1 when the interval reaches the bracket's high end");
  H5Handle text = variable_text_type();
  for (const auto& [name, field, long_name] :
       {std::tuple{"safe_side", &SolveAnswer::safe_side,
                   "where the statistic is at most the target: below or above the answer"},
        std::tuple{"reason", &SolveAnswer::reason, "why no answer was found"}}) {
    std::vector<std::string> texts;
    for (const SolveAnswer& answer : record.answers) texts.push_back(answer.*field);
    H5Handle dataset = create_along(g, name, text.get(), texts.size(), structure_scale, long_name);
    write_texts(dataset.get(), texts, what);
  }
  write_numbers(g, "evaluation", record.evaluation, scenario_scale,
                "the order the design point was evaluated in, 0 first");
}

std::optional<SolveRecord> read_solve_group(hid_t file, hsize_t structure_count,
                                            hsize_t scenario_count) {
  if (!require_tri(H5Lexists(file, k_solve_group, H5P_DEFAULT), "looking for 'solve'"))
    return std::nullopt;
  H5Handle group =
      H5Handle::group(H5Gopen2(file, k_solve_group, H5P_DEFAULT), "opening group 'solve'");
  const hid_t g = group.get();
  SolveRecord record;
  record.key = read_text_attribute(g, "key");
  record.statistic = read_text_attribute(g, "statistic");
  record.target = read_number_attribute<double>(g, "target");
  record.bracket_low = read_number_attribute<double>(g, "bracket_low");
  record.bracket_high = read_number_attribute<double>(g, "bracket_high");
  record.tolerance = read_number_attribute<double>(g, "tolerance");
  record.answers.resize(structure_count);
  const auto flags = [&](const char* name, bool SolveAnswer::*field) {
    const auto values = read_vector<std::int8_t>(g, name, structure_count);
    for (hsize_t s = 0; s < structure_count; ++s) record.answers[s].*field = values[s] != 0;
  };
  const auto numbers = [&](const char* name, double SolveAnswer::*field) {
    const auto values = read_vector<double>(g, name, structure_count);
    for (hsize_t s = 0; s < structure_count; ++s) record.answers[s].*field = values[s];
  };
  const auto texts = [&](const char* name, std::string SolveAnswer::*field) {
    const auto values = read_texts(g, name, structure_count);
    for (hsize_t s = 0; s < structure_count; ++s) record.answers[s].*field = values[s];
  };
  flags("found", &SolveAnswer::found);
  numbers("value", &SolveAnswer::value);
  numbers("low", &SolveAnswer::low);
  numbers("high", &SolveAnswer::high);
  numbers("p_at_value", &SolveAnswer::p_at_value);
  flags("low_at_bracket", &SolveAnswer::low_at_bracket);
  flags("high_at_bracket", &SolveAnswer::high_at_bracket);
  texts("safe_side", &SolveAnswer::safe_side);
  texts("reason", &SolveAnswer::reason);
  record.evaluation = read_vector<std::int64_t>(g, "evaluation", scenario_count);
  return record;
}

}  // namespace shortfall
