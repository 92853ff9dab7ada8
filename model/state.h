// The kernel state the model tracks, as one plain value.
//
// Every field is a byte (or an array of bytes), so a State has no padding:
// copying is a memcpy, equality and hashing look at its bytes.  Capacities
// are small and fixed; the bounds of an exploration are these capacities.
// Field names follow the kernel structures they stand for.
#pragma once
#include <array>
#include <cstdint>
#include <type_traits>

namespace mm {

inline constexpr int MAX_PROCS = 3;          // mm_structs
inline constexpr int MAX_VMAS = 2;           // vm_area_structs per mm
inline constexpr int MAX_PAGES = 4;          // virtual pages per mm (page index = address / PAGE_SIZE)
inline constexpr int MAX_FOLIOS = 8;         // struct folio
inline constexpr int MAX_FOLIO_PAGES = 2;    // a "THP" is a 2-page folio mapped by a PMD
inline constexpr int MAX_SWAP_DEVICES = 2;   // swap_info_struct
inline constexpr int MAX_SLOTS = 4;          // swap slots per device
inline constexpr int MAX_INODES = 2;         // shmem inodes (shared anon, memfd)
inline constexpr int MAX_INODE_PAGES = 4;    // page-cache indices per inode
inline constexpr uint8_t NONE = 0xff;        // "no folio / no process / no inode"

// Content of a page: 0 is the zero page; written values are small numbers.
inline constexpr uint8_t MAX_VALUE = 3;

// ---- page-table entries -------------------------------------------------
// Migration (appended): a migration entry (make_*_migration_entry, mm/rmap.c
// try_to_migrate_one) naming folio `a`, subpage `b`: the folio is being
// migrated and every fault on it waits (migration_entry_wait).
enum class PteKind : uint8_t { None, Present, Swap, Marker, Migration };

enum PteBits : uint8_t {
  PTE_WRITE = 1 << 0,          // pte_write
  PTE_DIRTY = 1 << 1,          // pte_dirty
  PTE_SOFT_DIRTY = 1 << 2,     // pte_soft_dirty / pte_swp_soft_dirty
  PTE_UFFD_WP = 1 << 3,        // pte_uffd_wp / pte_swp_uffd_wp
  PTE_SWP_EXCLUSIVE = 1 << 4,  // pte_swp_exclusive (swap PTEs only); on a migration entry:
                               // SWP_MIGRATION_READ_EXCLUSIVE (make_readable_exclusive_migration_entry)
  PTE_PMD = 1 << 5,            // present, mapped by a PMD of a large folio
};

// On a migration entry PTE_WRITE is SWP_MIGRATION_WRITE
// (is_writable_migration_entry), PTE_DIRTY is_migration_entry_dirty, and
// PTE_SOFT_DIRTY / PTE_UFFD_WP the swap PTE's bits; neither write nor
// exclusive: SWP_MIGRATION_READ.
struct Pte {
  PteKind kind = PteKind::None;
  uint8_t bits = 0;  // PteBits
  uint8_t a = 0;     // Present, Migration: folio id; Swap: swap type (device); Marker: marker bits
  uint8_t b = 0;     // Present, Migration: subpage index in the folio; Swap: slot index
  bool operator==(const Pte&) const = default;
};

// ---- VMAs ----------------------------------------------------------------
enum class VmaKind : uint8_t { None, PrivateAnon, SharedAnon, MemfdShared, MemfdPrivate };

enum VmaFlags : uint8_t {
  VM_WRITE = 1 << 0,
  VM_SOFTDIRTY = 1 << 1,
  VM_UFFD_WP = 1 << 2,     // registered with UFFDIO_REGISTER_MODE_WP
  VM_HUGEPAGE = 1 << 3,    // THP-eligible (MADV_HUGEPAGE)
  VMA_ANON_VMA = 1 << 4,   // vma->anon_vma != NULL
  VM_LOCKED = 1 << 5,      // mlock(): pages stay resident, reclaim and MADV_PAGEOUT skip them
  VM_DONTCOPY = 1 << 6,    // MADV_DONTFORK: fork does not copy the VMA
  VM_WIPEONFORK = 1 << 7,  // MADV_WIPEONFORK: the child gets the VMA empty (zero-filled)
};

// More vm_flags, in a second byte (the first is full).
enum VmaFlags2 : uint8_t {
  // mprotect(PROT_NONE): none of VM_READ | VM_WRITE | VM_EXEC (vma_is_accessible
  // is false).  Stored inverted so VMAs from before the field are accessible.
  VM_NOACCESS = 1 << 0,
  // userfaultfd context features of a uffd-wp registration (the model keeps
  // them per VMA: a VMA belongs to one context).
  VM_UFFD_WP_ASYNC = 1 << 1,        // UFFD_FEATURE_WP_ASYNC: the kernel resolves wp faults itself
  VM_UFFD_WP_UNPOPULATED = 1 << 2,  // UFFD_FEATURE_WP_UNPOPULATED: none anon PTEs get uffd-wp markers
  VM_UFFD_EVENT_FORK = 1 << 3,      // UFFD_FEATURE_EVENT_FORK: the child stays registered
};

struct Vma {
  VmaKind kind = VmaKind::None;
  uint8_t start = 0;    // first page index
  uint8_t npages = 0;
  uint8_t flags = 0;    // VmaFlags
  uint8_t inode = NONE; // shmem inode backing a shared/memfd mapping
  uint8_t pgoff = 0;    // file page offset of `start`
  uint8_t flags2 = 0;   // VmaFlags2
  bool operator==(const Vma&) const = default;
};

// Ghost state: what the semantics say, kept beside the kernel state so the
// invariants can compare.  Not kernel fields.
enum GhostBits : uint8_t {
  GHOST_WP = 1 << 0,             // UFFDIO_WRITEPROTECT(on) in force for this page
  GHOST_WRITTEN = 1 << 1,        // written since the last clear_refs (soft-dirty semantics)
  GHOST_COWED = 1 << 2,          // a MAP_PRIVATE file page has its own copy (reads no longer see the file)
  GHOST_PIN_DETACHED = 1 << 3,   // the program zapped (MADV_DONTNEED, munmap) the page its pin holds:
                                 // the pin no longer has to show what the mapping shows
  GHOST_LAZYFREE = 1 << 4,       // MADV_FREE and not written since: the page may read as zero
  GHOST_GUARD = 1 << 5,          // MADV_GUARD_INSTALL in force: an access must raise SIGSEGV
  GHOST_MLOCKED = 1 << 6,        // made resident by mlock(): must stay resident while the VMA is locked
  GHOST_SD_BLIND = 1 << 7,       // clear_refs left this PTE alone (pte_is_pinned): soft-dirty tracking is
                                 // knowingly blind to it until the next clear_refs that does reach it
                                 // (pagemap_consistency exempts it; needed because the pin may be gone by then)
};

// A second ghost byte per page (GhostBits is full).  Like GhostBits: what the
// semantics say, kept so invariants can compare; never read by an event.
enum GhostBits2 : uint8_t {
  // Another process's MADV_PAGEOUT unmapped this page's folio from this mm.
  // madvise_cold_or_pageout_pte_range: "Do not interfere with other mappings
  // of this folio" (12e967fd8e4e): never set on a correct kernel; the
  // invariant pageout_scope fails on it.
  GHOST2_PAGED_OUT_BY_OTHER = 1 << 0,
  // The pin at this page was taken on an exclusive anon page mapped writable
  // (only here, no other reference): pin_coherence/exclusive-pin-diverged
  // holds the pinner's mapping to that page while it maps the address.
  GHOST2_PIN_EXCLUSIVE = 1 << 1,
};

enum ProcState : uint8_t { PROC_UNUSED = 0, PROC_ALIVE = 1, PROC_EXITED = 2 };

struct Process {
  uint8_t alive = PROC_UNUSED;  // ProcState: exited slots are never reused
  uint8_t parent = NONE;
  std::array<Vma, MAX_VMAS> vma{};
  std::array<Pte, MAX_PAGES> pte{};
  // FOLL_PIN | FOLL_LONGTERM R/O pins taken through this mm: bit per page,
  // and the folio/subpage each pin holds (zero when the bit is clear).
  uint8_t pinned = 0;
  std::array<uint8_t, MAX_PAGES> pin_folio{};
  std::array<uint8_t, MAX_PAGES> pin_subpage{};
  // Ghost (pin_coherence): the value a R/O pin must keep seeing -- what the
  // mapping showed when the pin was taken, updated only by this process's
  // own stores through the mapping while the pin is attached.  Needed
  // because after MADV_DONTNEED/munmap the mapping no longer says what the
  // pin should see (CVE-2020-29374: another process's write must not show
  // through a pin).  Zero when the pin bit is clear.
  std::array<uint8_t, MAX_PAGES> pin_value{};
  // Ghost: the value a read of a private page must return.
  std::array<uint8_t, MAX_PAGES> expect{};
  std::array<uint8_t, MAX_PAGES> ghost{};  // GhostBits
  std::array<uint8_t, MAX_PAGES> ghost2{};  // GhostBits2
  bool operator==(const Process&) const = default;
};

// ---- folios ---------------------------------------------------------------
enum FolioFlags : uint8_t {
  FOLIO_ALLOCATED = 1 << 0,
  PG_anon = 1 << 1,        // folio_test_anon; otherwise shmem
  PG_swapcache = 1 << 2,
  PG_writeback = 1 << 3,
  PG_dirty = 1 << 4,
  PG_uptodate = 1 << 5,
  PG_large = 1 << 6,       // MAX_FOLIO_PAGES pages
  // Not yet on the LRU: the folio sits in another CPU's cpu_fbatches.lru_add
  // batch (folio_add_lru), so folio_test_lru is false and folio_isolate_lru
  // fails.  Only set under the knob lru_batch_other_cpu (model/lru_knobs.h); lru_add_drain clears it.
  // Stored inverted (set = off the LRU) so states without the knob are unchanged.
  FOLIO_LRU_BATCHED = 1 << 7,
};

// More folio flags, in a second byte (the first is full).
enum FolioFlags2 : uint8_t {
  // folio_mark_lazyfree (MADV_FREE): an anon folio without PG_swapbacked.
  // Reclaim discards it when still clean.  Stored inverted (set = not
  // swapbacked) so folios from before the field are swap-backed.
  PG_lazyfree = 1 << 0,
  // Locked and isolated from the LRU by migrate_pages, between
  // migrate_folio_unmap (migration entries installed) and migrate_folio_move
  // (model/migrate.h).  migrate_pages holds a reference meanwhile.
  FOLIO_MIGRATING = 1 << 1,
};

struct Folio {
  uint8_t flags = 0;            // FolioFlags
  uint8_t anon_exclusive = 0;   // PG_anon_exclusive, one bit per subpage
  uint8_t swap_type = 0;        // folio->swap when PG_swapcache
  uint8_t swap_slot = 0;
  std::array<uint8_t, MAX_FOLIO_PAGES> content{};
  uint8_t flags2 = 0;           // FolioFlags2
  bool operator==(const Folio&) const = default;
  int nr_pages() const { return (flags & PG_large) ? MAX_FOLIO_PAGES : 1; }
  bool test(uint8_t f) const { return flags & f; }
};

// ---- swap -----------------------------------------------------------------
enum SwapFlags : uint8_t {
  SWP_USED = 1 << 0,
  SWP_STABLE_WRITES = 1 << 1,     // backend needs the page unchanged during writeback
  SWP_SYNCHRONOUS_IO = 1 << 2,    // swap-in may skip the swap cache (zram, pmem)
  SWP_SYNC_WRITEBACK = 1 << 3,    // model: writeback completes inside pageout()
};

struct SwapSlot {
  uint8_t count = 0;       // swap_map[] count: swap PTEs + shmem swap entries
  uint8_t has_cache = 0;   // SWAP_HAS_CACHE: a folio for this entry is in the swap cache
  uint8_t content = 0;     // data on the device (last completed or started write)
  bool operator==(const SwapSlot&) const = default;
};

struct SwapDevice {
  uint8_t flags = 0;  // SwapFlags
  std::array<SwapSlot, MAX_SLOTS> slot{};
  bool operator==(const SwapDevice&) const = default;
};

// ---- shmem page cache -----------------------------------------------------
enum class PcKind : uint8_t { Empty, Folio, Swap };
struct PcEntry {
  PcKind kind = PcKind::Empty;
  uint8_t a = 0;  // Folio: folio id; Swap: swap type
  uint8_t b = 0;  // Folio: subpage of a large folio; Swap: slot index
  bool operator==(const PcEntry&) const = default;
};

struct Inode {
  uint8_t in_use = 0;
  uint8_t npages = 0;
  std::array<PcEntry, MAX_INODE_PAGES> pc{};
  std::array<uint8_t, MAX_INODE_PAGES> expect{};  // ghost: the file's content
  bool operator==(const Inode&) const = default;
};

// ---- the pipe (fs/pipe.c, fs/splice.c) ------------------------------------
// One pipe, created before the processes (every process holds its file
// descriptors, as the live runtime's does), never closed.  vmsplice puts a
// page reference into it (struct pipe_buffer, user_page_pipe_buf_ops); a
// read copies the page's content *at read time* and drops the reference.
inline constexpr int MAX_PIPE_BUFS = 2;  // pipe_buffers in the model's pipe (the kernel's default ring has 16)

enum PipeBufBits : uint8_t {
  PIPE_BUF_USED = 1 << 0,     // the slot holds a buffer (buffers are packed from slot 0, the head)
  PIPE_BUF_SUBPAGE = 1 << 1,  // buf->page is subpage 1 of a large folio
  // Ghost (cow_isolation/pipe-leak): the process whose vmsplice made the
  // buffer (2 bits) and the value a read must return (2 bits): what the page
  // held at vmsplice time, updated only by that process's own stores into
  // the page.  Needed because CVE-2020-29374 is another process's write
  // showing through the reference.
  PIPE_BUF_SPLICER_SHIFT = 2,
  PIPE_BUF_VALUE_SHIFT = 4,
};

struct PipeBuffer {
  uint8_t page = 0;  // buf->page: the folio id (NONE: the shared zero page); 0 when the slot is free
  uint8_t bits = 0;  // PipeBufBits
  bool operator==(const PipeBuffer&) const = default;
  bool used() const { return bits & PIPE_BUF_USED; }
  int subpage() const { return (bits & PIPE_BUF_SUBPAGE) ? 1 : 0; }
  int splicer() const { return (bits >> PIPE_BUF_SPLICER_SHIFT) & 3; }
  uint8_t value() const { return (bits >> PIPE_BUF_VALUE_SHIFT) & 3; }
  void set_value(uint8_t v) { bits = static_cast<uint8_t>((bits & ~(3u << PIPE_BUF_VALUE_SHIFT)) | (v << PIPE_BUF_VALUE_SHIFT)); }
  void set_splicer(int p) {
    bits = static_cast<uint8_t>((bits & ~(3u << PIPE_BUF_SPLICER_SHIFT)) | (p << PIPE_BUF_SPLICER_SHIFT));
  }
};
static_assert(MAX_VALUE <= 3 && MAX_PROCS <= 4 && MAX_FOLIO_PAGES <= 2, "PipeBuffer packs these into two bits each");

struct State {
  std::array<Process, MAX_PROCS> proc{};
  std::array<Folio, MAX_FOLIOS> folio{};
  std::array<SwapDevice, MAX_SWAP_DEVICES> swap{};
  std::array<Inode, MAX_INODES> inode{};
  std::array<PipeBuffer, MAX_PIPE_BUFS> pipe{};  // the pipe's buffers, head first
  bool operator==(const State&) const = default;
};

static_assert(std::is_trivially_copyable_v<State>);
static_assert(std::has_unique_object_representations_v<State>,
              "State must have no padding: its bytes are its identity");

// A swap entry as the model names it: (type, slot index).  The kernel
// offset is slot + 1: offset 0 holds the swap header.
constexpr uint64_t slot_to_offset(uint8_t slot) { return uint64_t{slot} + 1; }

}  // namespace mm
