#include "checker/engine/memory.h"

#include "checker/engine/host_memory.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mmc::engine {

namespace {

constexpr uint64_t MB = uint64_t{1} << 20;

// The mapped and the resident size of this process, in bytes (0 when unknown).
void statm_bytes(uint64_t& mapped, uint64_t& resident) {
  mapped = resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return;
  unsigned long long size = 0, res = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &res);
  std::fclose(f);
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (got >= 1) mapped = size * page;
  if (got == 2) resident = res * page;
}

uint64_t vm_size_bytes() {
  uint64_t mapped = 0, resident = 0;
  statm_bytes(mapped, resident);
  return mapped;
}

// What an address-space limit leaves for the report after a stop: the
// result's text, traces and JSON.
constexpr uint64_t REPORT_RESERVE = 64 * MB;

}  // namespace

uint64_t default_memory_mb(uint64_t preset_mb) {
  const uint64_t host = default_bound_mb(host_memory());
  return preset_mb ? std::min(preset_mb, host) : host;
}

uint64_t cut_to_host(uint64_t mb, BoundCut& cut) {
  // Past the machine's free memory and swap, or a cgroup's limit, the
  // kernel's OOM killer ends the run with SIGKILL and no report: a bound
  // the user gives is cut to them too, as it is to ulimit -v.
  if (const uint64_t cap = machine_cap_mb(host_memory()); cap && cap < mb) {
    mb = cap;
    cut = BoundCut::MACHINE;
  }
  if (const uint64_t cap = cgroup_cap_mb(host_memory()); cap && cap < mb) {
    mb = cap;
    cut = BoundCut::CGROUP;
  }
  return mb;
}

std::string bound_hit_text(uint64_t mb, BoundCut cut, std::string_view scope) {
  const std::string hit = "memory bound hit" + std::string(scope) + ": ", n = std::to_string(mb);
  switch (cut) {
    case BoundCut::ADDRESS_SPACE: return hit + "the address-space limit (ulimit -v) leaves " + n + " MB";
    case BoundCut::CGROUP: return hit + "the cgroup's memory limit leaves " + n + " MB";
    case BoundCut::MACHINE: return hit + "the machine's free memory and swap leave " + n + " MB";
    case BoundCut::NONE: break;
  }
  return hit + "raise --max-memory-mb (now " + n + ")";
}

MemoryBudget memory_budget(uint64_t requested_mb, int threads) {
  MemoryBudget b;
  b.total_mb = cut_to_host(requested_mb ? requested_mb : default_memory_mb(), b.cut);
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
      b.cut = BoundCut::ADDRESS_SPACE;
    }
  }
  // The accounting leaves room for the program itself and allocator slack.
  const uint64_t total = b.total_mb * MB;
  b.accounted_bytes = total > 32 * MB ? total - total / 8 - 16 * MB : total / 2;
  b.rss_bytes = b.cut == BoundCut::ADDRESS_SPACE ? 0 : total;  // under ulimit -v the accounting is the guard
  return b;
}

std::string MemoryBudget::bound_text() const { return bound_hit_text(total_mb, cut); }

MemoryGuard::MemoryGuard(uint64_t requested_mb, unsigned share)
    : bound_mb_(cut_to_host(requested_mb ? requested_mb : default_memory_mb(), cut_)) {
  share = std::max(share, 1u);
  resident_bytes_ = bound_mb_ * MB / share;
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const uint64_t limit = as.rlim_cur > REPORT_RESERVE ? as.rlim_cur - REPORT_RESERVE : 1;
    const uint64_t now = vm_size_bytes();
    address_space_bytes_ = now < limit ? now + (limit - now) / share : 1;
  }
}

bool MemoryGuard::within() const {
  uint64_t mapped = 0, resident = 0;
  statm_bytes(mapped, resident);
  if (address_space_bytes_ && mapped > address_space_bytes_) {
    by_address_space_ = true;
    return false;
  }
  return resident <= resident_bytes_;
}

std::string MemoryGuard::bound_text() const {
  if (by_address_space_) return bound_hit_text(address_space_bytes_ / MB, BoundCut::ADDRESS_SPACE) + " of mappings";
  return bound_hit_text(bound_mb_, cut_);
}

std::string MemoryGuard::allocation_failed_text() const {
  if (address_space_bytes_) {
    by_address_space_ = true;
    return bound_text();
  }
  return "memory bound hit: an allocation failed (the machine has no more memory to give)";
}

}  // namespace mmc::engine
