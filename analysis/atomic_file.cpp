#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <utility>

namespace shortfall {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(fs::path target, fs::path temporary)
    : target_(std::move(target)), temporary_(std::move(temporary)) {
  if (temporary_.parent_path() != target_.parent_path() ||
      temporary_.filename() == target_.filename()) {
    throw std::invalid_argument("atomic file: the temporary '" + temporary_.string() +
                                "' is not another name in the folder of '" + target_.string() +
                                "'");
  }
}

AtomicFile::~AtomicFile() {
  if (descriptor_ >= 0) ::close(descriptor_);
  if (created_ && !committed_) ::unlink(temporary_.c_str());
}

void AtomicFile::fail(const char* action, const fs::path& path) {
  const int error_number = errno;  // before anything else can change it
  throw AtomicFileError(error_number, std::generic_category(),
                        std::string(action) + " " + path.string());
}

void AtomicFile::create() {
  descriptor_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (descriptor_ < 0) fail("cannot create", temporary_);
  created_ = true;
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ::ssize_t written = ::write(descriptor_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", temporary_);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
}

void AtomicFile::adopt_temporary() { created_ = true; }

void AtomicFile::commit() {
  if (descriptor_ >= 0) {
    const int descriptor = std::exchange(descriptor_, -1);
    if (::close(descriptor) != 0) fail("cannot write", temporary_);
  }
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) fail("cannot rename into place", target_);
  committed_ = true;
}

void write_file_atomically(const fs::path& target, const fs::path& temporary,
                           std::span<const std::byte> bytes) {
  AtomicFile file(target, temporary);
  file.create();
  file.write(bytes);
  file.commit();
}

}  // namespace shortfall
