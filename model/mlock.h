// mlock(2) / munlock(2) (mm/mlock.c v6.18) and the page population they
// share with mprotect and MADV_POPULATE_* (mm/gup.c).
#pragma once
#include "model/events.h"

namespace mm {

// How a GUP walk faults a page in (FOLL_WRITE or not).
enum class FaultinMode : uint8_t { Read, Write };

// __get_user_pages for one page without a pin: follow_page_pte, and
// handle_mm_fault until the page is present (and writable for Write).
// Returns the fault's outcome when it fails (Sigsegv, WpFault, capacity).
Outcome faultin_page(State& s, int proc, int page, FaultinMode mode, const Config& cfg);

// populate_vma_page_range over the whole VMA: a write fault for private
// writable VMAs (breaks COW), a read fault otherwise; PROT_NONE VMAs are
// never populated.  Errors end the walk (the caller's syscall reports them).
Outcome populate_vma_page_range(State& s, int proc, Vma& v, const Config& cfg);

// mlock() / munlock() of the whole VMA holding `page`.
Outcome do_mlock(State& s, int proc, int page, const Config& cfg);
Outcome do_munlock(State& s, int proc, int page, const Config& cfg);

// folio_referenced / try_to_unmap_one see VM_LOCKED: some VMA mapping the
// folio is mlocked, so reclaim keeps it (mlock_vma_folio, activate).
bool folio_mapped_in_locked_vma(const State& s, int f);

}  // namespace mm
