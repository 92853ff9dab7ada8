#include "checker/util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mmc::util {

namespace {

// Writes all of `content` to `fd`; errno's words on failure.
std::string write_all(int fd, std::string_view content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    if (n == 0) return "the write made no progress";
    done += static_cast<size_t>(n);
  }
  return "";
}

std::string errno_words() { return std::strerror(errno); }

}  // namespace

std::string write_file_atomically(const std::string& path, std::string_view content) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return "is a directory";
    // A device or FIFO: in place (O_TRUNC is meaningless there).
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno_words();
    std::string why = write_all(fd, content);
    if (::close(fd) != 0 && why.empty()) why = errno_words();
    return why;
  }
  // mkstemp in the target's directory, so the rename stays on one file system.
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) return errno_words();
  const std::string tmp(name.data());
  std::string why = write_all(fd, content);
  // The data on disk before the rename makes it visible under the final name.
  if (why.empty() && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) why = errno_words();
  if (::close(fd) != 0 && why.empty()) why = errno_words();
  // mkstemp creates 0600; an output file is as readable as any other (umask).
  if (why.empty()) {
    mode_t mask = ::umask(0);
    ::umask(mask);
    if (::chmod(tmp.c_str(), 0666 & ~mask) != 0) why = errno_words();
  }
  if (why.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) why = errno_words();
  if (!why.empty()) ::unlink(tmp.c_str());
  return why;
}

}  // namespace mmc::util
