// The PAGEMAP_SCAN ioctl on /proc/pid/pagemap (fs/proc/task_mmu.c v6.18).
#pragma once
#include <cstdint>

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
