#include "proofs/anon_explicit.h"
#include "proofs/explicit_common.h"

#include <fmt/format.h>

#include <cstring>
#include <deque>
#include <unordered_map>

#include "model/invariants.h"
#include "model/mm.h"
#include "model/setup.h"

namespace mmproofs::anon {

mm::Config scenario_config(const Scenario& sc) { return preset_config(sc.config); }

mm::State initial_state(const Scenario& sc, const mm::Config& cfg) {
  mm::State s{};
  const int p = mm::create_process(s);
  mm::swapon(s, sc.swap_flags);
  mm::do_mmap(s, p, mm::VmaKind::PrivateAnon, 1, 0, -1, 0, cfg);
  return s;
}

AParams<ConcreteDomain> concrete_params(const mm::Config& cfg, uint8_t swap_flags) {
  return {cfg.PG_anon_exclusive,
          cfg.pte_swp_exclusive,
          cfg.swp_stable_writes_check_inverted,
          cfg.gup_unshare_on_ro_pin,
          (swap_flags & mm::SWP_STABLE_WRITES) != 0,
          (swap_flags & mm::SWP_SYNCHRONOUS_IO) != 0,
          (swap_flags & mm::SWP_SYNC_WRITEBACK) != 0};
}

namespace {


// Every event of the alphabet in state s, in a fixed order.
std::vector<mm::Event> enabled_candidates(const mm::State& s, const std::vector<mm::EventKind>& alphabet) {
  std::vector<mm::Event> out;
  for (mm::EventKind k : alphabet) {
    switch (mm::event_scope(k)) {
      case mm::EventScope::ProcPage:
        for (int p = 0; p < mm::MAX_PROCS; p++) {
          if (s.proc[p].alive != mm::PROC_ALIVE) continue;
          for (int pg = 0; pg < mm::MAX_PAGES; pg++)
            if (mm::find_vma(s.proc[p], pg))
              out.push_back({k, static_cast<uint8_t>(p), static_cast<uint8_t>(pg), 0});
        }
        break;
      case mm::EventScope::Proc:
        for (int p = 0; p < mm::MAX_PROCS; p++)
          if (s.proc[p].alive == mm::PROC_ALIVE) out.push_back({k, static_cast<uint8_t>(p), 0, 0});
        break;
      case mm::EventScope::Folio:
        for (int f = 0; f < mm::MAX_FOLIOS; f++)
          if (s.folio[f].test(mm::FOLIO_ALLOCATED)) out.push_back({k, 0, 0, static_cast<uint8_t>(f)});
        break;
    }
  }
  return out;
}

}  // namespace

BfsResult explicit_bfs(const Scenario& sc) {
  const mm::Config cfg = scenario_config(sc);
  const mm::Invariant* inv = mm::find_invariant(sc.invariant);
  BfsResult r;
  if (!inv) return r;
  struct Node {
    int parent;
    mm::Event via;
  };
  std::vector<mm::State> states;
  std::vector<Node> nodes;
  std::unordered_map<mm::State, int, StateHash> seen;
  auto add = [&](const mm::State& s, int parent, const mm::Event& via) -> int {
    auto [it, fresh] = seen.emplace(s, static_cast<int>(states.size()));
    if (!fresh) return -1;
    states.push_back(s);
    nodes.push_back({parent, via});
    return it->second;
  };
  auto trace_to = [&](int i) {
    std::vector<mm::Event> t;
    for (; nodes[i].parent >= 0; i = nodes[i].parent) t.insert(t.begin(), nodes[i].via);
    return t;
  };
  std::vector<int> layer = {add(initial_state(sc, cfg), -1, {})};
  for (int depth = 0; depth <= sc.depth && !layer.empty(); depth++) {
    for (int i : layer)
      if (inv->check(states[i], cfg) != 0) {
        r.violation_depth = depth;
        r.trace = trace_to(i);
        r.states = static_cast<long>(states.size());
        return r;
      }
    if (depth == sc.depth) break;
    std::vector<int> next;
    for (int i : layer) {
      for (const mm::Event& e : enabled_candidates(states[i], sc.alphabet)) {
        mm::State t = states[i];
        const mm::Outcome o = mm::apply(t, e, cfg);
        if (o.status == mm::Status::Disabled) continue;
        if (o.status == mm::Status::OutOfCapacity) {
          r.incomplete = true;
          continue;
        }
        int j = add(t, i, e);
        if (j >= 0) next.push_back(j);
      }
    }
    layer = std::move(next);
  }
  r.states = static_cast<long>(states.size());
  return r;
}

// ---- abstraction function ----------------------------------------------------

namespace {
bool refers_folio(const mm::Pte& pte, const Tracked& t) {
  return t.folio >= 0 && pte.kind == mm::PteKind::Present && pte.a == t.folio;
}
bool refers_slot(const mm::Pte& pte, const Tracked& t) {
  return t.slot >= 0 && pte.kind == mm::PteKind::Swap && pte.a == t.type && pte.b == t.slot;
}
}  // namespace

Local local_of(const mm::State& s, const Tracked& t, int proc, int page) {
  const mm::Pte& pte = s.proc[proc].pte[page];
  if (refers_folio(pte, t)) return (pte.bits & mm::PTE_WRITE) ? Local::RW : Local::RO;
  if (refers_slot(pte, t)) return (pte.bits & mm::PTE_SWP_EXCLUSIVE) ? Local::SX : Local::S;
  return Local::N;
}

AState<ConcreteDomain> alpha(const mm::State& s, const Tracked& t, int page) {
  AState<ConcreteDomain> a{};
  const mm::Folio* fo = t.folio >= 0 ? &s.folio[t.folio] : nullptr;
  a.hasF = fo && fo->test(mm::FOLIO_ALLOCATED);
  const mm::SwapSlot* sl = t.slot >= 0 ? &s.swap[t.type].slot[t.slot] : nullptr;
  a.hasS = sl && (sl->count > 0 || sl->has_cache);
  a.sc = a.hasF && a.hasS && fo->test(mm::PG_swapcache) && fo->swap_type == t.type && fo->swap_slot == t.slot;
  a.excl = a.hasF && (fo->anon_exclusive & 1);
  a.wb = a.hasF && fo->test(mm::PG_writeback);
  a.dirty = a.hasF && fo->test(mm::PG_dirty);
  a.mod = a.sc && fo->content[0] != sl->content;
  a.cnt = a.hasS ? sl->count : 0;
  a.pins = a.hasF ? mm::folio_pins(s, t.folio) : 0;
  for (int p = 0; a.hasF && p < mm::MAX_PROCS; p++)
    for (int pg = 0; pg < mm::MAX_PAGES; pg++)
      if ((s.proc[p].pinned & (1u << pg)) && s.proc[p].pin_folio[pg] == t.folio && !refers_folio(s.proc[p].pte[pg], t))
        a.pinx = true;
  for (int p = 0; p < mm::MAX_PROCS; p++) {
    if (s.proc[p].alive == mm::PROC_UNUSED) continue;
    a.used++;
    if (s.proc[p].alive != mm::PROC_ALIVE) continue;
    switch (local_of(s, t, p, page)) {
      case Local::RW: a.rw++; break;
      case Local::RO: a.ro++; break;
      case Local::SX: a.sx++; break;
      case Local::S: a.s++; break;
      case Local::N: a.other++; break;
    }
  }
  return a;
}

void retrack(const mm::State& before, const mm::State& after, const mm::Event& e, Tracked& t, int page) {
  const bool was_empty = t.folio < 0 && t.slot < 0;
  const bool actor_was_swap = !mm::is_kernel_event(e.kind) && refers_slot(before.proc[e.proc].pte[page], t);
  // The slot stays ours while it is in use.
  if (t.slot >= 0) {
    const mm::SwapSlot& sl = after.swap[t.type].slot[t.slot];
    if (sl.count == 0 && !sl.has_cache) t.slot = t.type = -1;
  }
  // Unmapped for swap-out: a PTE that mapped our folio now names our slot
  // (found through the PTEs: the folio may have left in the same step).
  if (t.folio >= 0 && t.slot < 0)
    for (int p = 0; p < mm::MAX_PROCS && t.slot < 0; p++) {
      const mm::Pte& pre = before.proc[p].pte[page];
      const mm::Pte& now = after.proc[p].pte[page];
      if (refers_folio(pre, t) && now.kind == mm::PteKind::Swap) {
        t.type = now.a;
        t.slot = now.b;
      }
    }
  // The folio stays ours while allocated (ids are not reused within a step).
  if (t.folio >= 0 && !after.folio[t.folio].test(mm::FOLIO_ALLOCATED)) t.folio = -1;
  if (t.folio < 0 && t.slot >= 0) t.folio = mm::swap_cache_get_folio(after, t.type, t.slot);
  if (t.folio < 0 && actor_was_swap) {
    const mm::Pte& pte = after.proc[e.proc].pte[page];
    if (pte.kind == mm::PteKind::Present && pte.a != mm::NONE) t.folio = pte.a;  // skip-swapcache swap-in
  }
  if (t.folio >= 0 && t.slot < 0 && after.folio[t.folio].test(mm::PG_swapcache)) {
    t.type = after.folio[t.folio].swap_type;
    t.slot = after.folio[t.folio].swap_slot;
  }
  if (was_empty && e.kind == mm::EventKind::WriteFault) {
    // do_anonymous_page, or a COW copy of the zero page or of another
    // object's page: the writer now maps a folio it did not map before.
    const mm::Pte& pre = before.proc[e.proc].pte[page];
    const mm::Pte& pte = after.proc[e.proc].pte[page];
    if (pre.kind != mm::PteKind::Swap && pte.kind == mm::PteKind::Present && pte.a != mm::NONE &&
        !(pre.kind == mm::PteKind::Present && pre.a == pte.a))
      t.folio = pte.a;
  }
}

bool concretize(const mm::State& s, const Tracked& t, AEvent e, mm::Event& out, int page) {
  const AEventInfo& info = aevent_info()[static_cast<int>(e)];
  mm::EventKind kind{};
  if (!mm::event_kind_from_name(info.model_kind, kind)) return false;
  out = mm::Event{kind, 0, static_cast<uint8_t>(page), 0};
  if (!info.process_event) {
    if (t.folio < 0) return false;
    out.arg = static_cast<uint8_t>(t.folio);
    return true;
  }
  for (int p = 0; p < mm::MAX_PROCS; p++) {
    if (s.proc[p].alive != mm::PROC_ALIVE || local_of(s, t, p, page) != info.actor) continue;
    // A write that should create the object needs a PTE that is none or the zero page.
    if (e == AEvent::WriteN) {
      const mm::Pte& pte = s.proc[p].pte[page];
      if (!(pte.kind == mm::PteKind::None || (pte.kind == mm::PteKind::Present && pte.a == mm::NONE))) continue;
    }
    out.proc = static_cast<uint8_t>(p);
    return true;
  }
  return false;
}

std::string describe(const AState<ConcreteDomain>& a) {
  std::string flags;
  auto flag = [&](bool on, const char* name) {
    if (on) flags += flags.empty() ? name : std::string("|") + name;
  };
  flag(a.excl, "PG_anon_exclusive");
  flag(a.sc, "PG_swapcache");
  flag(a.wb, "PG_writeback");
  flag(a.dirty, "PG_dirty");
  std::string f = a.hasF ? fmt::format("F[{}{}{}]", flags.empty() ? "clean" : flags, a.pins ? fmt::format(" pins={}", a.pins) : "",
                                       a.mod ? " content!=slot" : "")
                         : "no folio";
  std::string sl = a.hasS ? fmt::format("slot count={}", a.cnt) : "no slot";
  return fmt::format("{}; {}; PTEs: {} present-writable, {} present-read-only, {} swap+exclusive, {} swap; {} other "
                     "live process(es), {} created",
                     f, sl, a.rw, a.ro, a.sx, a.s, a.other, a.used);
}

std::string describe_event(const mm::Event& e) {
  if (mm::is_kernel_event(e.kind)) return fmt::format("{} F{}", mm::event_kind_name(e.kind), e.arg);
  return fmt::format("{} {}{}", mm::event_kind_name(e.kind), static_cast<char>('A' + e.proc),
                     mm::event_scope(e.kind) == mm::EventScope::ProcPage ? fmt::format(" page {}", e.page) : "");
}

bool same_abstract(const AState<ConcreteDomain>& x, const AState<ConcreteDomain>& a, std::string& why) {
  auto diff = [&](const char* what, long ex, long ab) {
    if (ex == ab) return false;
    why = fmt::format("{}: explicit model {} vs abstraction {}", what, ex, ab);
    return true;
  };
  if (diff("folio allocated", x.hasF, a.hasF) || diff("slot allocated", x.hasS, a.hasS) ||
      diff("PG_swapcache", x.sc, a.sc) || diff("PG_anon_exclusive", x.excl, a.excl) ||
      diff("PG_writeback", x.wb, a.wb) || diff("PG_dirty", x.dirty && x.hasF, a.dirty && a.hasF) ||
      diff("writable PTEs", x.rw, a.rw) || diff("read-only PTEs", x.ro, a.ro) ||
      diff("exclusive swap PTEs", x.sx, a.sx) || diff("swap PTEs", x.s, a.s) || diff("swap count", x.cnt, a.cnt) ||
      diff("pins", x.pins, a.pins) || diff("other processes", x.other, a.other) ||
      diff("processes created", x.used, a.used))
    return false;
  // "modified" is an over-approximation: the abstraction may only add it.
  if (x.pinx && !a.pinx) {
    why = "a pin is held by a process not mapping F in the explicit model, not in the abstraction";
    return false;
  }
  if (x.mod && !a.mod) {
    why = "content differs from the slot in the explicit model but not in the abstraction";
    return false;
  }
  return true;
}

}  // namespace mmproofs::anon
