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
// page, in slot order; then the pipe's buffers; then each inode's page cache; then swap-cache
// folios in the order of their (already named) slots; then what is left
// (orphaned swap-cache folios sorted by content, then slots in old order).
// Every cross-reference (PTEs, pins, pipe buffers, folio->swap, page cache, slots) is
// rewritten consistently.  Unallocated folios and free slots keep their
// all-zero contents.
void canonicalize_resources(State& s);

// canonicalize_resources after the permutation of the processes in
// `interchangeable` (bit i = process slot i, at most MAX_PROCS of them)
// that gives the lexicographically smallest byte encoding.
State canonicalize(const State& s, uint8_t interchangeable);

// Ghost bits some event reads: expected_value (the value a read must see,
// from which a write derives the next value) reads GHOST_COWED, and
// store_to_page reads GHOST_PIN_DETACHED to know whether a store is one the
// pin must see (pin_value), and the lazyfree discard in reclaim reads
// GHOST_LAZYFREE to know whether the page may now read as zero (expect).
// Every other ghost bit is written by events and read only by invariants.
// (The pipe buffers' ghost -- splicer and value, model/state.h -- is not in
// these bits and is never forgotten: store_to_page reads the splicer.)
inline constexpr uint8_t GHOST_READ_BY_EVENTS = GHOST_COWED | GHOST_PIN_DETACHED | GHOST_LAZYFREE;

// Forget what no event reads and no invariant the caller checks reads:
// each process's `parent` (trace text only) and every ghost bit outside
// `ghost_kept` (which should include GHOST_READ_BY_EVENTS).  Events act
// on the forgotten fields only by writing them (fork copies ghost bits:
// bit-wise, so forgetting before or after is the same), so a state and
// its forgotten form have the same events with the same outcomes and
// forgotten successors (docs/engine.md).
void forget_unread(State& s, uint8_t ghost_kept);

// Apply a process permutation: slot i of the result is slot perm[i] of `s`;
// parent fields and the pipe buffers' splicers are renamed accordingly.
State permute_processes(const State& s, const uint8_t (&perm)[MAX_PROCS]);

}  // namespace mm
