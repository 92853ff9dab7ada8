// Folio migration (mm/migrate.c, mm/rmap.c v6.18): migrate_pages in two
// halves, so a migration entry can be seen and acted on in between.
#pragma once
#include "model/events.h"

namespace mm {

// migrate_folio_unmap -> try_to_migrate -> try_to_migrate_one on folio `f`:
// every PTE mapping it becomes a migration entry.  Disabled when the kernel
// would not start (not isolatable, under writeback, pinned exclusive page).
Outcome migrate_folio_unmap(State& s, int f, const Config& cfg);

// migrate_folio_move on folio `f` (migrate_folio_unmap done): a new folio
// gets the content and flags (move_to_new_folio) and remove_migration_ptes
// maps it where the migration entries were; or, when references remain
// that migration cannot account for (a pin), migrate_folio_undo_src maps
// the old folio back (remove_migration_ptes(src, src)).
Outcome migrate_folio_move(State& s, int f, const Config& cfg);

// move_pages(2) of one page with MPOL_MF_MOVE, to another node: both halves
// at once (migrate_pages(MIGRATE_SYNC)).
Outcome do_move_pages(State& s, int proc, int page, const Config& cfg);

// migration_entry_wait: a fault on a migration entry waits until the folio
// is unlocked.  The model completes the migration (migrate_folio_move of
// the folio the entry names) instead, then the fault is retried.
Outcome migration_entry_wait(State& s, int proc, int page, const Config& cfg);

}  // namespace mm
