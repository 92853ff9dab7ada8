// The PAGEMAP_SCAN ioctl on /proc/pid/pagemap (fs/proc/task_mmu.c v6.18).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/events.h"

namespace mm {

// include/uapi/linux/fs.h page categories.
enum PageCategory : uint32_t {
  PAGE_IS_WPALLOWED = 1u << 0,
  PAGE_IS_WRITTEN = 1u << 1,
  PAGE_IS_FILE = 1u << 2,
  PAGE_IS_PRESENT = 1u << 3,
  PAGE_IS_SWAPPED = 1u << 4,
  PAGE_IS_PFNZERO = 1u << 5,
  PAGE_IS_HUGE = 1u << 6,
  PAGE_IS_SOFT_DIRTY = 1u << 7,
  PAGE_IS_GUARD = 1u << 8,
};

// The categories PAGEMAP_SCAN reports for one page (with every category of
// interest): the VMA's (pagemap_scan_test_walk: PAGE_IS_WPALLOWED for a
// uffd-wp-async VMA that uses markers) and the PTE's (pagemap_page_category,
// pagemap_thp_category; none for a hole).
uint32_t pagemap_scan_categories(const State& s, int proc, int page, const Config& cfg);

// PAGEMAP_SCAN with PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC and
// category_mask = PAGE_IS_WRITTEN on one page: a written page is
// write-protected again (make_uffd_wp_pte); -EPERM (nothing happens) on a
// VMA that is not uffd-wp-async registered.
Outcome pagemap_scan_wp(State& s, int proc, int page, const Config& cfg);

}  // namespace mm

namespace mm {

// struct pm_scan_arg over a range of the model's pages (include/uapi/linux/fs.h).
inline constexpr uint64_t PM_SCAN_WP_MATCHING = 1u << 0;
inline constexpr uint64_t PM_SCAN_CHECK_WPASYNC = 1u << 1;
inline constexpr uint32_t PM_SCAN_CATEGORIES = 0x1ff;

struct PmScanArg {
  int start = 0;          // first page (address / PAGE_SIZE)
  int npages = 0;         // end = start + npages (0: an empty range)
  uint64_t flags = 0;     // PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC (others: -EINVAL)
  uint64_t category_inverted = 0, category_mask = 0, category_anyof_mask = 0, return_mask = 0;
  uint64_t max_pages = 0; // 0: unlimited
  uint64_t vec_len = 0;
  bool vec_null = false;  // vec == NULL (with vec_len != 0: -EINVAL)
};

struct PageRegion {
  int start = 0, end = 0;  // pages
  uint32_t categories = 0;
};

struct PmScanResult {
  long ret = 0;                     // number of regions, or -errno
  int walk_end = 0;                 // page
  std::vector<PageRegion> regions;  // what was copied to vec
  // The model cannot answer: a none PTE where the kernel's answer depends on
  // whether a page table exists (pte_hole vs a none PTE in the fast path,
  // or WP_MATCHING's uffd_wp_range on a hole), or a PMD-mapped THP.
  std::string unknown;
};

// do_pagemap_scan (fs/proc/task_mmu.c): pagemap_scan_get_args, the walk
// (pagemap_scan_test_walk, pagemap_scan_pmd_entry with its fast paths,
// pagemap_scan_pte_hole), pagemap_scan_output / pagemap_scan_push_range
// (max_pages, vec_len, walk_end), make_uffd_wp_pte under WP_MATCHING.
// Changes `s` only under PM_SCAN_WP_MATCHING.
PmScanResult do_pagemap_scan(State& s, int proc, const PmScanArg& arg, const Config& cfg);

// The result packed into 64 bits, as the live program packs what the ioctl
// returned: ret (5 bits: 0..4 regions, 16 + k for the k-th errno of
// EINVAL, EPERM, EFAULT, ENOSPC), walk_end - start (3 bits), then up to four
// regions of 14 bits each (start - range start: 2 bits, length: 3 bits,
// categories: 9 bits).
uint64_t pack_pm_scan_result(const PmScanResult& r, int range_start);

}  // namespace mm
