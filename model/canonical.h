// Canonical form of a state.  Folio ids and swap slot indices are names
// only: two states that differ by a consistent renaming of them behave the
// same.  So do states that differ by a permutation of processes the
// caller declares interchangeable (the `parent` field is remapped with
// them; no transition reads it).  The canonical form picks one
// representative per class so an exploration stores it once.
#pragma once
#include <cstdint>

#include "model/state.h"

namespace mm {

// Rename folios and swap slots (each device separately) to their order of
// first reference in a fixed walk: each process's PTEs and pins, page by
// page, in slot order; then each inode's page cache; then swap-cache
// folios in the order of their (already named) slots; then what is left
// (orphaned swap-cache folios sorted by content, then slots in old order).
// Every cross-reference (PTEs, pins, folio->swap, page cache, slots) is
// rewritten consistently.  Unallocated folios and free slots keep their
// all-zero contents.
void canonicalize_resources(State& s);

// canonicalize_resources after the permutation of the processes in
// `interchangeable` (bit i = process slot i, at most MAX_PROCS of them)
// that gives the lexicographically smallest byte encoding.
State canonicalize(const State& s, uint8_t interchangeable);

// Apply a process permutation: slot i of the result is slot perm[i] of `s`;
// parent fields are renamed accordingly.
State permute_processes(const State& s, const uint8_t (&perm)[MAX_PROCS]);

}  // namespace mm
