// The standard starts of `mmcheck check`: the whole model, explored from a
// documented family of small initial states, each with every event kind it
// can use and a budget that is part of its definition (docs/check.md).
//
// A start is data: swap devices, shmem files, mappings, a budget.  Its
// alphabet is derived from the one table of event kinds (kEventTable in
// starts.cpp): adding an event kind to the model is one line there, and
// every start that can use it gets it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/engine/workload.h"
#include "model/config.h"
#include "model/state.h"

namespace mmc::check {

// One mmap of process A in a start.
struct MappingDecl {
  mm::VmaKind kind = mm::VmaKind::PrivateAnon;
  int npages = 1;
  uint8_t flags = 0;  // extra VmaFlags: VM_UFFD_WP, VM_HUGEPAGE
  int file = -1;      // index into Start::files (memfd kinds); -1: private anon, or a new inode (shared anon)
  int pgoff = 0;
};

// What a start contains, for deciding which event kinds it can use and
// which invariants it exercises.
enum Feature : uint32_t {
  F_PRIVATE_ANON = 1u << 0,
  F_SHMEM = 1u << 1,          // any shmem-backed mapping (shared anon, memfd)
  F_SHARED = 1u << 2,         // a VM_SHARED mapping (MADV_REMOVE applies)
  F_FILE_PRIVATE = 1u << 3,   // MAP_PRIVATE of a memfd
  F_UFFD_WP = 1u << 4,        // a VMA registered for uffd-wp
  F_THP = 1u << 5,            // a VM_HUGEPAGE mapping of at least 2 pages
  F_SWAP = 1u << 6,
  F_STABLE_WRITES = 1u << 7,  // a SWP_STABLE_WRITES device
  F_SYNC_SWAP = 1u << 8,      // a SWP_SYNCHRONOUS_IO device
  F_FORK = 1u << 9,
  F_PIN = 1u << 10,
  F_SOFT_DIRTY = 1u << 11,    // clear_refs in the alphabet (and CONFIG_MEM_SOFT_DIRTY)
  F_LRU_BATCH = 1u << 12,     // the config's lru_batch_other_cpu
  F_VMA_OPS = 1u << 13,       // the VMA and page-table operations of model III (mprotect, madvise family,
                              // mlock, mremap, RW pins, swapoff, PAGEMAP_SCAN): Start::vma_ops
  F_MREMAP_RESIZE = 1u << 14, // MREMAP_DONTUNMAP and resizing mremap (their own start: see starts.cpp)
  F_PIPE = 1u << 15,          // vmsplice and pipe reads in the alphabet: Start::pipe
  F_MIGRATION = 1u << 16,     // folio migration (migrate_unmap, migrate_move, move_pages): Start::migrations > 0
  F_COLLAPSE = 1u << 17,      // MADV_COLLAPSE in the alphabet: Start::collapse
  F_GUARD = 1u << 18,         // the config has guard regions (madvise_guard_regions, v6.13)
  F_UNUSED = 1u << 31,        // no start has it: the event is in no alphabet (starts.cpp says why)
};

struct Start {
  std::string_view name;
  std::string_view description;
  std::vector<uint8_t> swap;          // SwapFlags of each device, in priority order
  std::vector<int> files;             // page count of each memfd
  std::vector<MappingDecl> maps;      // process A's mappings
  // Budget: every path of at most `depth` events is explored; the limited
  // kinds below are the per-path counts (docs/check.md says why).
  int depth = 8;
  int forks = 1;
  int pageouts = 2;
  int pins = 1;
  int reclaims = -1;                  // -1: unlimited
  int splices = 1;                    // vmsplice per path (only with `pipe`)
  bool smoke = false;                 // among the smallest starts (the ctest entry)
  bool vma_ops = false;               // the model III operations in the alphabet (F_VMA_OPS)
  bool mremap_resize = false;         // MREMAP_DONTUNMAP and resizing mremap (F_MREMAP_RESIZE)
  int remaps = 1;                     // MREMAP_DONTUNMAP and MREMAP_MAYMOVE expansions, each (Limit::Remaps)
  bool pipe = false;                  // vmsplice and pipe_read in the alphabet (F_PIPE)
  bool collapse = false;              // MADV_COLLAPSE in the alphabet (F_COLLAPSE)
  int migrations = 0;                 // per-path migrate_unmap events; 0: no migration events (F_MIGRATION)
  std::string_view why_bound;         // the small-scope argument for this budget
};

const std::vector<Start>& standard_starts();
const Start* find_start(std::string_view name);

uint32_t start_features(const Start& st, const mm::Config& cfg);
// The event alphabet of `st` under `cfg`, with the budget's limits.
std::vector<engine::AlphabetEntry> start_alphabet(const Start& st, const mm::Config& cfg);
std::string alphabet_text(const std::vector<engine::AlphabetEntry>& a);
// The start as an engine workload (every invariant checked).
engine::Workload start_workload(const Start& st, const mm::Config& cfg);

// Which invariants a start exercises: the features an invariant's
// violation needs (docs/check.md, "small-scope argument") are in the start.
bool start_exercises(const Start& st, const mm::Config& cfg, std::string_view invariant);
uint32_t invariant_needs(std::string_view invariant);
// Not nullopt for an invariant that measures a documented inaccuracy (why).
std::optional<std::string_view> invariant_is_measure(std::string_view invariant);

}  // namespace mmc::check
