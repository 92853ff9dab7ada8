#include "checker/check/starts.h"
#include "model/lru_knobs.h"
#include "model/madvise_knobs.h"

#include <fmt/format.h>

#include <stdexcept>

#include "model/setup.h"

namespace mmc::check {

using mm::EventKind;
using mm::VmaKind;

namespace {

constexpr uint8_t ASYNC = 0;
constexpr uint8_t STABLE = mm::SWP_STABLE_WRITES;
// zram-like: swap-in skips the swap cache, writeback completes in pageout.
constexpr uint8_t SYNC = mm::SWP_SYNCHRONOUS_IO | mm::SWP_SYNC_WRITEBACK;

// Which budget limits an event kind.
enum class Limit { None, Forks, Pageouts, Pins, Reclaims, Remaps, Splices, Migrations };

// Every event kind of the model, once, with what a start must contain for
// the kind to ever be enabled there (all of `needs`), and the budget that
// limits it.  A new event kind is one line here.
struct EventRow {
  EventKind kind;
  uint32_t needs;
  Limit limit;
};
const std::vector<EventRow> kEventTable = {
    {EventKind::ReadFault, 0, Limit::None},
    {EventKind::WriteFault, 0, Limit::None},
    {EventKind::Fork, F_FORK, Limit::Forks},
    {EventKind::MadvDontneed, 0, Limit::None},
    {EventKind::Munmap, 0, Limit::None},
    {EventKind::Exit, 0, Limit::None},
    {EventKind::MadvPageout, F_SWAP, Limit::Pageouts},
    {EventKind::MadvRemove, F_SHARED, Limit::None},
    {EventKind::PinRO, F_PIN, Limit::Pins},
    {EventKind::Unpin, F_PIN, Limit::None},
    {EventKind::SplitPmd, F_THP, Limit::None},
    {EventKind::UffdWpProtect, F_UFFD_WP, Limit::None},
    {EventKind::UffdWpUnprotect, F_UFFD_WP, Limit::None},
    {EventKind::ClearRefs, F_SOFT_DIRTY, Limit::None},
    {EventKind::Reclaim, F_SWAP, Limit::Reclaims},
    {EventKind::WritebackEnd, F_SWAP, Limit::None},
    {EventKind::SwapCacheDrop, F_SWAP, Limit::None},
    {EventKind::LruAddDrain, F_LRU_BATCH, Limit::None},
    {EventKind::MprotectNone, F_VMA_OPS, Limit::None},
    {EventKind::MprotectRead, F_VMA_OPS, Limit::None},
    {EventKind::MprotectReadWrite, F_VMA_OPS, Limit::None},
    {EventKind::MadvDontfork, F_VMA_OPS | F_FORK, Limit::None},
    {EventKind::MadvDofork, F_VMA_OPS | F_FORK, Limit::None},
    {EventKind::MadvWipeonfork, F_VMA_OPS | F_FORK | F_PRIVATE_ANON, Limit::None},
    {EventKind::MadvKeeponfork, F_VMA_OPS | F_FORK | F_PRIVATE_ANON, Limit::None},
    {EventKind::MadvFree, F_VMA_OPS | F_PRIVATE_ANON, Limit::None},
    {EventKind::MadvCold, F_VMA_OPS, Limit::None},
    {EventKind::MadvPopulateRead, F_VMA_OPS, Limit::None},
    {EventKind::MadvPopulateWrite, F_VMA_OPS, Limit::None},
    {EventKind::MadvGuardInstall, F_VMA_OPS | F_GUARD, Limit::None},
    {EventKind::MadvGuardRemove, F_VMA_OPS | F_GUARD, Limit::None},
    {EventKind::Mlock, F_VMA_OPS, Limit::None},
    {EventKind::Munlock, F_VMA_OPS, Limit::None},
    {EventKind::PinRW, F_VMA_OPS | F_PIN, Limit::Pins},
    {EventKind::Mremap, F_VMA_OPS, Limit::None},
    {EventKind::Swapoff, F_VMA_OPS | F_SWAP, Limit::None},
    {EventKind::PagemapScanWp, F_VMA_OPS | F_UFFD_WP, Limit::None},
    // Their own start (mremap-resize-1p): with the move, pins and unlimited
    // copies of the vma-ops starts they would outgrow the model's 4 pages.
    // The plain expansion (in place or ENOMEM) is left out: a copy grown in
    // place leaves no room for the other VMA's moving expansion (scenarios
    // cover it: mremap-expand-*, guard-mremap-expand*).
    {EventKind::MremapDontunmap, F_MREMAP_RESIZE, Limit::Remaps},
    {EventKind::MremapShrink, F_MREMAP_RESIZE, Limit::None},
    {EventKind::MremapExpand, F_MREMAP_RESIZE | F_UNUSED, Limit::None},
    {EventKind::MremapExpandMaymove, F_MREMAP_RESIZE, Limit::Remaps},
    {EventKind::Vmsplice, F_PIPE, Limit::Splices},
    {EventKind::PipeRead, F_PIPE, Limit::None},
    {EventKind::MigrateUnmap, F_MIGRATION, Limit::Migrations},
    {EventKind::MigrateMove, F_MIGRATION, Limit::None},
    {EventKind::MovePages, F_MIGRATION, Limit::None},  // both halves at once: at most 4 kinds may carry a limit
    {EventKind::MadvCollapse, F_COLLAPSE | F_THP | F_PRIVATE_ANON, Limit::None},
};
static_assert(mm::EVENT_KIND_COUNT == 47, "a new event kind needs its row in kEventTable");

MappingDecl anon(int n, uint8_t flags = 0) { return {VmaKind::PrivateAnon, n, flags, -1, 0}; }
MappingDecl shared_anon(int n, uint8_t flags = 0) { return {VmaKind::SharedAnon, n, flags, -1, 0}; }
MappingDecl memfd(VmaKind k, int file, int n, uint8_t flags = 0) { return {k, n, flags, file, 0}; }

}  // namespace

// Budgets: see docs/check.md for the measured sizes and the small-scope
// argument.  Depths are chosen so that the whole check stays within a few
// minutes on 2 cores with the engine of today.
const std::vector<Start>& standard_starts() {
  static const std::vector<Start> all = [] {
    std::vector<Start> v;
    Start s;
    s = {};
    s.name = "anon-1p";
    s.description = "A: 1-page private anon mapping; one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(1)};
    s.depth = 10;
    s.reclaims = 2;  // as anon-stable-1p: COW copies under writeback fill MAX_SLOTS at this depth under
                     // anon-exclusive-v2-inverted (the start would end incomplete)
    s.why_bound = "one page, one fork, two pageouts: fork/swap/COW/pin interactions on a single page need <= 7 events";
    v.push_back(s);

    s = {};
    s.name = "pipe-1p";
    s.description = "A: 1-page private anon mapping, vmsplice into the pipe and pipe reads (no pins); one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(1)};
    s.depth = 8;
    s.pins = 0;      // pin/unpin out: the four limited kinds are fork, pageout, reclaim, vmsplice
    s.reclaims = 2;
    s.pipe = true;
    s.splices = 1;
    s.why_bound = "CVE-2020-29374 needs one page, one fork and one vmsplice: write, fork, vmsplice, munmap, write "
                  "(5 events; with a pageout first, 6)";
    v.push_back(s);

    s = {};
    s.name = "anon-2p";
    s.description = "A: 2-page private anon mapping; one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(2)};
    s.depth = 8;
    s.why_bound = "two pages: a second page is needed for swap-slot reuse and per-page soft-dirty/pin facts";
    v.push_back(s);

    s = {};
    s.name = "anon-stable-1p";
    s.description = "A: 1-page private anon mapping; one async SWP_STABLE_WRITES swap device";
    s.swap = {STABLE};
    s.maps = {anon(1)};
    s.depth = 10;
    s.reclaims = 2;  // unlimited reclaim of COW copies under writeback fills MAX_SLOTS
    s.why_bound = "stable_writes needs one folio under writeback and one fault on it: write, pageout, fault (3 events)";
    v.push_back(s);

    s = {};
    s.name = "anon-sync-1p";
    s.description = "A: 1-page private anon mapping; one synchronous SWP_STABLE_WRITES device (zram-like)";
    s.swap = {STABLE | SYNC};
    s.maps = {anon(1)};
    s.depth = 12;
    s.smoke = true;
    s.why_bound = "the swap-cache bypass of do_swap_page needs a slot with count 1 and one fault";
    v.push_back(s);

    s = {};
    s.name = "shmem-2p";
    s.description = "A: 2-page shared anon mapping (shmem); one async swap device";
    s.swap = {ASYNC};
    s.maps = {shared_anon(2)};
    s.depth = 8;
    s.why_bound = "shmem swap entries, MADV_REMOVE and pagemap's pte_none gap need one page; two for lseek holes";
    v.push_back(s);

    s = {};
    s.name = "memfd-2p";
    s.description = "A: one 1-page memfd mapped MAP_SHARED and MAP_PRIVATE; one async swap device";
    s.swap = {ASYNC};
    s.files = {1};
    s.maps = {memfd(VmaKind::MemfdShared, 0, 1), memfd(VmaKind::MemfdPrivate, 0, 1)};
    s.depth = 8;
    s.why_bound = "a MAP_PRIVATE file page against the shared view of the same index: COW, pins, pageout";
    v.push_back(s);

    s = {};
    s.name = "uffd-wp-anon-1p";
    s.description = "A: 1-page private anon mapping registered for uffd-wp; one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(1, mm::VM_UFFD_WP)};
    s.depth = 10;
    s.reclaims = 2;  // as anon-stable-1p: COW copies under writeback fill MAX_SLOTS at this depth under
                     // anon-exclusive-v2-inverted (the start would end incomplete)
    s.why_bound = "a protected anon page through swap-out, swap-in and fork: write, wp, pageout, fork, fault (5 events)";
    v.push_back(s);

    s = {};
    s.name = "uffd-wp-2p";
    s.description = "A: one 1-page memfd mapped MAP_PRIVATE and MAP_SHARED, both registered for uffd-wp; async swap";
    s.swap = {ASYNC};
    s.files = {1};
    s.maps = {memfd(VmaKind::MemfdPrivate, 0, 1, mm::VM_UFFD_WP), memfd(VmaKind::MemfdShared, 0, 1, mm::VM_UFFD_WP)};
    s.depth = 8;
    s.why_bound = "markers in a private file VMA (copied at fork) and in a shared one (zap, pageout), a COWed anon page with a swap PTE";
    v.push_back(s);

    s = {};
    s.name = "thp-2p";
    s.description = "A: 2-page private anon MADV_HUGEPAGE mapping (one PMD-mapped THP); one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(2, mm::VM_HUGEPAGE)};
    s.depth = 8;
    s.reclaims = 2;  // as anon-stable-1p: COW copies under writeback fill MAX_SLOTS at this depth under
                     // anon-exclusive-v2-inverted (the start would end incomplete)
    s.why_bound = "a THP, its split and its PMD-level pagemap need exactly one PMD";
    v.push_back(s);

    s = {};
    s.name = "shmem-thp-2p";
    s.description = "A: 2-page shared anon MADV_HUGEPAGE mapping (PMD-mapped shmem THP); one async swap device";
    s.swap = {ASYNC};
    s.maps = {shared_anon(2, mm::VM_HUGEPAGE)};
    s.depth = 7;  // at 8, under v5.14, the THP's pageouts and reclaims fill MAX_SLOTS (the start would end incomplete)
    s.why_bound = "PM_FILE on a PMD-mapped shmem THP and the split-zaps rule need one shmem PMD";
    v.push_back(s);

    s = {};
    s.name = "vma-ops-1p";
    s.description = "A: 1-page private anon mapping with the model III operations (mprotect, madvise family, mlock, "
                    "mremap, RW pins, swapoff); one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(1)};
    s.depth = 7;
    s.vma_ops = true;
    s.why_bound = "each model III bug class (mprotect upgrading a COW-shared page, a guard marker lost at zap/fork, "
                  "an mlocked page reclaimed, a lazyfree page kept) needs one page, one fork and <= 4 events";
    v.push_back(s);

    s = {};
    s.name = "mremap-resize-1p";
    s.description = "A: 1-page private anon mapping with MREMAP_DONTUNMAP and resizing mremap (shrink to 1 page, "
                    "expand to 2 in place or with MREMAP_MAYMOVE); one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(1)};
    s.depth = 7;
    s.pins = 0;
    s.mremap_resize = true;
    s.why_bound = "a VMA at most 2 pages, at most one MREMAP_DONTUNMAP copy (top-down, at the far end) and one "
                  "expansion per path: two VMAs always fit the model's 4 pages (no capacity bound), and each mremap bug class (PTEs or "
                  "markers lost or left behind, a COW page shared after the move, an mlocked page unpopulated) needs "
                  "one page, one fork and <= 4 events";
    v.push_back(s);

    s = {};
    s.name = "vma-ops-memfd-1p";
    s.description = "A: one 1-page memfd mapped MAP_SHARED, with the model III operations; one async swap device";
    s.swap = {ASYNC};
    s.files = {1};
    s.maps = {memfd(VmaKind::MemfdShared, 0, 1)};
    s.depth = 7;
    s.vma_ops = true;
    s.why_bound = "shmem under mprotect, mlock, guard markers, swapoff of a shmem swap entry: one page, <= 4 events";
    v.push_back(s);

    s = {};
    s.name = "migrate-1p";
    s.description = "A: 1-page private anon mapping registered for uffd-wp, with folio migration (migrate_unmap, "
                    "migrate_move, move_pages) and the model III operations; no swap device";
    s.maps = {anon(1, mm::VM_UFFD_WP)};
    s.depth = 6;
    s.vma_ops = true;
    s.migrations = 2;
    s.why_bound = "a migration entry meets fork, mprotect, uffd-wp, clear_refs or a zap between its two halves: "
                  "write, migrate_unmap, one operation, migrate_move, one access (5 events)";
    v.push_back(s);

    s = {};
    s.name = "collapse-2p";
    s.description = "A: 2-page private anon MADV_HUGEPAGE mapping with MADV_COLLAPSE; one async swap device";
    s.swap = {ASYNC};
    s.maps = {anon(2, mm::VM_HUGEPAGE)};
    s.depth = 7;
    s.reclaims = 2;
    s.collapse = true;
    s.why_bound = "a collapse meets a split, a fork-shared page, a swap PTE or a pin: write, write, one of those, "
                  "collapse, one access (5 events); thp-2p with collapse in its alphabet grew past 140 CPU-s at depth 8";
    v.push_back(s);

    s = {};
    s.name = "mixed-2p";
    s.description = "A: 1-page private anon and 1-page shared anon; one synchronous swap device";
    s.swap = {SYNC};
    s.maps = {anon(1), shared_anon(1)};
    s.depth = 8;
    s.why_bound = "one page of each kind shares the swap device and the fork";
    v.push_back(s);
    return v;
  }();
  return all;
}

const Start* find_start(std::string_view name) {
  for (const Start& s : standard_starts())
    if (s.name == name) return &s;
  return nullptr;
}

uint32_t start_features(const Start& st, const mm::Config& cfg) {
  uint32_t f = 0;
  for (const MappingDecl& m : st.maps) {
    if (m.kind == VmaKind::PrivateAnon) f |= F_PRIVATE_ANON;
    if (m.kind != VmaKind::PrivateAnon) f |= F_SHMEM;
    if (m.kind == VmaKind::SharedAnon || m.kind == VmaKind::MemfdShared) f |= F_SHARED;
    if (m.kind == VmaKind::MemfdPrivate) f |= F_FILE_PRIVATE;
    if (m.flags & mm::VM_UFFD_WP) f |= F_UFFD_WP;
    if ((m.flags & mm::VM_HUGEPAGE) && m.npages >= mm::MAX_FOLIO_PAGES) f |= F_THP;
  }
  for (uint8_t d : st.swap) {
    f |= F_SWAP;
    if (d & mm::SWP_STABLE_WRITES) f |= F_STABLE_WRITES;
    if (d & mm::SWP_SYNCHRONOUS_IO) f |= F_SYNC_SWAP;
  }
  if (st.forks > 0) f |= F_FORK;
  if (st.pins > 0) f |= F_PIN;
  if (st.mremap_resize) f |= F_MREMAP_RESIZE;
  if (st.vma_ops) f |= F_VMA_OPS;
  if (st.pipe) f |= F_PIPE;
  if (st.migrations > 0) f |= F_MIGRATION;
  if (st.collapse) f |= F_COLLAPSE;
  if (cfg.CONFIG_MEM_SOFT_DIRTY) f |= F_SOFT_DIRTY;
  if (mm::lru_batch_other_cpu(cfg)) f |= F_LRU_BATCH;
  if (mm::madvise_guard_regions(cfg)) f |= F_GUARD;
  return f;
}

std::vector<engine::AlphabetEntry> start_alphabet(const Start& st, const mm::Config& cfg) {
  const uint32_t f = start_features(st, cfg);
  std::vector<engine::AlphabetEntry> a;
  for (const EventRow& row : kEventTable) {
    if ((row.needs & f) != row.needs) continue;
    int limit = -1;
    switch (row.limit) {
      case Limit::None: break;
      case Limit::Forks: limit = st.forks; break;
      case Limit::Pageouts: limit = st.pageouts; break;
      case Limit::Pins: limit = st.pins; break;
      case Limit::Reclaims: limit = st.reclaims; break;
      case Limit::Remaps: limit = st.remaps; break;
      case Limit::Splices: limit = st.splices; break;
      case Limit::Migrations: limit = st.migrations; break;
    }
    a.push_back({row.kind, limit});
  }
  return a;
}

std::string alphabet_text(const std::vector<engine::AlphabetEntry>& a) {
  std::string s;
  for (const auto& e : a) {
    if (!s.empty()) s += ' ';
    s += mm::event_kind_name(e.kind);
    if (e.limit >= 0) s += fmt::format("<={}", e.limit);
  }
  return s;
}

engine::Workload start_workload(const Start& st, const mm::Config& cfg) {
  engine::Workload w;
  w.name = std::string(st.name);
  w.description = std::string(st.description);
  w.config = cfg;
  mm::State s{};
  const int a = mm::create_process(s);
  bool ok = a >= 0;
  for (uint8_t d : st.swap) ok = ok && mm::swapon(s, d) >= 0;
  std::vector<int> inodes;
  for (int n : st.files) {
    inodes.push_back(mm::shmem_create(s, n));
    ok = ok && inodes.back() >= 0;
  }
  for (const MappingDecl& m : st.maps) {
    int inode = -1;
    if (m.kind == VmaKind::SharedAnon) {
      inode = mm::shmem_create(s, m.npages);  // shmem_zero_setup: a new inode per mapping
      ok = ok && inode >= 0;
    } else if (m.kind != VmaKind::PrivateAnon) {
      inode = inodes.at(static_cast<size_t>(m.file));
    }
    ok = ok && mm::do_mmap(s, a, m.kind, m.npages, m.flags, inode, m.pgoff, cfg) >= 0;
  }
  if (!ok) throw std::logic_error(fmt::format("start {} does not fit the model's capacities", st.name));
  w.initial = {s};
  w.alphabet = start_alphabet(st, cfg);
  // A forked child is interchangeable with its parent (as in the built-in
  // workloads): no transition or invariant reads `parent`, both run the
  // whole alphabet, fork fills the lowest free slot.
  w.interchangeable = st.forks > 0 ? 0b011 : 0;
  w.bounds.max_depth = st.depth;
  w.bounds.max_memory_mb = 3072;
  return w;
}

uint32_t invariant_needs(std::string_view inv) {
  if (inv == "stable_writes") return F_STABLE_WRITES | F_PRIVATE_ANON;
  if (inv == "swap_accounting" || inv == "pm_swap_accuracy") return F_SWAP;
  if (inv == "mincore_semantics") return 0;
  if (inv == "uffd_wp_persistence") return F_UFFD_WP;
  if (inv == "uffd_wp_scope") return F_UFFD_WP | F_FORK;
  if (inv == "soft_dirty_persistence") return F_SOFT_DIRTY;
  if (inv == "lseek_is_pure") return F_SHMEM;
  if (inv == "pagemap_exclusive") return F_FORK;
  if (inv == "anon_exclusive") return F_PRIVATE_ANON | F_FORK;
  if (inv == "pin_coherence") return F_PIN;
  if (inv == "pageout_scope") return F_SWAP | F_FORK;
  // model III: only the vma-ops starts have MADV_GUARD_*, mlock and MADV_FREE
  if (inv == "guard_regions") return F_VMA_OPS | F_GUARD;
  if (inv == "mlock_resident") return F_VMA_OPS;
  if (inv == "lazyfree") return F_VMA_OPS | F_PRIVATE_ANON;
  return 0;  // cow_isolation, pagemap_consistency: every start
}

// Invariants that measure a documented inaccuracy of an observation rather
// than a promise of the kernel.  `check` reports their verdict and trace but
// does not fail on them; the promise behind each is gated elsewhere.
std::optional<std::string_view> invariant_is_measure(std::string_view inv) {
  if (inv == "pm_swap_accuracy")
    return "pagemap does not look up the shmem page cache for pte_none (Documentation/admin-guide/mm/pagemap.rst); "
           "pagemap_consistency gates what PM_SWAP does show";
  if (inv == "soft_dirty_persistence")
    return "soft-dirty lives in the PTE: it goes with a zapped or unmapped PTE (shmem pageout, MADV_DONTNEED); "
           "pagemap_consistency/soft-dirty-lost gates every PTE that still holds the data";
  if (inv == "pagemap_exclusive")
    return "PM_MMAP_EXCLUSIVE is the page's mapcount, not ownership: a swap PTE may still share the folio "
           "(fs/proc/task_mmu.c); pagemap_consistency/exclusive gates the mapcount rule";
  return std::nullopt;
}

bool start_exercises(const Start& st, const mm::Config& cfg, std::string_view invariant) {
  const uint32_t need = invariant_needs(invariant);
  return (start_features(st, cfg) & need) == need;
}

}  // namespace mmc::check
