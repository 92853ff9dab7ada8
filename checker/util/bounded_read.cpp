#include "checker/util/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mmc::util {

ReadResult read_bounded(const std::string& path, size_t limit) {
  ReadResult r;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.status = errno == EISDIR ? ReadStatus::IsDirectory : ReadStatus::CannotOpen;
    r.error = std::strerror(errno);
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    r.status = ReadStatus::IsDirectory;
    return r;
  }
  // A regular file says its size up front: refuse before reading it.
  if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > limit) {
    ::close(fd);
    r.status = ReadStatus::TooLarge;
    return r;
  }
  if (S_ISREG(st.st_mode)) r.text.reserve(static_cast<size_t>(st.st_size));
  // Pipes and devices do not: read in blocks, stop one byte past the limit.
  char buf[1 << 16];
  for (;;) {
    size_t want = sizeof buf;
    if (r.text.size() + want > limit + 1) want = limit + 1 - r.text.size();
    ssize_t n = ::read(fd, buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.status = errno == EISDIR ? ReadStatus::IsDirectory : ReadStatus::ReadError;
      r.error = std::strerror(errno);
      r.text.clear();
      break;
    }
    if (n == 0) break;
    r.text.append(buf, static_cast<size_t>(n));
    if (r.text.size() > limit) {
      r.status = ReadStatus::TooLarge;
      r.text.clear();
      r.text.shrink_to_fit();
      break;
    }
  }
  ::close(fd);
  return r;
}

std::string size_words(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (size_t{1} << 10) && bytes % (size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace mmc::util
