// Observations: what userspace can read without changing the state.
#pragma once
#include <cstdint>

#include "model/config.h"
#include "model/state.h"

namespace mm {

struct PagemapRead {
  uint64_t entry = 0;            // the 64-bit /proc/pid/pagemap value
  int page_cache_lookups = 0;    // shmem xarray lookups this read cost
};

// pagemap_pte_range -> pte_to_pagemap_entry (fs/proc/task_mmu.c).
PagemapRead pagemap_read(const State& s, int proc, int page, const Config& cfg);

// mincore_pte_range / mincore_page / mincore_swap (mm/mincore.c): 0 or 1.
// The config is required: a marker reads differently before v5.19, and a
// default here once made `expect ... mincore` contradict mincore_semantics.
uint8_t mincore_byte(const State& s, int proc, int page, const Config& cfg);

// The value a load at (proc, page) returns (computed, not faulted in).
uint8_t read_value(const State& s, int proc, int page);

// shmem_file_llseek(SEEK_DATA / SEEK_HOLE) from page-cache index `from`:
// the index found, or -1 for ENXIO.  Swap entries are data; nothing is read.
int shmem_lseek(const State& s, int inode, int from, bool seek_data);

// The PFN the model shows for a folio page (and for the shared zero page).
uint64_t model_pfn(int folio, int subpage);
// A migration entry's swap type (SWP_MIGRATION_READ / _READ_EXCLUSIVE /
// _WRITE) and its pagemap frame: type | PFN << MAX_SWAPFILES_SHIFT.
uint64_t migration_swp_type(const Pte& pte);
uint64_t migration_pagemap_frame(const Pte& pte);
// The first PFN of the huge zero folio.
inline constexpr uint64_t HUGE_ZERO_PFN = 0x20;

// Does the data behind (proc, page) live in a swap slot (swap PTE, or a
// shmem swap entry behind an unmapped PTE)?  The truth PM_SWAP should tell.
bool data_in_swap(const State& s, int proc, int page);

}  // namespace mm
