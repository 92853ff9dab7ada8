// Page-fault handling (mm/memory.c, mm/huge_memory.c, mm/shmem.c).
#pragma once
#include "model/events.h"

namespace mm {

// handle_mm_fault: resolve an access by `proc` at `page`.  On Done the PTE
// is present, and writable when `write` is set (the store itself is done by
// the caller).  `unshare` models FAULT_FLAG_UNSHARE (GUP R/O pin).
Outcome handle_mm_fault(State& s, int proc, int page, bool write, bool unshare,
                        const Config& cfg);

// The store a write access makes once its PTE is present and writable.
void store_to_page(State& s, int proc, int page, uint8_t value);

// do_wp_page: write (or unshare) fault on a present, write-protected PTE.
Outcome do_wp_page(State& s, int proc, int page, bool unshare, const Config& cfg);

// anon_vma_prepare: a private VMA gets an anon_vma at its first anon page.
void anon_vma_prepare(Vma& v);

// wp_can_reuse_anon_folio / the v5.14 refcount test: may `proc` take over
// the anon folio its PTE at `page` maps without copying?
bool wp_can_reuse_anon_folio(State& s, int proc, int page, const Config& cfg);

// split_huge_pmd: turn a PMD mapping of a large folio in `proc` at `page`
// into PTEs (anon) or zap it (shmem).  No-op when not PMD-mapped.
void split_huge_pmd(State& s, int proc, int page, const Config& cfg);

// The ghost value a read at (proc, page) must return.
uint8_t expected_value(const State& s, int proc, int page);

}  // namespace mm
