#include "analysis/decomposition_hdf5.h"

#include <hdf5_hl.h>

#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "analysis/hdf5_io.h"

namespace shortfall {

namespace {

// One variable of the group: its name, its description, and its value for
// entry (structure, provider) of a scenario's decomposition.
struct DecompositionVariable {
  std::string name;
  std::string long_name;
  const char* units;
  std::function<double(const Decomposition&, std::size_t entry)> value;
};

std::vector<DecompositionVariable> decomposition_variables() {
  std::vector<DecompositionVariable> variables;
  using Part = PairedDifference DecomposedDifference::*;
  const std::pair<const char*, Part> parts[] = {{"diff", &DecomposedDifference::total},
                                                {"price", &DecomposedDifference::price},
                                                {"timing", &DecomposedDifference::timing},
                                                {"feedback", &DecomposedDifference::feedback}};
  const auto words = [](const std::string& part) {
    if (part == "diff") return std::string("difference from the reference");
    if (part == "price") return std::string("price part: flat comparator minus reference");
    if (part == "timing")
      return std::string("timing and uncertainty part: structure on the reference's outcomes "
                         "minus flat comparator");
    return std::string("outcome feedback part: structure minus itself on the reference's outcomes");
  };
  using Quantity = std::vector<DecomposedDifference> Decomposition::*;
  const std::tuple<const char*, Quantity, const char*, const char*> quantities[] = {
      {"p_shortfall", &Decomposition::p_shortfall, "P(shortfall)", "1"},
      {"support", &Decomposition::support, "mean support needed", "GBP"}};
  for (const auto& [prefix, quantity_member, label, units] : quantities) {
    for (const auto& [part, part_member] : parts) {
      const Quantity quantity = quantity_member;
      const Part member = part_member;
      const std::string name = std::string(prefix) + "_" + part;
      variables.push_back({name, std::string(label) + ", " + words(part), units,
                           [quantity, member](const Decomposition& d, std::size_t entry) {
                             return ((d.*quantity)[entry].*member).mean;
                           }});
      variables.push_back({name + "_se",
                           "paired standard error of " + std::string(label) + ", " + words(part),
                           units, [quantity, member](const Decomposition& d, std::size_t entry) {
                             return ((d.*quantity)[entry].*member).standard_error;
                           }});
    }
  }
  variables.push_back({"cost_diff", "mean commissioner cost minus the reference's", "GBP",
                       [](const Decomposition& d, std::size_t entry) { return d.cost_diff[entry]; }});
  variables.push_back({"flat_cost", "mean commissioner cost of the flat comparator", "GBP",
                       [](const Decomposition& d, std::size_t entry) { return d.flat_cost[entry]; }});
  variables.push_back(
      {"pilot_earned_fraction", "mean earned fraction in the pilot (the flat comparator's e-bar)", "1",
       [](const Decomposition& d, std::size_t entry) { return d.pilot_earned_fraction[entry]; }});
  return variables;
}

}  // namespace

std::optional<std::string> decomposition_mismatch(const ResultsData& data, const Extents& extents) {
  if (data.decompositions.empty()) return std::nullopt;
  if (data.decompositions.size() != data.scenarios.size())
    return "decompositions: " + std::to_string(data.decompositions.size()) + " for " +
           std::to_string(data.scenarios.size()) + " scenarios";
  for (const Decomposition& d : data.decompositions) {
    const auto entries = static_cast<std::size_t>(extents.columns());
    const bool fits =
        d.structure_count == static_cast<int>(extents.structure) &&
        d.provider_count == static_cast<int>(extents.provider) && d.p_shortfall.size() == entries &&
        d.support.size() == entries && d.cost_diff.size() == entries &&
        d.flat_cost.size() == entries && d.pilot_earned_fraction.size() == entries &&
        d.reference >= 0 && d.reference < d.structure_count;
    if (!fits) return std::string("a decomposition's shape differs from the file's");
  }
  return std::nullopt;
}

void write_decomposition_group(hid_t file, const ResultsData& data, const Extents& extents,
                               const std::function<hid_t(Dim)>& scale) {
  const std::string what = "writing group 'decomposition'";
  H5Handle creation = H5Handle::plist(H5Pcreate(H5P_GROUP_CREATE), what);
  // Links and attributes in the order written, as netCDF-4 keeps them.
  require(H5Pset_link_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  require(H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  H5Handle group = H5Handle::group(
      H5Gcreate2(file, k_decomposition_group, H5P_DEFAULT, creation.get(), H5P_DEFAULT), what);
  const Decomposition& first = data.decompositions.front();
  write_text_attribute(group.get(), "description",
                       "each structure's difference from the reference split into price, timing "
                       "and uncertainty, and outcome feedback (docs/model.md, Decomposition); the "
                       "reference's rows are NaN");
  write_text_attribute(group.get(), "reference",
                       data.meta.structure_names.at(static_cast<std::size_t>(first.reference)));
  write_number_attribute<std::int64_t>(group.get(), "pilot_runs", first.pilot_runs);

  std::vector<Dim> dims{Dim::scenario, Dim::structure};
  if (extents.network) dims.push_back(Dim::provider);
  std::vector<hsize_t> shape;
  for (const Dim dim : dims) shape.push_back(extents.of(dim));
  std::vector<hsize_t> start(dims.size(), 0);
  std::vector<hsize_t> count = shape;
  count[0] = 1;
  const auto entries = static_cast<std::size_t>(extents.columns());
  std::vector<double> row(entries);
  for (const DecompositionVariable& variable : decomposition_variables()) {
    const std::string writing = "writing 'decomposition/" + variable.name + "'";
    H5Handle dataset = create_dataset(group.get(), variable.name, H5T_IEEE_F64LE, shape);
    for (std::size_t axis = 0; axis < dims.size(); ++axis) {
      require(H5DSattach_scale(dataset.get(), scale(dims[axis]), static_cast<unsigned>(axis)),
              writing);
    }
    write_text_attribute(dataset.get(), "long_name", variable.long_name);
    write_text_attribute(dataset.get(), "units", variable.units);
    for (std::size_t s = 0; s < data.decompositions.size(); ++s) {
      for (std::size_t entry = 0; entry < entries; ++entry) {
        row[entry] = variable.value(data.decompositions[s], entry);
      }
      start[0] = s;
      write_box(dataset.get(), H5T_NATIVE_DOUBLE, start, count, row.data(), writing);
    }
  }
}

}  // namespace shortfall
