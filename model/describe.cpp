#include "model/describe.h"

#include <fmt/format.h>

#include "model/encoding.h"

namespace mm {

std::string DisplayNames::proc(int i) const {
  if (i >= 0 && i < static_cast<int>(procs.size())) return procs[i];
  return fmt::format("P{}", i);
}
std::string DisplayNames::page(int pg) const {
  if (pg >= 0 && pg < static_cast<int>(pages.size()) && !pages[pg].empty()) return pages[pg];
  return fmt::format("p[{}]", pg);
}
std::string DisplayNames::page_field(int pi, int pg, const char* field) const {
  if (pg >= 0 && pg < static_cast<int>(pages.size()) && !pages[pg].empty())
    return fmt::format("{}.{}.{}", proc(pi), pages[pg], field);
  return fmt::format("{}.{}[{}]", proc(pi), field, pg);
}
std::string DisplayNames::device(int t) const {
  if (t >= 0 && t < static_cast<int>(devices.size())) return devices[t];
  return fmt::format("swap{}", t);
}

namespace {

std::string swap_name(int type, int slot, const DisplayNames& n) {
  return fmt::format("{}:{}", n.device(type), slot_to_offset(static_cast<uint8_t>(slot)));
}

void add_bit(std::string& s, bool on, const char* name) {
  if (!on) return;
  s += ',';
  s += name;
}

std::string marker_bits(uint8_t m) {
  std::string s;
  auto add = [&](uint64_t bit, const char* name) {
    if (!(m & bit)) return;
    if (!s.empty()) s += '|';
    s += name;
  };
  add(enc::PTE_MARKER_UFFD_WP, "uffd-wp");
  add(enc::PTE_MARKER_POISONED, "poisoned");
  add(enc::PTE_MARKER_GUARD, "guard");
  add(enc::PTE_MARKER_PAGEOUT, "pageout");
  return s.empty() ? "0" : s;
}

std::string ghost_bits(uint8_t g) {
  std::string s;
  auto add = [&](uint8_t bit, const char* name) {
    if (!(g & bit)) return;
    if (!s.empty()) s += '|';
    s += name;
  };
  add(GHOST_WP, "wp");
  add(GHOST_WRITTEN, "written");
  add(GHOST_COWED, "cowed");
  add(GHOST_SD_BLIND, "sd-blind");
  add(GHOST_LAZYFREE, "lazyfree");
  add(GHOST_GUARD, "guard");
  add(GHOST_MLOCKED, "mlocked");
  return s.empty() ? "0" : s;
}

// A pipe buffer: the page it references, and (ghost) who spliced it and what a read must return.
std::string describe_pipe_buffer(const PipeBuffer& b, const DisplayNames& n) {
  if (!b.used()) return "empty";
  const std::string page = b.page == NONE ? std::string("zero page")
                                          : b.subpage() ? fmt::format("F{}.{}", b.page, b.subpage()) : fmt::format("F{}", b.page);
  return fmt::format("{} (ghost: vmsplice by {}, reads {})", page, n.proc(b.splicer()), b.value());
}

std::string ghost2_bits(uint8_t g) {
  std::string s;
  if (g & GHOST2_PAGED_OUT_BY_OTHER) s += "paged-out-by-other";
  if (g & GHOST2_PIN_EXCLUSIVE) s += s.empty() ? "pin-exclusive" : "|pin-exclusive";
  return s.empty() ? "0" : s;
}

const char* proc_state(uint8_t a) {
  switch (a) {
    case PROC_UNUSED: return "unused";
    case PROC_ALIVE: return "running";
    default: return "exited";
  }
}

const char* vma_kind(VmaKind k) {
  switch (k) {
    case VmaKind::None: return "none";
    case VmaKind::PrivateAnon: return "private-anon";
    case VmaKind::SharedAnon: return "shared-anon";
    case VmaKind::MemfdShared: return "memfd-shared";
    case VmaKind::MemfdPrivate: return "memfd-private";
  }
  return "?";
}

std::string describe_vma(const Vma& v) {
  if (v.kind == VmaKind::None) return "none";
  std::string s = fmt::format("{}[{}..{}]", vma_kind(v.kind), v.start, v.start + v.npages - 1);
  add_bit(s, v.flags & VM_WRITE, "VM_WRITE");
  add_bit(s, v.flags & VM_SOFTDIRTY, "VM_SOFTDIRTY");
  add_bit(s, v.flags & VM_UFFD_WP, "VM_UFFD_WP");
  add_bit(s, v.flags2 & VM_UFFD_WP_UNPOPULATED, "WP_UNPOPULATED");
  add_bit(s, v.flags & VM_HUGEPAGE, "VM_HUGEPAGE");
  add_bit(s, v.flags & VMA_ANON_VMA, "anon_vma");
  add_bit(s, v.flags & VM_LOCKED, "VM_LOCKED");
  add_bit(s, v.flags & VM_DONTCOPY, "VM_DONTCOPY");
  add_bit(s, v.flags & VM_WIPEONFORK, "VM_WIPEONFORK");
  add_bit(s, v.flags2 & VM_NOACCESS, "PROT_NONE");
  if (v.inode != NONE) s += fmt::format(",inode{}+{}", v.inode, v.pgoff);
  return s;
}

std::string describe_pc(const PcEntry& e, const DisplayNames& n) {
  switch (e.kind) {
    case PcKind::Empty: return "empty";
    case PcKind::Folio: return e.b ? fmt::format("folio(F{}.{})", e.a, e.b) : fmt::format("folio(F{})", e.a);
    case PcKind::Swap: return fmt::format("swap({})", swap_name(e.a, e.b, n));
  }
  return "?";
}

struct FlagName {
  uint8_t bit;
  const char* name;
};
constexpr FlagName kFolioFlags[] = {
    {PG_anon, "PG_anon"},           {PG_swapcache, "PG_swapcache"}, {PG_writeback, "PG_writeback"},
    {PG_dirty, "PG_dirty"},         {PG_uptodate, "PG_uptodate"},   {PG_large, "PG_large"},
    {FOLIO_LRU_BATCHED, "lru_add_batch"},
};

std::string describe_folio(int f, const Folio& fo, const DisplayNames& n) {
  std::string s = fmt::format("F{}:", f);
  for (const FlagName& fl : kFolioFlags)
    if (fo.flags & fl.bit) s += fmt::format(" {}", fl.name);
  if (fo.flags2 & PG_lazyfree) s += " lazyfree(!PG_swapbacked)";
  if (fo.flags2 & FOLIO_MIGRATING) s += " migrating(isolated, locked)";
  if (fo.anon_exclusive) s += fmt::format(" PG_anon_exclusive={:#x}", fo.anon_exclusive);
  if (fo.test(PG_swapcache)) s += fmt::format(" swap={}", swap_name(fo.swap_type, fo.swap_slot, n));
  s += fmt::format(" content={}", fo.content[0]);
  if (fo.test(PG_large)) s += fmt::format(",{}", fo.content[1]);
  return s;
}

template <typename T>
void changed(std::vector<std::string>& out, const std::string& what, const T& a, const T& b) {
  if (a != b) out.push_back(fmt::format("{} {} -> {}", what, a, b));
}

}  // namespace

std::string describe_pte(const Pte& pte, const DisplayNames& n) {
  switch (pte.kind) {
    case PteKind::None: return "none";
    case PteKind::Present: {
      std::string s = pte.a == NONE ? std::string("present(zero-page") : fmt::format("present(F{}", pte.a);
      if (pte.a != NONE && pte.b) s += fmt::format(".{}", pte.b);
      s += (pte.bits & PTE_WRITE) ? ",rw" : ",ro";
      add_bit(s, pte.bits & PTE_DIRTY, "dirty");
      add_bit(s, pte.bits & PTE_SOFT_DIRTY, "soft-dirty");
      add_bit(s, pte.bits & PTE_UFFD_WP, "uffd-wp");
      add_bit(s, pte.bits & PTE_PMD, "pmd");
      return s + ")";
    }
    case PteKind::Swap: {
      std::string s = fmt::format("swap({}", swap_name(pte.a, pte.b, n));
      add_bit(s, pte.bits & PTE_SWP_EXCLUSIVE, "excl");
      add_bit(s, pte.bits & PTE_SOFT_DIRTY, "soft-dirty");
      add_bit(s, pte.bits & PTE_UFFD_WP, "uffd-wp");
      return s + ")";
    }
    case PteKind::Marker: return fmt::format("marker({})", marker_bits(pte.a));
    case PteKind::Migration: {
      std::string s = fmt::format("migration(F{}", pte.a);
      if (pte.b) s += fmt::format(".{}", pte.b);
      s += (pte.bits & PTE_WRITE) ? ",write" : (pte.bits & PTE_SWP_EXCLUSIVE) ? ",read-excl" : ",read";
      add_bit(s, pte.bits & PTE_DIRTY, "dirty");
      add_bit(s, pte.bits & PTE_SOFT_DIRTY, "soft-dirty");
      add_bit(s, pte.bits & PTE_UFFD_WP, "uffd-wp");
      return s + ")";
    }
  }
  return "?";
}

std::string describe_event(const Event& e, const State& before, const DisplayNames& n) {
  const std::string who = n.proc(e.proc);
  const int pg = e.page;
  const std::string pn = n.page(pg);
  switch (e.kind) {
    case EventKind::ReadFault: return fmt::format("{}: read {}", who, pn);
    case EventKind::WriteFault: {
      int v = e.arg ? e.arg : (e.proc < MAX_PROCS && pg < MAX_PAGES ? next_write_value(before, e.proc, pg) : 0);
      return fmt::format("{}: write {}={}", who, pn, v);
    }
    case EventKind::Fork: {
      int child = -1;
      for (int i = 0; i < MAX_PROCS && child < 0; i++)
        if (before.proc[i].alive == PROC_UNUSED) child = i;
      return child < 0 ? fmt::format("{}: fork", who) : fmt::format("{}: fork -> {}", who, n.proc(child));
    }
    case EventKind::MadvDontneed: return fmt::format("{}: madvise({}, MADV_DONTNEED)", who, pn);
    case EventKind::Munmap: return fmt::format("{}: munmap({})", who, pn);
    case EventKind::Exit: return fmt::format("{}: exit", who);
    case EventKind::MadvPageout: return fmt::format("{}: madvise({}, MADV_PAGEOUT)", who, pn);
    case EventKind::MadvRemove: return fmt::format("{}: madvise({}, MADV_REMOVE)", who, pn);
    case EventKind::PinRO: return fmt::format("{}: pin_user_pages({}, FOLL_PIN|FOLL_LONGTERM, R/O)", who, pn);
    case EventKind::Unpin: return fmt::format("{}: unpin_user_page({})", who, pn);
    case EventKind::SplitPmd: return fmt::format("{}: split_huge_pmd({})", who, pn);
    case EventKind::UffdWpProtect: return fmt::format("{}: UFFDIO_WRITEPROTECT({}, WP)", who, pn);
    case EventKind::UffdWpUnprotect: return fmt::format("{}: UFFDIO_WRITEPROTECT({}, 0)", who, pn);
    case EventKind::ClearRefs: return fmt::format("{}: echo 4 > /proc/pid/clear_refs", who);
    case EventKind::Reclaim: return fmt::format("kernel: shrink_folio_list(F{})", e.arg);
    case EventKind::WritebackEnd: return fmt::format("kernel: folio_end_writeback(F{})", e.arg);
    case EventKind::SwapCacheDrop: return fmt::format("kernel: folio_free_swap(F{})", e.arg);
    case EventKind::LruAddDrain: return fmt::format("kernel: lru_add_drain(F{})", e.arg);
    case EventKind::MprotectNone: return fmt::format("{}: mprotect(vma of p[{}], PROT_NONE)", who, pg);
    case EventKind::MprotectRead: return fmt::format("{}: mprotect(vma of p[{}], PROT_READ)", who, pg);
    case EventKind::MprotectReadWrite: return fmt::format("{}: mprotect(vma of p[{}], PROT_READ|PROT_WRITE)", who, pg);
    case EventKind::MadvDontfork: return fmt::format("{}: madvise(vma of p[{}], MADV_DONTFORK)", who, pg);
    case EventKind::MadvDofork: return fmt::format("{}: madvise(vma of p[{}], MADV_DOFORK)", who, pg);
    case EventKind::MadvWipeonfork: return fmt::format("{}: madvise(vma of p[{}], MADV_WIPEONFORK)", who, pg);
    case EventKind::MadvKeeponfork: return fmt::format("{}: madvise(vma of p[{}], MADV_KEEPONFORK)", who, pg);
    case EventKind::MadvFree: return fmt::format("{}: madvise(p[{}], MADV_FREE)", who, pg);
    case EventKind::MadvCold: return fmt::format("{}: madvise(p[{}], MADV_COLD)", who, pg);
    case EventKind::MadvPopulateRead: return fmt::format("{}: madvise(p[{}], MADV_POPULATE_READ)", who, pg);
    case EventKind::MadvPopulateWrite: return fmt::format("{}: madvise(p[{}], MADV_POPULATE_WRITE)", who, pg);
    case EventKind::MadvGuardInstall: return fmt::format("{}: madvise(p[{}], MADV_GUARD_INSTALL)", who, pg);
    case EventKind::MadvGuardRemove: return fmt::format("{}: madvise(p[{}], MADV_GUARD_REMOVE)", who, pg);
    case EventKind::Mlock: return fmt::format("{}: mlock(vma of p[{}])", who, pg);
    case EventKind::Munlock: return fmt::format("{}: munlock(vma of p[{}])", who, pg);
    case EventKind::PagemapScanWp:
      return fmt::format("{}: ioctl(PAGEMAP_SCAN, p[{}], PM_SCAN_WP_MATCHING|PM_SCAN_CHECK_WPASYNC)", who, pg);
    case EventKind::Swapoff: return fmt::format("{}: swapoff({})", who, n.device(e.arg));
    case EventKind::Mremap: return fmt::format("{}: mremap(vma of p[{}], MREMAP_MAYMOVE|MREMAP_FIXED)", who, pg);
    case EventKind::MremapDontunmap:
      return fmt::format("{}: mremap(vma of p[{}], MREMAP_MAYMOVE|MREMAP_DONTUNMAP)", who, pg);
    case EventKind::MremapShrink:
      return e.arg ? fmt::format("{}: mremap(vma of p[{}], {} pages)", who, pg, e.arg)
                   : fmt::format("{}: mremap(vma of p[{}], 1 page)", who, pg);
    case EventKind::MremapExpand:
    case EventKind::MremapExpandMaymove: {
      const char* flags = e.kind == EventKind::MremapExpand ? "0" : "MREMAP_MAYMOVE";
      return e.arg ? fmt::format("{}: mremap(vma of p[{}], {} pages, {})", who, pg, e.arg, flags)
                   : fmt::format("{}: mremap(vma of p[{}], 2 pages, {})", who, pg, flags);
    }
    case EventKind::PinRW: return fmt::format("{}: pin_user_pages(p[{}], FOLL_WRITE|FOLL_PIN|FOLL_LONGTERM)", who, pg);
    case EventKind::Vmsplice: return fmt::format("{}: vmsplice(pipe, {}, 1 page)", who, pn);
    case EventKind::PipeRead: return fmt::format("{}: read(pipe, 1 page)", who);
    case EventKind::MigrateUnmap: return fmt::format("kernel: migrate_folio_unmap(F{}) -> try_to_migrate", e.arg);
    case EventKind::MigrateMove: return fmt::format("kernel: migrate_folio_move(F{}) -> remove_migration_ptes", e.arg);
    case EventKind::MovePages: return fmt::format("{}: move_pages(p[{}], other node, MPOL_MF_MOVE)", who, pg);
    case EventKind::MadvCollapse: return fmt::format("{}: madvise(p[{}], MADV_COLLAPSE)", who, pg);
    case EventKind::Count_: break;
  }
  return "?";
}

std::vector<std::string> describe_changes(const State& a, const State& b, const DisplayNames& n) {
  std::vector<std::string> out;
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = a.proc[pi];
    const Process& q = b.proc[pi];
    if (p == q) continue;
    const std::string who = n.proc(pi);
    if (p.alive != q.alive) {
      if (q.alive == PROC_ALIVE && q.parent != NONE)
        out.push_back(fmt::format("{}: {} -> running (child of {})", who, proc_state(p.alive), n.proc(q.parent)));
      else
        out.push_back(fmt::format("{}: {} -> {}", who, proc_state(p.alive), proc_state(q.alive)));
    }
    for (int v = 0; v < MAX_VMAS; v++)
      if (p.vma[v] != q.vma[v])
        out.push_back(fmt::format("{}.vma[{}]: {} -> {}", who, v, describe_vma(p.vma[v]), describe_vma(q.vma[v])));
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      if (p.pte[pg] != q.pte[pg])
        out.push_back(fmt::format("{}: {} -> {}", n.page_field(pi, pg, "pte"), describe_pte(p.pte[pg], n), describe_pte(q.pte[pg], n)));
      const bool pa = p.pinned & (1u << pg), pb = q.pinned & (1u << pg);
      if (pa != pb || (pb && (p.pin_folio[pg] != q.pin_folio[pg] || p.pin_subpage[pg] != q.pin_subpage[pg])))
        out.push_back(fmt::format("{}: {} -> {}", n.page_field(pi, pg, "pin"), pa ? fmt::format("F{}", p.pin_folio[pg]) : "none",
                                  pb ? fmt::format("F{}", q.pin_folio[pg]) : "none"));
      changed(out, n.page_field(pi, pg, "expect") + " (ghost):", int{p.expect[pg]}, int{q.expect[pg]});
      changed(out, n.page_field(pi, pg, "ghost") + " (ghost):", ghost_bits(p.ghost[pg]), ghost_bits(q.ghost[pg]));
      changed(out, n.page_field(pi, pg, "ghost2") + " (ghost):", ghost2_bits(p.ghost2[pg]), ghost2_bits(q.ghost2[pg]));
    }
  }
  for (int f = 0; f < MAX_FOLIOS; f++) {
    const Folio& x = a.folio[f];
    const Folio& y = b.folio[f];
    if (x == y) continue;
    const bool ax = x.test(FOLIO_ALLOCATED), ay = y.test(FOLIO_ALLOCATED);
    if (!ax && ay) {
      out.push_back(describe_folio(f, y, n) + " (allocated)");
      continue;
    }
    if (ax && !ay) {
      out.push_back(fmt::format("F{}: freed", f));
      continue;
    }
    for (const FlagName& fl : kFolioFlags)
      if ((x.flags ^ y.flags) & fl.bit)
        out.push_back(fmt::format("F{}: {} {} -> {}", f, fl.name, (x.flags & fl.bit) ? 1 : 0, (y.flags & fl.bit) ? 1 : 0));
    changed(out, fmt::format("F{}: PG_anon_exclusive", f), int{x.anon_exclusive}, int{y.anon_exclusive});
    const std::string sx = x.test(PG_swapcache) ? swap_name(x.swap_type, x.swap_slot, n) : "-";
    const std::string sy = y.test(PG_swapcache) ? swap_name(y.swap_type, y.swap_slot, n) : "-";
    changed(out, fmt::format("F{}: folio->swap", f), sx, sy);
    for (int i = 0; i < MAX_FOLIO_PAGES; i++)
      changed(out, i ? fmt::format("F{}: content[{}]", f, i) : fmt::format("F{}: content", f), int{x.content[i]},
              int{y.content[i]});
  }
  for (int t = 0; t < MAX_SWAP_DEVICES; t++) {
    changed(out, fmt::format("{}: flags", n.device(t)), int{a.swap[t].flags}, int{b.swap[t].flags});
    for (int i = 0; i < MAX_SLOTS; i++) {
      const SwapSlot& x = a.swap[t].slot[i];
      const SwapSlot& y = b.swap[t].slot[i];
      const std::string sl = "slot " + swap_name(t, i, n);
      changed(out, sl + " count", int{x.count}, int{y.count});
      changed(out, sl + " SWAP_HAS_CACHE", int{x.has_cache}, int{y.has_cache});
      changed(out, sl + " data", int{x.content}, int{y.content});
    }
  }
  for (int i = 0; i < MAX_PIPE_BUFS; i++)
    if (a.pipe[i] != b.pipe[i])
      out.push_back(fmt::format("pipe[{}]: {} -> {}", i, describe_pipe_buffer(a.pipe[i], n), describe_pipe_buffer(b.pipe[i], n)));
  for (int i = 0; i < MAX_INODES; i++) {
    const Inode& x = a.inode[i];
    const Inode& y = b.inode[i];
    if (x == y) continue;
    changed(out, fmt::format("inode{}: in_use", i), int{x.in_use}, int{y.in_use});
    for (int k = 0; k < MAX_INODE_PAGES; k++) {
      if (x.pc[k] != y.pc[k])
        out.push_back(fmt::format("inode{}.pc[{}]: {} -> {}", i, k, describe_pc(x.pc[k], n), describe_pc(y.pc[k], n)));
      changed(out, fmt::format("inode{}.expect[{}] (ghost):", i, k), int{x.expect[k]}, int{y.expect[k]});
    }
  }
  return out;
}

std::vector<std::string> describe_state(const State& s, const DisplayNames& n) {
  std::vector<std::string> out;
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = s.proc[pi];
    if (p.alive == PROC_UNUSED) continue;
    std::string line = fmt::format("{} ({})", n.proc(pi), proc_state(p.alive));
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const bool named = pg < static_cast<int>(n.pages.size()) && !n.pages[pg].empty();
      if (p.pte[pg].kind != PteKind::None)
        line += named ? fmt::format(" {}={}", n.pages[pg], describe_pte(p.pte[pg], n))
                      : fmt::format(" pte[{}]={}", pg, describe_pte(p.pte[pg], n));
      if (p.pinned & (1u << pg))
        line += named ? fmt::format(" pin({})=F{}", n.pages[pg], p.pin_folio[pg]) : fmt::format(" pin[{}]=F{}", pg, p.pin_folio[pg]);
    }
    out.push_back(line);
  }
  for (int f = 0; f < MAX_FOLIOS; f++)
    if (s.folio[f].test(FOLIO_ALLOCATED)) out.push_back(describe_folio(f, s.folio[f], n));
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < MAX_SLOTS; i++) {
      const SwapSlot& sl = s.swap[t].slot[i];
      if (sl.count || sl.has_cache)
        out.push_back(fmt::format("slot {}: count={}{} data={}", swap_name(t, i, n), sl.count,
                                  sl.has_cache ? " SWAP_HAS_CACHE" : "", sl.content));
    }
  for (int i = 0; i < MAX_INODES; i++) {
    const Inode& in = s.inode[i];
    if (!in.in_use) continue;
    std::string line = fmt::format("inode{}:", i);
    for (int k = 0; k < in.npages; k++) line += fmt::format(" pc[{}]={}", k, describe_pc(in.pc[k], n));
    out.push_back(line);
  }
  for (int i = 0; i < MAX_PIPE_BUFS; i++)
    if (s.pipe[i].used()) out.push_back(fmt::format("pipe[{}]: {}", i, describe_pipe_buffer(s.pipe[i], n)));
  return out;
}

}  // namespace mm
