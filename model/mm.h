// Helpers shared by the event functions: lookups, reference counts, folio
// and swap-slot allocation.  Reference counts are derived from the state
// (who maps, who pins, which cache holds a folio) rather than stored, so
// they can never disagree with the references that make them up.
#pragma once
#include "model/config.h"
#include "model/state.h"

namespace mm {

// ---- lookups ----
const Vma* find_vma(const Process& p, int page);  // nullptr when unmapped
Vma* find_vma(Process& p, int page);
bool vma_is_anonymous(const Vma& v);   // private anon (vma->vm_ops == NULL)
bool vma_is_shmem(const Vma& v);       // shared anon or memfd
bool vma_is_shared(const Vma& v);      // VM_SHARED
bool is_cow_mapping(const Vma& v);     // private and may be written (we treat every private VMA as COW)
// The shmem page-cache index `page` maps to (vma->vm_pgoff + offset).
int vma_file_index(const Vma& v, int page);

// ---- reference counts (derived) ----
// Number of PTEs (PMD-mapped counts once per page) mapping subpage `sub` of folio f.
int folio_precise_page_mapcount(const State& s, int f, int sub);
int folio_mapcount(const State& s, int f);                      // sum over subpages
// folio_large_mapcount: mappings of the folio, a PMD mapping counting once.
// Each mapping holds one folio reference.
int folio_large_mapcount(const State& s, int f);
int folio_nr_mapping_procs(const State& s, int f);              // distinct mms mapping f
int folio_pins(const State& s, int f);                          // FOLL_PIN references
// The pipe's buffers holding a page of f: vmsplice's FOLL_GET references (model/pipe.h).
int folio_pipe_refs(const State& s, int f);
bool folio_in_page_cache(const State& s, int f);                // some shmem inode holds f
// folio_ref_count() minus the caller's own transient reference.
int folio_ref_count(const State& s, int f);
bool folio_maybe_dma_pinned(const State& s, int f);
// MMF_HAS_PINNED.  Model: "this mm holds a pin now"; the kernel flag is
// sticky (set at the first pin, never cleared), which only matters when
// another mm pinned the same folio.
bool mm_has_pinned(const Process& p);
// folio_needs_cow_for_dma: MMF_HAS_PINNED on the source mm and the folio may be pinned.
bool folio_needs_cow_for_dma(const State& s, int proc, int f);
// Number of swap PTEs naming (type, slot).
int swap_pte_refs(const State& s, int type, int slot);
// Number of shmem page-cache entries naming (type, slot).
int shmem_swap_refs(const State& s, int type, int slot);

// ---- allocation ----
int alloc_folio(State& s);                 // -1 when every folio is in use
// A new folio for a fault, COW, fork copy or swap-in, then folio_add_lru:
// under lru_batch_other_cpu(cfg) it starts in a per-CPU lru_add batch (off
// the LRU).  Split tails use alloc_folio(s) and inherit the head's flags.
int alloc_folio(State& s, const Config& cfg);
// folio_test_lru: the folio is on an LRU list (folio_isolate_lru can take it).
bool folio_test_lru(const Folio& fo);
void folio_put_if_unused(State& s, int f); // frees f when its derived refcount is 0
void free_folio(State& s, int f);
// The folio in the swap cache for (type, slot), or -1 (swap_cache_get_folio).
int swap_cache_get_folio(const State& s, int type, int slot);

// get_swap_pages: a free slot on the highest-priority device (declaration
// order), lowest offset first.  false when swap is full.
bool get_swap_page(const State& s, int& type, int& slot);
// A slot is free when nothing counts it and no folio caches it.
bool swap_slot_free(const SwapSlot& sl);
// swap_free / free_swap_and_cache: drop one reference to (type, slot).
void swap_free(State& s, int type, int slot);
void free_swap_and_cache(State& s, int type, int slot);
// __delete_from_swap_cache / swap_cache_del_folio: the folio leaves the swap
// cache and the slot loses SWAP_HAS_CACHE (freed when nothing counts it).
void delete_from_swap_cache(State& s, int f);
// folio_free_swap: drop f from the swap cache and free its slot when it is
// not under writeback and no swap PTE or shmem entry references the slot.
bool folio_free_swap(State& s, int f);
// free_swap_cache: after the last unmap (zap's TLB batch, wp_page_copy),
// an unmapped folio in the swap cache tries folio_free_swap.
void free_swap_cache(State& s, int f);

// The value stored behind a non-present reference: swap cache first, else the device.
uint8_t swap_entry_content(const State& s, int type, int slot);

// pte_mkdirty on x86 also sets _PAGE_SOFT_DIRTY when soft-dirty tracking is built in.
uint8_t pte_mkdirty_bits(const Config& cfg);
// vma_soft_dirty_enabled(): tracking is on and VM_SOFTDIRTY is clear.
bool vma_soft_dirty_enabled(const Vma& v, const Config& cfg);
// userfaultfd_wp(vma)
bool userfaultfd_wp(const Vma& v);

}  // namespace mm
