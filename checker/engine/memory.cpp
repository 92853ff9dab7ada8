#include "checker/engine/memory.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mmc::engine {

namespace {

constexpr uint64_t MB = uint64_t{1} << 20;

uint64_t vm_size_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0;
  const int got = std::fscanf(f, "%llu", &size);
  std::fclose(f);
  return got == 1 ? size * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

uint64_t default_memory_mb() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 4096;
  return std::max<uint64_t>(64, static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2 / MB);
}

MemoryBudget memory_budget(uint64_t requested_mb, int threads) {
  MemoryBudget b;
  b.total_mb = requested_mb ? requested_mb : default_memory_mb();
  // ulimit -v counts address space, not residency: what is mapped now, a
  // stack and a malloc arena (64 MB reserved) per worker thread, and
  // slack for the report, all come off the limit.
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    rlimit stack{};
    uint64_t stack_bytes = 8 * MB;
    if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY) stack_bytes = stack.rlim_cur;
    const uint64_t used = vm_size_bytes() + static_cast<uint64_t>(std::max(threads, 1) - 1) * (64 * MB + stack_bytes) +
                          64 * MB;
    const uint64_t left = as.rlim_cur > used ? (as.rlim_cur - used) / MB : 0;
    if (left < b.total_mb) {
      b.total_mb = std::max<uint64_t>(left, 1);
      b.cut_by_address_space = true;
    }
  }
  // The accounting leaves room for the program itself and allocator slack.
  const uint64_t total = b.total_mb * MB;
  b.accounted_bytes = total > 32 * MB ? total - total / 8 - 16 * MB : total / 2;
  b.rss_bytes = b.cut_by_address_space ? 0 : total;  // under ulimit -v the accounting is the guard
  return b;
}

}  // namespace mmc::engine
