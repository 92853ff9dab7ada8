// Bounded model checking over the symbolic transition relation of
// proofs/anon_abstraction.h, and the replay of an abstract trace in the
// explicit model (mm::apply), checked step by step through alpha().
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/state.h"
#include "proofs/anon_explicit.h"
#include "proofs/obligation.h"

namespace mmproofs::anon {

// Symbolic states and their conversions.
AState<Z3Domain> symbolic_state(z3::context& c, const std::string& tag);
AState<Z3Domain> lift_state(const Z3Domain& d, const AState<ConcreteDomain>& a);
z3::expr equal_states(const AState<Z3Domain>& a, const AState<Z3Domain>& b);
AState<ConcreteDomain> lower_state(const z3::model& m, const AState<Z3Domain>& s);

// The abstract events standing for the explicit kinds of `alphabet` (pins,
// unpins and write-protection stay out: the cross-checks do not use them).
std::vector<AEvent> abstract_alphabet(const std::vector<mm::EventKind>& alphabet);

struct BmcResult {
  int length = -1;       // shortest number of steps to the target; -1: none up to the bound
  bool unknown = false;  // Z3 gave up
  std::vector<AEvent> events;
  std::vector<AState<ConcreteDomain>> states;  // states[0] is the initial state
};

// Shortest path from `init` to a state satisfying `target`, at most
// `max_depth` steps, with at most `max_procs` processes ever created.
// Device flags and config come from `params`; choices are fixed to false.
BmcResult bmc(const AParams<ConcreteDomain>& params, const AState<ConcreteDomain>& init,
              const std::vector<AEvent>& alphabet,
              const std::function<z3::expr(const AState<Z3Domain>&, const AParams<Z3Domain>&)>& target,
              int max_depth, int max_procs, const ProofOptions& opt);

// Replay abstract events from the scenario's explicit initial state: each
// step is concretized to an mm::Event, applied, and alpha() of the result
// must equal the concrete abstract successor.  Fills `lines` with the trace
// in kernel terms; returns false (with the reason in `why`) on a mismatch.
struct Replay {
  bool ok = false;
  std::string why;
  mm::State final_state{};
  std::vector<std::string> lines;
};
Replay replay(const Scenario& sc, const std::vector<AEvent>& events);

}  // namespace mmproofs::anon
