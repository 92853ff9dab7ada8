#include "model/invariants_model3.h"

#include <fmt/format.h>

#include "model/encoding.h"
#include "model/mm.h"

namespace mm {

namespace {

struct Out {
  uint32_t bits = 0;
  std::string* why;
  void add(int bit, const std::string& text) {
    if (why && !(bits & (1u << bit))) {
      if (!why->empty()) *why += "; ";
      *why += text;
    }
    bits |= 1u << bit;
  }
};

char pname(int p) { return static_cast<char>('A' + p); }

bool is_guard(const Pte& pte) { return pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_GUARD); }

}  // namespace

uint32_t eval_guard_regions(const State& s, const Config&, std::string* why) {
  Out r{0, why};
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const bool want = p.ghost[pg] & GHOST_GUARD;
      const bool have = is_guard(p.pte[pg]);
      if (want && !have)
        r.add(0, fmt::format("{}.page[{}] was guarded (MADV_GUARD_INSTALL) but its PTE has no guard marker", pname(pi), pg));
      if (have && !want)
        r.add(1, fmt::format("{}.page[{}] has a guard marker the program did not install", pname(pi), pg));
    }
  }
  return r.bits;
}

uint32_t eval_mlock_resident(const State& s, const Config&, std::string* why) {
  Out r{0, why};
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Vma* v = find_vma(p, pg);
      if (!v || !(v->flags & VM_LOCKED) || !(p.ghost[pg] & GHOST_MLOCKED)) continue;
      // Migration may move an mlocked page (compact_unevictable_allowed,
      // move_pages): the migration entry's folio is still in memory.
      if (p.pte[pg].kind != PteKind::Present && p.pte[pg].kind != PteKind::Migration)
        r.add(0, fmt::format("{}.page[{}] is in a VM_LOCKED VMA and was made resident by mlock, but is not present", pname(pi), pg));
    }
  }
  return r.bits;
}

uint32_t eval_lazyfree(const State& s, const Config&, std::string* why) {
  Out r{0, why};
  for (int f = 0; f < MAX_FOLIOS; f++) {
    const Folio& fo = s.folio[f];
    if (!fo.test(FOLIO_ALLOCATED) || !(fo.flags2 & PG_lazyfree)) continue;
    if (!fo.test(PG_anon) || fo.test(PG_swapcache) || fo.test(PG_large))
      r.add(0, fmt::format("F{} is lazyfree (not swap-backed) but is {}", f,
                           !fo.test(PG_anon) ? "not anon" : fo.test(PG_swapcache) ? "in the swap cache" : "large"));
  }
  return r.bits;
}

}  // namespace mm
