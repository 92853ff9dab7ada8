// Partial-order reduction for the kernel model: what each event of a state
// may read and write (its footprint), from which the persistent set a
// state is expanded with is chosen.  The model (model/) knows nothing of
// this: footprints are computed here, from the state, conservatively
// (docs/engine.md, section "Partial-order reduction").
//
// Objects.  The state is cut into objects; a footprint is two bit sets of
// them, read and written (a written object counts as read too):
//   PTE(p, pg)   process p's page pg: its PTE, pin, expect and ghost bits;
//   VMA(p)       process p's VMA table (read by every access, written by
//                munmap, mprotect, madvise on the VMA, mlock, mremap, exit);
//   FOLIO(f)     folio f together with every reference to it: each PTE, pin,
//                page-cache entry and swap-cache link naming it (the rmap
//                walk of reclaim reads and rewrites them);
//   INODE(i)     shmem inode i and its page cache;
//   SLOT(d, i)   swap slot i of device d with every reference to it (swap
//                PTEs, shmem swap entries, the swap-cache folio's link);
//                the devices' flags are written only by swapoff (which
//                touches everything);
//   PROC_POOL    the free process slots (fork takes the lowest);
//   FOLIO_POOL   the free folios, SLOT_POOL the free swap slots (only
//                without symmetry, and SLOT_POOL also with two devices in
//                use: with symmetry on one device, which free folio or slot
//                an allocation takes is renamed away);
//   COUNTER(k)   the usage counter of the k-th limited alphabet entry.
// An event touches the objects of its page (all PTEs of the page's VMA: a
// THP fault or split covers the range), or of its whole process for
// VMA-wide and process-wide kinds, plus what those PTEs and VMAs
// reference, closed under reference (a page-cache folio brings its inode
// and its swap slot, an inode its folios and swap slots, a slot its
// swap-cache folio).
// Kinds whose effect reaches beyond that (swapoff, lru_add_drain of
// another CPU's batch) touch everything.  Unsure means dependent.
#pragma once
#include <cstdint>

#include "model/events.h"
#include "model/state.h"

namespace mmc::engine::por {

inline constexpr int OBJ_PTE = 0;                                         // MAX_PROCS * MAX_PAGES bits
inline constexpr int OBJ_VMA = OBJ_PTE + mm::MAX_PROCS * mm::MAX_PAGES;  // MAX_PROCS bits
inline constexpr int OBJ_FOLIO = OBJ_VMA + mm::MAX_PROCS;                // MAX_FOLIOS bits
inline constexpr int OBJ_INODE = OBJ_FOLIO + mm::MAX_FOLIOS;             // MAX_INODES bits
inline constexpr int OBJ_SLOT = OBJ_INODE + mm::MAX_INODES;              // MAX_SWAP_DEVICES * MAX_SLOTS bits
inline constexpr int OBJ_PROC_POOL = OBJ_SLOT + mm::MAX_SWAP_DEVICES * mm::MAX_SLOTS;
inline constexpr int OBJ_FOLIO_POOL = OBJ_PROC_POOL + 1;
inline constexpr int OBJ_SLOT_POOL = OBJ_FOLIO_POOL + 1;
inline constexpr int OBJ_COUNTER = OBJ_SLOT_POOL + 1;                    // MAX_LIMITED_KINDS bits
static_assert(OBJ_COUNTER + 4 <= 64);
inline constexpr uint64_t EVERYTHING = ~uint64_t{0};

struct Footprint {
  uint64_t rd = 0;  // objects read (only)
  uint64_t wr = 0;  // objects written (and read)
  bool operator==(const Footprint&) const = default;
};

// Two events conflict when one writes what the other reads or writes.
inline bool conflict(const Footprint& a, const Footprint& b) {
  return (a.wr & (b.rd | b.wr)) != 0 || (a.rd & b.wr) != 0;
}

// What the event `e` may read and write in `s`.  `counter`: the index of
// its limited alphabet entry, or -1.  `folio_pool`: allocation is a
// dependency (no symmetry).
Footprint event_footprint(const mm::State& s, const mm::Event& e, int counter, bool folio_pool);

// Allocated folios plus swap slots in use (a persistent set whose
// transitions lower either is refused): folios * 256 + slots.
int allocated_resources(const mm::State& s);
// Whether a successor gave back a folio or a swap slot.
bool frees_resources(const mm::State& before, const mm::State& after);

}  // namespace mmc::engine::por
