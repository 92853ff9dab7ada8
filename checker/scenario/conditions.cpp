#include "checker/scenario/conditions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <string_view>
#include <unordered_map>

#include "checker/engine/memory.h"
#include "checker/engine/mm_model.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/script_model.h"
#include "model/describe.h"

namespace mmc::scenario {

Quant ConditionResult::actual() const {
  if (neg == 0) return Quant::Always;
  if (pos == 0) return Quant::Never;
  return Quant::Sometimes;
}

bool ConditionResult::validated() const {
  switch (quant) {
    case CondQuant::Exists: return pos > 0;
    case CondQuant::Forall: return neg == 0;
    case CondQuant::NotExists: return pos == 0;
  }
  return false;
}

bool ConditionResult::ok() const { return verdict() == "validated"; }

std::string ConditionResult::verdict() const {
  // A witness settles a condition even when the search was cut short.
  const bool settled = complete || (quant == CondQuant::Exists ? pos > 0 : quant == CondQuant::Forall ? neg > 0 : pos > 0);
  if (!settled) return "incomplete";
  return validated() ? "validated" : "not validated";
}

namespace {

// Folios followed by `same initial`: at most this many (page, folio) pairs.
constexpr int MAX_TRACKED = 4;

struct Node {
  engine::MmNode n;
  uint8_t tracked[MAX_TRACKED];  // the folio a tracked page had at the start; mm::NONE once it is freed
};
static_assert(std::has_unique_object_representations_v<Node>);

struct Rec {
  Node node;
  int64_t parent = -1;
  mm::Event event{};
  mm::Status status = mm::Status::Done;
  int depth = 0;
};

class Evaluator {
 public:
  Evaluator(const ConditionEnv& env, const std::vector<const ConditionDecl*>& conds, const Scenario& s) : env_(env) {
    for (const ConditionDecl* c : conds) collect(c->expr, s);
  }
  const std::vector<std::pair<int, int>>& tracked() const { return tracked_; }

  bool eval(const CondExpr& e, const Node& node) const {
    switch (e.op) {
      case CondExpr::Op::Atom: return atom(e.atom, node);
      case CondExpr::Op::Not: return !eval(e.kids[0], node);
      case CondExpr::Op::And:
        for (const CondExpr& k : e.kids)
          if (!eval(k, node)) return false;
        return true;
      case CondExpr::Op::Or:
        for (const CondExpr& k : e.kids)
          if (eval(k, node)) return true;
        return false;
    }
    return false;
  }

 private:
  const ConditionEnv& env_;
  std::vector<std::pair<int, int>> tracked_;  // (process slot, page) followed by `same initial`

  void collect(const CondExpr& e, const Scenario& s) {
    for (const CondExpr& k : e.kids) collect(k, s);
    if (e.op != CondExpr::Op::Atom || e.atom.kind != ObsKind::SameFolio || !e.atom.same_initial) return;
    auto at = env_.locate(e.atom.proc, e.atom.page);
    if (std::find(tracked_.begin(), tracked_.end(), at) != tracked_.end()) return;
    if (static_cast<int>(tracked_.size()) == MAX_TRACKED)
      throw ScenarioError(s.file, e.atom.loc,
                          fmt::format("conditions follow at most {} pages with 'same initial'", MAX_TRACKED));
    tracked_.push_back(at);
  }

  bool atom(const Expect& x, const Node& node) const {
    if (x.kind != ObsKind::SameFolio || !x.same_initial) return env_.observe(x, node.n.s);
    const auto at = env_.locate(x.proc, x.page);
    if (node.n.s.proc[at.first].alive != mm::PROC_ALIVE) return false;
    const size_t k = std::find(tracked_.begin(), tracked_.end(), at) - tracked_.begin();
    const int f = folio_behind(node.n.s, at.first, at.second);
    return f >= 0 && node.tracked[k] != mm::NONE && f == node.tracked[k];
  }
};

std::string_view key_of(const Node& n) { return {reinterpret_cast<const char*>(&n), sizeof(Node)}; }

engine::Trace path_to(const std::deque<Rec>& recs, int64_t i, const mm::DisplayNames& names) {
  std::vector<int64_t> chain;
  for (int64_t k = i; k >= 0; k = recs[k].parent) chain.push_back(k);
  std::reverse(chain.begin(), chain.end());
  engine::Trace t;
  t.initial = recs[chain[0]].node.n.s;
  for (size_t j = 1; j < chain.size(); j++) {
    const Rec& r = recs[chain[j]];
    const mm::State& before = recs[chain[j - 1]].node.n.s;
    engine::TraceStep st;
    st.event = r.event;
    st.status = r.status;
    st.text = mm::describe_event(r.event, before, names);
    st.changes = mm::describe_changes(before, r.node.n.s, names);
    st.after = r.node.n.s;
    t.steps.push_back(std::move(st));
  }
  return t;
}

std::vector<std::string> trace_lines(const engine::Trace& t, const mm::DisplayNames& names) {
  std::vector<std::string> out;
  out.push_back("0. initial state");
  for (const std::string& l : mm::describe_state(t.initial, names)) out.push_back("     " + l);
  int n = 0;
  for (const engine::TraceStep& st : t.steps) {
    std::string status;
    if (st.status == mm::Status::WpFault) status = "  (uffd-wp fault to userspace)";
    if (st.status == mm::Status::Sigsegv) status = "  (SIGSEGV)";
    out.push_back(fmt::format("{}. {}{}", ++n, st.text, status));
    for (const std::string& c : st.changes) out.push_back("     " + c);
  }
  return out;
}

}  // namespace

std::vector<ConditionResult> run_conditions(const Scenario& s, const std::vector<const ConditionDecl*>& conds,
                                            const engine::Workload& w, const ConditionEnv& env,
                                            std::optional<uint64_t> max_memory_mb) {
  std::vector<ConditionResult> out(conds.size());
  for (size_t c = 0; c < conds.size(); c++) {
    out[c].name = conds[c]->name;
    out[c].text = fmt::format("{} {}", cond_quant_name(conds[c]->quant), conds[c]->expr.text());
    out[c].quant = conds[c]->quant;
    out[c].loc = conds[c]->loc;
  }
  Evaluator ev(env, conds, s);
  engine::MmModel m(w, /*symmetry=*/false);
  // Memory: one Rec and one index entry per state, about 300 bytes (690k states
  // of cow/explore-fork-swap-zap: 250 MB peak).
  const uint64_t max_states = std::min<uint64_t>(w.bounds.max_states, 1'000'000);
  std::deque<Rec> recs;  // `seen` keys point into it: a deque never moves its elements
  std::unordered_map<std::string_view, int64_t> seen;
  std::vector<int64_t> witness(conds.size(), -1);
  std::vector<std::string> bounds;
  bool complete = true;

  // And the whole process within --max-memory-mb (a bound hit, not a bad_alloc).
  engine::MemoryGuard guard(max_memory_mb.value_or(0));
  bool out_of_memory = false;
  auto visit = [&](const Node& node, int64_t parent, const mm::Event& e, mm::Status st, int depth) {
    if (out_of_memory || seen.count(key_of(node))) return;
    if (recs.size() >= max_states) {
      if (complete) bounds.push_back(fmt::format("states {}", max_states));
      complete = false;
      return;
    }
    if (!guard.within_every(1024)) {
      bounds.push_back(guard.bound_text());
      complete = false;
      out_of_memory = true;
      return;
    }
    recs.push_back(Rec{node, parent, e, st, depth});
    const int64_t id = static_cast<int64_t>(recs.size()) - 1;
    seen.emplace(key_of(recs.back().node), id);
    for (size_t c = 0; c < conds.size(); c++) {
      const bool holds = ev.eval(conds[c]->expr, recs[id].node);
      (holds ? out[c].pos : out[c].neg)++;
      // The witness: a state where it holds (exists, ~exists) or fails (forall).
      if (witness[c] < 0 && holds == (conds[c]->quant != CondQuant::Forall)) witness[c] = id;
    }
  };
  for (const engine::MmNode& n0 : m.initial()) {
    Node node{};
    node.n = n0;
    for (size_t k = 0; k < ev.tracked().size(); k++) {
      const int f = folio_behind(n0.s, ev.tracked()[k].first, ev.tracked()[k].second);
      node.tracked[k] = f >= 0 ? static_cast<uint8_t>(f) : mm::NONE;
    }
    for (size_t k = ev.tracked().size(); k < MAX_TRACKED; k++) node.tracked[k] = mm::NONE;
    visit(node, -1, mm::Event{}, mm::Status::Done, 0);
  }
  for (size_t i = 0; i < recs.size() && !out_of_memory; i++) {
    if (recs[i].depth >= w.bounds.max_depth) {
      const std::string b = fmt::format("depth {}", w.bounds.max_depth);
      if (std::find(bounds.begin(), bounds.end(), b) == bounds.end()) bounds.push_back(b);
      complete = false;
      continue;
    }
    const Node cur = recs[i].node;
    const int depth = recs[i].depth;
    engine::ExpandInfo info = m.for_each_concrete_successor(cur.n, [&](const mm::Event& e, mm::Status st,
                                                                       const engine::MmNode& succ) {
      Node next{};
      next.n = succ;
      for (int k = 0; k < MAX_TRACKED; k++) {
        const uint8_t f = cur.tracked[k];
        // A freed folio is gone for good: a later folio at the same index is
        // another folio.  (No model event frees a folio and allocates one
        // in its place within the same event: wp_page_copy allocates the
        // copy before it drops the old folio.)
        next.tracked[k] = (f != mm::NONE && succ.s.folio[f].test(mm::FOLIO_ALLOCATED)) ? f : mm::NONE;
      }
      visit(next, static_cast<int64_t>(i), e, st, depth + 1);
    });
    if (info.capacity_reason) {
      const std::string b = fmt::format("model bound hit: {}", info.capacity_reason);
      if (std::find(bounds.begin(), bounds.end(), b) == bounds.end()) bounds.push_back(b);
      complete = false;
    }
  }
  const mm::DisplayNames names{w.proc_names, w.device_names};
  for (size_t c = 0; c < conds.size(); c++) {
    out[c].complete = complete;
    out[c].bounds_hit = bounds;
    if (witness[c] >= 0) {
      out[c].witness = path_to(recs, witness[c], names);
      out[c].witness_holds = conds[c]->quant != CondQuant::Forall;
      out[c].witness_lines = trace_lines(*out[c].witness, names);
    }
  }
  return out;
}

}  // namespace mmc::scenario
