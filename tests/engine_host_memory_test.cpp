// The default memory bound is derived from the machine and this process's
// cgroup (checker/engine/host_memory.h): read from made-up /proc and
// cgroup trees here, since a test cannot choose the machine it runs on.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "checker/engine/host_memory.h"
#include "checker/engine/memory.h"

using namespace mmc::engine;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t MB = uint64_t{1} << 20;

// A scratch directory laid out like /, removed at the end.
struct FakeRoot {
  fs::path dir;
  FakeRoot() {
    char tmpl[] = "/tmp/mmcheck-host-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
  }
  ~FakeRoot() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void put(const std::string& path, const std::string& text) const {
    const fs::path p = dir / path.substr(1);
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root() const { return dir.string(); }
};

const char* kMeminfo = "MemTotal:        8388608 kB\nMemFree:  100 kB\nMemAvailable:    2097152 kB\n";

}  // namespace

TEST_CASE("host memory: MemTotal and MemAvailable from /proc/meminfo") {
  FakeRoot r;
  r.put("/proc/meminfo", kMeminfo);
  const HostMemory h = read_host_memory(r.root(), 0);
  CHECK(h.physical_bytes == 8192 * MB);
  CHECK(h.available_bytes == 2048 * MB);
  CHECK(h.cgroup_room_bytes == 0);  // no /proc/self/cgroup: no limit known
  // Half of 8 GB would be 4096; three quarters of the 2 GB available is less.
  CHECK(default_bound_mb(h) == 1536);
  // No swap: any bound is cut to seven eighths of the 2 GB available.
  CHECK(h.swap_free_bytes == 0);
  CHECK(machine_cap_mb(h) == 2048 * 7 / 8);
}

TEST_CASE("host memory: free swap raises what the machine allows a bound, not the default") {
  FakeRoot r;
  r.put("/proc/meminfo", std::string(kMeminfo) + "SwapTotal:  4194304 kB\nSwapFree:   1048576 kB\n");
  const HostMemory h = read_host_memory(r.root(), 0);
  CHECK(h.swap_free_bytes == 1024 * MB);
  CHECK(machine_cap_mb(h) == (2048 + 1024) * 7 / 8);
  CHECK(default_bound_mb(h) == 1536);  // the default stays out of swap
  // MemAvailable unknown (a kernel before 3.14): no cap rather than a wrong one.
  FakeRoot old;
  old.put("/proc/meminfo", "MemTotal: 8388608 kB\nSwapFree: 1048576 kB\n");
  CHECK(machine_cap_mb(read_host_memory(old.root(), 0)) == 0);
}

TEST_CASE("host memory: cgroup v2, the tightest limit on the path wins, own usage given back") {
  FakeRoot r;
  r.put("/proc/meminfo", kMeminfo);
  r.put("/proc/self/cgroup", "0::/user.slice/job\n");
  r.put("/proc/self/mountinfo",
        "22 1 0:20 / / rw - ext4 /dev/sda1 rw\n"
        "31 22 0:28 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  r.put("/sys/fs/cgroup/cgroup.procs", "");
  r.put("/sys/fs/cgroup/user.slice/cgroup.procs", "");
  r.put("/sys/fs/cgroup/user.slice/memory.max", "1073741824\n");   // 1 GB
  r.put("/sys/fs/cgroup/user.slice/memory.high", "max\n");
  r.put("/sys/fs/cgroup/user.slice/memory.current", "536870912\n");  // 512 MB used in the slice
  r.put("/sys/fs/cgroup/user.slice/job/cgroup.procs", "1\n");
  r.put("/sys/fs/cgroup/user.slice/job/memory.max", "max\n");
  r.put("/sys/fs/cgroup/user.slice/job/memory.current", "104857600\n");
  // This process is 100 MB of the slice's 512: the slice leaves 1024 - 412.
  const HostMemory h = read_host_memory(r.root(), 100 * MB);
  CHECK(h.cgroup_room_bytes == 612 * MB);
  CHECK(cgroup_cap_mb(h) == 612 * 7 / 8);
  CHECK(default_bound_mb(h) == 612 * 7 / 8);

  // memory.high counts too (past it the cgroup is throttled to a crawl).
  r.put("/sys/fs/cgroup/user.slice/job/memory.high", "209715200\n");  // 200 MB
  const HostMemory h2 = read_host_memory(r.root(), 100 * MB);
  CHECK(h2.cgroup_room_bytes == 200 * MB);
}

TEST_CASE("host memory: cgroup v1 memory controller, unlimited and limited") {
  FakeRoot r;
  r.put("/proc/meminfo", kMeminfo);
  r.put("/proc/self/cgroup", "5:devices:/\n4:memory:/process_api/abc\n0::/\n");
  r.put("/proc/self/mountinfo",
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  r.put("/sys/fs/cgroup/memory/cgroup.procs", "");
  r.put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  r.put("/sys/fs/cgroup/memory/process_api/abc/cgroup.procs", "1\n");
  r.put("/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712\n");
  r.put("/sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes", "2333605888\n");
  CHECK(read_host_memory(r.root(), 0).cgroup_room_bytes == 0);  // "unlimited" is PAGE_COUNTER_MAX
  r.put("/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "3221225472\n");  // 3 GB
  r.put("/sys/fs/cgroup/memory/process_api/memory.usage_in_bytes", "3200000000\n");
  const HostMemory h = read_host_memory(r.root(), 0);
  CHECK(h.cgroup_room_bytes == 3221225472ull - 3200000000ull);
  CHECK(default_bound_mb(h) == 64);  // what is left is tiny: the floor
}

TEST_CASE("host memory: a container's cgroup namespace (mount root is the container's cgroup)") {
  FakeRoot r;
  r.put("/proc/self/cgroup", "0::/\n");
  r.put("/proc/self/mountinfo", "700 600 0:28 /docker/xyz /sys/fs/cgroup ro - cgroup2 cgroup rw\n");
  r.put("/sys/fs/cgroup/cgroup.procs", "1\n");
  r.put("/sys/fs/cgroup/memory.max", "536870912\n");
  r.put("/sys/fs/cgroup/memory.current", "0\n");
  const HostMemory h = read_host_memory(r.root(), 0);
  CHECK(h.cgroup_room_bytes == 512 * MB);
  CHECK(h.physical_bytes == 0);  // no meminfo in the fake root
  CHECK(default_bound_mb(h) == 448);
}

TEST_CASE("host memory: bad files are no limit, never a crash") {
  FakeRoot r;
  r.put("/proc/self/cgroup", "garbage\n::\n0::\n");
  r.put("/proc/self/mountinfo", "x - cgroup2\n - \n1 2 3 / /sys/fs/cgroup - cgroup2 c rw\n");
  r.put("/sys/fs/cgroup/memory.max", "99999999999999999999999\n");
  r.put("/sys/fs/cgroup/memory.current", "-5\n");
  CHECK(read_host_memory(r.root(), 0).cgroup_room_bytes == 0);
}

TEST_CASE("the default bound: a command's preset is cut to the machine, never raised") {
  const uint64_t host = default_memory_mb();
  CHECK(host >= 64);
  CHECK(default_memory_mb(1) == 1);
  CHECK(default_memory_mb(host + 1000) == host);
  // With no flag and no address-space limit, the budget is the default.
  const MemoryBudget b = memory_budget(0, 1);
  CHECK(b.total_mb <= host);
  CHECK(b.bound_text().find("memory bound hit: ") == 0);
}

TEST_CASE("a bound larger than the machine can give is cut to it, and the stop says so") {
  // 2^43 MB (the flag's largest value) is more than any machine here has:
  // without the cut the run would meet the OOM killer, not `incomplete`.
  const uint64_t huge = uint64_t{1} << 43;
  const MemoryBudget b = memory_budget(huge, 1);
  CHECK(b.total_mb < huge);
  CHECK(b.cut != BoundCut::NONE);
  if (const uint64_t cap = machine_cap_mb(host_memory())) CHECK(b.total_mb <= cap);
  if (b.cut == BoundCut::MACHINE)
    CHECK(b.bound_text() == "memory bound hit: the machine's free memory and swap leave " + std::to_string(b.total_mb) + " MB");
  const MemoryGuard g(huge);
  CHECK(g.bound_mb() < huge);
  if (b.cut != BoundCut::ADDRESS_SPACE) CHECK(g.bound_mb() == b.total_mb);  // the guard watches ulimit -v itself
  // A bound within what the machine has is kept, and the words ask to raise it.
  const MemoryBudget small = memory_budget(64, 1);
  CHECK(small.total_mb == 64);
  CHECK(small.cut == BoundCut::NONE);
  CHECK(small.bound_text() == "memory bound hit: raise --max-memory-mb (now 64)");
  CHECK(bound_hit_text(10, BoundCut::CGROUP) == "memory bound hit: the cgroup's memory limit leaves 10 MB");
  CHECK(bound_hit_text(10, BoundCut::ADDRESS_SPACE, " (per rank)") ==
        "memory bound hit (per rank): the address-space limit (ulimit -v) leaves 10 MB");
  CHECK(bound_hit_text(300, BoundCut::NONE, " (per rank)") == "memory bound hit (per rank): raise --max-memory-mb (now 300)");
}
