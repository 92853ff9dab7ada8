// Partial-order reduction against the plain search (docs/engine.md,
// "Partial-order reduction"):
//  - the independence the footprints claim holds where it is used: for
//    states reached in a few steps of each workload, every event of an
//    actor outside the chosen persistent set commutes (up to the stored
//    identity) with every event inside it, and neither disables the other;
//  - on every built-in workload and the smallest `check` starts, under
//    configs with and without known violations, the reduced search gives
//    the same verdicts as the unreduced one and a trace of the same
//    (shortest) length for each violation;
//  - every trace replays through mm::apply to the states it prints.
#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <string>
#include <unordered_set>
#include <vector>

#include "checker/check/starts.h"
#include "checker/engine/engine.h"
#include "checker/engine/mm_footprint.h"
#include "checker/engine/mm_model.h"
#include "checker/workloads/workloads.h"
#include "model/events.h"

using namespace mmc::engine;

namespace {

std::string verdicts_of(const Result& r) {
  std::string s;
  for (const FacetResult& f : r.verdicts) {
    s += f.invariant + "/" + f.facet + "=" + verdict_name(f.verdict);
    if (f.trace) s += ":" + std::to_string(f.trace->steps.size());
    s += " ";
  }
  return s;
}

// Each step's event, applied to the state before it, gives the state the
// step prints (steps that are no single event are taken as printed).
void check_replays(const Trace& t, const mm::Config& cfg) {
  mm::State s = t.initial;
  for (const TraceStep& step : t.steps) {
    if (step.has_event) {
      mm::State next = s;
      const mm::Outcome o = mm::apply(next, step.event, cfg);
      CHECK(o.status == step.status);
      CHECK(next == step.after);
    }
    s = step.after;
  }
}

// The number of facets violated.
int compare(const Workload& w, const std::string& what) {
  Options plain, reduced;
  plain.graph_cap = reduced.graph_cap = 0;
  plain.partial_order = PartialOrder::Off;
  reduced.partial_order = PartialOrder::On;
  const Result a = explore(w, plain);
  const Result b = explore(w, reduced);
  CAPTURE(what);
  CHECK(a.complete == b.complete);
  CHECK(verdicts_of(a) == verdicts_of(b));
  CHECK(b.stats.states <= a.stats.states);
  int violated = 0;
  for (const FacetResult& f : b.verdicts) violated += f.verdict == Verdict::Violated;
  MESSAGE(what << ": " << a.stats.states << " -> " << b.stats.states << " states, " << violated << " facets violated");
  for (const FacetResult& f : b.verdicts)
    if (f.trace) check_replays(*f.trace, w.config);
  return violated;
}

uint64_t bit(int i) { return uint64_t{1} << i; }

// What `before` -> `after` changed that the footprint's written objects do
// not cover ("" when all is covered).  A PTE is covered by its own object
// or by the folio / slot it names before or after (the rmap walk rewrites
// other processes' PTEs as part of the folio); a folio or slot that was
// free before is a fresh allocation.
std::string uncovered_writes(const mm::State& a, const mm::State& b, const por::Footprint& fp) {
  using namespace por;
  const uint64_t wr = fp.wr;
  if (wr == EVERYTHING) return "";
  auto refs = [](const mm::State& s, int p, int pg) {
    const mm::Pte& t = s.proc[p].pte[pg];
    uint64_t m = 0;
    if (t.kind == mm::PteKind::Present && t.a < mm::MAX_FOLIOS) m |= bit(OBJ_FOLIO + t.a);
    if (t.kind == mm::PteKind::Swap) m |= bit(OBJ_SLOT + t.a * mm::MAX_SLOTS + t.b);
    if (t.kind == mm::PteKind::Migration && t.a < mm::MAX_FOLIOS) m |= bit(OBJ_FOLIO + t.a);
    if ((s.proc[p].pinned & (1u << pg)) && s.proc[p].pin_folio[pg] < mm::MAX_FOLIOS)
      m |= bit(OBJ_FOLIO + s.proc[p].pin_folio[pg]);
    return m;
  };
  std::string out;
  for (int p = 0; p < mm::MAX_PROCS; p++) {
    const mm::Process &x = a.proc[p], &y = b.proc[p];
    if (x.alive != y.alive || x.vma != y.vma)
      if (!(wr & bit(OBJ_VMA + p))) out += "VMA(" + std::to_string(p) + ") ";
    for (int pg = 0; pg < mm::MAX_PAGES; pg++) {
      const bool same = x.pte[pg] == y.pte[pg] && ((x.pinned ^ y.pinned) & (1u << pg)) == 0 &&
                        x.pin_folio[pg] == y.pin_folio[pg] && x.pin_subpage[pg] == y.pin_subpage[pg] &&
                        x.pin_value[pg] == y.pin_value[pg] && x.expect[pg] == y.expect[pg] && x.ghost[pg] == y.ghost[pg] &&
                        x.ghost2[pg] == y.ghost2[pg];
      if (same) continue;
      if (wr & bit(OBJ_PTE + p * mm::MAX_PAGES + pg)) continue;
      if (wr & (refs(a, p, pg) | refs(b, p, pg))) continue;
      out += "PTE(" + std::to_string(p) + "," + std::to_string(pg) + ") ";
    }
  }
  for (int f = 0; f < mm::MAX_FOLIOS; f++)
    if (!(a.folio[f] == b.folio[f]) && a.folio[f].test(mm::FOLIO_ALLOCATED) && !(wr & bit(OBJ_FOLIO + f)))
      out += "FOLIO(" + std::to_string(f) + ") ";
  // A pipe buffer is a reference to its folio (a write to the folio shows
  // in it): covered by that folio; otherwise only kinds that touch
  // everything (vmsplice, pipe reads) change the pipe.
  auto buf_folio = [](const mm::PipeBuffer& pb) {
    return pb.used() && pb.page < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + pb.page) : 0;
  };
  for (int i = 0; i < mm::MAX_PIPE_BUFS; i++)
    if (!(a.pipe[i] == b.pipe[i]) && !(wr & (buf_folio(a.pipe[i]) | buf_folio(b.pipe[i]))))
      out += "PIPE(" + std::to_string(i) + ") ";
  for (int i = 0; i < mm::MAX_INODES; i++)
    if (!(a.inode[i] == b.inode[i]) && !(wr & bit(OBJ_INODE + i))) out += "INODE(" + std::to_string(i) + ") ";
  for (int d = 0; d < mm::MAX_SWAP_DEVICES; d++) {
    if (a.swap[d].flags != b.swap[d].flags) out += "SWAPDEV ";
    for (int i = 0; i < mm::MAX_SLOTS; i++) {
      const mm::SwapSlot &x = a.swap[d].slot[i], &y = b.swap[d].slot[i];
      const bool was_free = x.count == 0 && !x.has_cache;
      if (!(x == y) && !was_free && !(wr & bit(OBJ_SLOT + d * mm::MAX_SLOTS + i)))
        out += "SLOT(" + std::to_string(d) + "," + std::to_string(i) + ") ";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("partial order: events outside the persistent set commute with the events inside it") {
  for (const char* name : {"anon-fork-swap", "anon-stable-writes", "mixed-2p", "shmem-2p", "memfd-2p", "thp-2p",
                           "uffd-wp-2p", "vma-ops-1p", "vma-ops-memfd-1p", "shmem-thp-2p", "anon-2p", "migrate-1p",
                           "pipe-1p", "mremap-resize-1p", "collapse-2p"}) {
    const mm::Config cfg = *mm::config_preset("v6.18");
    const mmc::check::Start* st = mmc::check::find_start(name);
    const Workload w = st ? mmc::check::start_workload(*st, cfg) : *mmc::workloads::make_workload(name, cfg);
    MmModel m(w, true);
    // Breadth-first over the first levels; for each state, the persistent
    // set's events against the others'.
    std::deque<std::pair<MmNode, int>> queue;
    std::unordered_set<std::string> seen;
    for (const MmNode& n : m.initial()) queue.emplace_back(n, 0);
    int checked = 0, reduced = 0;
    while (!queue.empty() && checked < 800) {
      auto [n, depth] = queue.front();
      queue.pop_front();
      if (!seen.insert(std::string(reinterpret_cast<const char*>(&n), sizeof n)).second) continue;
      checked++;
      struct E {
        mm::Event e;
        MmNode succ;
        bool in;
      };
      std::vector<E> evs;
      const std::vector<uint8_t> flags = m.persistent_membership(n);
      // The successors the reduced expansion emits: the set's, in order.
      std::vector<MmNode> emitted;
      bool left_out = false;
      m.expand_persistent(n, [](const MmNode&) { return false; }, [&](const MmNode& s) { emitted.push_back(s); }, left_out);
      size_t k = 0, kept = 0;
      m.for_each_concrete_successor(n, [&](const mm::Event& e, mm::Status, const MmNode& s) {
        // (DeadState::Keep: every concrete successor is a transition.)
        const MmNode id = m.identity(s);
        REQUIRE(k < flags.size());
        if (flags[k]) {
          REQUIRE(kept < emitted.size());
          CHECK(std::memcmp(&id, &emitted[kept], sizeof id) == 0);
          kept++;
        }
        CAPTURE(mm::event_kind_name(e.kind));
        CHECK(uncovered_writes(n.s, s.s, por::event_footprint(n.s, e, -1, false)) == "");
        evs.push_back(E{e, s, static_cast<bool>(flags[k])});
        k++;
      });
      CHECK(kept == emitted.size());
      CHECK(left_out == (kept < k));
      CHECK(k == flags.size());
      bool any_out = false;
      for (const E& x : evs) any_out |= !x.in;
      reduced += any_out;
      if (any_out) {
        for (const E& t : evs) {
          if (!t.in) continue;
          for (const E& u : evs) {
            if (u.in) continue;
            // t then u, and u then t, from the concrete state: both
            // enabled, and the same stored identity.
            MmNode tu = t.succ, ut = u.succ;
            const mm::Outcome o1 = mm::apply(tu.s, u.e, w.config);
            const mm::Outcome o2 = mm::apply(ut.s, t.e, w.config);
            CAPTURE(mm::event_kind_name(t.e.kind));
            CAPTURE(int(t.e.proc));
            CAPTURE(mm::event_kind_name(u.e.kind));
            CAPTURE(int(u.e.proc));
            CHECK(o1.status != mm::Status::Disabled);
            CHECK(o2.status != mm::Status::Disabled);
            CHECK(!(tu.s == t.succ.s));  // still a transition after the other
            CHECK(!(ut.s == u.succ.s));
            const MmNode a = m.identity(tu), b = m.identity(ut);
            CHECK(std::memcmp(&a.s, &b.s, sizeof a.s) == 0);
          }
        }
      }
      if (depth < 7)
        for (const E& x : evs) queue.emplace_back(m.identity(x.succ), depth + 1);
    }
    const std::string wname = name;
    CAPTURE(wname);
    MESSAGE(wname << ": " << reduced << " of " << checked << " states reduced");
    if (!st) CHECK(reduced > 0);  // the test exercises reduced states
  }
}

TEST_CASE("partial order: same verdicts and shortest traces as the plain search on the built-in workloads") {
  int violated = 0;
  for (const char* preset : {"v6.18", "anon-exclusive-v2-inverted", "v5.14"}) {
    for (const auto& info : mmc::workloads::builtin_workloads()) {
      if (info.name == "anon-big" && std::string(preset) != "v6.18") continue;  // seconds each
      Workload w = *mmc::workloads::make_workload(info.name, *mm::config_preset(preset));
      violated += compare(w, std::string(info.name) + " under " + preset);
    }
  }
  CHECK(violated > 0);  // the configs with known violations are exercised
}

TEST_CASE("partial order: same verdicts on the smallest check starts") {
  int n = 0;
  for (const mmc::check::Start& st : mmc::check::standard_starts()) {
    if (!st.smoke) continue;
    for (const char* preset : {"v6.18"}) {
      const Workload w = mmc::check::start_workload(st, *mm::config_preset(preset));
      compare(w, std::string(st.name) + " under " + preset);
      n++;
    }
  }
  CHECK(n > 0);
}
