// Folio migration: migrate_pages (mm/migrate.c v6.18) split into its two
// halves, migrate_folio_unmap and migrate_folio_move, with the migration
// entries of mm/rmap.c try_to_migrate_one and remove_migration_pte.
#include "model/migrate.h"

#include "model/decisions.h"
#include "model/mm.h"

namespace mm {

namespace {

// try_to_migrate_one for one PTE mapping folio `f`: the PTE becomes a
// migration entry.  Returns false when the kernel aborts the walk
// (folio_try_share_anon_rmap_pte fails on a possibly pinned exclusive page).
bool try_to_migrate_one(State& s, int proc, int page, int f) {
  Pte& pte = s.proc[proc].pte[page];
  Folio& fo = s.folio[f];
  const uint8_t bit = static_cast<uint8_t>(1u << pte.b);
  const bool anon_exclusive = fo.test(PG_anon) && (fo.anon_exclusive & bit);
  const bool writable = pte.bits & PTE_WRITE;
  // "See folio_try_share_anon_rmap_pte(): clear PTE first": an exclusive
  // page must be unshared, which fails when it may be pinned.
  if (anon_exclusive && folio_maybe_dma_pinned(s, f)) {
    MM_DECIDE("try_to_migrate_one", "mm/rmap.c", "anon_exclusive && folio_try_share_anon_rmap_pte(folio, subpage)",
              "fails (folio_maybe_dma_pinned): the PTE is restored and migration aborts", proc, page, f);
    return false;
  }
  if (anon_exclusive) fo.anon_exclusive &= static_cast<uint8_t>(~bit);  // ClearPageAnonExclusive
  if (pte.bits & PTE_DIRTY) fo.flags |= PG_dirty;                       // folio_mark_dirty(pte_dirty)
  // make_writable / make_readable_exclusive / make_readable_migration_entry,
  // make_migration_entry_dirty, pte_swp_mksoft_dirty, pte_swp_mkuffd_wp.
  uint8_t bits = pte.bits & (PTE_DIRTY | PTE_SOFT_DIRTY | PTE_UFFD_WP);
  if (writable) bits |= PTE_WRITE;
  else if (anon_exclusive) bits |= PTE_SWP_EXCLUSIVE;
  MM_DECIDE("try_to_migrate_one", "mm/rmap.c", "writable / anon_exclusive",
            writable ? "writable migration entry" : anon_exclusive ? "readable-exclusive migration entry"
                                                              : "readable migration entry",
            proc, page, f);
  pte = Pte{PteKind::Migration, bits, static_cast<uint8_t>(f), pte.b};
  return true;
}

// remove_migration_ptes(src, dst) -> remove_migration_pte: each migration
// entry naming `src` becomes a present PTE of `dst` (mk_pte with
// vm_page_prot: read-only in a private VMA), with the entry's bits.
void remove_migration_ptes(State& s, int src, int dst, const Config& cfg) {
  Folio& to = s.folio[dst];
  for (Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    for (Pte& pte : p.pte) {
      if (pte.kind != PteKind::Migration || pte.a != src) continue;
      uint8_t bits = 0;
      // is_migration_entry_dirty -> pte_mkdirty, which on x86 also sets
      // _PAGE_SOFT_DIRTY: a page dirty before migration comes back soft-dirty.
      if (to.test(PG_dirty) && (pte.bits & PTE_DIRTY)) bits |= pte_mkdirty_bits(cfg);
      if (pte.bits & PTE_SOFT_DIRTY) bits |= PTE_SOFT_DIRTY;               // else pte_clear_soft_dirty
      if (pte.bits & PTE_WRITE) bits |= PTE_WRITE;                         // pte_mkwrite
      else if (pte.bits & PTE_UFFD_WP) bits |= PTE_UFFD_WP;                // pte_mkuffd_wp
      // folio_add_anon_rmap_pte(RMAP_EXCLUSIVE) unless a readable entry.
      if (to.test(PG_anon) && (pte.bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE)))
        to.anon_exclusive |= static_cast<uint8_t>(1u << pte.b);
      pte = Pte{PteKind::Present, bits, static_cast<uint8_t>(dst), pte.b};
    }
  }
}

}  // namespace

Outcome migrate_folio_unmap(State& s, int f, const Config& cfg) {
  (void)cfg;
  if (f < 0 || f >= MAX_FOLIOS || !s.folio[f].test(FOLIO_ALLOCATED)) return Outcome::disabled("no such folio");
  Folio& fo = s.folio[f];
  // isolate_folio_to_list / folio_isolate_lru: only a folio on the LRU (not
  // in another CPU's lru_add batch, not already isolated for migration).
  if (!folio_test_lru(fo)) return Outcome::disabled("the folio is not on the LRU (folio_isolate_lru fails)");
  // MIGRATE_SYNC waits for writeback (folio_wait_writeback); the model lets
  // the writeback event come first.
  if (fo.test(PG_writeback)) return Outcome::disabled("the folio is under writeback (migration waits for it)");
  // Model: only small anon folios outside the swap cache migrate; page-cache
  // folios (folio_migrate_mapping of a mapping), swap-cache folios and THP
  // (PMD migration entries) are not modelled.
  if (!fo.test(PG_anon)) return Outcome::disabled("model: page-cache folios are not migrated");
  if (fo.test(PG_large)) return Outcome::disabled("model: large folios are not migrated");
  if (fo.test(PG_swapcache)) return Outcome::disabled("model: swap-cache folios are not migrated");
  // Model: a folio nothing maps changes nothing a program can see when it moves.
  if (folio_mapcount(s, f) == 0) return Outcome::disabled("model: the folio is not mapped");
  // try_to_migrate: the rmap walk over every mapping.
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    if (s.proc[pi].alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = s.proc[pi].pte[pg];
      if (pte.kind != PteKind::Present || pte.a != f) continue;
      // !folio_mapped(src) fails: migrate_folio_undo_src restores the
      // entries (apply() puts the state back).
      if (!try_to_migrate_one(s, pi, pg, f))
        return Outcome::disabled("try_to_migrate_one: a possibly pinned exclusive page cannot be unshared");
    }
  }
  s.folio[f].flags2 |= FOLIO_MIGRATING;  // locked, isolated, with migrate_pages' reference
  return Outcome::done();
}

Outcome migrate_folio_move(State& s, int f, const Config& cfg) {
  if (f < 0 || f >= MAX_FOLIOS || !(s.folio[f].flags2 & FOLIO_MIGRATING))
    return Outcome::disabled("the folio is not being migrated");
  // move_to_new_folio -> migrate_folio -> __folio_migrate_mapping: the
  // reference count must be folio_expected_ref_count + 1.  A pin adds
  // references migration cannot account for: -EAGAIN, retried, then
  // migrate_folio_undo_src maps the old folio back.
  if (folio_maybe_dma_pinned(s, f)) {
    MM_DECIDE("__folio_migrate_mapping", "mm/migrate.c", "folio_ref_count(folio) != expected_count",
              "true (pinned): -EAGAIN; migrate_folio_undo_src -> remove_migration_ptes(src, src)", -1, -1, f);
    remove_migration_ptes(s, f, f, cfg);
    s.folio[f].flags2 &= static_cast<uint8_t>(~FOLIO_MIGRATING);
    folio_put_if_unused(s, f);
    return Outcome::done();
  }
  // The new folio (get_new_folio; the model allocates it here, not at
  // migrate_folio_unmap: nothing sees it before).  folio_add_lru(dst).
  const int dst = alloc_folio(s, cfg);
  if (dst < 0) return {Status::OutOfCapacity, "no free folio for migration's new folio (raise MAX_FOLIOS)"};
  Folio& to = s.folio[dst];
  const Folio& from = s.folio[f];
  // folio_mc_copy and folio_migrate_flags: content, dirty, uptodate, anon
  // (the anon_vma), swapbacked (lazyfree); PG_anon_exclusive comes back from
  // the migration entries (RMAP_EXCLUSIVE).
  to.flags |= from.flags & (PG_anon | PG_dirty | PG_uptodate);
  to.flags2 |= from.flags2 & PG_lazyfree;
  to.content = from.content;
  remove_migration_ptes(s, f, dst, cfg);
  // migrate_folio_done: the old folio has no references left.
  free_folio(s, f);
  folio_put_if_unused(s, dst);  // every migration entry was zapped meanwhile: nothing maps it
  return Outcome::done();
}

Outcome do_move_pages(State& s, int proc, int page, const Config& cfg) {
  const Process& p = s.proc[proc];
  if (!find_vma(p, page)) return {Status::Done, "move_pages: -EFAULT (no VMA)"};
  const Pte& pte = p.pte[page];
  // add_page_for_migration: folio_walk_start(FW_ZEROPAGE) finds present
  // PTEs only (a migration entry or swap PTE: -ENOENT); the zero page: -EFAULT.
  if (pte.kind != PteKind::Present) return {Status::Done, "move_pages: -ENOENT (no page mapped)"};
  if (pte.a == NONE) return {Status::Done, "move_pages: -EFAULT (the zero page)"};
  const int f = pte.a;
  // Without MPOL_MF_MOVE_ALL a folio other processes map is left alone.
  if (folio_nr_mapping_procs(s, f) > 1) return {Status::Done, "move_pages: -EACCES (folio_maybe_mapped_shared)"};
  const State before = s;
  Outcome o = migrate_folio_unmap(s, f, cfg);
  if (o.status != Status::Done) {
    s = before;
    return {Status::Done, o.reason};  // the page's status is an errno; the call returns
  }
  return migrate_folio_move(s, f, cfg);
}

Outcome migration_entry_wait(State& s, int proc, int page, const Config& cfg) {
  const Pte& pte = s.proc[proc].pte[page];
  return migrate_folio_move(s, pte.a, cfg);
}

}  // namespace mm
