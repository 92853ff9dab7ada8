// The invariants of model/invariants.cpp restricted to the tracked object,
// over the counter abstraction, and the strengthening lemmas that make them
// inductive.  Each abstract predicate is at least as strict as the explicit
// one on the object (it may also flag what the explicit check cannot see,
// e.g. a pin held by a process no longer mapping the page), so "never
// violated" here implies "never violated" there.
#pragma once
#include <string>
#include <vector>

#include "proofs/anon_abstraction.h"

namespace mmproofs::anon {

template <class D>
struct Named {
  std::string name;
  typename D::B holds;
};

// anon_exclusive, facet by facet (model/invariants.cpp eval_anon_exclusive).
template <class D>
std::vector<Named<D>> anon_exclusive_facets(const AState<D>& s, const AParams<D>& p) {
  auto maps = s.rw + s.ro;
  auto swaprefs_in_cache = s.sc && s.cnt > 0;
  return {
      {"writable-not-exclusive", !(s.rw > 0 && (maps > 1 || swaprefs_in_cache || (p.AE && !s.excl)))},
      {"exclusive-but-shared", !(s.excl && maps >= 1 && (maps > 1 || swaprefs_in_cache))},
      {"swp-exclusive-but-shared", !(s.sx > 0 && (s.cnt > 1 || (s.sc && maps > 0)))},
      {"swapcache-exclusive", !(s.hasF && s.sc && s.excl && s.cnt > 0)},
      {"pinned-not-exclusive", !(p.AE && p.UNSHARE && s.pins > 0 && maps > 0 && !s.excl)},
  };
}

// stable_writes (eval_stable_writes): F under writeback to a
// SWP_STABLE_WRITES device is neither mapped writable nor modified.
template <class D>
std::vector<Named<D>> stable_writes_facets(const AState<D>& s, const AParams<D>& p) {
  auto guarded = s.hasF && s.wb && s.sc && p.STABLE;
  return {{"mapped-writable", !(guarded && s.rw > 0)}, {"modified", !(guarded && s.mod)}};
}

// pagemap_exclusive (eval_pagemap_exclusive): PM_MMAP_EXCLUSIVE (mapcount
// 1) while a swap PTE still reaches F through the swap cache.
template <class D>
std::vector<Named<D>> pagemap_exclusive_facets(const AState<D>& s, const AParams<D>&) {
  return {{"shared", !(s.rw + s.ro == 1 && s.sc && s.sx + s.s > 0)}};
}

template <class D>
std::vector<Named<D>> invariant_facets(const std::string& name, const AState<D>& s, const AParams<D>& p) {
  if (name == "anon_exclusive") return anon_exclusive_facets(s, p);
  if (name == "stable_writes") return stable_writes_facets(s, p);
  if (name == "pagemap_exclusive") return pagemap_exclusive_facets(s, p);
  return {};
}

// The states a tracked object starts in: before it exists, and every way a
// new anonymous folio is born (do_anonymous_page or wp_page_copy for a
// write, an unshare copy taken by a R/O pin, copy_present_page at fork).
// The induction starts from these; the simulation check verifies that every
// object appearing in the explicit model is one of them.
template <class D>
typename D::B birth(const AState<D>& s, const AParams<D>& p) {
  auto nothing = !s.pinx && !s.hasF && !s.hasS && !s.sc && !s.excl && !s.wb && !s.dirty && !s.mod && s.rw == 0 &&
                 s.ro == 0 && s.sx == 0 && s.s == 0 && s.cnt == 0 && s.pins == 0 && s.other >= 0 &&
                 s.used >= s.other;
  auto born = !s.pinx && s.hasF && !s.hasS && !s.sc && !s.wb && !s.mod && s.excl == p.AE && s.sx == 0 && s.s == 0 &&
              s.cnt == 0 && s.other >= 0 && s.used >= 1 + s.other &&
              ((s.rw == 1 && s.ro == 0 && s.pins == 0) || (s.rw == 0 && s.ro == 1 && s.pins >= 0 && s.pins <= 1));
  return nothing || born;
}

// Strengthening lemmas: facts of every reachable state that the invariants
// need to be inductive.  Proved inductive together with them.
template <class D>
std::vector<Named<D>> wellformed_lemmas(const AState<D>& s, const AParams<D>& p) {
  auto maps = s.rw + s.ro;
  return {
      {"counters are non-negative",
       s.rw >= 0 && s.ro >= 0 && s.sx >= 0 && s.s >= 0 && s.cnt >= 0 && s.pins >= 0 && s.other >= 0},
      {"no folio: nothing maps or pins it and it has no flags",
       s.hasF ||
           (s.rw == 0 && s.ro == 0 && s.pins == 0 && !s.sc && !s.wb && !s.excl && !s.dirty && !s.mod && !s.pinx)},
      {"no slot: no swap PTE, no count, no swap cache", s.hasS || (s.sx == 0 && s.s == 0 && s.cnt == 0 && !s.sc)},
      {"swap count = swap PTEs (swap_accounting)", s.cnt == s.sx + s.s},
      {"folio and slot coexist only through the swap cache", s.sc == (s.hasF && s.hasS)},
      {"PG_writeback only in the swap cache", !s.wb || s.sc},
      {"a slot is referenced or cached (else it was freed)", !s.hasS || s.cnt > 0 || s.sc},
      {"a folio is mapped, pinned or cached (else it was freed)", !s.hasF || maps + s.pins > 0 || s.sc},
      {"a pinned page that is mapped is exclusive (v5.19+ with FAULT_FLAG_UNSHARE)",
       !(p.AE && p.UNSHARE) || !(s.pins > 0) || s.excl},
      {"no PG_anon_exclusive before v5.19", p.AE || !s.excl},
      {"an exclusive folio is referenced by no swap PTE", !s.excl || s.cnt == 0},
      {"an exclusive swap PTE is the slot's only reference and F is unmapped",
       s.sx <= 1 && (s.sx == 0 || (s.cnt == 1 && maps == 0 && !s.excl))},
      {"under writeback to a SWP_STABLE_WRITES device F is not exclusive while reachable",
       !(s.wb && p.STABLE && !p.INV) || !s.excl || (maps == 0 && s.cnt == 0)},
      {"a pin held by a process no longer mapping F keeps F unmapped (v5.19+ with FAULT_FLAG_UNSHARE)",
       !(p.AE && p.UNSHARE) || !s.pinx || maps == 0},
      {"the pin flag implies a pin", !s.pinx || s.pins > 0},
      {"live processes never outnumber the processes created",
       s.rw + s.ro + s.sx + s.s + s.other <= s.used},
  };
}

}  // namespace mmproofs::anon
