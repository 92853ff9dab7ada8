// The explicit side of the shmem proofs: one-page MAP_SHARED shmem
// scenarios built with model/setup.h, a breadth-first search over
// mm::apply for one invariant facet, and the abstraction function from an
// explicit State to the counter abstraction of proofs/shmem_abstraction.h.
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "model/events.h"
#include "model/state.h"
#include "proofs/shmem_abstraction.h"

namespace mmproofs::shmem {

// One process, one swap device, one shmem inode of one page (two with
// `huge`) mapped MAP_SHARED|MAP_ANONYMOUS at page 0 (VM_HUGEPAGE with
// `huge`).  The tracked index is 0; process events act on page 0 only.
struct Scenario {
  std::string name;
  std::string config;                   // mm::config_preset name
  uint8_t swap_flags = 0;               // mm::SwapFlags (without SWP_USED)
  std::vector<mm::EventKind> alphabet;  // explicit event kinds explored
  unsigned facets = 1;                  // pm_swap_accuracy facet bits searched (1 false-negative, 2 false-positive)
  int depth = 6;
  bool huge = false;   // two pages, VM_HUGEPAGE: the index pair may hold one large folio (THP)
  bool memfd = false;  // memfd_create + MAP_SHARED (VmaKind::MemfdShared) instead of shared anon
};

mm::Config scenario_config(const Scenario& sc);
mm::State initial_state(const Scenario& sc, const mm::Config& cfg);
SParams<ConcreteDomain> concrete_params(const mm::Config& cfg, uint8_t swap_flags, bool huge = false,
                                       bool memfd = false);

// Every shmem event kind of the cross-checks (no pins: the abstraction lets
// a process pin twice, an over-approximation a shortest-path search must
// not see), and the same with R/O pins and unpins (the simulation check).
const std::vector<mm::EventKind>& full_shmem_alphabet();
const std::vector<mm::EventKind>& shmem_alphabet_with_pins();

// The explicit events of `alphabet` in state s (page 0 of every live
// process; kernel events on every allocated folio), in a fixed order.
std::vector<mm::Event> candidate_events(const mm::State& s, const std::vector<mm::EventKind>& alphabet);

// Breadth-first search over mm::apply: one event = one step.
struct BfsResult {
  int violation_depth = -1;  // shortest number of events to a state violating a searched facet; -1: none
  std::vector<mm::Event> trace;
  long states = 0;
  bool fork_bound = false;  // a fork hit MAX_PROCS (the BMC bounds processes the same way)
  bool incomplete = false;  // another event hit OutOfCapacity: the search is not exhaustive
};
BfsResult explicit_bfs(const Scenario& sc);

// alpha: the abstract image of an explicit state for index 0 of inode 0.
// false (with the reason) when the state has something the abstraction
// cannot express (a swap PTE or a foreign marker in the shared VMA, a
// present PTE on another folio, a slot count other than 1).
bool alpha(const mm::State& s, SState<ConcreteDomain>& out, std::string& why);
// The folio holding the index's data (page cache or swap cache), or -1.
int tracked_folio(const mm::State& s);
Local local_of(const mm::State& s, int proc);

// The explicit event that carries out abstract event `e` in s (lowest
// process in the right local state); false when none.
bool concretize(const mm::State& s, SEvent e, mm::Event& out);

std::string describe(const SState<ConcreteDomain>& a);
std::string describe_event(const mm::Event& e);
bool same(const SState<ConcreteDomain>& a, const SState<ConcreteDomain>& b, std::string& why);

}  // namespace mmproofs::shmem
