// Small RAII wrappers over the HDF5 C API, for the results file's parts in
// `analysis/` (hdf5_io, the writer, the reader and the shard part) and the
// tests that open its files directly. The checkpoints and `merge` do not
// use HDF5 directly. Internal to `analysis/`: not part of the file format.
//
// HDF5 reports failure through negative return values and an error stack it
// would print to stderr. `silence_hdf5_error_printing` turns the printing off
// once; `require` turns a failed call into an Hdf5Error that says what was
// being done and, from the error stack, why HDF5 refused. Callers catch
// Hdf5Error and rethrow their own error naming the file.
#pragma once

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace shortfall {

class Hdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Stops HDF5 printing its error stack to stderr (for every thread, since the
// serial library keeps one default stack).
//
// The first call also stops HDF5 closing, at process exit, what is still
// open: after an H5Fclose that failed (a full disk, docs/reliability.md),
// HDF5 1.10.8's clean-up at exit dereferences the half-closed file and the
// process dies of SIGSEGV after printing its clean error. shortfall closes
// every file it opens itself, so the clean-up has nothing else to do.
// H5dont_atexit only works before the library starts; where something else
// started it first (a test calling HDF5 directly), it changes nothing.
inline void silence_hdf5_error_printing() {
  [[maybe_unused]] static const herr_t no_cleanup_at_exit = H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace hdf5_detail {

// HDF5's file drivers report a failed system call as one long message over
// two lines ("file write failed: time = ...\n, filename = ..., errno = 28,
// error message = 'No space left on device', buf = ..."); the user needs
// "file write failed: No space left on device".
inline std::string system_error_in(const std::string& message) {
  const std::string marker = "error message = '";
  const auto start = message.find(marker);
  const auto colon = message.find(':');
  if (start == std::string::npos || colon == std::string::npos) return message;
  const auto end = message.find('\'', start + marker.size());
  if (end == std::string::npos) return message;
  return message.substr(0, colon) + ": " +
         message.substr(start + marker.size(), end - start - marker.size());
}

// The most specific message of the current error stack ("file signature not
// found"), or "" when the stack is empty. Must run before the next HDF5 call
// clears the stack.
inline std::string innermost_error_message() {
  std::string message;
  auto take_first = [](unsigned /*depth*/, const H5E_error2_t* error, void* data) -> herr_t {
    auto* out = static_cast<std::string*>(data);
    if (out->empty() && error->desc != nullptr) *out = error->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_first, &message);
  return system_error_in(message);
}

[[noreturn]] inline void throw_failure(const std::string& what) {
  std::string detail = innermost_error_message();
  H5Eclear2(H5E_DEFAULT);
  throw Hdf5Error(detail.empty() ? what : what + " (" + detail + ")");
}

}  // namespace hdf5_detail

// Throws Hdf5Error("<what> (<HDF5's reason>)") when an HDF5 call failed.
inline herr_t require(herr_t status, const std::string& what) {
  if (status < 0) hdf5_detail::throw_failure(what);
  return status;
}
inline hid_t require_id(hid_t id, const std::string& what) {
  if (id < 0) hdf5_detail::throw_failure(what);
  return id;
}
// For H5Aexists, H5Lexists, H5Tis_variable_str and similar (negative: error).
inline bool require_tri(htri_t answer, const std::string& what) {
  if (answer < 0) hdf5_detail::throw_failure(what);
  return answer > 0;
}

// Owns one HDF5 identifier and closes it with the matching H5?close.
// Move-only. Build them through the named constructors below so the closer
// always matches the kind of identifier.
class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  H5Handle() = default;
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  H5Handle& operator=(H5Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  ~H5Handle() { reset(); }

  // Each checks `id` (throwing Hdf5Error with `what` when negative) and takes
  // ownership of it.
  static H5Handle file(hid_t id, const std::string& what) { return {id, H5Fclose, what}; }
  static H5Handle group(hid_t id, const std::string& what) { return {id, H5Gclose, what}; }
  static H5Handle dataset(hid_t id, const std::string& what) { return {id, H5Dclose, what}; }
  static H5Handle dataspace(hid_t id, const std::string& what) { return {id, H5Sclose, what}; }
  static H5Handle datatype(hid_t id, const std::string& what) { return {id, H5Tclose, what}; }
  static H5Handle attribute(hid_t id, const std::string& what) { return {id, H5Aclose, what}; }
  static H5Handle plist(hid_t id, const std::string& what) { return {id, H5Pclose, what}; }
  // Any object opened with H5Oopen (a group, dataset or named datatype).
  static H5Handle object(hid_t id, const std::string& what) { return {id, H5Oclose, what}; }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

  // Closes now and reports failure, for the file itself, where a failed close
  // means data did not reach the disk. The destructor ignores close errors.
  void close(const std::string& what) {
    if (!valid()) return;
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    require(close_(id), what);
  }

  void reset() noexcept {
    if (valid()) close_(std::exchange(id_, H5I_INVALID_HID));
  }

 private:
  H5Handle(hid_t id, Closer closer, const std::string& what)
      : id_(require_id(id, what)), close_(closer) {}

  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

}  // namespace shortfall
