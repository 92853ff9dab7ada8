// The explicit side of the anon proofs: one-page scenarios built with
// model/setup.h, a small breadth-first search over mm::apply, and the
// abstraction function from an explicit State to the counter abstraction
// (used to replay abstract traces in the explicit model step by step).
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "model/events.h"
#include "model/state.h"
#include "proofs/anon_abstraction.h"

namespace mmproofs::anon {

// One private anonymous page, one swap device, `procs` processes.
struct Scenario {
  std::string name;
  std::string config;                    // mm::config_preset name
  uint8_t swap_flags = 0;                // mm::SwapFlags (without SWP_USED)
  std::vector<mm::EventKind> alphabet;   // explicit event kinds explored
  std::string invariant;                 // mm::find_invariant name
  int depth = 8;                         // both engines search up to this many events
};

mm::State initial_state(const Scenario& sc, const mm::Config& cfg);
mm::Config scenario_config(const Scenario& sc);
AParams<ConcreteDomain> concrete_params(const mm::Config& cfg, uint8_t swap_flags);

// Breadth-first search over mm::apply: one event = one step.
struct BfsResult {
  int violation_depth = -1;  // shortest number of events to a violating state; -1: none
  std::vector<mm::Event> trace;
  long states = 0;
  bool incomplete = false;   // an event hit OutOfCapacity: the search is not exhaustive
};
BfsResult explicit_bfs(const Scenario& sc);

// The object being tracked in an explicit state: its folio and its slot.
struct Tracked {
  int folio = -1;
  int type = -1, slot = -1;
};
AState<ConcreteDomain> alpha(const mm::State& s, const Tracked& t, int page = 0);

// Local state of process `proc` with respect to the tracked object.
Local local_of(const mm::State& s, const Tracked& t, int proc, int page = 0);

// Follow the object's identity across one explicit event.
void retrack(const mm::State& before, const mm::State& after, const mm::Event& e, Tracked& t, int page = 0);

// The explicit event that carries out abstract event `e` in `s` (the
// lowest-numbered process in the right local state); false when none.
bool concretize(const mm::State& s, const Tracked& t, AEvent e, mm::Event& out, int page = 0);

std::string describe(const AState<ConcreteDomain>& a);
std::string describe_event(const mm::Event& e);
bool same_abstract(const AState<ConcreteDomain>& explicit_side, const AState<ConcreteDomain>& abstract_side,
                   std::string& why);

}  // namespace mmproofs::anon
