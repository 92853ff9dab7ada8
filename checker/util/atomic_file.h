// Output files (--json, --dot, -o, --record, --html) written whole or not at
// all: the text goes to a temporary file next to the target, is flushed to
// disk and renamed over the target.  A run killed half-way, or a full disk,
// leaves the old file (or none), never a truncated one that a later
// `--baseline` would trust.
//
// A target that exists and is not a regular file (/dev/stdout, /dev/null,
// /dev/full, a FIFO) is written in place: renaming over a device node would
// replace it.  Write errors there are errors too.
#pragma once
#include <string>
#include <string_view>

namespace mmc::util {

// Writes `content` to `path` as above.  Returns "" on success, else what
// went wrong in strerror's words ("No space left on device"); the target
// is then unchanged and no temporary file remains.
std::string write_file_atomically(const std::string& path, std::string_view content);

}  // namespace mmc::util
