// pm_swap_accuracy (model/invariants.cpp eval_pm_swap_accuracy) restricted
// to the tracked shmem index, over the counter abstraction of
// proofs/shmem_abstraction.h, and the lemmas that make it inductive.
//
// For a process mapping the shared VMA, pagemap_read (model/observe.cpp)
// reports PM_SWAP for a marker PTE (any marker), for a none PTE only when
// the xarray RFC looks up the page cache and finds a swap entry, never for
// a present PTE; data_in_swap is true exactly when the PTE is not present
// and the page-cache entry is a swap entry.  So, per process:
//   none:   false negative iff the entry is swap and there is no xarray lookup;
//   marker: false positive iff the entry is not swap.
#pragma once
#include <string>
#include <vector>

#include "proofs/shmem_abstraction.h"

namespace mmproofs::shmem {

template <class D>
struct Named {
  std::string name;
  typename D::B holds;
};

inline constexpr unsigned FALSE_NEGATIVE = 1;  // facet bits as in mm::invariants()
inline constexpr unsigned FALSE_POSITIVE = 2;

template <class D>
std::vector<Named<D>> pm_swap_facets(const SState<D>& s, const SParams<D>& p, unsigned which = 3) {
  std::vector<Named<D>> out;
  if (which & FALSE_NEGATIVE) out.push_back({"false-negative", !(s.n > 0 && s.pcS && !p.XARRAY)});
  if (which & FALSE_POSITIVE) out.push_back({"false-positive", !(s.m > 0 && !s.pcS)});
  return out;
}

// The initial states: the index empty, any number of processes mapping it
// (PTE none) or not.
template <class D>
typename D::B initial(const SState<D>& s) {
  return !s.pcF && !s.pcS && !s.sc && !s.wb && !s.dirty && !s.large && s.e1 && s.p == 0 && s.m == 0 && s.h == 0 &&
         s.pins == 0 && s.n >= 0 && s.u >= 0 && s.n + s.u <= s.used;
}

template <class D>
std::vector<Named<D>> lemmas(const SState<D>& s, const SParams<D>& p) {
  return {
      {"counters are non-negative", s.p >= 0 && s.n >= 0 && s.m >= 0 && s.h >= 0 && s.u >= 0 && s.pins >= 0},
      {"pins only on the page-cache folio", s.pins == 0 || s.pcF},
      {"a present PTE maps the page-cache folio, a small one", !(s.p > 0) || (s.pcF && !s.large)},
      {"a PMD maps the large page-cache folio", !(s.h > 0) || (s.pcF && s.large)},
      {"a large folio sits in the page cache over both indices (THP only in a huge VMA)",
       !s.large || (s.pcF && !s.e1 && p.HUGE)},
      {"the page-cache entry is one thing", !(s.pcF && s.pcS)},
      {"a folio in the swap cache stands behind the swap entry", !s.sc || s.pcS},
      {"PG_writeback only in the swap cache", !s.wb || s.sc},
      {"PG_dirty only on the page-cache folio (pageout cleaned the swap-cache one)", !s.dirty || s.pcF},
      {"no PAGEOUT marker without CONFIG_PTE_MARKER_PAGEOUT", p.PAGEOUT || s.m == 0},
      {"live processes never outnumber the processes created", s.p + s.n + s.m + s.h + s.u <= s.used},
  };
}

}  // namespace mmproofs::shmem
