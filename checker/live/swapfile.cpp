#include "checker/live/swapfile.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace mmc::live {

std::string active_swaps() {
  std::ifstream in("/proc/swaps");
  std::string line;
  std::vector<std::string> names;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    if (ls >> name) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}

static bool swap_is_active(const std::string& path) {
  std::string all = active_swaps();
  std::istringstream in(all);
  std::string n;
  while (std::getline(in, n))
    if (n == path) return true;
  return false;
}

// /proc/swaps entries without the swapfiles of live runs (ours or concurrent ones).
static std::string without_live_runs(const std::string& swaps) {
  std::istringstream in(swaps);
  std::string n, out;
  while (std::getline(in, n))
    if (n.find("/mmcheck-live-") == std::string::npos) out += n + "\n";
  return out;
}

// The signal handlers need the path without allocating.
static char g_swap_path[4096];

static void off_and_reraise(int sig) {
  if (g_swap_path[0] && (swapoff(g_swap_path) == 0 || errno == EINVAL)) unlink(g_swap_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

void remove_stale_swapfiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    int pid = 0;
    char tail[8] = {0};
    if (std::sscanf(e->d_name, "mmcheck-live-%d.%5s", &pid, tail) != 2 || std::strcmp(tail, "swap") != 0) continue;
    if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) continue;  // its run is still going
    std::string path = dir + "/" + e->d_name;
    if (swap_is_active(path) && swapoff(path.c_str()) != 0) continue;  // never delete an active swapfile
    unlink(path.c_str());
  }
  closedir(d);
}

static bool run_mkswap(const std::string& path) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    execlp("mkswap", "mkswap", "-q", path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

bool SwapGuard::on(std::string& why) {
  if (active_) return true;
  if (geteuid() != 0) {
    why = "needs root to switch a swapfile on";
    return false;
  }
  remove_stale_swapfiles(dir_);
  before_ = active_swaps();
  char real[4096];
  if (!realpath(dir_.c_str(), real)) {
    why = "build directory " + dir_ + " does not exist";
    return false;
  }
  path_ = std::string(real) + "/mmcheck-live-" + std::to_string(getpid()) + ".swap";
  if (path_.size() >= sizeof g_swap_path) {
    why = "build directory path too long";
    return false;
  }
  {
    int fd = open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
      why = "cannot create " + path_ + ": " + std::strerror(errno);
      return false;
    }
    std::vector<char> zeros(1 << 20, 0);
    bool ok = true;
    for (int i = 0; i < 32 && ok; i++) ok = write(fd, zeros.data(), zeros.size()) == static_cast<ssize_t>(zeros.size());
    ok = ok && fsync(fd) == 0;
    close(fd);
    if (!ok || !run_mkswap(path_)) {
      unlink(path_.c_str());
      why = "cannot prepare a swapfile in " + dir_ + " (write or mkswap failed)";
      return false;
    }
  }
  // From here on every exit path removes the file.
  std::strcpy(g_swap_path, path_.c_str());
  struct sigaction sa {};
  sa.sa_handler = off_and_reraise;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
  // The guardian: wakes when our end of the pipe closes (also on SIGKILL).
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) != 0) {
    unlink(path_.c_str());
    why = "pipe failed";
    return false;
  }
  pid_t g = fork();
  if (g == 0) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, SIG_IGN);
    close(pfd[1]);
    char c;
    while (read(pfd[0], &c, 1) > 0) {
    }
    // EINVAL: not active (the parent already switched it off)
    if (swapoff(g_swap_path) == 0 || errno == EINVAL) unlink(g_swap_path);
    _exit(0);
  }
  close(pfd[0]);
  guardian_fd_ = pfd[1];
  guardian_ = g;
  if (swapon(path_.c_str(), 0) != 0) {
    why = "swapon " + path_ + " refused: " + std::strerror(errno) + " (a container, or a filesystem without swapfile support)";
    off();
    return false;
  }
  active_ = true;
  return true;
}

bool SwapGuard::off(std::string* why) {
  if (path_.empty()) return true;
  bool removable = true;
  if (swap_is_active(path_) && swapoff(path_.c_str()) != 0) {
    removable = false;  // never delete a file that is still swap
    if (why) *why = "swapoff " + path_ + " failed: " + std::strerror(errno);
  }
  if (removable) unlink(path_.c_str());
  active_ = false;
  g_swap_path[0] = 0;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, SIG_DFL);
  if (guardian_fd_ >= 0) {
    close(guardian_fd_);
    guardian_fd_ = -1;
    waitpid(guardian_, nullptr, 0);
    guardian_ = -1;
  }
  // Other live runs (ctest -j) may switch their own swapfiles on or off
  // meanwhile: compare everything else.
  const bool same = without_live_runs(active_swaps()) == without_live_runs(before_);
  if (!same && why) *why = "/proc/swaps differs from before the run:\n" + active_swaps();
  path_.clear();
  return same;
}

}  // namespace mmc::live
