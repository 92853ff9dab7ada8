// GUP pins (mm/gup.c) and the other per-page syscalls: userfaultfd
// write-protect (mm/userfaultfd.c) and clear_refs (fs/proc/task_mmu.c).
#pragma once
#include "model/events.h"

namespace mm {

// pin_user_pages(FOLL_PIN | FOLL_LONGTERM), read-only, one page.
Outcome pin_user_pages_ro(State& s, int proc, int page, const Config& cfg);
// try_grab_folio(FOLL_PIN) of the folio the present PTE at `page` maps: the
// pin the callers of pin_user_pages take once follow_page_pte succeeded.
void try_grab_folio_pin(State& s, int proc, int page, const Config& cfg);
// unpin_user_page
Outcome unpin_user_page(State& s, int proc, int page, const Config& cfg);

// mwriteprotect_range: UFFDIO_WRITEPROTECT with mode WP (on) or 0 (off).
Outcome mwriteprotect_range(State& s, int proc, int page, bool enable, const Config& cfg);

// clear_refs_write(CLEAR_REFS_SOFT_DIRTY): clear soft-dirty, write-protect.
Outcome clear_refs_soft_dirty(State& s, int proc, const Config& cfg);

}  // namespace mm
