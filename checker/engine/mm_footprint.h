// Partial-order reduction for the kernel model: what each actor of a state
// may touch (its footprint), and the persistent set of events a state is
// expanded with.  The model (model/) knows nothing of this: the footprint
// is computed here, from the state, conservatively (docs/engine.md, section
// "Partial-order reduction").
//
// Actors.  Every event belongs to one actor: a process event (scope
// ProcPage / Proc) to its process, a kernel event on a folio (scope Folio)
// to that folio.
//
// Objects.  The state is split into objects; a footprint is a bit set of
// them:
//   PROC(p)      process p's own fields (VMAs, PTEs that reference no folio
//                and no swap entry, expect, ghost, pin values);
//   FOLIO(f)     folio f together with every reference to it: each PTE, pin,
//                page-cache entry, swap-cache link naming it, and the VMAs
//                holding those PTEs (the rmap walk of reclaim reads them);
//   INODE(i)     shmem inode i and its page cache;
//   SWAP         every swap device, slot, swap PTE and swap-cache link;
//   PROC_POOL    the free process slots (fork takes the lowest);
//   FOLIO_POOL   the free folios (only without symmetry: with it, which
//                free folio an allocation takes is renamed away; see
//                mm_footprint.cpp for the capacity argument);
//   COUNTER(k)   the usage counter of the k-th limited alphabet entry.
// An actor's footprint is closed under reference: a folio in a page cache
// brings the inode, an inode its folios and swap entries, SWAP every
// swap-cache folio.  Two actors whose footprints share an object are
// dependent; an event whose kind is not known to stay within its actor's
// footprint (swapoff, lru_add_drain of another CPU's batch) makes its
// actor's footprint everything.
#pragma once
#include <cstdint>

#include "model/events.h"
#include "model/state.h"

namespace mmc::engine {

struct Workload;

namespace por {

inline constexpr int OBJ_PROC = 0;                                  // 3 bits
inline constexpr int OBJ_FOLIO = OBJ_PROC + mm::MAX_PROCS;          // 8 bits
inline constexpr int OBJ_INODE = OBJ_FOLIO + mm::MAX_FOLIOS;        // 2 bits
inline constexpr int OBJ_SWAP = OBJ_INODE + mm::MAX_INODES;
inline constexpr int OBJ_PROC_POOL = OBJ_SWAP + 1;
inline constexpr int OBJ_FOLIO_POOL = OBJ_PROC_POOL + 1;
inline constexpr int OBJ_COUNTER = OBJ_FOLIO_POOL + 1;              // MAX_LIMITED_KINDS bits
inline constexpr uint64_t EVERYTHING = ~uint64_t{0};

inline constexpr int MAX_ACTORS = mm::MAX_PROCS + mm::MAX_FOLIOS;
inline int proc_actor(int p) { return p; }
inline int folio_actor(int f) { return mm::MAX_PROCS + f; }

// What an actor's events may need beyond the objects it references.
enum KindTouch : uint8_t {
  TOUCH_LOCAL = 0,          // only the actor's own objects (and the folio pool)
  TOUCH_SWAP = 1 << 0,      // may allocate a swap slot (pageout, reclaim)
  TOUCH_PROC_POOL = 1 << 1, // takes a process slot (fork)
  TOUCH_ALL = 1 << 2,       // reaches beyond its actor (swapoff, lru_add_drain)
  TOUCH_HAS_EVENTS = 1 << 3,  // set by the caller: the actor has an alphabet entry left
};
uint8_t kind_touch(mm::EventKind k);

// The footprint of every actor of `s`.  `touch[a]` is the union of
// kind_touch over the alphabet entries actor a may still take, with
// TOUCH_HAS_EVENTS when there is one; `counters[a]` the COUNTER bits of its
// limited entries.  An actor with no entry left gets footprint 0.  `pool`: add FOLIO_POOL to every actor (no symmetry).
void footprints(const mm::State& s, const uint8_t (&touch)[MAX_ACTORS], const uint64_t (&counters)[MAX_ACTORS],
                bool pool, uint64_t (&out)[MAX_ACTORS]);

// The smallest set of actors containing `seed` whose footprint is closed:
// no actor outside it shares an object with the union of those inside.
// Bit a = actor a.  Actors with footprint 0 are never added.
uint32_t closed_actor_set(const uint64_t (&fp)[MAX_ACTORS], int seed);

// Allocated folios (the capacity the dynamic check of a persistent set
// compares).
int allocated_folios(const mm::State& s);

}  // namespace por
}  // namespace mmc::engine
