// A file that appears at its path only when complete: written under a
// temporary name in the same folder and renamed over the target at the end.
// A rename within a folder is atomic, so a reader (or a process killed at any
// moment) sees the old file or the whole new one, never a part; a failure
// before the rename leaves the old file as it was and removes the temporary.
//
// The one way the program writes its files: the results file and a shard's
// part file (analysis/results_writer.h, with HDF5 writing the temporary) and
// every file of a checkpoint (sim/engine/checkpoint.h, written through
// write()). Each caller names its own temporaries, since other code looks
// for them: `.<name>.tmp-<pid>` beside a results file, `.tmp-<pid>-<n>-<name>`
// in a checkpoint folder, whose leftovers are deleted when it is opened.
//
// Durability is the caller's choice, not this class's: commit() does not
// fsync. A process crash keeps the page cache, so the renamed file is whole
// anyway; only an operating-system crash can lose it. The checkpoint accepts
// that on purpose (its files carry checksums, and its work is recomputed);
// the results file syncs itself before the rename (seal_with_envelope).
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <system_error>

namespace shortfall {

// A failed system call. what() is "<action> <path>: <the system's reason>",
// e.g. "cannot create /out/.tmp-7-0-manifest: Permission denied".
class AtomicFileError : public std::system_error {
 public:
  using std::system_error::system_error;
};

class AtomicFile {
 public:
  // Writes `target` through `temporary`, which must be in the same folder
  // (std::invalid_argument otherwise: a rename across file systems is not
  // atomic). Touches nothing yet.
  AtomicFile(std::filesystem::path target, std::filesystem::path temporary);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Not committed: closes the temporary and removes it, if this object made it.
  ~AtomicFile();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temporary() const { return temporary_; }

  // Creates the temporary for write(); fails rather than open a file that is
  // already there (O_EXCL), which is not this object's.
  void create();
  // Appends `bytes` to the temporary made by create().
  void write(std::span<const std::byte> bytes);

  // For a writer that creates the temporary itself (HDF5's H5Fcreate): from
  // now on it is this object's to remove on failure. Call it only once the
  // writer has created the file, so that whatever else sat under the name
  // when creating it failed is left alone.
  void adopt_temporary();

  // Closes the temporary (a close can be the first to report a failed write:
  // NFS, quotas) and renames it over the target. No fsync (see above).
  void commit();

 private:
  [[noreturn]] static void fail(const char* action, const std::filesystem::path& path);

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int descriptor_ = -1;
  bool created_ = false;
  bool committed_ = false;
};

// `bytes` as the whole of `target`, through `temporary` (same folder).
void write_file_atomically(const std::filesystem::path& target,
                           const std::filesystem::path& temporary,
                           std::span<const std::byte> bytes);

}  // namespace shortfall
