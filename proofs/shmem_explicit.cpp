#include "proofs/shmem_explicit.h"
#include "proofs/explicit_common.h"

#include <fmt/format.h>

#include <unordered_set>

#include "model/encoding.h"
#include "model/invariants.h"
#include "model/mm.h"
#include "model/setup.h"

namespace mmproofs::shmem {

using K = mm::EventKind;

mm::Config scenario_config(const Scenario& sc) { return preset_config(sc.config); }

mm::State initial_state(const Scenario& sc, const mm::Config& cfg) {
  mm::State s{};
  const int p = mm::create_process(s);
  mm::swapon(s, sc.swap_flags);
  const int pages = sc.huge ? mm::MAX_FOLIO_PAGES : 1;
  const int ino = mm::shmem_create(s, pages);
  mm::do_mmap(s, p, sc.memfd ? mm::VmaKind::MemfdShared : mm::VmaKind::SharedAnon, pages,
              sc.huge ? mm::VM_HUGEPAGE : 0, ino, 0, cfg);
  return s;
}

SParams<ConcreteDomain> concrete_params(const mm::Config& cfg, uint8_t swap_flags, bool huge, bool memfd) {
  return {cfg.CONFIG_PTE_MARKER_PAGEOUT, cfg.pagemap_shmem_xarray_lookup, cfg.swap_zeromap,
          (swap_flags & (mm::SWP_SYNCHRONOUS_IO | mm::SWP_SYNC_WRITEBACK)) != 0, huge, memfd};
}

const std::vector<mm::EventKind>& shmem_alphabet_with_pins() {
  static const std::vector<mm::EventKind> all = [] {
    std::vector<mm::EventKind> v = full_shmem_alphabet();
    v.push_back(K::PinRO);
    v.push_back(K::Unpin);
    return v;
  }();
  return all;
}

const std::vector<mm::EventKind>& full_shmem_alphabet() {
  static const std::vector<mm::EventKind> all = {K::ReadFault,   K::WriteFault, K::Fork,         K::MadvDontneed,
                                                 K::Munmap,      K::Exit,       K::MadvPageout,  K::MadvRemove,
                                                 K::SplitPmd,    K::Reclaim,    K::WritebackEnd, K::SwapCacheDrop};
  return all;
}

std::vector<mm::Event> candidate_events(const mm::State& s, const std::vector<mm::EventKind>& alphabet) {
  std::vector<mm::Event> out;
  for (mm::EventKind k : alphabet) {
    if (mm::event_scope(k) == mm::EventScope::Folio) {
      for (int f = 0; f < mm::MAX_FOLIOS; f++)
        if (s.folio[f].test(mm::FOLIO_ALLOCATED)) out.push_back({k, 0, 0, static_cast<uint8_t>(f)});
      continue;
    }
    for (int p = 0; p < mm::MAX_PROCS; p++)
      if (s.proc[p].alive == mm::PROC_ALIVE) out.push_back({k, static_cast<uint8_t>(p), 0, 0});
  }
  return out;
}

BfsResult explicit_bfs(const Scenario& sc) {
  const mm::Config cfg = scenario_config(sc);
  const mm::Invariant* inv = mm::find_invariant("pm_swap_accuracy");
  BfsResult r;
  if (!inv) return r;
  struct Node {
    int parent;
    mm::Event via;
  };
  std::vector<mm::State> states;
  std::vector<Node> nodes;
  std::unordered_set<mm::State, StateHash> seen;
  auto add = [&](const mm::State& s, int parent, const mm::Event& via) -> int {
    if (!seen.insert(s).second) return -1;
    states.push_back(s);
    nodes.push_back({parent, via});
    return static_cast<int>(states.size()) - 1;
  };
  std::vector<int> layer = {add(initial_state(sc, cfg), -1, {})};
  for (int depth = 0; depth <= sc.depth && !layer.empty(); depth++) {
    for (int i : layer)
      if (inv->check(states[i], cfg) & sc.facets) {
        r.violation_depth = depth;
        for (int j = i; nodes[j].parent >= 0; j = nodes[j].parent) r.trace.insert(r.trace.begin(), nodes[j].via);
        r.states = static_cast<long>(states.size());
        return r;
      }
    if (depth == sc.depth) break;
    std::vector<int> next;
    for (int i : layer)
      for (const mm::Event& e : candidate_events(states[i], sc.alphabet)) {
        mm::State t = states[i];
        const mm::Outcome o = mm::apply(t, e, cfg);
        if (o.status == mm::Status::Disabled) continue;
        if (o.status == mm::Status::OutOfCapacity) {
          (e.kind == K::Fork ? r.fork_bound : r.incomplete) = true;
          continue;
        }
        const int j = add(t, i, e);
        if (j >= 0) next.push_back(j);
      }
    layer = std::move(next);
  }
  r.states = static_cast<long>(states.size());
  return r;
}

// ---- abstraction function ------------------------------------------------------

int tracked_folio(const mm::State& s) {
  const mm::PcEntry& e = s.inode[0].pc[0];
  if (e.kind == mm::PcKind::Folio) return e.a;
  if (e.kind == mm::PcKind::Swap) return mm::swap_cache_get_folio(s, e.a, e.b);
  return -1;
}

Local local_of(const mm::State& s, int proc) {
  const mm::Process& p = s.proc[proc];
  if (!mm::find_vma(p, 0)) return Local::U;
  switch (p.pte[0].kind) {
    case mm::PteKind::Present: return (p.pte[0].bits & mm::PTE_PMD) ? Local::H : Local::P;
    case mm::PteKind::Marker: return Local::M;
    default: return Local::N;
  }
}

bool alpha(const mm::State& s, SState<ConcreteDomain>& a, std::string& why) {
  a = SState<ConcreteDomain>{};
  const mm::PcEntry& e = s.inode[0].pc[0];
  a.pcF = e.kind == mm::PcKind::Folio;
  a.pcS = e.kind == mm::PcKind::Swap;
  if (a.pcS && s.swap[e.a].slot[e.b].count != 1) {
    why = fmt::format("the shmem swap entry's slot has count {}, not 1", s.swap[e.a].slot[e.b].count);
    return false;
  }
  const int f = tracked_folio(s);
  a.sc = a.pcS && f >= 0;
  a.wb = f >= 0 && s.folio[f].test(mm::PG_writeback);
  a.dirty = f >= 0 && s.folio[f].test(mm::PG_dirty);
  a.large = a.pcF && s.folio[f].test(mm::PG_large);
  a.e1 = s.inode[0].npages < 2 || s.inode[0].pc[1].kind == mm::PcKind::Empty;
  a.pins = f >= 0 ? mm::folio_pins(s, f) : 0;
  for (int pi = 0; pi < mm::MAX_PROCS; pi++) {
    const mm::Process& p = s.proc[pi];
    if (p.alive == mm::PROC_UNUSED) continue;
    a.used++;
    if (p.alive != mm::PROC_ALIVE) continue;
    const mm::Pte& pte = p.pte[0];
    switch (local_of(s, pi)) {
      case Local::U: a.u++; break;
      case Local::N: a.n++; break;
      case Local::P: a.p++; break;
      case Local::M: a.m++; break;
      case Local::H: a.h++; break;
    }
    if (local_of(s, pi) == Local::U) continue;
    if (pte.kind == mm::PteKind::Swap) {
      why = fmt::format("process {} has a swap PTE in the shared VMA", static_cast<char>('A' + pi));
      return false;
    }
    if (pte.kind == mm::PteKind::Marker && pte.a != mm::enc::PTE_MARKER_PAGEOUT) {
      why = fmt::format("process {} has a marker other than PAGEOUT ({})", static_cast<char>('A' + pi), pte.a);
      return false;
    }
    const bool pmd = pte.bits & mm::PTE_PMD;
    if (pte.kind == mm::PteKind::Present &&
        (!a.pcF || pte.a != f || pte.b != 0 || pmd != a.large || (pmd && p.pte[1].kind != mm::PteKind::Present))) {
      why = fmt::format("process {} maps a folio that is not the page-cache folio", static_cast<char>('A' + pi));
      return false;
    }
  }
  return true;
}

bool concretize(const mm::State& s, SEvent e, mm::Event& out) {
  const SEventInfo& info = sevent_info()[static_cast<int>(e)];
  mm::EventKind kind{};
  if (!mm::event_kind_from_name(info.model_kind, kind)) return false;
  out = mm::Event{kind, 0, 0, 0};
  if (!info.process_event) {
    const int f = tracked_folio(s);
    if (f < 0) return false;
    out.arg = static_cast<uint8_t>(f);
    return true;
  }
  for (int p = 0; p < mm::MAX_PROCS; p++)
    if (s.proc[p].alive == mm::PROC_ALIVE && local_of(s, p) == info.actor) {
      out.proc = static_cast<uint8_t>(p);
      return true;
    }
  return false;
}

std::string describe(const SState<ConcreteDomain>& a) {
  std::string entry = a.pcF ? fmt::format("page cache: {} F[{}]", a.large ? "large folio" : "folio", a.dirty ? "PG_dirty" : "clean")
                      : a.pcS ? fmt::format("page cache: swap entry{}", a.sc ? (a.wb ? ", F in the swap cache under writeback"
                                                                                      : ", F in the swap cache")
                                                                          : "")
                              : "page cache: empty";
  return fmt::format("{}{}; PTEs: {} present, {} none, {} PAGEOUT marker{}; {} without the VMA; {} created", entry,
                     a.e1 ? "" : " (next index in use)", a.p, a.n, a.m,
                     a.h ? fmt::format(", {} PMD-mapped", a.h) : "", a.u, a.used) +
         (a.pins ? fmt::format("; {} pin(s) on F", a.pins) : "");
}

std::string describe_event(const mm::Event& e) {
  if (mm::is_kernel_event(e.kind)) return fmt::format("{} F{}", mm::event_kind_name(e.kind), e.arg);
  return fmt::format("{} {}", mm::event_kind_name(e.kind), static_cast<char>('A' + e.proc));
}

bool same(const SState<ConcreteDomain>& x, const SState<ConcreteDomain>& a, std::string& why) {
  auto diff = [&](const char* what, int ex, int ab) {
    if (ex == ab) return false;
    why = fmt::format("{}: explicit model {} vs abstraction {}", what, ex, ab);
    return true;
  };
  return !(diff("page-cache folio", x.pcF, a.pcF) || diff("page-cache swap entry", x.pcS, a.pcS) ||
           diff("F in the swap cache", x.sc, a.sc) || diff("PG_writeback", x.wb, a.wb) ||
           diff("PG_dirty", x.dirty, a.dirty) || diff("present PTEs", x.p, a.p) || diff("none PTEs", x.n, a.n) ||
           diff("PAGEOUT markers", x.m, a.m) || diff("processes without the VMA", x.u, a.u) ||
           diff("PG_large", x.large, a.large) || diff("next index empty", x.e1, a.e1) ||
           diff("PMD mappings", x.h, a.h) || diff("pins on F", x.pins, a.pins) ||
           diff("processes created", x.used, a.used));
}

}  // namespace mmproofs::shmem
