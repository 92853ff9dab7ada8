#include "checker/live/kernel_profile.h"

#include "model/lru_knobs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checker/live/plan.h"
#include "checker/live/swapfile.h"

// Older uapi headers (the build machine's, not the running kernel's).
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif

namespace mmc::live {

namespace {

constexpr uint64_t PM_PRESENT = 1ull << 63, PM_SWAP = 1ull << 62, PM_FILE = 1ull << 61, PM_UFFD_WP = 1ull << 57,
                   PM_EXCL = 1ull << 56, PM_SOFT_DIRTY = 1ull << 55, PM_FRAME = (1ull << 55) - 1;

std::string hex(uint64_t v) { return fmt::format("{:#018x}", v); }
std::string hex(const std::optional<uint64_t>& v) { return v ? hex(*v) : std::string("unreadable"); }

}  // namespace

std::string profile_name(const mm::Config& cfg, const std::string& preset) {
  const mm::Config base = *mm::config_preset(preset);
  // Knobs switched on first, then those switched off, each in config_knobs() order.
  std::string n = preset;
  for (const bool on : {true, false})
    for (const auto& k : mm::config_knobs()) {
      if (k.name == "pagemap_show_pfn" || k.name == "lru_batch_other_cpu") continue;
      if (mm::knob_value(cfg, k) != mm::knob_value(base, k) && mm::knob_value(cfg, k) == on) n += fmt::format(" {}{}", on ? "+" : "-", k.name);
    }
  return n;
}

KernelProfile classify(const ProbeResults& r) {
  KernelProfile p;
  auto unclassified = [&](const std::string& probe, const std::string& result, const std::string& why) {
    p.facts.push_back({probe, result, "UNCLASSIFIED"});
    p.unclassified.push_back(fmt::format("{}: {} ({})", probe, result, why));
    p.classified = false;
  };
  // The preset: the model has presets for two released kernels.  Other
  // releases are not mapped to the nearest one: that would be a guess.
  std::string preset;
  if (r.release.rfind("6.18.", 0) == 0 || r.release == "6.18" || r.release.rfind("6.18-", 0) == 0) preset = "v6.18";
  else if (r.release.rfind("5.14.", 0) == 0 || r.release == "5.14" || r.release.rfind("5.14-", 0) == 0) preset = "v5.14";
  if (preset.empty()) {
    unclassified("release", r.release, "the model's presets are v6.18 and v5.14; give --config");
    preset = "v6.18";
  } else {
    p.facts.push_back({"release", r.release, preset});
  }
  p.config = *mm::config_preset(preset);

  // Zero page: do_anonymous_page on a read fault (mm_forbids_zeropage).
  {
    const std::string probe = "read fault on untouched private anon";
    if (!r.pm_after_read) {
      unclassified(probe, "pagemap unreadable", "cannot tell");
    } else {
      const uint64_t e = *r.pm_after_read;
      const bool pfns = r.pm_after_write && (*r.pm_after_write & PM_FRAME);
      const bool same_pfn = pfns && r.pm_after_read_2 && (e & PM_FRAME) == (*r.pm_after_read_2 & PM_FRAME);
      std::string res = fmt::format("pagemap {}", hex(e));
      if (pfns) res += fmt::format(", a second mapping {}", hex(r.pm_after_read_2));
      if (!(e & PM_PRESENT) || (e & PM_SWAP)) {
        unclassified(probe, res, "not present after the read: fits no model");
      } else if (!(e & PM_EXCL) && (!pfns || same_pfn)) {
        p.config.mm_forbids_zeropage = false;
        p.facts.push_back({probe, res + (pfns ? ": the shared zero page (one PFN, not exclusive)" : ": the zero page (not exclusive)"),
                           "-mm_forbids_zeropage"});
      } else if ((e & PM_EXCL) && (!pfns || !same_pfn)) {
        p.config.mm_forbids_zeropage = true;
        p.facts.push_back({probe, res + ": a page of its own (PM_MMAP_EXCLUSIVE)", "+mm_forbids_zeropage"});
      } else {
        unclassified(probe, res, "exclusivity and PFN sharing contradict each other");
      }
    }
  }

  // CONFIG_MEM_SOFT_DIRTY: config.gz, else VM_SOFTDIRTY of a new VMA (pagemap bit 55 of a none PTE).
  {
    const std::string probe = "CONFIG_MEM_SOFT_DIRTY";
    std::optional<bool> beh;
    if (r.pm_untouched) beh = (*r.pm_untouched & PM_SOFT_DIRTY) != 0;
    if (r.kconfig_soft_dirty && beh && *beh != *r.kconfig_soft_dirty) {
      unclassified(probe, fmt::format("config.gz says {}, a new VMA's pagemap {}", *r.kconfig_soft_dirty ? "y" : "n",
                                      hex(r.pm_untouched)),
                   "config and behaviour disagree");
    } else if (r.kconfig_soft_dirty || beh) {
      const bool on = r.kconfig_soft_dirty ? *r.kconfig_soft_dirty : *beh;
      p.config.CONFIG_MEM_SOFT_DIRTY = on;
      p.facts.push_back({probe,
                         fmt::format("{} ({})", on ? "y" : "n",
                                     r.kconfig_soft_dirty ? "/proc/config.gz" : "bit 55 of a new VMA's pagemap: VM_SOFTDIRTY"),
                         on ? "+CONFIG_MEM_SOFT_DIRTY" : "-CONFIG_MEM_SOFT_DIRTY"});
    } else {
      unclassified(probe, "no config.gz and no pagemap", "cannot tell");
    }
  }

  // userfaultfd write-protect.
  if (r.uffd_features) {
    p.uffd_wp = (*r.uffd_features & UFFD_FEATURE_PAGEFAULT_FLAG_WP) != 0;
    p.uffd_wp_unpopulated = (*r.uffd_features & UFFD_FEATURE_WP_UNPOPULATED) != 0;
    p.facts.push_back({"userfaultfd", fmt::format("features {:#x}: uffd-wp {}, WP_UNPOPULATED {}", *r.uffd_features,
                                                  p.uffd_wp ? "yes" : "no", p.uffd_wp_unpopulated ? "yes" : "no"),
                       ""});
  } else {
    p.facts.push_back({"userfaultfd", "unavailable (no syscall, or unprivileged use disabled)", ""});
  }
  // CONFIG_PTE_MARKER_UFFD_WP: config.gz, else a marker on a write-protected none shmem PTE.
  {
    const std::string probe = "CONFIG_PTE_MARKER_UFFD_WP";
    std::optional<bool> beh;
    if (r.pm_uffd_wp_none_shmem) {
      const uint64_t e = *r.pm_uffd_wp_none_shmem;
      if ((e & (PM_SWAP | PM_UFFD_WP)) == (PM_SWAP | PM_UFFD_WP)) beh = true;
      else if (!(e & (PM_PRESENT | PM_SWAP))) beh = false;
    }
    if (r.kconfig_marker_uffd_wp && beh && *beh != *r.kconfig_marker_uffd_wp) {
      unclassified(probe, fmt::format("config.gz says {}, pagemap {}", *r.kconfig_marker_uffd_wp ? "y" : "n",
                                      hex(r.pm_uffd_wp_none_shmem)),
                   "config and behaviour disagree");
    } else if (r.kconfig_marker_uffd_wp || beh) {
      const bool on = r.kconfig_marker_uffd_wp ? *r.kconfig_marker_uffd_wp : *beh;
      p.config.CONFIG_PTE_MARKER_UFFD_WP = on;
      p.facts.push_back({probe,
                         fmt::format("{} ({})", on ? "y" : "n",
                                     r.kconfig_marker_uffd_wp
                                         ? "/proc/config.gz"
                                         : "UFFDIO_WRITEPROTECT of a none shmem PTE: pagemap " + hex(r.pm_uffd_wp_none_shmem)),
                         on ? "+CONFIG_PTE_MARKER_UFFD_WP" : "-CONFIG_PTE_MARKER_UFFD_WP"});
    } else if (r.pm_uffd_wp_none_shmem) {
      unclassified(probe, "pagemap " + hex(r.pm_uffd_wp_none_shmem), "neither a marker nor none");
    } else {
      // Without userfaultfd no uffd-wp scenario can run: the knob cannot matter.
      p.facts.push_back({probe, "unknown (no config.gz, no userfaultfd); uffd-wp scenarios cannot run here", ""});
    }
  }

  // THP sysfs.
  if (r.thp_use_zero_page == "0" || r.thp_use_zero_page == "1") {
    p.config.thp_use_zero_page = r.thp_use_zero_page == "1";
    p.facts.push_back({"transparent_hugepage/use_zero_page", r.thp_use_zero_page,
                       p.config.thp_use_zero_page ? "+thp_use_zero_page" : "-thp_use_zero_page"});
  } else {
    p.facts.push_back({"transparent_hugepage/use_zero_page",
                       r.thp_use_zero_page.empty() ? "absent (no THP)" : r.thp_use_zero_page, ""});
  }
  p.facts.push_back({"transparent_hugepage/enabled", r.thp_enabled.empty() ? "absent" : r.thp_enabled,
                     ""});  // THP-fault scenarios are model-only (2-page THP); MADV_COLLAPSE: its own probe
  // shmem_enabled: with always/force (and within_size, which the model does
  // not size-check either) shmem and memfd faults and fallocate may allocate
  // a PMD-sized folio (shmem_allowable_huge_orders); the model's shmem has
  // small folios unless the mapping has MADV_HUGEPAGE, which is what
  // never, deny and advise give.  Found by switching the mode on this
  // machine: memfd fallocate then shows the whole huge folio resident.
  const std::string& shmem_thp = r.thp_shmem_enabled;
  if (shmem_thp == "always" || shmem_thp == "force" || shmem_thp == "within_size")
    unclassified("transparent_hugepage/shmem_enabled", shmem_thp,
                 "shmem may allocate huge folios without MADV_HUGEPAGE; the model has no knob for that");
  else
    p.facts.push_back({"transparent_hugepage/shmem_enabled", shmem_thp.empty() ? "absent" : shmem_thp, ""});

  // PFNs: pm->show_pfn (CAP_SYS_ADMIN).
  p.pfns_visible = r.pm_after_write && (*r.pm_after_write & PM_FRAME);
  p.config.pagemap_show_pfn = p.pfns_visible;
  p.facts.push_back({"PFNs in pagemap", r.pm_after_write ? fmt::format("{} (a written page: {})", p.pfns_visible ? "visible" : "hidden",
                                                                       hex(*r.pm_after_write))
                                                         : "pagemap unreadable",
                     p.pfns_visible ? "+pagemap_show_pfn" : "-pagemap_show_pfn"});

  // Swap and MADV_PAGEOUT.
  p.swap_possible = r.swap_probe == "ok";
  p.facts.push_back({"swap", r.swap_probe.empty() ? "not tried (needs root, or --no-swap)" : r.swap_probe == "ok" ? "a swapfile of ours can be switched on" : r.swap_probe, ""});
  if (r.pm_after_pageout) {
    p.pageout_effective = (*r.pm_after_pageout & PM_SWAP) != 0;
    p.facts.push_back({"MADV_PAGEOUT", fmt::format("{} (a written private page: pagemap {})",
                                                   p.pageout_effective ? "effective" : "did nothing", hex(*r.pm_after_pageout)),
                       ""});
  } else {
    p.facts.push_back({"MADV_PAGEOUT", "not tried (no swap)", ""});
  }
  // MADV_COLLAPSE on a real PMD range (no knob: a scenario that needs it is skipped without it).
  // A THP probe's fact: "ok" is the capability, empty is "not tried", anything else says why not.
  auto thp_probe = [&p](std::string_view what, const std::string& result, std::string_view ok_text) {
    p.facts.push_back({std::string(what),
                       result.empty() ? "not tried (needs root: kpageflags)"
                       : result == "ok" ? std::string(ok_text)
                                        : result,
                       ""});
    return result == "ok";
  };
  p.madv_collapse = thp_probe("MADV_COLLAPSE", r.madv_collapse,
                              "a written 2-page start of a PMD range collapses into a THP; faults map small pages");
  p.thp_fault = thp_probe("THP fault (MADV_HUGEPAGE)", r.thp_fault, "a write fault on a MADV_HUGEPAGE PMD range maps a THP");
  // The live runtime pins each reproducer to one CPU.
  p.config.set_knob(mm::KNOB_lru_batch_other_cpu, false);
  p.name = profile_name(p.config, preset);
  if (!p.classified) p.name += " (UNCLASSIFIED)";
  p.config.name = p.name;
  return p;
}

namespace {

std::string read_line(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  std::getline(f, s);
  return s;
}
// "always [madvise] never" -> "madvise"
std::string selected(const std::string& s) {
  auto a = s.find('['), b = s.find(']');
  return a != std::string::npos && b != std::string::npos && b > a ? s.substr(a + 1, b - a - 1) : s;
}

std::optional<uint64_t> pagemap_of(const void* addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  uint64_t e = 0;
  const off_t off = static_cast<off_t>(reinterpret_cast<uintptr_t>(addr) / 4096 * 8);
  const bool ok = pread(fd, &e, sizeof e, off) == static_cast<ssize_t>(sizeof e);
  close(fd);
  return ok ? std::optional<uint64_t>(e) : std::nullopt;
}

char* anon_page() {
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  madvise(p, 4096, MADV_NOHUGEPAGE);
  return static_cast<char*>(p);
}

void probe_uffd(ProbeResults& r) {
  int fd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
  if (fd < 0) return;
  uffdio_api api{};
  api.api = UFFD_API;
  if (ioctl(fd, UFFDIO_API, &api) == 0) r.uffd_features = api.features;
  close(fd);
  if (!r.uffd_features || !(*r.uffd_features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM)) return;
  // A write-protected none PTE of a shared memfd: userfaultfd_wp_use_markers.
  fd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
  int mfd = static_cast<int>(syscall(SYS_memfd_create, "mmcheck-kernel-probe", MFD_CLOEXEC));
  void* m = MAP_FAILED;
  if (fd >= 0 && mfd >= 0 && ftruncate(mfd, 4096) == 0)
    m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
  api = uffdio_api{};
  api.api = UFFD_API;
  api.features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
  if (m != MAP_FAILED && ioctl(fd, UFFDIO_API, &api) == 0) {
    uffdio_register reg{};
    reg.range.start = reinterpret_cast<uintptr_t>(m);
    reg.range.len = 4096;
    reg.mode = UFFDIO_REGISTER_MODE_WP;
    uffdio_writeprotect wp{};
    wp.range = reg.range;
    wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
    if (ioctl(fd, UFFDIO_REGISTER, &reg) == 0 && ioctl(fd, UFFDIO_WRITEPROTECT, &wp) == 0)
      r.pm_uffd_wp_none_shmem = pagemap_of(m);
  }
  if (m != MAP_FAILED) munmap(m, 4096);
  if (mfd >= 0) close(mfd);
  if (fd >= 0) close(fd);
}

void probe_pageout(ProbeResults& r, const std::string& dir) {
  SwapGuard swap(dir);
  std::string why;
  if (!swap.on(why)) {
    r.swap_probe = why;
    return;
  }
  r.swap_probe = "ok";
  // One CPU, as the live runtime does: MADV_PAGEOUT's lru_add_drain then
  // drains the batch the folio went to (docs/conformance.md, finding 1).
  cpu_set_t old, one;
  const bool pinned = sched_getaffinity(0, sizeof old, &old) == 0;
  if (pinned) {
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
  }
  if (char* p = anon_page()) {
    *static_cast<volatile char*>(p) = 1;
    if (madvise(p, 4096, MADV_PAGEOUT) == 0) r.pm_after_pageout = pagemap_of(p);
    munmap(p, 4096);
  }
  if (pinned) sched_setaffinity(0, sizeof old, &old);
  swap.off(&why);
}

// Is the page at `addr` part of a THP?  /proc/kpageflags bit 22 (KPF_THP)
// of its PFN (root only); nullopt when unreadable.
std::optional<bool> page_is_thp(const void* addr) {
  const std::optional<uint64_t> e = pagemap_of(addr);
  if (!e || !(*e >> 63 & 1) || !(*e & PM_FRAME)) return std::nullopt;
  int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  uint64_t f = 0;
  const bool ok = pread(fd, &f, sizeof f, static_cast<off_t>((*e & PM_FRAME) * 8)) == static_cast<ssize_t>(sizeof f);
  close(fd);
  return ok ? std::optional<bool>((f >> 22 & 1) != 0) : std::nullopt;
}

// The steps of the live runtime's MADV_COLLAPSE (prelude: live_thp_setup,
// live_mmap_pmd, live_collapse), in a child process: the prctl must not
// stay on mmcheck.  "ok" or why a live collapse cannot run here.
std::string collapse_probe_child(const std::string& thp_enabled) {
  const std::string size = read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  const size_t pmd = size.empty() ? 0 : std::stoul(size);
  if (pmd < 4096 || (pmd & (pmd - 1))) return "no THP (transparent_hugepage/hpage_pmd_size absent)";
  if (prctl(PR_SET_THP_DISABLE, 1, 1 << 1 /* PR_THP_DISABLE_EXCEPT_ADVISED */, 0, 0) != 0 && thp_enabled == "always")
    return "THP enabled=always and no PR_THP_DISABLE_EXCEPT_ADVISED (before 6.18): faults would map THPs";
  void* r = mmap(nullptr, 3 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) return "mmap failed";
  char* a = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(r) + 2 * pmd - 1) & ~(uintptr_t)(pmd - 1));
  if (mmap(a, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
    return "mmap failed";
  a[0] = 1;
  a[4096] = 2;
  const std::optional<bool> before = page_is_thp(a);
  if (!before) return "kpageflags unreadable";
  if (*before) return "a write fault mapped a THP (faults must map small pages, as the model's do)";
  if (madvise(a, pmd, 25 /* MADV_COLLAPSE */) != 0)
    return std::string("MADV_COLLAPSE of a written PMD range failed: ") + std::strerror(errno);
  const std::optional<bool> after = page_is_thp(a);
  if (!after || !*after) return "MADV_COLLAPSE returned 0 but mapped no THP";
  return "ok";
}

// The live `thp` mapping (prelude live_mmap_pmd, then MADV_HUGEPAGE): a
// write fault maps a THP.  "ok" or why not (THP enabled=never, the
// allocation fell back to a small page).
std::string thp_fault_probe_child(const std::string& thp_enabled) {
  const std::string size = read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  const size_t pmd = size.empty() ? 0 : std::stoul(size);
  if (pmd < 4096 || (pmd & (pmd - 1))) return "no THP (transparent_hugepage/hpage_pmd_size absent)";
  if (thp_enabled == "never") return "THP enabled=never: faults do not map THPs";
  (void)prctl(PR_SET_THP_DISABLE, 1, 1 << 1 /* PR_THP_DISABLE_EXCEPT_ADVISED */, 0, 0);
  void* r = mmap(nullptr, 3 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) return "mmap failed";
  char* a = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(r) + 2 * pmd - 1) & ~(uintptr_t)(pmd - 1));
  if (mmap(a, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
    return "mmap failed";
  if (madvise(a, pmd, MADV_HUGEPAGE) != 0) return std::string("MADV_HUGEPAGE: ") + std::strerror(errno);
  a[0] = 1;
  const std::optional<bool> thp = page_is_thp(a);
  if (!thp) return "kpageflags unreadable";
  return *thp ? "ok" : "a write fault on a MADV_HUGEPAGE range mapped a small page (THP allocation failed?)";
}

// Runs `child` in a forked process (its prctl and mappings die with it).
std::string in_child(std::string (*child)(const std::string&), const std::string& arg) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "pipe2 failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::string why = child(arg);
    const ssize_t n = write(fds[1], why.data(), why.size());
    _exit(n == static_cast<ssize_t>(why.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while (pid > 0 && (n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  return out.empty() ? "the probe process failed" : out;
}

void probe_collapse(ProbeResults& r) {
  r.madv_collapse = in_child(collapse_probe_child, r.thp_enabled);
  r.thp_fault = in_child(thp_fault_probe_child, r.thp_enabled);
}

}  // namespace

ProbeResults probe_running_kernel(const std::string& swap_dir) {
  ProbeResults r;
  utsname u{};
  if (uname(&u) == 0) {
    r.release = u.release;
    r.machine = u.machine;
  }
  {
    std::istringstream cmd(read_line("/proc/cmdline"));
    std::string w;
    static const char* const keep[] = {"pvm_no_zero_page", "transparent_hugepage", "thp_anon", "thp_shmem",
                                       "zswap.",           "swapaccount",          "hugepages", "nokaslr"};
    while (cmd >> w) {
      if (w == "--") break;  // the rest goes to init
      for (const char* k : keep)
        if (w.rfind(k, 0) == 0) r.boot_params.push_back(w);
    }
  }
  r.root = geteuid() == 0;
  const std::string kc = read_running_kconfig();
  r.kconfig_available = !kc.empty();
  if (r.kconfig_available) {
    r.kconfig_soft_dirty = kc.find("\nCONFIG_MEM_SOFT_DIRTY=y") != std::string::npos;
    r.kconfig_marker_uffd_wp = kc.find("\nCONFIG_PTE_MARKER_UFFD_WP=y") != std::string::npos;
  }
  const std::string thp = "/sys/kernel/mm/transparent_hugepage/";
  r.thp_enabled = selected(read_line(thp + "enabled"));
  r.thp_shmem_enabled = selected(read_line(thp + "shmem_enabled"));
  r.thp_use_zero_page = read_line(thp + "use_zero_page");
  char* a = anon_page();
  char* b = anon_page();
  char* c = anon_page();
  if (a && b && c) {
    r.pm_untouched = pagemap_of(a);
    (void)*static_cast<volatile char*>(a);
    r.pm_after_read = pagemap_of(a);
    (void)*static_cast<volatile char*>(b);
    r.pm_after_read_2 = pagemap_of(b);
    *static_cast<volatile char*>(c) = 1;
    r.pm_after_write = pagemap_of(c);
  }
  for (char* p : {a, b, c})
    if (p) munmap(p, 4096);
  probe_uffd(r);
  if (r.root) probe_collapse(r);
  if (r.root && !swap_dir.empty()) probe_pageout(r, swap_dir);
  return r;
}

std::string profile_text(const ProbeResults& r, const KernelProfile& p) {
  std::string t = fmt::format("kernel: Linux {} {}\n", r.release, r.machine);
  t += fmt::format("boot parameters that matter: {}\n", r.boot_params.empty() ? std::string("none") : [&] {
    std::string s;
    for (const auto& w : r.boot_params) s += (s.empty() ? "" : " ") + w;
    return s;
  }());
  t += fmt::format("/proc/config.gz: {}\n", r.kconfig_available ? "read" : "unavailable (knobs decided by behaviour)");
  for (const auto& f : p.facts)
    t += fmt::format("  {:<38} {}{}\n", f.probe, f.result, f.maps_to.empty() ? "" : "  -> " + f.maps_to);
  for (const auto& u : p.unclassified) t += "unclassified: " + u + "\n";
  t += fmt::format("profile: {}\n", p.name);
  return t;
}

std::string probe_results_json(const ProbeResults& r) {
  nlohmann::ordered_json j;
  auto opt = [](const std::optional<uint64_t>& v) { return v ? nlohmann::ordered_json(hex(*v)) : nlohmann::ordered_json(); };
  auto optb = [](const std::optional<bool>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  j["release"] = r.release;
  j["machine"] = r.machine;
  j["boot_params"] = r.boot_params;
  j["root"] = r.root;
  j["kconfig_available"] = r.kconfig_available;
  j["CONFIG_MEM_SOFT_DIRTY"] = optb(r.kconfig_soft_dirty);
  j["CONFIG_PTE_MARKER_UFFD_WP"] = optb(r.kconfig_marker_uffd_wp);
  j["pagemap_untouched"] = opt(r.pm_untouched);
  j["pagemap_after_read"] = opt(r.pm_after_read);
  j["pagemap_after_read_second_mapping"] = opt(r.pm_after_read_2);
  j["pagemap_after_write"] = opt(r.pm_after_write);
  j["thp_enabled"] = r.thp_enabled;
  j["thp_shmem_enabled"] = r.thp_shmem_enabled;
  j["thp_use_zero_page"] = r.thp_use_zero_page;
  j["uffd_features"] = opt(r.uffd_features);
  j["pagemap_uffd_wp_none_shmem"] = opt(r.pm_uffd_wp_none_shmem);
  j["swap_probe"] = r.swap_probe;
  j["pagemap_after_pageout"] = opt(r.pm_after_pageout);
  j["madv_collapse"] = r.madv_collapse;
  j["thp_fault"] = r.thp_fault;
  return j.dump(2);
}

std::string profile_json(const ProbeResults& r, const KernelProfile& p) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["profile"] = p.name;
  j["classified"] = p.classified;
  nlohmann::ordered_json knobs;
  for (const auto& k : mm::config_knobs()) knobs[std::string(k.name)] = mm::knob_value(p.config, k);
  j["config"] = knobs;
  j["swap_possible"] = p.swap_possible;
  j["pageout_effective"] = p.pageout_effective;
  j["pfns_visible"] = p.pfns_visible;
  j["uffd_wp"] = p.uffd_wp;
  j["uffd_wp_unpopulated"] = p.uffd_wp_unpopulated;
  j["madv_collapse"] = p.madv_collapse;
  j["thp_fault"] = p.thp_fault;
  nlohmann::ordered_json facts = nlohmann::ordered_json::array();
  for (const auto& f : p.facts) facts.push_back({{"probe", f.probe}, {"result", f.result}, {"maps_to", f.maps_to}});
  j["facts"] = facts;
  j["unclassified"] = p.unclassified;
  j["probe"] = nlohmann::ordered_json::parse(probe_results_json(r));
  return j.dump(2) + "\n";
}

}  // namespace mmc::live
