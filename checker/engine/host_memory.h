// What the machine and this process's cgroup leave for mmcheck: the
// inputs of the default --max-memory-mb (memory.h) besides ulimit -v.
//
// Three limits can end a run that grows without bound, and only one of
// them (RLIMIT_AS) makes malloc fail; the other two kill:
//   - a cgroup's memory limit (v2 memory.max / memory.high, v1
//     memory.limit_in_bytes) of this process's cgroup or an ancestor: the
//     cgroup's OOM killer, SIGKILL, no report;
//   - the machine's free memory (MemAvailable, and free swap behind it):
//     the global OOM killer.
// So the default bound is derived from all of them, and the cgroup's limit
// and the machine's free memory and swap also cut a bound the user gives
// (like ulimit -v does): a run stops `incomplete` (exit 3) before any of
// them is reached.
#pragma once
#include <cstdint>
#include <string>

namespace mmc::engine {

struct HostMemory {
  uint64_t physical_bytes = 0;   // MemTotal (sysconf); 0: unknown
  uint64_t available_bytes = 0;  // MemAvailable of /proc/meminfo; 0: unknown
  uint64_t swap_free_bytes = 0;  // SwapFree of /proc/meminfo
  // The least room any memory-limited cgroup on this process's path leaves
  // (its limit less what its members use now, this process's resident
  // size given back since the process is one of them); 0: no limit.
  uint64_t cgroup_room_bytes = 0;
};

// Reads /proc and the cgroup file systems under `root` ("" on a real
// system; a directory tree laid out like / in tests).  `own_resident` is
// this process's resident size, which the cgroup's usage includes.
HostMemory read_host_memory(const std::string& root, uint64_t own_resident);

// The cgroup part alone, from the texts of /proc/self/cgroup and
// /proc/self/mountinfo (files under `root` are read for the limits).
uint64_t cgroup_room_bytes(const std::string& root, const std::string& proc_cgroup, const std::string& mountinfo,
                           uint64_t own_resident);

// The default bound in MB for a machine: half the physical memory, at most
// three quarters of MemAvailable and seven eighths of the cgroup's room;
// at least 64.  (Pure: tested with made-up machines.)
uint64_t default_bound_mb(const HostMemory& h);

// What the cgroup's room allows any bound (seven eighths of it, the rest
// kept for the report and allocator slack), in MB; 0: no cgroup limit.
uint64_t cgroup_cap_mb(const HostMemory& h);

// What the machine allows any bound, in MB: seven eighths of MemAvailable
// and free swap together (past both, the global OOM killer picks a
// process, most likely the largest: this one); 0: unknown.  A bound the
// user gives above it would end in a SIGKILL instead of `incomplete`.
uint64_t machine_cap_mb(const HostMemory& h);

// This process's HostMemory, read once (the first call) and kept: the
// default must not drift while a run grows, and reading costs file I/O.
const HostMemory& host_memory();

}  // namespace mmc::engine
