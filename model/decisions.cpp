#include "model/decisions.h"

namespace mm {

namespace detail {
thread_local constinit Decisions* decision_sink = nullptr;
}

void decide(Decision d) {
  if (detail::decision_sink) detail::decision_sink->push_back(std::move(d));
}

Outcome apply(State& s, const Event& e, const Config& cfg, Decisions* log) {
  DecisionScope scope(log);
  const size_t mark = log ? log->size() : 0;
  Outcome o = apply(s, e, cfg);
  // A disabled event changed nothing: what it decided on the way is moot.
  if (log && o.status == Status::Disabled) log->resize(mark);
  return o;
}

}  // namespace mm
