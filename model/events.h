// Events: the transitions of the model.  Each event kind is carried out by
// a function named after the kernel function it models (see docs/model.md).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "model/config.h"
#include "model/state.h"

namespace mm {

enum class EventKind : uint8_t {
  // process events (syscalls and memory accesses)
  ReadFault,       // a load: handle_mm_fault(FAULT_FLAG_NONE) when not present
  WriteFault,      // a store of `arg`: handle_mm_fault(FAULT_FLAG_WRITE) when needed
  Fork,            // fork(): copy_page_range into a new mm
  MadvDontneed,    // madvise(MADV_DONTNEED) on one page: zap_pte_range
  Munmap,          // munmap() of the VMA holding `page`
  Exit,            // exit_mmap
  MadvPageout,     // madvise(MADV_PAGEOUT) on one page: reclaim_pages
  MadvRemove,      // madvise(MADV_REMOVE): shmem_fallocate(PUNCH_HOLE)
  PinRO,           // pin_user_pages(FOLL_PIN|FOLL_LONGTERM), read-only
  Unpin,           // unpin_user_page
  SplitPmd,        // split_huge_pmd at `page`
  UffdWpProtect,   // ioctl(UFFDIO_WRITEPROTECT, mode WP) on one page
  UffdWpUnprotect, // ioctl(UFFDIO_WRITEPROTECT, mode 0) on one page
  ClearRefs,       // echo 4 > /proc/pid/clear_refs (soft-dirty reset)
  // kernel events
  Reclaim,         // shrink_folio_list on folio `arg` (LRU reclaim, no madvise filter)
  WritebackEnd,    // folio_end_writeback on folio `arg`
  SwapCacheDrop,   // folio_free_swap / __remove_mapping on folio `arg`
  LruAddDrain,     // lru_add_drain on the CPU whose lru_add batch holds folio `arg`
  // process events added with model III (appended: names and order of the above stay)
  MprotectNone,       // mprotect(PROT_NONE) of the VMA holding `page`: change_protection
  MprotectRead,       // mprotect(PROT_READ)
  MprotectReadWrite,  // mprotect(PROT_READ|PROT_WRITE): MM_CP_TRY_CHANGE_WRITABLE
  MadvDontfork,       // madvise(MADV_DONTFORK) of the VMA: VM_DONTCOPY
  MadvDofork,         // madvise(MADV_DOFORK)
  MadvWipeonfork,     // madvise(MADV_WIPEONFORK): VM_WIPEONFORK
  MadvKeeponfork,     // madvise(MADV_KEEPONFORK)
  MadvFree,           // madvise(MADV_FREE) on one page: madvise_free_pte_range
  MadvCold,           // madvise(MADV_COLD) on one page
  MadvPopulateRead,   // madvise(MADV_POPULATE_READ) on one page: faultin_page_range
  MadvPopulateWrite,  // madvise(MADV_POPULATE_WRITE) on one page
  MadvGuardInstall,   // madvise(MADV_GUARD_INSTALL) on one page: PTE_MARKER_GUARD
  MadvGuardRemove,    // madvise(MADV_GUARD_REMOVE) on one page
  Mlock,              // mlock() of the VMA: VM_LOCKED + populate_vma_page_range
  Munlock,            // munlock() of the VMA
  PinRW,              // pin_user_pages(FOLL_WRITE|FOLL_PIN|FOLL_LONGTERM)
  Mremap,             // mremap(MREMAP_MAYMOVE|MREMAP_FIXED) of the VMA to a free range: move_page_tables
  Swapoff,            // swapoff() of swap type `arg`: try_to_unuse
  PagemapScanWp,      // ioctl(PAGEMAP_SCAN, PM_SCAN_WP_MATCHING|PM_SCAN_CHECK_WPASYNC) on one page
  // resizing mremap and MREMAP_DONTUNMAP (appended; `arg` = the new size in pages, 0 = 1 page (shrink) / 2 (expand))
  MremapDontunmap,      // mremap(MREMAP_MAYMOVE|MREMAP_DONTUNMAP): move_vma + dontunmap_complete
  MremapShrink,         // mremap(old, len, smaller, 0): shrink_vma
  MremapExpand,         // mremap(old, len, larger, 0): expand_vma in place, or -ENOMEM
  MremapExpandMaymove,  // mremap(old, len, larger, MREMAP_MAYMOVE): expand_vma in place, else move_vma
  // the pipe (model/pipe.h), appended likewise
  Vmsplice,           // vmsplice() of one page into the pipe: vmsplice_to_pipe (get_user_pages_fast, FOLL_GET)
  PipeRead,           // read() of one page from the pipe: pipe_read (the head buffer's page as it is now)
  // folio migration (model/migrate.h)
  MigrateUnmap,       // kernel: migrate_folio_unmap -> try_to_migrate on folio `arg` (migration entries)
  MigrateMove,        // kernel: migrate_folio_move -> remove_migration_ptes on folio `arg`
  MovePages,          // move_pages(MPOL_MF_MOVE) of one page to another node: both halves at once
  MadvCollapse,       // madvise(MADV_COLLAPSE) of the aligned page pair (model/khugepaged.h)
  Count_
};
inline constexpr int EVENT_KIND_COUNT = static_cast<int>(EventKind::Count_);

// Which argument an event kind takes.
enum class EventScope : uint8_t { ProcPage, Proc, Folio };
EventScope event_scope(EventKind k);
bool is_kernel_event(EventKind k);
std::string_view event_kind_name(EventKind k);  // "write", "pageout", "writeback", ...
bool event_kind_from_name(std::string_view name, EventKind& out);

struct Event {
  EventKind kind = EventKind::ReadFault;
  uint8_t proc = 0;  // process index (process events)
  uint8_t page = 0;  // page index in the process (process events)
  uint8_t arg = 0;   // WriteFault: value (0 = next value); kernel events: folio id
  bool operator==(const Event&) const = default;
};

// What happened when an event was applied.
enum class Status : uint8_t {
  Done,       // the state changed (or the event ran and changed nothing visible)
  Disabled,   // the event cannot happen in this state; the state is unchanged
  WpFault,    // a write hit a uffd-wp protected PTE: the fault goes to userspace
  Sigsegv,    // a GUARD marker or an access outside any VMA
  OutOfCapacity,  // the model ran out of folios/slots: raise the bound (never a silent pass)
};

struct Outcome {
  Status status = Status::Done;
  const char* reason = "";  // for Disabled/Sigsegv: why, in kernel terms
  static Outcome done() { return {}; }
  static Outcome disabled(const char* why) { return {Status::Disabled, why}; }
};

// Apply `e` to `s` under `cfg`.  On Disabled, `s` is unchanged.
Outcome apply(State& s, const Event& e, const Config& cfg);

// What apply leaves in `s` when the event is refused: unchanged (Restore),
// or whatever the event did before it was refused (Discard: for a caller
// that throws a refused state away, such as the explorer's scratch copy).
enum class OnDisabled : uint8_t { Restore, Discard };
Outcome apply(State& s, const Event& e, const Config& cfg, OnDisabled on_disabled);

// The value a WriteFault with arg 0 stores: the next value after what the
// page holds, so explorations cycle through 1..MAX_VALUE.
uint8_t next_write_value(const State& s, int proc, int page);

}  // namespace mm
