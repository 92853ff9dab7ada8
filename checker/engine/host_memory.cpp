#include "checker/engine/host_memory.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

namespace mmc::engine {

namespace {

constexpr uint64_t MB = uint64_t{1} << 20;
// A cgroup v1 "no limit" is PAGE_COUNTER_MAX pages (about 2^63 bytes).
constexpr uint64_t UNLIMITED = uint64_t{1} << 60;

bool read_text(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

// A cgroup limit or usage file: a decimal number, or "max" (none): 0.
uint64_t read_bytes_file(const std::string& path) {
  std::string t;
  if (!read_text(path, t)) return 0;
  uint64_t v = 0;
  size_t i = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; i++) {
    if (v > (UINT64_MAX - 9) / 10) return 0;
    v = v * 10 + static_cast<uint64_t>(t[i] - '0');
  }
  return i == 0 || v >= UNLIMITED ? 0 : v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

bool has_item(const std::string& list, const std::string& item) {
  for (const std::string& x : split(list, ','))
    if (x == item) return true;
  return false;
}

// mountinfo escapes blanks in paths as \040 (and \011, \012, \134).
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i + 2])) && std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct CgroupMount {
  bool v2 = false;
  std::string root;   // the hierarchy's directory mounted there
  std::string point;  // where
};

std::vector<CgroupMount> memory_mounts(const std::string& mountinfo) {
  std::vector<CgroupMount> out;
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
    std::string id, parent, dev, root, point, fstype, source, super;
    if (!(head >> id >> parent >> dev >> root >> point) || !(tail >> fstype >> source)) continue;
    tail >> super;
    if (fstype == "cgroup2")
      out.push_back({true, unescape(root), unescape(point)});
    else if (fstype == "cgroup" && has_item(super, "memory"))
      out.push_back({false, unescape(root), unescape(point)});
  }
  return out;
}

// The room a limited cgroup leaves: limit less usage, this process's
// own resident size given back.  0 when unlimited.
uint64_t level_room(const std::string& dir, bool v2, uint64_t own_resident, bool& limited) {
  uint64_t limit = 0, usage = 0;
  if (v2) {
    const uint64_t max = read_bytes_file(dir + "/memory.max"), high = read_bytes_file(dir + "/memory.high");
    limit = max && high ? std::min(max, high) : std::max(max, high);
    usage = read_bytes_file(dir + "/memory.current");
  } else {
    limit = read_bytes_file(dir + "/memory.limit_in_bytes");
    usage = read_bytes_file(dir + "/memory.usage_in_bytes");
  }
  if (limit == 0) return 0;
  limited = true;
  const uint64_t others = usage > own_resident ? usage - own_resident : 0;
  return limit > others ? limit - others : 0;
}

}  // namespace

uint64_t cgroup_room_bytes(const std::string& root, const std::string& proc_cgroup, const std::string& mountinfo,
                           uint64_t own_resident) {
  // This process's path in each hierarchy: "0::PATH" (v2), "N:...memory...:PATH" (v1).
  std::string v2_path, v1_path;
  bool have_v2 = false, have_v1 = false;
  std::istringstream in(proc_cgroup);
  std::string line;
  while (std::getline(in, line)) {
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string hier = line.substr(0, a), controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (hier == "0" && controllers.empty()) {
      v2_path = path;
      have_v2 = true;
    } else if (has_item(controllers, "memory")) {
      v1_path = path;
      have_v1 = true;
    }
  }
  bool limited = false;
  uint64_t room = UINT64_MAX;
  for (const CgroupMount& m : memory_mounts(mountinfo)) {
    if (m.v2 ? !have_v2 : !have_v1) continue;
    std::string path = m.v2 ? v2_path : v1_path;
    // The path is relative to the hierarchy's root; the mount shows the
    // subtree at m.root (a container's own cgroup, say).
    if (m.root != "/" && path.compare(0, m.root.size(), m.root) == 0) path = path.substr(m.root.size());
    const std::string top = root + (m.point == "/" ? "" : m.point);
    std::string dir = top + (path == "/" ? "" : path);
    std::ifstream probe(dir + "/cgroup.procs");
    if (!probe) dir = top;  // a namespaced path we cannot place: the mount's own cgroup
    // This cgroup and every ancestor up to the mount: the least room wins.
    while (true) {
      bool lim = false;
      const uint64_t r = level_room(dir, m.v2, own_resident, lim);
      if (lim) {
        limited = true;
        room = std::min(room, r);
      }
      if (dir.size() <= top.size()) break;
      const size_t slash = dir.rfind('/');
      if (slash == std::string::npos || slash < top.size()) break;
      dir = slash == top.size() ? top : dir.substr(0, slash);
    }
  }
  return limited ? std::max<uint64_t>(room, 1) : 0;
}

HostMemory read_host_memory(const std::string& root, uint64_t own_resident) {
  HostMemory h;
  std::string meminfo;
  if (read_text(root + "/proc/meminfo", meminfo)) {
    std::istringstream in(meminfo);
    std::string key, unit;
    uint64_t kb = 0;
    while (in >> key >> kb) {
      std::getline(in, unit);
      if (key == "MemTotal:") h.physical_bytes = kb * 1024;
      if (key == "MemAvailable:") h.available_bytes = kb * 1024;
      if (key == "SwapFree:") h.swap_free_bytes = kb * 1024;
    }
  }
  if (h.physical_bytes == 0 && root.empty()) {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) h.physical_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  }
  std::string cg, mi;
  if (read_text(root + "/proc/self/cgroup", cg) && read_text(root + "/proc/self/mountinfo", mi))
    h.cgroup_room_bytes = cgroup_room_bytes(root, cg, mi, own_resident);
  return h;
}

uint64_t default_bound_mb(const HostMemory& h) {
  uint64_t mb = h.physical_bytes ? h.physical_bytes / 2 / MB : 4096;
  if (h.available_bytes) mb = std::min(mb, h.available_bytes / 4 * 3 / MB);
  if (const uint64_t cap = cgroup_cap_mb(h)) mb = std::min(mb, cap);
  return std::max<uint64_t>(64, mb);
}

uint64_t cgroup_cap_mb(const HostMemory& h) {
  return h.cgroup_room_bytes ? std::max<uint64_t>(1, h.cgroup_room_bytes / 8 * 7 / MB) : 0;
}

uint64_t machine_cap_mb(const HostMemory& h) {
  if (!h.available_bytes) return 0;
  return std::max<uint64_t>(1, (h.available_bytes + h.swap_free_bytes) / 8 * 7 / MB);
}

const HostMemory& host_memory() {
  static const HostMemory h = [] {
    uint64_t resident = 0;
    std::string statm;
    if (read_text("/proc/self/statm", statm)) {
      std::istringstream in(statm);
      uint64_t size = 0, res = 0;
      if (in >> size >> res) resident = res * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    }
    return read_host_memory("", resident);
  }();
  return h;
}

}  // namespace mmc::engine
