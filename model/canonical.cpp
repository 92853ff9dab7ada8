#include "model/canonical.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace mm {

namespace {

struct Renaming {
  uint8_t folio[MAX_FOLIOS];
  uint8_t slot[MAX_SWAP_DEVICES][MAX_SLOTS];
  int nfolios = 0;
  int nslots[MAX_SWAP_DEVICES] = {};

  Renaming() {
    std::memset(folio, NONE, sizeof folio);
    std::memset(slot, NONE, sizeof slot);
  }
  void name_folio(uint8_t f) {
    if (f < MAX_FOLIOS && folio[f] == NONE) folio[f] = static_cast<uint8_t>(nfolios++);
  }
  void name_slot(uint8_t type, uint8_t i) {
    if (type < MAX_SWAP_DEVICES && i < MAX_SLOTS && slot[type][i] == NONE)
      slot[type][i] = static_cast<uint8_t>(nslots[type]++);
  }
};

bool slot_in_use(const SwapSlot& sl) { return sl.count != 0 || sl.has_cache != 0; }

// The walk that decides the new names.
Renaming first_reference_order(const State& s) {
  Renaming r;
  for (const Process& p : s.proc) {
    if (p.alive == PROC_UNUSED) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = p.pte[pg];
      if ((pte.kind == PteKind::Present || pte.kind == PteKind::Migration) && pte.a != NONE) r.name_folio(pte.a);
      if (pte.kind == PteKind::Swap) r.name_slot(pte.a, pte.b);
      if (p.pinned & (1u << pg)) r.name_folio(p.pin_folio[pg]);
    }
  }
  // The pipe's pages, head first (a page only the pipe holds is named here).
  for (const PipeBuffer& b : s.pipe)
    if (b.used() && b.page != NONE) r.name_folio(b.page);
  for (const Inode& in : s.inode) {
    if (!in.in_use) continue;
    for (const PcEntry& e : in.pc) {
      if (e.kind == PcKind::Folio) r.name_folio(e.a);
      if (e.kind == PcKind::Swap) r.name_slot(e.a, e.b);
    }
  }
  // Swap-cache folios reached through a named slot, in new slot order.
  {
    uint8_t key[MAX_FOLIOS], fol[MAX_FOLIOS];
    int m = 0;
    for (int f = 0; f < MAX_FOLIOS; f++) {
      const Folio& fo = s.folio[f];
      if (r.folio[f] != NONE || !fo.test(FOLIO_ALLOCATED) || !fo.test(PG_swapcache)) continue;
      if (fo.swap_type >= MAX_SWAP_DEVICES || fo.swap_slot >= MAX_SLOTS) continue;
      const uint8_t k = r.slot[fo.swap_type][fo.swap_slot];
      if (k == NONE) continue;
      // Insertion by (device, new slot name); a slot caches at most one folio.
      int j = m++;
      const uint8_t kk = static_cast<uint8_t>(fo.swap_type * MAX_SLOTS + k);
      for (; j > 0 && key[j - 1] > kk; j--) {
        key[j] = key[j - 1];
        fol[j] = fol[j - 1];
      }
      key[j] = kk;
      fol[j] = static_cast<uint8_t>(f);
    }
    for (int j = 0; j < m; j++) r.name_folio(fol[j]);
  }
  // Folios nothing named yet: order them by what they hold (names aside),
  // so equal-looking orphans sort the same whatever their old ids.
  uint8_t rest[MAX_FOLIOS];
  int nrest = 0;
  for (int f = 0; f < MAX_FOLIOS; f++)
    if (r.folio[f] == NONE && s.folio[f].test(FOLIO_ALLOCATED)) rest[nrest++] = static_cast<uint8_t>(f);
  auto key = [&](uint8_t f) {
    Folio k = s.folio[f];
    SwapSlot sl{};
    if (k.test(PG_swapcache)) sl = s.swap[k.swap_type].slot[k.swap_slot];
    k.swap_slot = 0;
    return std::make_tuple(k.flags, k.anon_exclusive, k.swap_type, k.content, sl.count, sl.has_cache,
                           sl.content, k.flags2);
  };
  std::stable_sort(rest, rest + nrest, [&](uint8_t x, uint8_t y) { return key(x) < key(y); });
  for (int i = 0; i < nrest; i++) {
    r.name_folio(rest[i]);
    const Folio& fo = s.folio[rest[i]];
    if (fo.test(PG_swapcache)) r.name_slot(fo.swap_type, fo.swap_slot);
  }
  // Slots in use that nothing references (only in broken states), then free ones.
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < MAX_SLOTS; i++)
      if (slot_in_use(s.swap[t].slot[i])) r.name_slot(static_cast<uint8_t>(t), static_cast<uint8_t>(i));
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < MAX_SLOTS; i++) r.name_slot(static_cast<uint8_t>(t), static_cast<uint8_t>(i));
  for (int f = 0; f < MAX_FOLIOS; f++) r.name_folio(static_cast<uint8_t>(f));
  return r;
}

bool is_identity(const Renaming& r) {
  for (int f = 0; f < MAX_FOLIOS; f++)
    if (r.folio[f] != f) return false;
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < MAX_SLOTS; i++)
      if (r.slot[t][i] != i) return false;
  return true;
}

}  // namespace

void canonicalize_resources(State& s) {
  const Renaming r = first_reference_order(s);
  if (is_identity(r)) return;
  for (Process& p : s.proc) {
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      Pte& pte = p.pte[pg];
      if ((pte.kind == PteKind::Present || pte.kind == PteKind::Migration) && pte.a < MAX_FOLIOS)
        pte.a = r.folio[pte.a];
      if (pte.kind == PteKind::Swap && pte.a < MAX_SWAP_DEVICES && pte.b < MAX_SLOTS) pte.b = r.slot[pte.a][pte.b];
      if (p.pinned & (1u << pg)) p.pin_folio[pg] = r.folio[p.pin_folio[pg]];
    }
  }
  for (PipeBuffer& b : s.pipe)
    if (b.used() && b.page < MAX_FOLIOS) b.page = r.folio[b.page];
  for (Inode& in : s.inode)
    for (PcEntry& e : in.pc) {
      if (e.kind == PcKind::Folio && e.a < MAX_FOLIOS) e.a = r.folio[e.a];
      if (e.kind == PcKind::Swap && e.a < MAX_SWAP_DEVICES && e.b < MAX_SLOTS) e.b = r.slot[e.a][e.b];
    }
  std::array<Folio, MAX_FOLIOS> folios{};
  for (int f = 0; f < MAX_FOLIOS; f++) {
    Folio fo = s.folio[f];
    if (fo.test(PG_swapcache) && fo.swap_type < MAX_SWAP_DEVICES && fo.swap_slot < MAX_SLOTS)
      fo.swap_slot = r.slot[fo.swap_type][fo.swap_slot];
    folios[r.folio[f]] = fo;
  }
  s.folio = folios;
  for (int t = 0; t < MAX_SWAP_DEVICES; t++) {
    std::array<SwapSlot, MAX_SLOTS> slots{};
    for (int i = 0; i < MAX_SLOTS; i++) slots[r.slot[t][i]] = s.swap[t].slot[i];
    s.swap[t].slot = slots;
  }
}

void forget_unread(State& s, uint8_t ghost_kept) {
  for (Process& p : s.proc) {
    p.parent = NONE;
    for (uint8_t& g : p.ghost) g &= ghost_kept;
  }
}

State permute_processes(const State& s, const uint8_t (&perm)[MAX_PROCS]) {
  State t = s;
  uint8_t new_slot_of[MAX_PROCS];
  for (int i = 0; i < MAX_PROCS; i++) new_slot_of[perm[i]] = static_cast<uint8_t>(i);
  for (int i = 0; i < MAX_PROCS; i++) {
    t.proc[i] = s.proc[perm[i]];
    uint8_t& parent = t.proc[i].parent;
    if (parent < MAX_PROCS) parent = new_slot_of[parent];
  }
  for (PipeBuffer& b : t.pipe)  // ghost: the splicing process moves with it
    if (b.used()) b.set_splicer(new_slot_of[b.splicer()]);
  return t;
}

namespace {

// What a process looks like with folio and slot names left out: invariant
// under resource renaming, and it moves with the process under a
// permutation.  Processes with different signatures are ordered by it; only
// ties need their permutations tried.
using Signature = std::array<uint8_t, 2 + sizeof(Vma) * MAX_VMAS + 8 * MAX_PAGES>;

Signature signature(const State& s, int pi) {
  Signature g{};
  const Process& p = s.proc[pi];
  size_t k = 0;
  g[k++] = p.alive;
  g[k++] = p.pinned;
  std::memcpy(&g[k], p.vma.data(), sizeof(Vma) * MAX_VMAS);
  k += sizeof(Vma) * MAX_VMAS;
  for (int pg = 0; pg < MAX_PAGES; pg++) {
    const Pte& pte = p.pte[pg];
    g[k++] = static_cast<uint8_t>(pte.kind);
    g[k++] = pte.bits;
    uint8_t x = 0, y = 0, z = 0;
    if ((pte.kind == PteKind::Present || pte.kind == PteKind::Migration) && pte.a < MAX_FOLIOS) {
      const Folio& f = s.folio[pte.a];
      x = f.flags;
      y = static_cast<uint8_t>((f.anon_exclusive >> pte.b) & 1);
      z = f.content[pte.b < MAX_FOLIO_PAGES ? pte.b : 0];
    } else if (pte.kind == PteKind::Swap && pte.a < MAX_SWAP_DEVICES && pte.b < MAX_SLOTS) {
      const SwapSlot& sl = s.swap[pte.a].slot[pte.b];
      x = pte.a;
      y = static_cast<uint8_t>(sl.count | (sl.has_cache << 7));
      z = sl.content;
    } else if (pte.kind == PteKind::Marker) {
      x = pte.a;
    }
    g[k++] = x;
    g[k++] = y;
    g[k++] = z;
    g[k++] = (p.pinned & (1u << pg)) ? s.folio[p.pin_folio[pg] % MAX_FOLIOS].content[0] : 0;
    g[k++] = p.expect[pg];
    g[k++] = p.ghost[pg];
  }
  return g;
}

}  // namespace

State canonicalize(const State& s, uint8_t interchangeable) {
  uint8_t members[MAX_PROCS];
  int n = 0;
  for (int i = 0; i < MAX_PROCS; i++)
    if (interchangeable & (1u << i)) members[n++] = static_cast<uint8_t>(i);
  if (n < 2) {
    State c = s;
    canonicalize_resources(c);
    return c;
  }
  // Order the members by signature; the smallest goes to the lowest slot.
  Signature sig[MAX_PROCS];
  for (int j = 0; j < n; j++) sig[members[j]] = signature(s, members[j]);
  uint8_t order[MAX_PROCS];
  std::copy(members, members + n, order);
  for (int j = 1; j < n; j++)  // insertion sort, stable: n <= MAX_PROCS
    for (int k = j; k > 0 && sig[order[k]] < sig[order[k - 1]]; k--) std::swap(order[k], order[k - 1]);
  // Runs of equal signatures: every permutation within each run is tried.
  State best{};
  bool have = false;
  auto try_order = [&] {
    uint8_t perm[MAX_PROCS];
    for (int i = 0; i < MAX_PROCS; i++) perm[i] = static_cast<uint8_t>(i);
    bool identity = true;
    for (int j = 0; j < n; j++) {
      perm[members[j]] = order[j];
      identity &= order[j] == members[j];
    }
    State cand = identity ? s : permute_processes(s, perm);
    canonicalize_resources(cand);
    if (!have || std::memcmp(&cand, &best, sizeof(State)) < 0) best = cand;
    have = true;
  };
  int run_start[MAX_PROCS], run_len[MAX_PROCS], runs = 0;
  for (int j = 0; j < n;) {
    int e = j + 1;
    while (e < n && sig[order[e]] == sig[order[j]]) e++;
    if (e - j > 1) {
      run_start[runs] = j;
      run_len[runs++] = e - j;
      for (int a = j + 1; a < e; a++)  // ascending slot order within the run
        for (int k = a; k > j && order[k] < order[k - 1]; k--) std::swap(order[k], order[k - 1]);
    }
    j = e;
  }
  // Odometer over the runs' permutations (at most 3! in total).
  while (true) {
    try_order();
    int r = 0;
    for (; r < runs; r++)
      if (std::next_permutation(order + run_start[r], order + run_start[r] + run_len[r])) break;
    if (r == runs) break;
  }
  return best;
}

}  // namespace mm
