// A swapfile of our own for live runs, and nothing else.
//
// Safety rules (issue 6): only a file this process created is ever
// switched on or off; it lives in the build directory, is swapped off and
// deleted on every exit path — destructor, SIGINT/SIGTERM/SIGHUP handler,
// and, when mmcheck is killed outright (SIGKILL), a guardian process that
// wakes on the closed pipe and does the same.  /proc/swaps is compared
// before and after.
#pragma once
#include <string>
#include <sys/types.h>

namespace mmc::live {

class SwapGuard {
 public:
  explicit SwapGuard(std::string dir) : dir_(std::move(dir)) {}
  SwapGuard(const SwapGuard&) = delete;
  SwapGuard& operator=(const SwapGuard&) = delete;
  ~SwapGuard() { off(); }

  // Creates, mkswaps and swaps on DIR/mmcheck-live-<pid>.swap.  False with
  // `why` set when that is impossible here (not root, swapon refused).
  bool on(std::string& why);
  // Swapoff and delete (idempotent).  False when /proc/swaps afterwards
  // differs from before, with `why` set.
  bool off(std::string* why = nullptr);
  bool active() const { return active_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_, before_;
  bool active_ = false;
  int guardian_fd_ = -1;
  pid_t guardian_ = -1;
};

// The device paths in /proc/swaps, sorted, one per line.
std::string active_swaps();
// Removes swapfiles an earlier, killed run left in `dir` (only our own
// name pattern, only when the pid that made it is gone).
void remove_stale_swapfiles(const std::string& dir);

}  // namespace mmc::live
