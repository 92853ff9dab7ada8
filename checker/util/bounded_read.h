// Reading an input file whole, with a size limit that also holds for pipes
// and devices (/dev/zero, /dev/stdin): the read stops one byte past the
// limit instead of growing without bound.
#pragma once
#include <cstddef>
#include <string>

namespace mmc::util {

enum class ReadStatus {
  Ok,
  CannotOpen,    // missing, unreadable: `error` has strerror's words
  IsDirectory,   // a directory given where a file belongs
  TooLarge,      // more than `limit` bytes
  ReadError,     // the read itself failed: `error` has strerror's words
};

struct ReadResult {
  ReadStatus status = ReadStatus::Ok;
  std::string text;   // the whole file when status == Ok
  std::string error;  // strerror text for CannotOpen / ReadError
};

// Reads the file at `path` (a regular file, a pipe, a device, "/dev/stdin")
// up to `limit` bytes.  Never throws for I/O; std::bad_alloc only when
// `limit` bytes do not fit in memory.
ReadResult read_bounded(const std::string& path, size_t limit);

// "16 MiB", "512 KiB", "100 bytes": a limit in the words error messages use.
std::string size_words(size_t bytes);

}  // namespace mmc::util
