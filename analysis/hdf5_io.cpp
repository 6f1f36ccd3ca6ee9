#include "hdf5_io.h"

#include <algorithm>
#include <cstring>

namespace shortfall {

H5Handle fixed_text_type(std::size_t length) {
  H5Handle type = H5Handle::datatype(H5Tcopy(H5T_C_S1), "copying the string type");
  require(H5Tset_size(type.get(), length + 1), "sizing a string type");
  require(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "setting string padding");
  require(H5Tset_cset(type.get(), H5T_CSET_UTF8), "setting string encoding");
  return type;
}

H5Handle variable_text_type() {
  H5Handle type = H5Handle::datatype(H5Tcopy(H5T_C_S1), "copying the string type");
  require(H5Tset_size(type.get(), H5T_VARIABLE), "making a variable-length string type");
  require(H5Tset_cset(type.get(), H5T_CSET_UTF8), "setting string encoding");
  return type;
}

H5Handle scalar_space() {
  return H5Handle::dataspace(H5Screate(H5S_SCALAR), "creating a scalar dataspace");
}

H5Handle simple_space(std::span<const hsize_t> dims) {
  return H5Handle::dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                             "creating a dataspace");
}

void write_text_attribute(hid_t object, const std::string& name, const std::string& value) {
  const std::string what = "writing attribute '" + name + "'";
  H5Handle type = fixed_text_type(value.size());
  H5Handle space = scalar_space();
  H5Handle attribute = H5Handle::attribute(
      H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what);
  require(H5Awrite(attribute.get(), type.get(), value.c_str()), what);
}

H5Handle create_dataset(hid_t location, const std::string& name, hid_t stored_type,
                        std::span<const hsize_t> dims, const Storage& storage) {
  const std::string what = "creating variable '" + name + "'";
  H5Handle space = simple_space(dims);
  H5Handle creation = H5Handle::plist(H5Pcreate(H5P_DATASET_CREATE), what);
  require(H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  H5Handle access = H5Handle::plist(H5Pcreate(H5P_DATASET_ACCESS), what);
  const bool has_elements =
      std::all_of(dims.begin(), dims.end(), [](hsize_t extent) { return extent > 0; });
  if (!storage.chunk.empty() && has_elements) {
    require(
        H5Pset_chunk(creation.get(), static_cast<int>(storage.chunk.size()), storage.chunk.data()),
        what);
    if (storage.fill_value) {
      require(H5Pset_fill_value(creation.get(), H5T_NATIVE_DOUBLE, &*storage.fill_value), what);
    }
    require(H5Pset_shuffle(creation.get()), what);
    require(H5Pset_deflate(creation.get(), 4), what);
    // Blocks of runs do not line up with chunks: keep the chunk being filled
    // in memory so it is compressed once, not re-read per block.
    std::size_t chunk_bytes = H5Tget_size(stored_type);
    for (hsize_t extent : storage.chunk) chunk_bytes *= extent;
    const std::size_t cache_bytes = std::max<std::size_t>(std::size_t{1} << 20, 2 * chunk_bytes);
    require(H5Pset_chunk_cache(access.get(), 521, cache_bytes, 1.0), what);
  }
  return H5Handle::dataset(H5Dcreate2(location, name.c_str(), stored_type, space.get(), H5P_DEFAULT,
                                      creation.get(), access.get()),
                           what);
}

void write_box(hid_t dataset, hid_t memory_type, std::span<const hsize_t> start,
               std::span<const hsize_t> count, const void* data, const std::string& what) {
  hsize_t elements = 1;
  for (hsize_t extent : count) elements *= extent;
  if (elements == 0) return;
  H5Handle file_space = H5Handle::dataspace(H5Dget_space(dataset), what);
  require(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          what);
  H5Handle memory_space = simple_space(count);
  require(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
          what);
}

void write_all(hid_t dataset, hid_t memory_type, std::size_t elements, const void* data,
               const std::string& what) {
  if (elements == 0) return;
  require(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
}

void write_texts(hid_t dataset, const std::vector<std::string>& texts, const std::string& what) {
  std::vector<const char*> pointers;
  pointers.reserve(texts.size());
  for (const std::string& text : texts) pointers.push_back(text.c_str());
  H5Handle type = variable_text_type();
  write_all(dataset, type.get(), pointers.size(), pointers.data(), what);
}

std::vector<hsize_t> extents_of(hid_t dataset, const std::string& name) {
  const std::string what = "reading the shape of '" + name + "'";
  H5Handle space = H5Handle::dataspace(H5Dget_space(dataset), what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > H5S_MAX_RANK) throw Hdf5Error(what + ": not a simple dataspace");
  std::vector<hsize_t> extents(static_cast<std::size_t>(rank));
  require(H5Sget_simple_extent_dims(space.get(), extents.data(), nullptr), what);
  return extents;
}

std::string shape_text(std::span<const hsize_t> extents) {
  std::string text = "(";
  for (std::size_t axis = 0; axis < extents.size(); ++axis) {
    if (axis > 0) text += ", ";
    text += std::to_string(extents[axis]);
  }
  return text + ")";
}

H5Handle open_variable(hid_t location, const std::string& name) {
  if (!require_tri(H5Lexists(location, name.c_str(), H5P_DEFAULT),
                   "looking for variable '" + name + "'"))
    throw Hdf5Error("variable '" + name + "' is missing");
  return H5Handle::dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT),
                           "opening variable '" + name + "'");
}

H5Handle open_variable(hid_t location, const std::string& name,
                       const std::vector<hsize_t>& expected) {
  H5Handle dataset = open_variable(location, name);
  const std::vector<hsize_t> actual = extents_of(dataset.get(), name);
  if (actual != expected)
    throw Hdf5Error("variable '" + name + "' has shape " + shape_text(actual) + ", expected " +
                    shape_text(expected));
  return dataset;
}

hsize_t length_of(hid_t location, const std::string& name) {
  H5Handle dataset = open_variable(location, name);
  const std::vector<hsize_t> extents = extents_of(dataset.get(), name);
  if (extents.size() != 1)
    throw Hdf5Error("variable '" + name + "' has shape " + shape_text(extents) +
                    ", expected one dimension");
  if (extents[0] > k_max_variable_elements)
    throw Hdf5Error("variable '" + name + "' claims an implausible length " +
                    std::to_string(extents[0]));
  return extents[0];
}

namespace {

// The memory type to read stored text with: the stored type itself, in
// native byte order. HDF5 converts neither between character sets nor, for
// fixed-length text, between sizes, so the file's own choices are kept; the
// text is cut at the first null.
H5Handle text_memory_type(hid_t stored, const std::string& what) {
  return H5Handle::datatype(H5Tget_native_type(stored, H5T_DIR_DEFAULT), what);
}

}  // namespace

std::vector<std::string> read_texts(hid_t location, const std::string& name, hsize_t length) {
  const std::string what = "reading '" + name + "'";
  H5Handle dataset = open_variable(location, name, {length});
  std::vector<std::string> texts;
  if (length == 0) return texts;
  H5Handle stored = H5Handle::datatype(H5Dget_type(dataset.get()), what);
  if (H5Tget_class(stored.get()) != H5T_STRING)
    throw Hdf5Error("variable '" + name + "' is not text");
  texts.reserve(length);
  if (require_tri(H5Tis_variable_str(stored.get()), what)) {
    H5Handle memory = text_memory_type(stored.get(), what);
    std::vector<char*> pointers(length, nullptr);
    require(H5Dread(dataset.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
            what);
    for (char* pointer : pointers) {
      texts.emplace_back(pointer != nullptr ? pointer : "");
      H5free_memory(pointer);
    }
  } else {
    const std::size_t size = H5Tget_size(stored.get());
    if (size == 0 || size > k_max_text_bytes / length)
      throw Hdf5Error("variable '" + name + "' has an implausible string size");
    H5Handle memory = text_memory_type(stored.get(), what);
    std::vector<char> buffer(size * length);
    require(H5Dread(dataset.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
            what);
    for (hsize_t i = 0; i < length; ++i) {
      const char* text = buffer.data() + i * size;
      texts.emplace_back(text, strnlen(text, size));
    }
  }
  return texts;
}

std::optional<H5Handle> open_attribute(hid_t object, const std::string& name) {
  const std::string what = "looking for attribute '" + name + "'";
  if (!require_tri(H5Aexists(object, name.c_str()), what)) return std::nullopt;
  H5Handle attribute = H5Handle::attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT),
                                           "opening attribute '" + name + "'");
  H5Handle space = H5Handle::dataspace(H5Aget_space(attribute.get()), what);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw Hdf5Error("attribute '" + name + "' is not a single value");
  return attribute;
}

H5Handle require_attribute(hid_t object, const std::string& name) {
  std::optional<H5Handle> attribute = open_attribute(object, name);
  if (!attribute) throw Hdf5Error("attribute '" + name + "' is missing");
  return std::move(*attribute);
}

std::string read_text_value(hid_t attribute, const std::string& name) {
  const std::string what = "reading attribute '" + name + "'";
  H5Handle stored = H5Handle::datatype(H5Aget_type(attribute), what);
  if (H5Tget_class(stored.get()) != H5T_STRING)
    throw Hdf5Error("attribute '" + name + "' is not text");
  if (require_tri(H5Tis_variable_str(stored.get()), what)) {
    H5Handle memory = text_memory_type(stored.get(), what);
    char* pointer = nullptr;
    require(H5Aread(attribute, memory.get(), &pointer), what);
    std::string text = pointer != nullptr ? pointer : "";
    H5free_memory(pointer);
    return text;
  }
  const std::size_t size = H5Tget_size(stored.get());
  if (size == 0 || size > k_max_text_bytes)
    throw Hdf5Error("attribute '" + name + "' has an implausible size");
  H5Handle memory = text_memory_type(stored.get(), what);
  std::vector<char> buffer(size);
  require(H5Aread(attribute, memory.get(), buffer.data()), what);
  return std::string(buffer.data(), strnlen(buffer.data(), size));
}

std::string read_text_attribute(hid_t object, const char* name) {
  H5Handle attribute = require_attribute(object, name);
  return read_text_value(attribute.get(), name);
}

std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t position = 0;
  if (H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &position, collect, &names) >= 0)
    return names;
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  position = 0;
  require(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &position, collect, &names),
          "listing the variables");
  return names;
}

}  // namespace shortfall
