// The kernel model seen through the engine's interface: a node is a
// mm::State plus the usage counters of the workload's limited event kinds;
// the enabled events of a node are the alphabet's (kind, process, page) /
// (kind, folio) combinations mm::apply does not refuse.
//
// Outcomes of mm::apply, as transitions:
//   Done            a transition, unless the state is unchanged (a no-op is none);
//   Disabled        no transition;
//   WpFault/Sigsegv counted (Stats::userspace_faults); a transition only when
//                   apply changed the state on the way (the fault itself is
//                   delivered to userspace and changes nothing);
//   OutOfCapacity   no transition, and the run is incomplete: "model bound
//                   hit: <reason> (raise MAX_x)", never a pass.
// Process events are tried for running processes at pages inside a VMA
// only: an access outside every VMA is SIGSEGV with no state change.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "checker/engine/explorer.h"
#include "checker/engine/mm_footprint.h"
#include "checker/engine/workload.h"
#include "model/canonical.h"
#include "model/invariants.h"

namespace mmc::engine {

struct MmNode {
  mm::State s;
  uint8_t used[MAX_LIMITED_KINDS];  // per limited alphabet entry: times taken on this path
  bool operator==(const MmNode& o) const = default;
};
static_assert(std::has_unique_object_representations_v<MmNode>);

// One check = one facet of one invariant.
struct Check {
  const mm::Invariant* inv;
  int facet;
};

class MmModel {
 public:
  using Node = MmNode;
  using Key = MmNode;  // the exact encoding (see pack)

  // With DeadState::Forget, nodes are kept in forgotten form
  // (mm::forget_unread with the ghost bits the checks and events read).
  MmModel(const Workload& w, bool symmetry, DeadState dead = DeadState::Keep);

  std::vector<Node> initial() const;
  Key pack(const Node& n) const { return n; }
  int num_checks() const { return static_cast<int>(checks_.size()); }
  const std::vector<Check>& checks() const { return checks_; }
  uint64_t violations(const Node& n) const;
  // Graph mark: 1 when the state is a clean end (see quiescent).
  uint8_t mark(const Node& n) const { return quiescent(n.s) ? 1 : 0; }

  // Every transition of `n`: emit(successor) (canonical when symmetry is on).
  template <class Emit>
  ExpandInfo expand(const Node& n, Emit&& emit) const {
    return for_each_successor(n, [&](const mm::Event&, mm::Status, const Node& succ) { emit(succ); });
  }

  // Partial-order reduction (docs/engine.md section 9): the successors of
  // the persistent set chosen for `n`, in expand() order: emit(successor).
  // Every successor when no smaller set is known to be sound; `left_out`
  // says whether some were left out.  `is_old(succ)`: the cycle proviso --
  // a set with an old successor is not chosen.  Only the set's successors
  // are renamed (canonical form), the others are dropped before.
  template <class IsOld, class Emit>
  ExpandInfo expand_persistent(const Node& n, IsOld&& is_old, Emit&& emit, bool& left_out) const;
  // For tests: per successor of `n` (expand() order), whether it is in the
  // persistent set chosen without the proviso.
  std::vector<uint8_t> persistent_membership(const Node& n) const;

  // The same, with the event and its outcome.  Successors are in a fixed
  // order (alphabet order, then process, page / folio).
  template <class Fn>
  ExpandInfo for_each_successor(const Node& n, Fn&& fn) const;

  // A successor before canonical renaming (for concrete traces).
  template <class Fn>
  ExpandInfo for_each_concrete_successor(const Node& n, Fn&& fn) const;

  Node canonical(const Node& n) const;
  // What the search stores for a concrete node: forgotten, then canonical.
  Node identity(const Node& n) const {
    if (dead_ == DeadState::Keep) return symmetry_ ? canonical(n) : n;
    Node f = n;
    mm::forget_unread(f.s, ghost_kept_);
    return symmetry_ ? canonical(f) : f;
  }
  uint8_t ghost_kept() const { return ghost_kept_; }
  DeadState dead_state() const { return dead_; }
  // Every process exited, no folio allocated, no swap slot in use.
  static bool quiescent(const mm::State& s);
  bool has_exit_event() const;

  const Workload& workload() const { return w_; }
  bool symmetry() const { return symmetry_; }

 private:
  struct Letter {
    mm::EventKind kind;
    int limit;
    int counter;  // index into MmNode::used, -1 when unlimited
  };
  const Workload& w_;
  bool symmetry_;
  DeadState dead_;
  uint8_t ghost_kept_ = 0xff;
  std::vector<Letter> letters_;
  std::vector<Check> checks_;
  std::vector<const mm::Invariant*> invs_;
  std::vector<int> inv_offset_;

  // The persistent set of `n` (mm_footprint.h, docs/engine.md): for each
  // enabled event as a seed, the events of `n` (enabled or not, within
  // their limits) closed under conflict; the closed set with the fewest
  // transitions that is not all of them and none of whose transitions
  // frees a folio.  `events[j]` / `frees[j]`: transition j's event, whether
  // it lowers the number of allocated folios; sets in[j] (all 1 when no
  // smaller set is found).
  // `old(j)`: whether transition j leads to an old state (proviso).
  void persistent_set(const Node& n, const mm::Event* events, const uint8_t* frees, size_t count, uint8_t* in,
                      const std::function<bool(size_t)>& old) const;
  int counter_of(mm::EventKind k) const;
  // One state's successors while its persistent set is chosen: forgotten
  // but not yet renamed; renamed (`canon`) only when asked for.
  struct PorScratch {
    std::vector<Node> succs, canon;
    std::vector<uint8_t> made, frees, in;
    std::vector<mm::Event> events;
  };
  template <class IsOld>
  ExpandInfo choose_persistent(const Node& n, IsOld&& is_old, PorScratch& sc) const;
  const Node& scratch_identity(PorScratch& sc, size_t j) const {
    if (!symmetry_) return sc.succs[j];
    if (!sc.made[j]) {
      sc.canon[j] = canonical(sc.succs[j]);
      sc.made[j] = 1;
    }
    return sc.canon[j];
  }
};

bool mm_vma_at(const mm::State& s, int proc, int page);

static_assert(ExplorableModel<MmModel>);

template <class Fn>
ExpandInfo MmModel::for_each_concrete_successor(const Node& n, Fn&& fn) const {
  ExpandInfo info;
  auto attempt = [&](const Letter& l, const mm::Event& e) {
    Node succ = n;
    mm::Outcome o = mm::apply(succ.s, e, w_.config, mm::OnDisabled::Discard);  // succ is dropped when refused
    switch (o.status) {
      case mm::Status::Disabled: return;
      case mm::Status::OutOfCapacity: info.capacity_reason = o.reason; return;
      case mm::Status::WpFault:
      case mm::Status::Sigsegv: info.userspace_faults++; break;
      case mm::Status::Done: break;
    }
    if (std::memcmp(&succ.s, &n.s, sizeof(mm::State)) == 0) return;  // a no-op is not a transition
    if (l.counter >= 0) succ.used[l.counter]++;
    fn(e, o.status, succ);
  };
  for (const Letter& l : letters_) {
    if (l.counter >= 0 && n.used[l.counter] >= l.limit) continue;
    switch (mm::event_scope(l.kind)) {
      case mm::EventScope::ProcPage:
        for (int p = 0; p < mm::MAX_PROCS; p++) {
          if (n.s.proc[p].alive != mm::PROC_ALIVE) continue;
          for (int pg = 0; pg < mm::MAX_PAGES; pg++)
            if (mm_vma_at(n.s, p, pg))
              attempt(l, mm::Event{l.kind, static_cast<uint8_t>(p), static_cast<uint8_t>(pg), 0});
        }
        break;
      case mm::EventScope::Proc:
        for (int p = 0; p < mm::MAX_PROCS; p++)
          if (n.s.proc[p].alive == mm::PROC_ALIVE) attempt(l, mm::Event{l.kind, static_cast<uint8_t>(p), 0, 0});
        break;
      case mm::EventScope::Folio:
        for (int f = 0; f < mm::MAX_FOLIOS; f++)
          if (n.s.folio[f].test(mm::FOLIO_ALLOCATED)) attempt(l, mm::Event{l.kind, 0, 0, static_cast<uint8_t>(f)});
        break;
    }
  }
  return info;
}

template <class IsOld>
ExpandInfo MmModel::choose_persistent(const Node& n, IsOld&& is_old, PorScratch& sc) const {
  sc.succs.clear();
  sc.events.clear();
  sc.frees.clear();
  // As for_each_successor, without the renaming.
  ExpandInfo info = for_each_concrete_successor(n, [&](const mm::Event& e, mm::Status, Node& succ) {
    if (dead_ == DeadState::Forget) {
      mm::forget_unread(succ.s, ghost_kept_);
      if (std::memcmp(&succ, &n, sizeof(Node)) == 0) return;  // changed only forgotten fields
    }
    sc.succs.push_back(succ);
    sc.events.push_back(e);
    sc.frees.push_back(por::frees_resources(n.s, succ.s) ? 1 : 0);
  });
  const size_t count = sc.succs.size();
  sc.canon.resize(count);
  sc.made.assign(count, 0);
  sc.in.assign(count, 1);
  // A state where an event hits a model bound is expanded fully (the
  // capacity argument in docs/engine.md needs it).
  if (!info.capacity_reason && count > 1)
    persistent_set(n, sc.events.data(), sc.frees.data(), count, sc.in.data(),
                   [&](size_t j) { return static_cast<bool>(is_old(scratch_identity(sc, j))); });
  return info;
}

template <class IsOld, class Emit>
ExpandInfo MmModel::expand_persistent(const Node& n, IsOld&& is_old, Emit&& emit, bool& left_out) const {
  thread_local PorScratch sc;
  ExpandInfo info = choose_persistent(n, is_old, sc);
  left_out = false;
  for (size_t j = 0; j < sc.succs.size(); j++) {
    if (sc.in[j]) emit(scratch_identity(sc, j));
    else left_out = true;
  }
  return info;
}

template <class Fn>
ExpandInfo MmModel::for_each_successor(const Node& n, Fn&& fn) const {
  // `succ` is the attempt's own scratch node: forgotten in place.
  return for_each_concrete_successor(n, [&](const mm::Event& e, mm::Status st, Node& succ) {
    if (dead_ == DeadState::Keep) {
      if (!symmetry_) return fn(e, st, succ);
      return fn(e, st, canonical(succ));
    }
    mm::forget_unread(succ.s, ghost_kept_);
    // An event that changed only forgotten fields is a no-op here.
    if (std::memcmp(&succ, &n, sizeof(Node)) == 0) return;
    fn(e, st, symmetry_ ? canonical(succ) : succ);
  });
}

}  // namespace mmc::engine
