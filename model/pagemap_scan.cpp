// PAGEMAP_SCAN (fs/proc/task_mmu.c v6.18): do_pagemap_scan,
// pagemap_scan_test_walk, pagemap_page_category, pagemap_thp_category,
// make_uffd_wp_pte, pagemap_scan_pte_hole.
//
// Model: one page per call; the vector, max_pages and walk_end arguments
// are the program's business, not the kernel state's.
#include "model/pagemap_scan.h"

#include "model/encoding.h"
#include "model/migrate_knobs.h"
#include "model/mm.h"
#include "model/mprotect.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cerrno>

namespace mm {

namespace {

// userfaultfd_wp_async(vma) && userfaultfd_wp_use_markers(vma)
bool vma_wp_allowed(const Vma& v, const Config& cfg) {
  if (!userfaultfd_wp(v) || !(v.flags2 & VM_UFFD_WP_ASYNC)) return false;
  if (!cfg.CONFIG_PTE_MARKER_UFFD_WP) return false;
  return !vma_is_anonymous(v) || (v.flags2 & VM_UFFD_WP_UNPOPULATED);
}

}  // namespace

uint32_t pagemap_scan_categories(const State& s, int proc, int page, const Config& cfg) {
  const Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (!v) return 0;
  uint32_t c = vma_wp_allowed(*v, cfg) ? PAGE_IS_WPALLOWED : 0;
  const Pte& pte = p.pte[page];
  switch (pte.kind) {
    case PteKind::None:
      break;  // pagemap_scan_pte_hole: only the VMA's categories
    case PteKind::Present:
      c |= PAGE_IS_PRESENT;
      if (!(pte.bits & PTE_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (pte.a == NONE) {
        c |= PAGE_IS_PFNZERO;  // is_zero_pfn (the huge zero PMD: is_huge_zero_pmd)
      } else if (!s.folio[pte.a].test(PG_anon)) {
        c |= PAGE_IS_FILE;  // vm_normal_page && !PageAnon
      }
      if (pte.bits & PTE_PMD) c |= PAGE_IS_HUGE;  // pagemap_thp_category
      if (pte.bits & PTE_SOFT_DIRTY) c |= PAGE_IS_SOFT_DIRTY;
      break;
    case PteKind::Swap:
      c |= PAGE_IS_SWAPPED;
      if (!(pte.bits & PTE_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (pte.bits & PTE_SOFT_DIRTY) c |= PAGE_IS_SOFT_DIRTY;
      break;
    case PteKind::Migration:
      // is_swap_pte: PAGE_IS_SWAPPED; PAGE_IS_FILE for a non-anon folio
      // (is_pfn_swap_entry); soft-dirty from the swap PTE.
      c |= PAGE_IS_SWAPPED;
      if (!(pte.bits & PTE_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (!s.folio[pte.a].test(PG_anon)) c |= PAGE_IS_FILE;
      if (pte.bits & PTE_SOFT_DIRTY) c |= PAGE_IS_SOFT_DIRTY;
      break;
    case PteKind::Marker:
      // A marker is a swap PTE to is_swap_pte: PAGE_IS_SWAPPED;
      // pte_swp_uffd_wp_any counts the uffd-wp marker.
      c |= PAGE_IS_SWAPPED;
      if (!(pte.a & enc::PTE_MARKER_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (pte.a & enc::PTE_MARKER_GUARD) c |= PAGE_IS_GUARD;
      break;
  }
  return c;
}

Outcome pagemap_scan_wp(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (PAGEMAP_SCAN skips it)");
  // pagemap_scan_test_walk: PM_SCAN_CHECK_WPASYNC on a VMA that is not WP-allowed.
  if (!vma_wp_allowed(*v, cfg)) return {Status::Done, "PAGEMAP_SCAN: -EPERM (the VMA is not uffd-wp async)"};
  const uint32_t c = pagemap_scan_categories(s, proc, page, cfg);
  if (!(c & PAGE_IS_WRITTEN)) return Outcome::done();  // category_mask: only written pages match
  Pte& pte = p.pte[page];
  // make_uffd_wp_pte (a PMD: make_uffd_wp_pmd; the model keeps the pair equal).
  if (pte.kind == PteKind::Present) {
    const int head = (pte.bits & PTE_PMD) ? page & ~(MAX_FOLIO_PAGES - 1) : page;
    const int n = (pte.bits & PTE_PMD) ? MAX_FOLIO_PAGES : 1;
    for (int i = head; i < head + n; i++) {
      p.pte[i].bits = (p.pte[i].bits | PTE_UFFD_WP) & ~PTE_WRITE;
      p.ghost[i] |= GHOST_WP;
    }
    return Outcome::done();
  }
  // is_swap_pte covers migration entries: pte_swp_mkuffd_wp, even on a
  // writable one (unlike change_pte_range, make_uffd_wp_pte does not make it
  // readable first, and remove_migration_pte drops uffd-wp of a writable entry).
  if (pte.kind == PteKind::Migration && migration_entry_wrprotect(cfg)) change_migration_entry(s, pte);
  if (pte.kind == PteKind::Swap || pte.kind == PteKind::Migration) pte.bits |= PTE_UFFD_WP;
  else if (pte.kind == PteKind::Marker && !(pte.a & enc::PTE_MARKER_GUARD)) pte.a |= enc::PTE_MARKER_UFFD_WP;
  else return Outcome::done();
  p.ghost[page] |= GHOST_WP;
  return Outcome::done();
}


// ---- PAGEMAP_SCAN over a range: do_pagemap_scan ----

namespace {

// make_uffd_wp_pte: a present PTE gets uffd-wp (and loses write), a swap
// PTE pte_swp_mkuffd_wp, a none PTE a PTE_MARKER_UFFD_WP.  Model: a guard
// marker is left alone.
void make_uffd_wp_pte(Process& p, int page) {
  Pte& pte = p.pte[page];
  switch (pte.kind) {
    case PteKind::Present: pte.bits = (pte.bits | PTE_UFFD_WP) & ~PTE_WRITE; break;
    case PteKind::Swap: pte.bits |= PTE_UFFD_WP; break;
    case PteKind::None: pte = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_UFFD_WP), 0}; break;
    case PteKind::Marker:
      if (pte.a & enc::PTE_MARKER_GUARD) return;
      pte.a |= enc::PTE_MARKER_UFFD_WP;
      break;
  }
  p.ghost[page] |= GHOST_WP;
}

// (pte_present(ptent) && pte_uffd_wp(ptent)) || pte_swp_uffd_wp_any(ptent)
bool pte_is_uffd_wp(const Pte& pte) {
  if (pte.kind == PteKind::Present || pte.kind == PteKind::Swap) return pte.bits & PTE_UFFD_WP;
  if (pte.kind == PteKind::Marker) return pte.a & enc::PTE_MARKER_UFFD_WP;
  return false;
}

// struct pagemap_scan_private.  Addresses are page + 1, so 0 stays the
// kernel's "empty" sentinel of the bounce buffer.
struct ScanPrivate {
  PmScanArg arg;
  uint64_t max_pages = 0;
  uint64_t vec_len = 0;
  uint64_t masks_of_interest = 0, cur_vma_category = 0;
  bool has_buf = false;
  std::vector<PageRegion> vec_buf;
  size_t vec_buf_len = 0, vec_buf_index = 0;
  uint64_t found_pages = 0;
  long walk_end = 0;  // address (page + 1); 0: not set
  std::string unknown;
};

bool is_interesting_page(uint64_t categories, const ScanPrivate& p) {
  categories ^= p.arg.category_inverted;
  if ((categories & p.arg.category_mask) != p.arg.category_mask) return false;
  if (p.arg.category_anyof_mask && !(categories & p.arg.category_anyof_mask)) return false;
  return true;
}

bool push_range(uint32_t categories, ScanPrivate& p, int addr, int end) {
  PageRegion* cur = &p.vec_buf[p.vec_buf_index];
  if (addr == cur->end && categories == cur->categories) {
    cur->end = end;
    return true;
  }
  if (cur->end) {
    if (p.vec_buf_index >= p.vec_buf_len - 1) return false;
    cur = &p.vec_buf[++p.vec_buf_index];
  }
  *cur = PageRegion{addr, end, categories};
  return true;
}

// pagemap_scan_output for one page [addr, *end).
int scan_output(uint64_t categories, ScanPrivate& p, int addr, int* end) {
  if (!p.has_buf) return 0;
  categories &= p.arg.return_mask;
  uint64_t n_pages = static_cast<uint64_t>(*end - addr);
  int ret = 0;
  const uint64_t total = p.found_pages + n_pages;
  if (total > p.max_pages) {
    const uint64_t too_much = total - p.max_pages;
    *end -= static_cast<int>(too_much);
    n_pages -= too_much;
    ret = -ENOSPC;
  }
  if (!push_range(static_cast<uint32_t>(categories), p, addr, *end)) {
    *end = addr;
    n_pages = 0;
    ret = -ENOSPC;
  }
  p.found_pages += n_pages;
  if (ret) p.walk_end = *end;
  return ret;
}

// The walk of one VMA's part of [from, to) (pages): pagemap_scan_test_walk,
// then pagemap_scan_pmd_entry / pagemap_scan_pte_hole page by page.
// Returns 0 to go on, < 0 to stop the walk.
int walk_vma(State& s, int proc, const Vma& v, int from, int to, ScanPrivate& p, const Config& cfg) {
  Process& pr = s.proc[proc];
  const bool wp_allowed = vma_wp_allowed(v, cfg);
  if (!wp_allowed) {
    if (p.arg.flags & PM_SCAN_CHECK_WPASYNC) return -EPERM;
    if (p.arg.flags & PM_SCAN_WP_MATCHING) return 0;  // skipped
  }
  uint64_t vma_category = 0;
  if (wp_allowed) vma_category |= PAGE_IS_WPALLOWED;
  if (v.flags & VM_SOFTDIRTY) vma_category |= PAGE_IS_SOFT_DIRTY;
  const uint64_t required = p.arg.category_mask & PAGE_IS_WPALLOWED;
  if (((vma_category ^ p.arg.category_inverted) & required) != required) return 0;
  p.cur_vma_category = vma_category;
  const bool wp = p.arg.flags & PM_SCAN_WP_MATCHING;
  const bool fast_wp = wp && !p.has_buf;
  const bool fast_written = !p.arg.category_anyof_mask && !p.arg.category_inverted &&
                            p.arg.category_mask == PAGE_IS_WRITTEN && p.arg.return_mask == PAGE_IS_WRITTEN;
  int ret = 0;
  for (int pg = from; pg < to; pg++) {
    const Pte pte = pr.pte[pg];
    const int addr = pg + 1;
    int next = addr + 1;
    if (pte.kind == PteKind::Present && (pte.bits & PTE_PMD)) {
      p.unknown = "a PMD-mapped THP (pagemap_scan_thp_entry) is not modelled by the range scan";
      return -EINVAL;
    }
    const bool interesting_hole = is_interesting_page(vma_category, p);
    if (pte.kind == PteKind::None) {
      // pagemap_scan_pte_hole (no page table) and a none PTE in a page
      // table differ here; the model does not track page tables.
      if ((fast_wp && !interesting_hole) || (!fast_wp && fast_written) || (!fast_wp && wp && interesting_hole)) {
        p.unknown = fmt::format("page {} has a none PTE where the kernel's answer depends on whether a page table "
                                "exists (not modelled); write-protect or populate it first",
                                pg);
        return -EINVAL;
      }
      if (fast_wp) {
        make_uffd_wp_pte(pr, pg);  // uffd_wp_range on the hole / the fast path: a marker either way
        continue;
      }
      if (!interesting_hole) continue;
      ret = scan_output(vma_category, p, addr, &next);
      if (next == addr) break;
      continue;
    }
    if (fast_wp) {
      if (!pte_is_uffd_wp(pte)) make_uffd_wp_pte(pr, pg);
      continue;
    }
    if (fast_written) {
      if (pte_is_uffd_wp(pte)) continue;
      ret = scan_output(vma_category | PAGE_IS_WRITTEN, p, addr, &next);
      if (next == addr) break;
      if (wp) make_uffd_wp_pte(pr, pg);
      continue;
    }
    const uint64_t categories = vma_category | (pagemap_scan_categories(s, proc, pg, cfg) & ~PAGE_IS_WPALLOWED);
    if (!is_interesting_page(categories, p)) continue;
    ret = scan_output(categories, p, addr, &next);
    if (next == addr) break;
    if (!wp || !(categories & PAGE_IS_WRITTEN)) continue;
    make_uffd_wp_pte(pr, pg);
  }
  return ret;
}

// pagemap_scan_flush_buffer
long flush_buffer(ScanPrivate& p, PmScanResult& r) {
  if (!p.has_buf) return 0;
  size_t n = p.vec_buf_index;
  if (p.vec_buf[n].end != p.vec_buf[n].start) n++;
  if (!n) return 0;
  for (size_t i = 0; i < n; i++) r.regions.push_back(PageRegion{p.vec_buf[i].start - 1, p.vec_buf[i].end - 1, p.vec_buf[i].categories});
  p.vec_len -= n;
  p.vec_buf_index = 0;
  p.vec_buf_len = std::min<size_t>(p.vec_buf_len, p.vec_len);
  p.vec_buf[0] = PageRegion{};
  return static_cast<long>(n);
}

}  // namespace

PmScanResult do_pagemap_scan(State& s, int proc, const PmScanArg& arg, const Config& cfg) {
  PmScanResult r;
  const int end = arg.start + arg.npages;
  r.walk_end = end;
  // pagemap_scan_get_args
  if (arg.flags & ~(PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC)) return r.ret = -EINVAL, r;
  if ((arg.category_inverted | arg.category_mask | arg.category_anyof_mask | arg.return_mask) & ~uint64_t{PM_SCAN_CATEGORIES})
    return r.ret = -EINVAL, r;
  if (arg.vec_null && arg.vec_len) return r.ret = -EINVAL, r;
  ScanPrivate p;
  p.arg = arg;
  p.max_pages = arg.max_pages ? arg.max_pages : UINT64_MAX;
  p.vec_len = arg.vec_null ? 0 : arg.vec_len;
  p.masks_of_interest = arg.category_mask | arg.category_anyof_mask | arg.return_mask;
  // pagemap_scan_init_bounce_buffer: min(PAGEMAP_WALK_SIZE >> PAGE_SHIFT, vec_len) entries.
  if (p.vec_len) {
    p.has_buf = true;
    p.vec_buf_len = std::min<uint64_t>(512, p.vec_len);
    p.vec_buf.assign(p.vec_buf_len, PageRegion{});
  }
  // The VMAs in address order (walk_page_range).
  std::vector<const Vma*> vmas;
  for (const Vma& v : s.proc[proc].vma)
    if (v.kind != VmaKind::None) vmas.push_back(&v);
  std::sort(vmas.begin(), vmas.end(), [](const Vma* a, const Vma* b) { return a->start < b->start; });
  long ret = 0;
  size_t n_ranges_out = 0;
  for (int walk_start = arg.start; walk_start < end; walk_start = static_cast<int>(p.walk_end) - 1) {
    ret = 0;
    for (const Vma* v : vmas) {
      const int from = std::max<int>(walk_start, v->start), to = std::min<int>(end, v->start + v->npages);
      if (from >= to) continue;
      const Vma copy = *v;  // the walk may change PTEs, never VMAs
      ret = walk_vma(s, proc, copy, from, to, p, cfg);
      if (ret) break;
    }
    if (!p.unknown.empty()) {
      r.unknown = p.unknown;
      return r;
    }
    const long n_out = flush_buffer(p, r);
    n_ranges_out += static_cast<size_t>(n_out);
    if (ret != -ENOSPC) break;
    if (p.vec_len == 0 || p.found_pages == p.max_pages) break;
  }
  if (!ret || ret == -ENOSPC) ret = static_cast<long>(n_ranges_out);
  r.ret = ret;
  r.walk_end = p.walk_end ? static_cast<int>(p.walk_end) - 1 : end;
  return r;
}

uint64_t pack_pm_scan_result(const PmScanResult& r, int range_start) {
  uint64_t ret = 0;
  if (r.ret >= 0) ret = static_cast<uint64_t>(std::min<long>(r.ret, 15));
  else if (r.ret == -EINVAL) ret = 16;
  else if (r.ret == -EPERM) ret = 17;
  else if (r.ret == -EFAULT) ret = 18;
  else ret = 19;
  uint64_t v = ret | (static_cast<uint64_t>((r.walk_end - range_start) & 7) << 5);
  for (size_t i = 0; i < r.regions.size() && i < 4; i++) {
    const PageRegion& g = r.regions[i];
    const uint64_t e = static_cast<uint64_t>((g.start - range_start) & 3) | (static_cast<uint64_t>((g.end - g.start) & 7) << 2) |
                       (static_cast<uint64_t>(g.categories & PM_SCAN_CATEGORIES) << 5);
    v |= e << (8 + 14 * i);
  }
  return v;
}

}  // namespace mm
