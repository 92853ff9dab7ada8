// Test helpers for the model unit tests: a state built with model/setup.h
// and driven by mm::apply, with short names for the events and the
// observations, in kernel terms.  Not a test file itself (no _test suffix).
#pragma once
#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/encoding.h"
#include "model/events.h"
#include "model/invariants.h"
#include "model/mm.h"
#include "model/observe.h"
#include "model/setup.h"

namespace mmtest {

using namespace mm;

inline constexpr uint8_t NO_SWAP = 0xff;
inline constexpr uint8_t SWAP_ASYNC = 0;
inline constexpr uint8_t SWAP_SYNC = SWP_SYNCHRONOUS_IO | SWP_SYNC_WRITEBACK;

inline Config preset(const char* name) {
  auto c = config_preset(name);
  REQUIRE(c.has_value());
  return *c;
}

// One machine: process A (index 0) and, unless NO_SWAP, one swap device (type 0).
struct Machine {
  Config cfg;
  State s{};

  explicit Machine(const char* cfg_name = "v6.18", uint8_t swap_flags = SWAP_ASYNC)
      : cfg(preset(cfg_name)) {
    REQUIRE(create_process(s) == 0);
    if (swap_flags != NO_SWAP) REQUIRE(swapon(s, swap_flags) == 0);
  }

  // mmap(MAP_PRIVATE|MAP_ANONYMOUS) of `npages`; the first page index.
  int anon(int npages = 1, uint8_t vm_flags = 0, int proc = 0) {
    int start = do_mmap(s, proc, VmaKind::PrivateAnon, npages, vm_flags, -1, 0, cfg);
    REQUIRE(start >= 0);
    return start;
  }

  Outcome ev(EventKind k, int proc, int page, int arg = 0) {
    return apply(s, Event{k, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), static_cast<uint8_t>(arg)},
                 cfg);
  }
  Status st(EventKind k, int proc, int page, int arg = 0) { return ev(k, proc, page, arg).status; }

  Status read(int p, int pg) { return st(EventKind::ReadFault, p, pg); }
  Status write(int p, int pg, int value) { return st(EventKind::WriteFault, p, pg, value); }
  Status pageout(int p, int pg) { return st(EventKind::MadvPageout, p, pg); }
  Status dontneed(int p, int pg) { return st(EventKind::MadvDontneed, p, pg); }
  Status munmap(int p, int pg) { return st(EventKind::Munmap, p, pg); }
  Status exit(int p) { return st(EventKind::Exit, p, 0); }
  Status pin(int p, int pg) { return st(EventKind::PinRO, p, pg); }
  Status unpin(int p, int pg) { return st(EventKind::Unpin, p, pg); }
  Status split(int p, int pg) { return st(EventKind::SplitPmd, p, pg); }
  Status reclaim(int f) { return st(EventKind::Reclaim, 0, 0, f); }
  Status writeback_end(int f) { return st(EventKind::WritebackEnd, 0, 0, f); }
  Status swapcache_drop(int f) { return st(EventKind::SwapCacheDrop, 0, 0, f); }
  // fork(): the child's process index.
  int fork(int p) {
    int before = 0;
    for (const Process& q : s.proc) before += q.alive != PROC_UNUSED;
    REQUIRE(st(EventKind::Fork, p, 0) == Status::Done);
    for (int i = 0; i < MAX_PROCS; i++)
      if (s.proc[i].alive == PROC_ALIVE && s.proc[i].parent == p && i >= before) return i;
    FAIL("fork made no child");
    return -1;
  }

  const Pte& pte(int p, int pg) const { return s.proc[p].pte[pg]; }
  // The folio a present PTE maps.
  int folio(int p, int pg) const {
    REQUIRE(pte(p, pg).kind == PteKind::Present);
    return pte(p, pg).a;
  }
  const Folio& F(int f) const { return s.folio[f]; }
  const SwapSlot& slot(int type, int slot) const { return s.swap[type].slot[slot]; }
  bool pte_exclusive_page(int p, int pg) const {
    const Pte& t = pte(p, pg);
    return t.kind == PteKind::Present && t.a != NONE && (s.folio[t.a].anon_exclusive & (1u << t.b));
  }

  uint64_t pm(int p, int pg) const { return pagemap_read(s, p, pg, cfg).entry; }
  int mc(int p, int pg) const { return mincore_byte(s, p, pg, cfg); }
  int val(int p, int pg) const { return read_value(s, p, pg); }

  int folios_allocated() const {
    int n = 0;
    for (const Folio& f : s.folio) n += f.test(FOLIO_ALLOCATED);
    return n;
  }
  int slots_in_use() const {
    int n = 0;
    for (const SwapDevice& d : s.swap)
      for (const SwapSlot& sl : d.slot) n += !swap_slot_free(sl);
    return n;
  }

  uint32_t check(const char* inv) const {
    const Invariant* i = find_invariant(inv);
    REQUIRE(i != nullptr);
    return i->check(s, cfg);
  }
  // The four invariants of model I.
  bool model1_holds() const {
    return check("anon_exclusive") == 0 && check("stable_writes") == 0 && check("cow_isolation") == 0 &&
           check("swap_accounting") == 0;
  }
  std::string explain_all() const {
    std::string out;
    for (const Invariant& i : invariants())
      if (i.check(s, cfg)) out += std::string(i.name) + ": " + i.explain(s, cfg) + "\n";
    return out;
  }
};

// Bit `facet` of an invariant's result, by facet name.
inline uint32_t facet_bit(const char* inv, const char* facet) {
  const Invariant* i = find_invariant(inv);
  REQUIRE(i != nullptr);
  for (size_t b = 0; b < i->facets.size(); b++)
    if (i->facets[b] == facet) return 1u << b;
  FAIL("no such facet");
  return 0;
}

// ---- a small breadth-first search over mm::apply --------------------------
// The engine is written elsewhere; this one only serves the unit tests:
// every state reachable from `init` through the given events within
// `max_depth` steps (Disabled events are not transitions).
struct Alphabet {
  std::vector<EventKind> per_page;  // for every alive process and every page of its VMAs
  std::vector<EventKind> per_proc;  // for every alive process (fork, exit)
  std::vector<EventKind> per_folio; // kernel events, for every allocated folio
  int max_procs = 2;                // fork only below this many processes ever created
};

inline std::vector<Event> enabled_candidates(const State& s, const Alphabet& a) {
  std::vector<Event> out;
  int created = 0;
  for (const Process& p : s.proc) created += p.alive != PROC_UNUSED;
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (EventKind k : a.per_proc) {
      if (k == EventKind::Fork && created >= a.max_procs) continue;
      out.push_back(Event{k, static_cast<uint8_t>(pi), 0, 0});
    }
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      if (!find_vma(p, pg)) continue;
      for (EventKind k : a.per_page) out.push_back(Event{k, static_cast<uint8_t>(pi), static_cast<uint8_t>(pg), 0});
    }
  }
  for (int f = 0; f < MAX_FOLIOS; f++)
    if (s.folio[f].test(FOLIO_ALLOCATED))
      for (EventKind k : a.per_folio) out.push_back(Event{k, 0, 0, static_cast<uint8_t>(f)});
  return out;
}

struct SearchResult {
  size_t states = 0;
  bool found = false;           // some state satisfied `bad`
  std::vector<Event> trace;     // the shortest trace to it
  bool out_of_capacity = false; // a model bound was hit
};

inline SearchResult bfs(const State& init, const Config& cfg, const Alphabet& a, int max_depth,
                        const std::function<bool(const State&)>& bad) {
  auto key = [](const State& s) { return std::string(reinterpret_cast<const char*>(&s), sizeof s); };
  struct Node {
    State s;
    std::vector<Event> trace;
  };
  SearchResult r;
  std::unordered_set<std::string> seen{key(init)};
  std::deque<Node> q{{init, {}}};
  while (!q.empty()) {
    Node n = std::move(q.front());
    q.pop_front();
    r.states++;
    if (bad(n.s)) {
      r.found = true;
      r.trace = n.trace;
      return r;
    }
    if (static_cast<int>(n.trace.size()) >= max_depth) continue;
    for (const Event& e : enabled_candidates(n.s, a)) {
      State next = n.s;
      Outcome o = apply(next, e, cfg);
      if (o.status == Status::Disabled) continue;
      if (o.status == Status::OutOfCapacity) {
        r.out_of_capacity = true;
        continue;
      }
      if (!seen.insert(key(next)).second) continue;
      Node m{next, n.trace};
      m.trace.push_back(e);
      q.push_back(std::move(m));
    }
  }
  return r;
}

inline std::string trace_text(const std::vector<Event>& t) {
  std::string out;
  for (const Event& e : t)
    out += std::string(event_kind_name(e.kind)) + "(" + std::to_string(e.proc) + "," + std::to_string(e.page) + "," +
           std::to_string(e.arg) + ") ";
  return out;
}

}  // namespace mmtest
