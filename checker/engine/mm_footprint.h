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
// The counter objects.  Two events conflict through a counter only when
// both consume the same limited budget; such events commute whenever both
// orders are possible (the counts add up the same), and an event outside a
// set can only disable a counted event inside it, never enable one, so the
// persistent set ignores counters in its closure and instead needs a key
// transition whose budget no event outside the set can use up
// (docs/engine.md section 9, "Budgets").
inline constexpr uint64_t COUNTER_OBJECTS = ((uint64_t{1} << 4) - 1) << OBJ_COUNTER;

struct Footprint {
  uint64_t rd = 0;  // objects read (only)
  uint64_t wr = 0;  // objects written (and read)
  bool operator==(const Footprint&) const = default;
};

// Two events conflict when one writes what the other reads or writes.
inline bool conflict(const Footprint& a, const Footprint& b) {
  return (a.wr & (b.rd | b.wr)) != 0 || (a.rd & b.wr) != 0;
}
// The same, counters apart (see COUNTER_OBJECTS).
inline bool conflict_but_counters(const Footprint& a, const Footprint& b) {
  const uint64_t aw = a.wr == EVERYTHING ? a.wr : a.wr & ~COUNTER_OBJECTS;
  const uint64_t bw = b.wr == EVERYTHING ? b.wr : b.wr & ~COUNTER_OBJECTS;
  return (aw & (b.rd | bw)) != 0 || (a.rd & bw) != 0;
}

// What the event `e` may read and write in `s`.  `counter`: the index of
// its limited alphabet entry, or -1.  `folio_pool`: allocation is a
// dependency (no symmetry).
Footprint event_footprint(const mm::State& s, const mm::Event& e, int counter, bool folio_pool);
// The same without the counter object: a function of the state, the
// event's footprint_group, process, page and folio argument only (so one
// computation serves every kind of a group).
Footprint base_footprint(const mm::State& s, const mm::Event& e, bool folio_pool);
// Kinds with the same group have the same base footprint for the same
// process, page and folio argument.
int footprint_group(mm::EventKind k);
// Kinds whose footprint is everything (swapoff, lru_add_drain of another
// CPU's batch, every kind not audited in mm_footprint.cpp).
bool touches_everything(mm::EventKind k);
// Kinds whose footprint is their whole process (VMA-wide and process-wide
// kinds: exit, munmap, clear_refs, mprotect, ..., fork).
bool process_wide(mm::EventKind k);


// Allocated folios plus swap slots in use (a persistent set whose
// transitions lower either is refused): folios * 256 + slots.
int allocated_resources(const mm::State& s);
// Whether a successor gave back a folio or a swap slot.
bool frees_resources(const mm::State& before, const mm::State& after);

}  // namespace mmc::engine::por
