// Bounded model checking by unrolling, shared by every abstraction: the
// smallest k <= max_depth such that a state reachable in k steps satisfies
// `bad`.  Step i picks one event of the alphabet (a symbolic choice ev_i)
// whose transition is enabled and leads to the fresh state i+1.
#pragma once
#include <fmt/format.h>
#include <z3++.h>

#include <optional>
#include <string>
#include <vector>

#include "proofs/z3util.h"

namespace mmproofs {

template <class S>
struct Unrolling {
  int length = -1;                 // shortest violation length; -1: none up to the bound
  bool unknown = false;            // Z3 gave up
  std::optional<z3::model> model;  // the witness, when length >= 0
  std::vector<S> states;           // symbolic states 0..length
  std::vector<z3::expr> events;    // symbolic event choices 0..length-1 (values: the event enum)
};

// fresh(tag) -> S: a state of fresh constants.  step(from, event, to) ->
// z3::expr: `event` is enabled in `from` and leads to `to`.  bad(S) -> z3::expr.
// `to.used` bounds the processes ever created.
template <class S, class E, class Fresh, class Step, class Bad>
Unrolling<S> unroll(z3::context& c, z3::solver& s, const S& init, const std::vector<E>& alphabet, int max_depth,
                    int max_procs, Fresh fresh, Step step, Bad bad) {
  Unrolling<S> r;
  r.states.push_back(init);
  for (int k = 0;; k++) {
    s.push();
    s.add(bad(r.states[k]));
    const z3::check_result res = s.check();
    if (res == z3::sat) {
      r.length = k;
      r.model = s.get_model();
      return r;
    }
    if (res == z3::unknown) {
      r.unknown = true;
      return r;
    }
    s.pop();
    if (k == max_depth) return r;
    S next = fresh(std::to_string(k + 1));
    z3::expr e = c.int_const(fmt::format("ev_{}", k).c_str());
    z3::expr_vector choices(c);
    for (E a : alphabet) choices.push_back(e == c.int_val(static_cast<int>(a)) && step(r.states[k], a, next));
    s.add(z3::mk_or(choices));
    s.add(next.used <= max_procs);
    r.states.push_back(next);
    r.events.push_back(e);
  }
}

// The event sequence of a witness.
template <class E, class S>
std::vector<E> unrolled_events(const Unrolling<S>& u) {
  std::vector<E> out;
  for (int i = 0; i < u.length; i++) out.push_back(static_cast<E>(model_i64(*u.model, u.events[i])));
  return out;
}

}  // namespace mmproofs
