// shmem (mm/shmem.c) and PTE markers (mm/memory.c handle_pte_marker).
#pragma once
#include "model/events.h"

namespace mm {

// shmem_get_folio_gfp(SGP_CACHE) as reached from shmem_fault: the page-cache
// folio at (inode, index), swapped in (shmem_swapin_folio) or allocated.
// With `huge` (a VM_HUGEPAGE shared VMA whose PMD-aligned range fits the
// file) an empty aligned pair of indices gets one large folio
// (shmem_alloc_and_add_folio with a PMD order).  Returns the folio and the
// subpage that backs `index`.
Outcome shmem_fault(State& s, int inode, int index, bool huge, const Config& cfg, int& folio_out,
                    int& subpage_out);

// handle_pte_marker: a fault on a PTE marker.  Leaves the PTE as the
// missing-page path must see it (UFFD_WP marker kept in a registered VMA,
// cleared otherwise; PAGEOUT marker cleared) or reports SIGSEGV (GUARD)
// or SIGBUS (POISONED).
Outcome handle_pte_marker(State& s, int proc, int page, const Config& cfg);

// shmem_writeout: a dirty, unmapped page-cache folio moves to the swap
// cache; the page-cache slot gets a swap value entry (swap_shmem_alloc).
Outcome shmem_writeout(State& s, int folio, const Config& cfg);

// shmem_fallocate(FALLOC_FL_PUNCH_HOLE) for one page, as MADV_REMOVE does:
// unmap_mapping_range in every process (private COW copies survive), then
// shmem_undo_range frees the folio or swap entry.
Outcome shmem_punch_hole(State& s, int inode, int index, const Config& cfg);

// shmem_fallocate for one page of a file (index < its size).
//  - Allocate (mode 0) and KeepSize (FALLOC_FL_KEEP_SIZE; the same inside
//    i_size, which the model's files never grow past): shmem_get_folio
//    (SGP_FALLOC) allocates a folio that stays !uptodate ("so that freeable
//    folios can be recognized") but dirty ("so that memory pressure will
//    swap rather than free"); a swapped-out page is swapped in; a present
//    folio is marked dirty, and one fallocated earlier is initialized
//    (zeroed, uptodate) by this second SGP_FALLOC.  Not uptodate means: mincore 0, a hole for
//    SEEK_DATA (folio_seek_hole_data), zeroes and uptodate at the first
//    fault or at shmem_writeout.
//  - PunchHole (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): shmem_punch_hole.
enum class FallocMode : uint8_t { Allocate, KeepSize, PunchHole };
Outcome shmem_fallocate(State& s, int inode, int index, FallocMode mode, const Config& cfg);

// A VMA went away (munmap, exit): when it was the last mapping of a
// MAP_SHARED|MAP_ANONYMOUS inode (shmem_zero_setup: no file descriptor),
// the inode's last reference is gone -- iput_final -> shmem_evict_inode ->
// shmem_truncate_range(0, -1) frees its folios and swap entries.  A memfd
// stays: its descriptor keeps the inode (scenario files are open throughout).
void shmem_vma_closed(State& s, const Vma& closed, const Config& cfg);

// The page-cache index and inode a shmem folio sits at (its head); false when none.
bool shmem_folio_index(const State& s, int folio, int& inode, int& index);

}  // namespace mm
