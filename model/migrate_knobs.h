// The knobs of the migration area, as data (see model/config.h, "Knobs as data").
// Only the files that test these knobs include this header.
#pragma once
#include "model/config.h"

namespace mm {

// A proposed fix, in no kernel (off in every preset): clear_soft_dirty
// (clear_refs) and make_uffd_wp_pte (PAGEMAP_SCAN) turn a writable
// migration entry readable(-exclusive) first, as change_pte_range does.
// Without it (v6.18), remove_migration_pte maps such an entry writable
// again: soft-dirty tracking misses the next write and the uffd-wp bit is
// dropped (docs/model.md, "Findings").
extern const KnobId KNOB_migration_entry_wrprotect;
inline bool migration_entry_wrprotect(const Config& cfg) { return cfg.knob(KNOB_migration_entry_wrprotect); }

}  // namespace mm
