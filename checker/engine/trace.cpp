#include "checker/engine/trace.h"

namespace mmc::engine {

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Trace concrete_trace(const MmModel& m, const std::vector<MmNode>& path, const mm::DisplayNames& names) {
  Trace t;
  if (path.empty()) return t;
  MmNode cur{};
  for (const mm::State& s : m.workload().initial) {
    MmNode n{};
    n.s = s;
    if (m.identity(n) == path[0]) {
      cur = n;
      break;
    }
  }
  t.initial = cur.s;
  for (size_t k = 1; k < path.size(); k++) {
    bool found = false;
    MmNode next{};
    m.for_each_concrete_successor(cur, [&](const mm::Event& e, mm::Status st, const MmNode& succ) {
      if (found) return;
      if (m.identity(succ) != path[k]) return;
      found = true;
      next = succ;
      TraceStep step;
      step.event = e;
      step.status = st;
      step.text = mm::describe_event(e, cur.s, names);
      step.changes = mm::describe_changes(cur.s, succ.s, names);
      step.after = succ.s;
      // The same event once more, on a copy, with the decision log on.
      mm::State again = cur.s;
      mm::apply(again, e, m.workload().config, &step.decisions);
      t.steps.push_back(std::move(step));
    });
    if (!found) break;  // cannot happen: the stored path was made of these transitions
    cur = next;
  }
  return t;
}

}  // namespace mmc::engine
