// The pieces of running a scenario script over a set of model states that
// the scenario runner (checker/scenario/runner.cpp) and the live-replay
// planner (checker/live/plan.cpp) share: how a step names a folio, a VMA
// kind, a child slot and a model event, applying an event to every state,
// and closing the set under background kernel events.
//
// What each caller then does differs on purpose (see checker/live/plan.h):
// the planner does not force kernel steps and faults a page in for
// `expect read`, so each keeps its own step loop and error wording.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checker/scenario/ast.h"
#include "checker/scenario/state_set.h"
#include "model/config.h"
#include "model/events.h"
#include "model/state.h"

namespace mmc::scenario {

// The folio a kernel step or a folio observation names: the one mapped at
// the page, else the swap-cache folio behind its swap entry, else the
// page-cache folio (or swap-cache folio) of a shmem page.  -1 when none.
int folio_behind(const mm::State& s, int proc, int page);

// The model's VMA kind and flags for an `mmap` step.
mm::VmaKind vma_kind_of(MapKind k);
uint8_t vma_flags_of(const Step& st);

// The slot a forked child takes: the lowest unused one in `s`; -1 when none.
int free_proc_slot(const mm::State& s);

// The model event a process step performs (not Mmap, Fork or Kernel).
mm::EventKind process_event_kind(const Step& st);
// A resizing mremap step ('A: mremap p N [maymove]') against the mapping's
// current size: MremapShrink, MremapExpand(Maymove), or Count_ when the size
// is already N (MREMAP_NO_RESIZE: nothing happens).
mm::EventKind resize_event_kind(const Step& st, int npages);

// `fn` applied to a copy of every state of a set.  A state where the step
// is impossible (Disabled, SIGSEGV) stays as it was.
struct AppliedStep {
  StateSet next;
  size_t impossible = 0;                       // states where it was impossible
  std::string why;                             // the first impossible state's reason
  std::set<mm::Status> seen;                   // every status returned
  std::optional<mm::Outcome> out_of_capacity;  // set: stopped at the first model-bound hit
};
AppliedStep apply_to_each(const StateSet& cur, const std::function<mm::Outcome(mm::State&)>& fn);

// Adds to `set` every state reachable by `kinds` (each on every folio).
struct BackgroundClosure {
  enum Result { Closed, OutOfCapacity, TooManyStates } result = Closed;
  mm::EventKind event{};  // OutOfCapacity: the event that hit a model bound
  std::string reason;     // OutOfCapacity: why
};
struct BackgroundOptions {
  std::vector<mm::EventKind> kinds;
  size_t max_states = 100000;  // stop with TooManyStates beyond this
  // true: stop with OutOfCapacity when an event hits a model bound;
  // false: such an event is just not taken.
  bool stop_on_capacity = true;
  std::function<void(const mm::State&)> on_new_state;  // each state added, optional
  // Each state added, with the state and event it came from (optional).
  std::function<void(const mm::State& from, const mm::Event& e, const mm::State& to)> on_new_edge;
};
BackgroundClosure close_under_background(StateSet& set, const mm::Config& cfg, const BackgroundOptions& opt);

}  // namespace mmc::scenario
