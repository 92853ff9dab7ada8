// The decision log: what the modelled kernel decided while applying one
// event, and why, in the model's function names (which are the kernel's).
//
//   mm::Decisions log;
//   mm::apply(s, e, cfg, &log);   // each entry: function, source file, condition, value
//
// A model function records a decision with MM_DECIDE(...) where a patch
// author would look: the tests that choose between reuse and copy, writable
// and read-only, exclusive and shared.  With no log (plain apply, the
// engine's search) nothing is built: each MM_DECIDE is one test of a
// thread-local pointer.  The sink is thread-local rather than a parameter
// of every model function so that the instrumentation does not change the
// model's signatures; it is set only for the duration of one apply().
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "model/events.h"
#include "model/state.h"

namespace mm {

struct Decision {
  const char* function = "";  // the modelled kernel function: "do_swap_page"
  const char* file = "";      // its kernel source file: "mm/memory.c"
  std::string condition;      // the test, as the kernel writes it: "pte_swp_exclusive(orig_pte)"
  std::string value;          // what it came to: "1", "true: map writable", "copy"
  int proc = -1;              // the process and page it is about (-1: none)
  int page = -1;
  int folio = -1;             // the folio it is about (-1: none)
  bool operator==(const Decision&) const = default;
};

using Decisions = std::vector<Decision>;

// Apply `e` and record the decisions into `log` (appended; may be nullptr).
Outcome apply(State& s, const Event& e, const Config& cfg, Decisions* log);

namespace detail {
// constinit: no dynamic initialisation, so every translation unit reads the
// variable directly instead of through a TLS wrapper call (gcc's UBSan also
// reported the wrapper's result as a null pointer load).
extern thread_local constinit Decisions* decision_sink;
}
inline bool deciding() { return detail::decision_sink != nullptr; }
void decide(Decision d);

// Sets the sink for a scope (nested scopes restore the outer one).
class DecisionScope {
 public:
  explicit DecisionScope(Decisions* log) : saved_(detail::decision_sink) { detail::decision_sink = log; }
  ~DecisionScope() { detail::decision_sink = saved_; }
  DecisionScope(const DecisionScope&) = delete;
  DecisionScope& operator=(const DecisionScope&) = delete;

 private:
  Decisions* saved_;
};

// The kernel's truth words for a bool value.
inline const char* yes_no(bool b) { return b ? "true" : "false"; }

}  // namespace mm

// MM_DECIDE("do_swap_page", "mm/memory.c", condition, value, proc, page, folio):
// the arguments are evaluated only while a log is being recorded.
#define MM_DECIDE(...)                                                  \
  do {                                                                  \
    if (::mm::deciding()) ::mm::decide(::mm::Decision{__VA_ARGS__});     \
  } while (0)
