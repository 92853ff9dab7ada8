// Event dispatch: each event kind to the function that models it.
#include "model/events.h"

#include <optional>

#include <array>

#include "model/fault.h"
#include "model/fork.h"
#include "model/gup.h"
#include "model/gup_longterm.h"
#include "model/khugepaged.h"
#include "model/madvise.h"
#include "model/migrate.h"
#include "model/mlock.h"
#include "model/mprotect.h"
#include "model/mremap.h"
#include "model/pagemap_scan.h"
#include "model/pipe.h"
#include "model/mm.h"
#include "model/reclaim.h"
#include "model/shmem.h"
#include "model/swapoff.h"
#include "model/zap.h"

namespace mm {

namespace {
struct KindInfo {
  std::string_view name;
  EventScope scope;
  bool kernel;
};
constexpr std::array<KindInfo, EVENT_KIND_COUNT> kKinds = {{
    {"read", EventScope::ProcPage, false},
    {"write", EventScope::ProcPage, false},
    {"fork", EventScope::Proc, false},
    {"dontneed", EventScope::ProcPage, false},
    {"munmap", EventScope::ProcPage, false},
    {"exit", EventScope::Proc, false},
    {"pageout", EventScope::ProcPage, false},
    {"remove", EventScope::ProcPage, false},
    {"pin", EventScope::ProcPage, false},
    {"unpin", EventScope::ProcPage, false},
    {"split", EventScope::ProcPage, false},
    {"wp", EventScope::ProcPage, false},
    {"unwp", EventScope::ProcPage, false},
    {"clear_refs", EventScope::Proc, false},
    {"reclaim", EventScope::Folio, true},
    {"writeback", EventScope::Folio, true},
    {"swapcache_drop", EventScope::Folio, true},
    {"lru_add_drain", EventScope::Folio, true},
    {"mprotect_none", EventScope::ProcPage, false},
    {"mprotect_ro", EventScope::ProcPage, false},
    {"mprotect_rw", EventScope::ProcPage, false},
    {"dontfork", EventScope::ProcPage, false},
    {"dofork", EventScope::ProcPage, false},
    {"wipeonfork", EventScope::ProcPage, false},
    {"keeponfork", EventScope::ProcPage, false},
    {"free", EventScope::ProcPage, false},
    {"cold", EventScope::ProcPage, false},
    {"populate_read", EventScope::ProcPage, false},
    {"populate_write", EventScope::ProcPage, false},
    {"guard", EventScope::ProcPage, false},
    {"unguard", EventScope::ProcPage, false},
    {"mlock", EventScope::ProcPage, false},
    {"munlock", EventScope::ProcPage, false},
    {"pin_rw", EventScope::ProcPage, false},
    {"mremap", EventScope::ProcPage, false},
    {"swapoff", EventScope::Proc, false},
    {"scan_wp", EventScope::ProcPage, false},
    {"mremap_dontunmap", EventScope::ProcPage, false},
    {"mremap_shrink", EventScope::ProcPage, false},
    {"mremap_expand", EventScope::ProcPage, false},
    {"mremap_expand_maymove", EventScope::ProcPage, false},
    {"vmsplice", EventScope::ProcPage, false},
    {"pipe_read", EventScope::Proc, false},
    {"migrate_unmap", EventScope::Folio, true},
    {"migrate_move", EventScope::Folio, true},
    {"move_pages", EventScope::ProcPage, false},
    {"collapse", EventScope::ProcPage, false},
}};
}  // namespace

EventScope event_scope(EventKind k) { return kKinds[static_cast<int>(k)].scope; }
bool is_kernel_event(EventKind k) { return kKinds[static_cast<int>(k)].kernel; }
std::string_view event_kind_name(EventKind k) { return kKinds[static_cast<int>(k)].name; }
bool event_kind_from_name(std::string_view name, EventKind& out) {
  for (int i = 0; i < EVENT_KIND_COUNT; i++)
    if (kKinds[i].name == name) {
      out = static_cast<EventKind>(i);
      return true;
    }
  return false;
}

uint8_t next_write_value(const State& s, int proc, int page) {
  return static_cast<uint8_t>(expected_value(s, proc, page) % MAX_VALUE + 1);
}

// A store: fault the page in writable, then write.
static Outcome write_access(State& s, int proc, int page, uint8_t value, const Config& cfg) {
  const Pte& pte = s.proc[proc].pte[page];
  // The CPU retries the store until the PTE is writable (a fault may map
  // the page read-only first, e.g. with uffd-wp on a marker).
  for (int tries = 0; !(pte.kind == PteKind::Present && (pte.bits & PTE_WRITE)); tries++) {
    if (tries == 3) return Outcome::disabled("the write fault did not converge");
    Outcome o = handle_mm_fault(s, proc, page, true, false, cfg);
    if (o.status != Status::Done) return o;
  }
  store_to_page(s, proc, page, value);
  return Outcome::done();
}

static Outcome split_at(State& s, int proc, int page, const Config& cfg) {
  const Pte& pte = s.proc[proc].pte[page];
  if (s.proc[proc].alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  if (pte.kind != PteKind::Present || !(pte.bits & PTE_PMD)) return Outcome::done();
  split_huge_pmd(s, proc, page, cfg);
  return Outcome::done();
}

static Outcome madvise_remove(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  if (!vma_is_shared(*v)) return Outcome::disabled("MADV_REMOVE needs a shared file mapping (madvise_remove returns EINVAL)");
  return shmem_punch_hole(s, v->inode, vma_file_index(*v, page), cfg);
}

Outcome apply(State& s, const Event& e, const Config& cfg) { return apply(s, e, cfg, OnDisabled::Restore); }

Outcome apply(State& s, const Event& e, const Config& cfg, OnDisabled on_disabled) {
  if (event_scope(e.kind) != EventScope::Folio) {
    if (e.proc >= MAX_PROCS) return Outcome::disabled("no such process");
    if (e.page >= MAX_PAGES) return Outcome::disabled("page index out of range");
    if (s.proc[e.proc].alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  }
  // The copy to restore from is the largest cost of a refused event; a
  // caller that throws a refused state away skips it.
  std::optional<State> before;
  if (on_disabled == OnDisabled::Restore) before.emplace(s);
  Outcome o;
  switch (e.kind) {
    case EventKind::ReadFault: o = handle_mm_fault(s, e.proc, e.page, false, false, cfg); break;
    case EventKind::WriteFault: {
      uint8_t v = e.arg ? e.arg : next_write_value(s, e.proc, e.page);
      o = write_access(s, e.proc, e.page, v, cfg);
      break;
    }
    case EventKind::Fork: {
      int child = 0;
      o = copy_page_range(s, e.proc, cfg, child);
      break;
    }
    case EventKind::MadvDontneed: o = madvise_dontneed(s, e.proc, e.page, cfg); break;
    case EventKind::Munmap: o = do_munmap(s, e.proc, e.page, cfg); break;
    case EventKind::Exit: o = exit_mmap(s, e.proc, cfg); break;
    case EventKind::MadvPageout: o = madvise_pageout(s, e.proc, e.page, cfg); break;
    case EventKind::MadvRemove: o = madvise_remove(s, e.proc, e.page, cfg); break;
    case EventKind::PinRO: o = pin_user_pages_ro(s, e.proc, e.page, cfg); break;
    case EventKind::Unpin: o = unpin_user_page(s, e.proc, e.page, cfg); break;
    case EventKind::SplitPmd: o = split_at(s, e.proc, e.page, cfg); break;
    case EventKind::UffdWpProtect: o = mwriteprotect_range(s, e.proc, e.page, true, cfg); break;
    case EventKind::UffdWpUnprotect: o = mwriteprotect_range(s, e.proc, e.page, false, cfg); break;
    case EventKind::ClearRefs: o = clear_refs_soft_dirty(s, e.proc, cfg); break;
    case EventKind::Reclaim: o = shrink_folio_list(s, e.arg, cfg); break;
    case EventKind::WritebackEnd: o = folio_end_writeback(s, e.arg, cfg); break;
    case EventKind::SwapCacheDrop: o = swap_cache_drop(s, e.arg, cfg); break;
    case EventKind::LruAddDrain: o = lru_add_drain(s, e.arg, cfg); break;
    case EventKind::MprotectNone: o = do_mprotect(s, e.proc, e.page, Prot::None, cfg); break;
    case EventKind::MprotectRead: o = do_mprotect(s, e.proc, e.page, Prot::Read, cfg); break;
    case EventKind::MprotectReadWrite: o = do_mprotect(s, e.proc, e.page, Prot::ReadWrite, cfg); break;
    case EventKind::MadvDontfork: o = madvise_update_vma(s, e.proc, e.page, VmaAdvice::DontFork, cfg); break;
    case EventKind::MadvDofork: o = madvise_update_vma(s, e.proc, e.page, VmaAdvice::DoFork, cfg); break;
    case EventKind::MadvWipeonfork: o = madvise_update_vma(s, e.proc, e.page, VmaAdvice::WipeOnFork, cfg); break;
    case EventKind::MadvKeeponfork: o = madvise_update_vma(s, e.proc, e.page, VmaAdvice::KeepOnFork, cfg); break;
    case EventKind::MadvFree: o = madvise_free(s, e.proc, e.page, cfg); break;
    case EventKind::MadvCold: o = madvise_cold(s, e.proc, e.page, cfg); break;
    case EventKind::MadvPopulateRead: o = madvise_populate(s, e.proc, e.page, PopulateMode::Read, cfg); break;
    case EventKind::MadvPopulateWrite: o = madvise_populate(s, e.proc, e.page, PopulateMode::Write, cfg); break;
    case EventKind::MadvGuardInstall: o = madvise_guard_install(s, e.proc, e.page, cfg); break;
    case EventKind::MadvGuardRemove: o = madvise_guard_remove(s, e.proc, e.page, cfg); break;
    case EventKind::Mlock: o = do_mlock(s, e.proc, e.page, cfg); break;
    case EventKind::Munlock: o = do_munlock(s, e.proc, e.page, cfg); break;
    case EventKind::PinRW: o = pin_user_pages_rw(s, e.proc, e.page, cfg); break;
    case EventKind::Mremap: o = mremap_move(s, e.proc, e.page, cfg); break;
    case EventKind::Swapoff: o = swapoff(s, e.arg, cfg); break;
    case EventKind::PagemapScanWp: o = pagemap_scan_wp(s, e.proc, e.page, cfg); break;
    case EventKind::MremapDontunmap: o = mremap_dontunmap(s, e.proc, e.page, cfg); break;
    case EventKind::MremapShrink: o = mremap_shrink(s, e.proc, e.page, e.arg, cfg); break;
    case EventKind::MremapExpand: o = mremap_expand(s, e.proc, e.page, e.arg, MremapMayMove::No, cfg); break;
    case EventKind::MremapExpandMaymove: o = mremap_expand(s, e.proc, e.page, e.arg, MremapMayMove::Yes, cfg); break;
    case EventKind::Vmsplice: o = vmsplice_to_pipe(s, e.proc, e.page, cfg); break;
    case EventKind::PipeRead: o = pipe_read(s, e.proc, cfg); break;
    case EventKind::MigrateUnmap: o = migrate_folio_unmap(s, e.arg, cfg); break;
    case EventKind::MigrateMove: o = migrate_folio_move(s, e.arg, cfg); break;
    case EventKind::MovePages: o = do_move_pages(s, e.proc, e.page, cfg); break;
    case EventKind::MadvCollapse: o = madvise_collapse(s, e.proc, e.page, cfg); break;
    case EventKind::Count_: o = Outcome::disabled("no such event"); break;
  }
  if (o.status == Status::Disabled && before) s = *before;
  return o;
}

}  // namespace mm
