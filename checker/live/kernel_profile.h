// `mmcheck kernel`: the running kernel's behaviour profile and the model
// config it maps to.  Kernels differ by boot parameters, sysfs settings and
// Kconfig even at one version (a guest booted with pvm_no_zero_page=1 never
// maps the zero page: mm_forbids_zeropage()), so the profile is probed by
// behaviour, not read off the version string.
//
// Two halves: probe_running_kernel() performs the probes (syscalls, sysfs,
// /proc/config.gz) and records raw results; classify() is a pure function
// from those results to the profile, so a unit test can feed it any
// kernel's behaviour.  A behaviour that fits no model knob is reported as
// unclassified, never guessed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"

namespace mmc::live {

// What the probes saw.  std::nullopt / "" = the probe could not run.
struct ProbeResults {
  std::string release;                  // uname -r
  std::string machine;                  // uname -m
  std::vector<std::string> boot_params; // the mm-relevant words of /proc/cmdline
  bool root = false;
  bool kconfig_available = false;       // /proc/config.gz readable
  std::optional<bool> kconfig_soft_dirty;       // CONFIG_MEM_SOFT_DIRTY=y (from config.gz)
  std::optional<bool> kconfig_marker_uffd_wp;   // CONFIG_PTE_MARKER_UFFD_WP=y
  // pagemap of an untouched 1-page private anon mapping: before, after a
  // read, and after a write (its own mapping); a second mapping's entry
  // after a read (the zero page has one PFN for everyone).
  std::optional<uint64_t> pm_untouched, pm_after_read, pm_after_read_2, pm_after_write;
  // THP sysfs: the selected mode of enabled, shmem_enabled; use_zero_page.
  std::string thp_enabled, thp_shmem_enabled, thp_use_zero_page;
  // userfaultfd: the API's features (UFFDIO_API with features 0), or nullopt.
  std::optional<uint64_t> uffd_features;
  // pagemap of a shared memfd page after UFFDIO_WRITEPROTECT on its none PTE.
  std::optional<uint64_t> pm_uffd_wp_none_shmem;
  // swapon of a swapfile of our own: "" not tried, else "ok" or the reason.
  std::string swap_probe;
  // pagemap of a written private anon page after MADV_PAGEOUT (swap on).
  std::optional<uint64_t> pm_after_pageout;
  // MADV_COLLAPSE the way a live program uses it (live_thp_setup,
  // live_mmap_pmd): "" not tried (not root), "ok", or why not.
  std::string madv_collapse;
  // A write fault on a MADV_HUGEPAGE PMD range maps a THP (the live `thp`
  // mapping): "" not tried (not root), "ok", or why not.
  std::string thp_fault;
};

struct ProfileFact {
  std::string probe;    // "read fault on untouched private anon"
  std::string result;   // "the zero page (pagemap 0x..., same PFN in two mappings)"
  std::string maps_to;  // "-mm_forbids_zeropage", "" when no knob, "UNCLASSIFIED"
};

struct KernelProfile {
  mm::Config config;          // the model config the kernel maps to (name = `name`)
  std::string name;           // "v6.18 +mm_forbids_zeropage -CONFIG_MEM_SOFT_DIRTY"
  bool classified = true;     // false: some behaviour fits no knob (see facts)
  std::vector<ProfileFact> facts;
  std::vector<std::string> unclassified;  // what did not fit, one line each
  bool swap_possible = false, pageout_effective = false, pfns_visible = false, uffd_wp = false,
       uffd_wp_unpopulated = false;
  bool madv_collapse = false;  // live MADV_COLLAPSE scenarios can run (probe_results.madv_collapse == "ok")
  bool thp_fault = false;      // live `thp` mappings can run (probe_results.thp_fault == "ok")
};

// Pure: the probe results to the profile.
KernelProfile classify(const ProbeResults& r);

// Probes the running kernel.  `swap_dir`: where a test swapfile may go
// ("" = do not try swap).  Never leaves swap on.
ProbeResults probe_running_kernel(const std::string& swap_dir);

// The profile's name: the preset, then every knob that differs from it,
// those switched on first ("v6.18 +mm_forbids_zeropage -CONFIG_MEM_SOFT_DIRTY").  Knobs a live run
// fixes (pagemap_show_pfn, lru_batch_other_cpu) are left out.
std::string profile_name(const mm::Config& cfg, const std::string& preset);

// Text and JSON renderings.
std::string profile_text(const ProbeResults& r, const KernelProfile& p);
std::string profile_json(const ProbeResults& r, const KernelProfile& p);  // schema_version 1

// The recordable part of a probe (for --record): JSON, and back.
std::string probe_results_json(const ProbeResults& r);

}  // namespace mmc::live
