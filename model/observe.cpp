#include "model/observe.h"

#include "model/encoding.h"
#include "model/mm.h"

namespace mm {

uint64_t model_pfn(int folio, int subpage) {
  if (folio == NONE) return 0x10;  // my_zero_pfn
  return 0x100 + static_cast<uint64_t>(folio) * MAX_FOLIO_PAGES + subpage;
}

// The swap type of a migration entry (include/linux/swap.h):
// SWP_MIGRATION_READ, _READ_EXCLUSIVE, _WRITE.
uint64_t migration_swp_type(const Pte& pte) {
  const uint64_t read = enc::MAX_SWAPFILES + enc::SWP_HWPOISON_NUM;
  if (pte.bits & PTE_WRITE) return read + 2;
  if (pte.bits & PTE_SWP_EXCLUSIVE) return read + 1;
  return read;
}

uint64_t migration_pagemap_frame(const Pte& pte) {
  return enc::pagemap_swap_frame(migration_swp_type(pte), model_pfn(pte.a, pte.b));
}

static const PcEntry* file_entry(const State& s, const Vma& v, int page) {
  if (v.inode == NONE || !s.inode[v.inode].in_use) return nullptr;
  return &s.inode[v.inode].pc[vma_file_index(v, page)];
}

// The marker bits as the configured kernel numbers them.  The RFC (on
// v5.14, which has no uffd-wp markers) defines PTE_MARKER_PAGEOUT as bit 0;
// mainline puts UFFD_WP there, and a config with both keeps the model's
// PAGEOUT bit.
static uint64_t pte_marker_wire_bits(uint8_t marker, const Config& cfg) {
  if (cfg.CONFIG_PTE_MARKER_PAGEOUT && !cfg.CONFIG_PTE_MARKER_UFFD_WP && (marker & enc::PTE_MARKER_PAGEOUT))
    return (marker & ~enc::PTE_MARKER_PAGEOUT) | 1u;
  return marker;
}

PagemapRead pagemap_read(const State& s, int proc, int page, const Config& cfg) {
  PagemapRead r;
  const Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return r;
  const Vma* v = find_vma(p, page);
  if (!v) return r;  // pagemap_pte_hole outside any VMA
  uint64_t flags = 0, frame = 0;
  const bool sd = cfg.CONFIG_MEM_SOFT_DIRTY;
  if (sd && (v->flags & VM_SOFTDIRTY)) flags |= enc::PM_SOFT_DIRTY;
  const Pte& pte = p.pte[page];
  switch (pte.kind) {
    case PteKind::Present: {
      flags |= enc::PM_PRESENT;
      if (cfg.pagemap_show_pfn)
        frame = (pte.a == NONE && (pte.bits & PTE_PMD)) ? HUGE_ZERO_PFN + pte.b : model_pfn(pte.a, pte.b);
      // pagemap_pmd_range takes pmd_page even for the huge zero folio, which
      // is not anon: PM_FILE, and a precise mapcount of 0 (not exclusive).
      if (pte.a == NONE && (pte.bits & PTE_PMD)) flags |= enc::PM_FILE;
      if (sd && (pte.bits & PTE_SOFT_DIRTY)) flags |= enc::PM_SOFT_DIRTY;
      if (pte.bits & PTE_UFFD_WP) flags |= enc::PM_UFFD_WP;
      if (pte.a != NONE) {  // vm_normal_page: the zero page has none
        if (!s.folio[pte.a].test(PG_anon)) flags |= enc::PM_FILE;
        // __folio_page_mapped_exclusively with CONFIG_PAGE_MAPCOUNT: the
        // page's precise mapcount is 1.  pagemap_pmd_range asks it of the
        // PMD's head page for every page the PMD maps.
        const int sub = (pte.bits & PTE_PMD) ? 0 : pte.b;
        if (folio_precise_page_mapcount(s, pte.a, sub) == 1) flags |= enc::PM_MMAP_EXCLUSIVE;
      }
      break;
    }
    case PteKind::Swap:
      if (sd && (pte.bits & PTE_SOFT_DIRTY)) flags |= enc::PM_SOFT_DIRTY;
      if (pte.bits & PTE_UFFD_WP) flags |= enc::PM_UFFD_WP;
      if (cfg.pagemap_show_pfn) frame = enc::pagemap_swap_frame(pte.a, slot_to_offset(pte.b));
      flags |= enc::PM_SWAP;
      break;
    case PteKind::Migration: {
      // is_swap_pte / is_pfn_swap_entry: PM_SWAP, frame = the migration
      // type | PFN << 5 (swp_offset_pfn), PM_FILE for a non-anon folio, and
      // no PM_MMAP_EXCLUSIVE (only asked with PM_PRESENT).
      if (sd && (pte.bits & PTE_SOFT_DIRTY)) flags |= enc::PM_SOFT_DIRTY;
      if (pte.bits & PTE_UFFD_WP) flags |= enc::PM_UFFD_WP;
      if (cfg.pagemap_show_pfn) frame = migration_pagemap_frame(pte);
      flags |= enc::PM_SWAP;
      if (!s.folio[pte.a].test(PG_anon)) flags |= enc::PM_FILE;
      break;
    }
    case PteKind::Marker: {
      // Every non-present, non-none PTE reads as PM_SWAP (the RFC: "this
      // covers PTE_MARKER_PAGEOUT too"), its frame the marker entry.
      const uint64_t entry = enc::make_pte_marker_entry(pte_marker_wire_bits(pte.a, cfg));
      if (cfg.pagemap_show_pfn) frame = enc::pagemap_swap_frame(enc::swp_type(entry), enc::swp_offset(entry));
      flags |= enc::PM_SWAP;
      // pte_marker_entry_uffd_wp / is_guard_swp_entry (mainline numbering).
      if (pte.a & enc::PTE_MARKER_UFFD_WP) flags |= enc::PM_UFFD_WP;
      if (pte.a & enc::PTE_MARKER_GUARD) flags |= enc::PM_GUARD_REGION;
      break;
    }
    case PteKind::None:
      // Mainline has no page-cache lookup here.  The xarray RFC looks up the
      // shmem mapping and reports a swap value entry as a swap PTE.
      if (cfg.pagemap_shmem_xarray_lookup && vma_is_shmem(*v)) {
        r.page_cache_lookups++;
        const PcEntry* e = file_entry(s, *v, page);
        if (e && e->kind == PcKind::Swap) {
          flags |= enc::PM_SWAP;
          if (cfg.pagemap_show_pfn) frame = enc::pagemap_swap_frame(e->a, slot_to_offset(e->b));
        }
      }
      break;
  }
  r.entry = (frame & enc::PM_PFRAME_MASK) | flags;
  return r;
}

static uint8_t swap_entry_resident(const State& s, int type, int slot) {
  int f = swap_cache_get_folio(s, type, slot);
  return (f >= 0 && s.folio[f].test(PG_uptodate)) ? 1 : 0;
}

uint8_t mincore_byte(const State& s, int proc, int page, const Config& cfg) {
  const Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return 0;
  const Vma* v = find_vma(p, page);
  if (!v) return 0;
  const Pte& pte = p.pte[page];
  switch (pte.kind) {
    case PteKind::Present:
      return 1;
    case PteKind::Swap:
      return swap_entry_resident(s, pte.a, pte.b);  // mincore_swap
    case PteKind::Migration:
      return 1;  // mincore_swap: non_swap_entry, "migration ... entries which are always uptodate"
    case PteKind::Marker:
      // Before pte_none_mostly (v5.19, with the uffd-wp markers) a marker
      // took mincore_pte_range's non_swap_entry branch: "migration or
      // hwpoison entries are always uptodate", 1.  The RFC left mincore
      // alone ("my current patch will indeed cause more 1's returned than
      // it should").  Model: no uffd-wp markers means that older kernel.
      if (!cfg.CONFIG_PTE_MARKER_UFFD_WP) return 1;
      [[fallthrough]];
    case PteKind::None: {
      if (vma_is_anonymous(*v)) return 0;
      const PcEntry* e = file_entry(s, *v, page);  // mincore_page
      if (!e) return 0;
      if (e->kind == PcKind::Folio) return s.folio[e->a].test(PG_uptodate) ? 1 : 0;
      if (e->kind == PcKind::Swap) return swap_entry_resident(s, e->a, e->b);
      return 0;
    }
  }
  return 0;
}

uint8_t read_value(const State& s, int proc, int page) {
  const Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (p.alive != PROC_ALIVE || !v) return 0;
  const Pte& pte = p.pte[page];
  if (pte.kind == PteKind::Present) return pte.a == NONE ? 0 : s.folio[pte.a].content[pte.b];
  if (pte.kind == PteKind::Swap) return swap_entry_content(s, pte.a, pte.b);
  if (pte.kind == PteKind::Migration) return s.folio[pte.a].content[pte.b];  // the load waits, then reads the copy
  if (vma_is_anonymous(*v)) return 0;
  const PcEntry* e = file_entry(s, *v, page);
  if (!e || e->kind == PcKind::Empty) return 0;
  if (e->kind == PcKind::Folio) return s.folio[e->a].content[e->b];
  return swap_entry_content(s, e->a, e->b);
}

int shmem_lseek(const State& s, int inode, int from, bool seek_data) {
  const Inode& in = s.inode[inode];
  for (int i = from; i < in.npages; i++) {
    const PcEntry& e = in.pc[i];
    bool data = e.kind == PcKind::Swap || (e.kind == PcKind::Folio && s.folio[e.a].test(PG_uptodate));
    if (data == seek_data) return i;
  }
  return seek_data ? -1 : in.npages;  // EOF is a hole
}

bool data_in_swap(const State& s, int proc, int page) {
  const Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (p.alive != PROC_ALIVE || !v) return false;
  const Pte& pte = p.pte[page];
  if (pte.kind == PteKind::Swap) return true;
  if (pte.kind == PteKind::Present || vma_is_anonymous(*v)) return false;
  const PcEntry* e = file_entry(s, *v, page);
  return e && e->kind == PcKind::Swap;
}

}  // namespace mm
