// mmcheck kernel: classify() maps probe results to a profile (issue 10).
// The no-zero-page behaviour is the one a guest booted with
// pvm_no_zero_page=1 showed: 0x81000000001843d2 after a read fault.
#include <doctest/doctest.h>

#include "checker/live/kernel_profile.h"

using mmc::live::classify;
using mmc::live::ProbeResults;

namespace {

// This machine as probed on 2026-11-25 (Linux 6.18.44, zero page in use).
ProbeResults zero_page_machine() {
  ProbeResults r;
  r.release = "6.18.44-fc-v769";
  r.machine = "x86_64";
  r.root = true;
  r.kconfig_available = true;
  r.kconfig_soft_dirty = false;
  r.kconfig_marker_uffd_wp = true;
  r.pm_untouched = 0;
  r.pm_after_read = 0x8000000000003b32ull;
  r.pm_after_read_2 = 0x8000000000003b32ull;
  r.pm_after_write = 0x81000000001f29b5ull;
  r.thp_enabled = "madvise";
  r.thp_shmem_enabled = "never";
  r.thp_use_zero_page = "1";
  r.uffd_features = 0x1ffff;
  r.swap_probe = "ok";
  r.pm_after_pageout = 0x4000000000000020ull;
  return r;
}

ProbeResults no_zero_page_machine() {
  ProbeResults r = zero_page_machine();
  r.boot_params = {"pvm_no_zero_page=1"};
  r.pm_after_read = 0x81000000001843d2ull;
  r.pm_after_read_2 = 0x81000000001843d3ull;
  return r;
}

}  // namespace

TEST_SUITE("live: kernel profile") {

TEST_CASE("the zero-page machine: v6.18 -CONFIG_MEM_SOFT_DIRTY") {
  auto p = classify(zero_page_machine());
  CHECK(p.classified);
  CHECK(p.name == "v6.18 -CONFIG_MEM_SOFT_DIRTY");
  CHECK_FALSE(p.config.mm_forbids_zeropage);
  CHECK_FALSE(p.config.CONFIG_MEM_SOFT_DIRTY);
  CHECK(p.config.CONFIG_PTE_MARKER_UFFD_WP);
  CHECK(p.config.pagemap_show_pfn);
  CHECK(p.swap_possible);
  CHECK(p.pageout_effective);
  CHECK(p.uffd_wp);
  CHECK(p.uffd_wp_unpopulated);
  CHECK(p.config.name == p.name);
}

TEST_CASE("pvm_no_zero_page=1: a read fault maps an exclusive page of its own -> +mm_forbids_zeropage") {
  auto p = classify(no_zero_page_machine());
  CHECK(p.classified);
  CHECK(p.name == "v6.18 +mm_forbids_zeropage -CONFIG_MEM_SOFT_DIRTY");
  CHECK(p.config.mm_forbids_zeropage);
}

TEST_CASE("without PFNs (not root) the exclusive bit alone decides") {
  ProbeResults r = no_zero_page_machine();
  r.pm_after_read = 0x8100000000000000ull;
  r.pm_after_read_2 = 0x8100000000000000ull;
  r.pm_after_write = 0x8100000000000000ull;
  auto p = classify(r);
  CHECK(p.config.mm_forbids_zeropage);
  CHECK_FALSE(p.pfns_visible);
  CHECK_FALSE(p.config.pagemap_show_pfn);
}

TEST_CASE("behaviour that fits no knob is unclassified, never guessed") {
  SUBCASE("not present after a read") {
    ProbeResults r = zero_page_machine();
    r.pm_after_read = 0;
    auto p = classify(r);
    CHECK_FALSE(p.classified);
    CHECK(p.name.find("UNCLASSIFIED") != std::string::npos);
  }
  SUBCASE("exclusive, yet the same PFN in two mappings") {
    ProbeResults r = no_zero_page_machine();
    r.pm_after_read_2 = r.pm_after_read;
    CHECK_FALSE(classify(r).classified);
  }
  SUBCASE("a release the model has no preset for") {
    ProbeResults r = zero_page_machine();
    r.release = "6.1.0";
    auto p = classify(r);
    CHECK_FALSE(p.classified);
    CHECK(p.unclassified.size() == 1);
  }
  SUBCASE("config.gz and soft-dirty behaviour disagree") {
    ProbeResults r = zero_page_machine();
    r.pm_untouched = 1ull << 55;
    CHECK_FALSE(classify(r).classified);
  }
}

TEST_CASE("no /proc/config.gz: soft-dirty and uffd-wp markers by behaviour") {
  ProbeResults r = zero_page_machine();
  r.kconfig_available = false;
  r.kconfig_soft_dirty.reset();
  r.kconfig_marker_uffd_wp.reset();
  r.pm_untouched = 1ull << 55;                     // VM_SOFTDIRTY of a new VMA
  r.pm_uffd_wp_none_shmem = (1ull << 62) | (1ull << 57) | 0x3f;  // a uffd-wp marker
  auto p = classify(r);
  CHECK(p.classified);
  CHECK(p.config.CONFIG_MEM_SOFT_DIRTY);
  CHECK(p.config.CONFIG_PTE_MARKER_UFFD_WP);
  CHECK(p.name == "v6.18");
  r.pm_uffd_wp_none_shmem = 0;  // no marker
  r.pm_untouched = 0;
  p = classify(r);
  CHECK(p.name == "v6.18 -CONFIG_MEM_SOFT_DIRTY -CONFIG_PTE_MARKER_UFFD_WP");
}

TEST_CASE("THP use_zero_page=0 and no swap") {
  ProbeResults r = zero_page_machine();
  r.thp_use_zero_page = "0";
  r.swap_probe = "swapon refused";
  r.pm_after_pageout.reset();
  auto p = classify(r);
  CHECK(p.name == "v6.18 -thp_use_zero_page -CONFIG_MEM_SOFT_DIRTY");
  CHECK_FALSE(p.swap_possible);
  CHECK_FALSE(p.pageout_effective);
}

TEST_CASE("shmem THP without MADV_HUGEPAGE (shmem_enabled=always/force/within_size) is unclassified") {
  for (const char* mode : {"always", "force", "within_size"}) {
    CAPTURE(mode);
    ProbeResults r = zero_page_machine();
    r.thp_shmem_enabled = mode;
    auto p = classify(r);
    CHECK_FALSE(p.classified);
    REQUIRE(p.unclassified.size() == 1);
    CHECK(p.unclassified[0].find("shmem_enabled") != std::string::npos);
  }
  for (const char* mode : {"never", "deny", "advise"}) {
    CAPTURE(mode);
    ProbeResults r = zero_page_machine();
    r.thp_shmem_enabled = mode;
    CHECK(classify(r).classified);
  }
}

}  // TEST_SUITE
