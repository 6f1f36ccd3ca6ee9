// Generic HDF5 I/O for the results file: typed datasets, attributes, texts
// and boxes (hyperslabs), over the RAII handles of analysis/hdf5_handles.h.
// Nothing here knows the results layout (analysis/results_layout.h). Every
// failure is an Hdf5Error saying what was being done; callers add the file.
// Internal to analysis/.
//
// Writing: the file stores little-endian standard types, memory uses native
// ones; text attributes are scalar fixed-length null-terminated UTF-8
// (netCDF's NC_CHAR), text variables variable-length UTF-8 (NC_STRING).
// Reading: every size comes from a dataspace and is checked against what the
// caller expects, or against a bound, before any buffer is sized from it.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hdf5_handles.h"

namespace shortfall {

// The stored (file) and memory types of T.
template <class T>
struct H5Types;
template <>
struct H5Types<double> {
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
  static hid_t stored() { return H5T_IEEE_F64LE; }
};
template <>
struct H5Types<std::int64_t> {
  static hid_t memory() { return H5T_NATIVE_INT64; }
  static hid_t stored() { return H5T_STD_I64LE; }
};
template <>
struct H5Types<std::uint64_t> {
  static hid_t memory() { return H5T_NATIVE_UINT64; }
  static hid_t stored() { return H5T_STD_U64LE; }
};
template <>
struct H5Types<std::int32_t> {
  static hid_t memory() { return H5T_NATIVE_INT32; }
  static hid_t stored() { return H5T_STD_I32LE; }
};
template <>
struct H5Types<std::int8_t> {
  static hid_t memory() { return H5T_NATIVE_INT8; }
  static hid_t stored() { return H5T_STD_I8LE; }
};
template <>
struct H5Types<std::uint8_t> {
  static hid_t memory() { return H5T_NATIVE_UINT8; }
  static hid_t stored() { return H5T_STD_U8LE; }
};

// Fixed-length, null-terminated UTF-8 text of `length` characters.
H5Handle fixed_text_type(std::size_t length);
H5Handle variable_text_type();
H5Handle scalar_space();
H5Handle simple_space(std::span<const hsize_t> dims);

// ---------------------------------------------------------------------------
// Writing.

void write_text_attribute(hid_t object, const std::string& name, const std::string& value);

template <class T>
void write_number_attribute(hid_t object, const std::string& name, T value) {
  const std::string what = "writing attribute '" + name + "'";
  H5Handle space = scalar_space();
  H5Handle attribute = H5Handle::attribute(
      H5Acreate2(object, name.c_str(), H5Types<T>::stored(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      what);
  require(H5Awrite(attribute.get(), H5Types<T>::memory(), &value), what);
}

// Storage of a new variable: contiguous, or chunked and compressed.
struct Storage {
  std::vector<hsize_t> chunk;  // empty: contiguous
  // Chunked only: what a chunk never written reads as (doubles). A chunk
  // left unwritten takes no space in the file.
  std::optional<double> fill_value;
};

// A new dataset whose attributes keep their creation order, as netCDF-4
// writes them.
H5Handle create_dataset(hid_t location, const std::string& name, hid_t stored_type,
                        std::span<const hsize_t> dims, const Storage& storage = {});

// Writes `data` (count elements, row-major) into the box at `start`.
void write_box(hid_t dataset, hid_t memory_type, std::span<const hsize_t> start,
               std::span<const hsize_t> count, const void* data, const std::string& what);

// Writes the whole dataset (nothing when it has no elements).
void write_all(hid_t dataset, hid_t memory_type, std::size_t elements, const void* data,
               const std::string& what);

void write_texts(hid_t dataset, const std::vector<std::string>& texts, const std::string& what);

// ---------------------------------------------------------------------------
// Reading.

inline constexpr std::size_t k_max_text_bytes = std::size_t{64}
                                                << 20;  // the scenario text and the like
inline constexpr hsize_t k_max_variable_elements = hsize_t{1} << 28;  // 2 GiB of doubles

std::vector<hsize_t> extents_of(hid_t dataset, const std::string& name);

// "(2, 3, 5)"
std::string shape_text(std::span<const hsize_t> extents);

// Opens the variable `name` of `location`; Hdf5Error "variable 'x' is
// missing" when there is none.
H5Handle open_variable(hid_t location, const std::string& name);

// Opens `name` and checks that its shape is exactly `expected`.
H5Handle open_variable(hid_t location, const std::string& name,
                       const std::vector<hsize_t>& expected);

// The length of a 1-D variable, bounded by k_max_variable_elements.
hsize_t length_of(hid_t location, const std::string& name);

template <class T>
std::vector<T> read_box(hid_t dataset, std::span<const hsize_t> start,
                        std::span<const hsize_t> count, const std::string& what) {
  hsize_t elements = 1;
  for (hsize_t extent : count) elements *= extent;
  std::vector<T> values(elements);
  if (elements == 0) return values;
  H5Handle file_space = H5Handle::dataspace(H5Dget_space(dataset), what);
  require(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          what);
  H5Handle memory_space = simple_space(count);
  require(H5Dread(dataset, H5Types<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                  values.data()),
          what);
  return values;
}

// The 1-D variable `name`, which must have `length` elements.
template <class T>
std::vector<T> read_vector(hid_t location, const std::string& name, hsize_t length) {
  H5Handle dataset = open_variable(location, name, {length});
  const hsize_t start[] = {0};
  const hsize_t count[] = {length};
  return read_box<T>(dataset.get(), start, count, "reading '" + name + "'");
}

// Text of a 1-D variable, stored as variable- or fixed-length strings.
std::vector<std::string> read_texts(hid_t location, const std::string& name, hsize_t length);

// The attribute `name` of `object`, nullopt when it has none; Hdf5Error when
// it is not a single value.
std::optional<H5Handle> open_attribute(hid_t object, const std::string& name);
H5Handle require_attribute(hid_t object, const std::string& name);

// The text of an open attribute, fixed- or variable-length.
std::string read_text_value(hid_t attribute, const std::string& name);
std::string read_text_attribute(hid_t object, const char* name);

template <class T>
T read_number_attribute(hid_t object, const char* name) {
  H5Handle attribute = require_attribute(object, name);
  H5Handle stored = H5Handle::datatype(H5Aget_type(attribute.get()), "reading attribute");
  const H5T_class_t kind = H5Tget_class(stored.get());
  if (kind != H5T_INTEGER && kind != H5T_FLOAT)
    throw Hdf5Error(std::string("attribute '") + name + "' is not a number");
  T value{};
  require(H5Aread(attribute.get(), H5Types<T>::memory(), &value),
          std::string("reading attribute '") + name + "'");
  return value;
}

// Names of the group's links in the order they were written (name order when
// the file does not track creation order).
std::vector<std::string> link_names(hid_t group);

}  // namespace shortfall
