// The madvise(2) advice beyond DONTNEED / PAGEOUT / REMOVE (mm/madvise.c v6.18).
#pragma once
#include "model/events.h"

namespace mm {

// Advice that only changes vm_flags (madvise_update_vma), for the whole VMA.
enum class VmaAdvice : uint8_t { DontFork, DoFork, WipeOnFork, KeepOnFork };
Outcome madvise_update_vma(State& s, int proc, int page, VmaAdvice advice, const Config& cfg);

// MADV_FREE on one page: madvise_free_single_vma -> madvise_free_pte_range.
Outcome madvise_free(State& s, int proc, int page, const Config& cfg);
// MADV_COLD on one page: madvise_cold -> madvise_cold_or_pageout_pte_range.
Outcome madvise_cold(State& s, int proc, int page, const Config& cfg);
// MADV_POPULATE_READ / MADV_POPULATE_WRITE on one page: madvise_populate.
enum class PopulateMode : uint8_t { Read, Write };
Outcome madvise_populate(State& s, int proc, int page, PopulateMode mode, const Config& cfg);
// MADV_GUARD_INSTALL / MADV_GUARD_REMOVE on one page.
Outcome madvise_guard_install(State& s, int proc, int page, const Config& cfg);
Outcome madvise_guard_remove(State& s, int proc, int page, const Config& cfg);

// shrink_folio_list + try_to_unmap_one for a lazyfree folio (anon, not
// swap-backed): discard it when clean and only mapped, else make it
// swap-backed again and keep it.
Outcome shrink_lazyfree_folio(State& s, int f, const Config& cfg);

}  // namespace mm
