// A parsed scenario file: the header, declarations, the script (steps and
// expectations in file order), and an optional explore block with checks.
// Names (processes, mappings, files, swap devices) stay names here; the
// runner binds them to model slots and page indices.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "model/events.h"
#include "model/pagemap_scan.h"

namespace mmc::scenario {

// A position in the scenario file, 1-based; 0 when synthetic.
struct Loc {
  int line = 0;
  int col = 0;
};

// `p[0]`: page 0 of mapping p.
struct PageRef {
  std::string map;
  int index = 0;
  Loc loc;
};

// `v6.18 +CONFIG_PTE_MARKER_PAGEOUT -pte_swp_exclusive`: a preset and knobs on top.
struct ConfigSpec {
  std::string preset;
  std::vector<std::pair<std::string, bool>> knobs;
  Loc loc;
  std::string display_name() const;  // "v6.18+CONFIG_PTE_MARKER_PAGEOUT"
};

struct SwapDecl {
  std::string name;
  bool sync = false;           // SWP_SYNCHRONOUS_IO | SWP_SYNC_WRITEBACK
  bool stable_writes = false;  // SWP_STABLE_WRITES
  Loc loc;
};

struct FileDecl {
  std::string name;
  int npages = 1;
  Loc loc;
};

// The kinds of mapping `mmap` creates.
enum class MapKind { Private, Shared, MemfdShared, MemfdPrivate };

enum class StepKind {
  Mmap,       // A: p = mmap 2 private [thp] [uffd-wp]  |  A: q = mmap f shared
  Write,      // A: write p[0] [V]
  Read,       // A: read p[0]
  Madvise,    // A: madvise p[0] MADV_PAGEOUT|MADV_DONTNEED|MADV_REMOVE
  Fork,       // A: fork B
  Munmap,     // A: munmap p
  Exit,       // A: exit
  Pin,        // A: pin p[0]
  Unpin,      // A: unpin p[0]
  UffdWp,     // A: uffd-wp p[0] on|off
  ClearRefs,  // A: clear_refs
  Split,      // A: split p[0]
  Kernel,     // kernel: writeback|swapcache_drop|reclaim [p[0] [in A]]
  Fallocate,  // A: fallocate f INDEX [keep_size|punch_hole]  (one page of a declared file)
  Syscall,    // A: mprotect p PROT_READ | mlock p | munlock p | pin p[0] write | vmsplice p[0] | read pipe: the event `event`
};

struct Step {
  StepKind kind = StepKind::Read;
  bool scan_range = false;  // Syscall PagemapScanWp: 'A: pagemap_scan p[0] pages=N ARGS' with `scan_arg`
  mm::PmScanArg scan_arg;   // start: the page index in the mapping
  std::string scan_text;
  bool scan_by_expect = false;  // the effect of an observed PM_SCAN_WP_MATCHING call (no call of its own live)
  Loc loc;
  std::string proc;      // the acting process ("" for kernel steps)
  PageRef page;          // page-scoped steps; kernel steps with a target
  bool has_page = false;
  int value = 0;         // Write: the value (0 = the next value)
  bool on = true;        // UffdWp
  mm::EventKind event = mm::EventKind::ReadFault;  // Madvise / Kernel: which event
  std::string name;      // Mmap: the new mapping; Fork: the child; Munmap: the mapping
  // Mmap
  MapKind map_kind = MapKind::Private;
  int npages = 1;
  std::string file;      // memfd mappings of a declared file
  int offset = 0;        // page offset into the file
  bool thp = false;
  bool uffd_wp = false;
  int falloc_mode = 0;   // Fallocate: 0 allocate, 1 keep_size, 2 punch_hole (mm::FallocMode); `file`, page `offset`
  uint8_t uffd_features = 0;  // Mmap: mm::VmaFlags2 userfaultfd features (uffd-wp-async, ...)
  std::string via;       // Kernel: `in B`, the process whose mapping names the folio
};

enum class Quant { Always, Sometimes, Never };

enum class ObsKind {
  Pagemap,       // A: pagemap p[0] present=1 swap=0 ...   or  == 0x...
  Mincore,       // A: mincore p[0] == 1
  ReadValue,     // A: read p[0] == 3
  Lseek,         // lseek f SEEK_DATA 0 == 0 | ENXIO
  Pte,           // A: pte p[0] present=1 write=1 dirty=0 ...   (kernel-internal)
  Folio,         // A: folio p[0] anon_exclusive=1 swapcache=0 ... (kernel-internal)
  Slot,          // slot sda:1 count=2 cache=1                   (kernel-internal)
  Swap,          // swap sda used=0                               (kernel-internal)
  Folios,        // folios == 0: allocated folios                  (kernel-internal)
  Invariant,     // holds NAME | violated NAME
  SameFolio,     // A: folio p[0] same B: q[0]  |  A: folio p[0] same initial   (no PFN numbers)
  Access,        // A: access p[0] read|write == ok|SIGSEGV|SIGBUS   (the signal an access raises)
  Scan,          // A: scan p[0] written=1 present=1 ...  (PAGEMAP_SCAN categories)
  ScanRange,     // A: pagemap_scan p[0] pages=4 ARGS == RET [walk_end=K] [regions A-B/cats ...]  (do_pagemap_scan)
  PipeRead,      // A: read pipe == 1   (the value the next read of the pipe returns; the read itself is a step)
};

// `present=1`, `frame=sda:1`: one field compared with a value.
struct FieldTest {
  std::string field;
  uint64_t value = 0;
  std::string text;  // the value as written, for canonical output
  Loc loc;
};

struct Expect {
  Loc loc;
  Quant quant = Quant::Always;
  ObsKind kind = ObsKind::Pagemap;
  std::string proc;
  PageRef page;
  std::vector<FieldTest> fields;  // field form
  bool whole = false;             // `== VALUE` form
  uint64_t value = 0;
  std::string value_text;
  std::string file;               // Lseek
  bool seek_data = true;
  int from = 0;
  std::string swapdev;            // Slot / Swap
  int offset = 0;                 // Slot: kernel swap offset (slot index + 1)
  std::string invariant;          // Invariant
  bool holds = true;
  std::string other_proc;         // SameFolio: the page whose folio it must be ...
  PageRef other_page;
  bool same_initial = false;      // ... or the folio the page had when exploration started
  bool write_access = false;      // Access: a store (else a load)
  mm::PmScanArg scan_arg;         // ScanRange: start is the page index in the mapping
  uint64_t scan_want = 0;         // ScanRange: mm::pack_pm_scan_result of the expected result ...
  uint64_t scan_mask = 0;         // ... on the bits the expectation names (ret; walk_end; regions)
  std::string scan_text;          // ScanRange: the arguments and result as written
  std::string under;              // only under this config ("" = every config)
  Loc under_loc;
  std::string name;               // `as NAME`, or derived from the observation
  bool named = false;             // the name was given with `as`
  std::string observation() const;  // canonical text without quantifier/under/as
};

// One statement of the script, in file order: a step or an expectation,
// never both.  One or the other, not side by side, because a generated
// scenario can hold hundreds of thousands of them (a 16 MiB file of short
// expectations is 640,000): the parsed file's memory is mostly this.
struct Item {
  std::variant<Step, Expect> what;
  Item(Step s) : what(std::move(s)) {}
  Item(Expect x) : what(std::move(x)) {}
  bool is_expect() const { return what.index() == 1; }
  const Step& step() const { return std::get<Step>(what); }
  const Expect& expect() const { return std::get<Expect>(what); }
};

struct EventLimit {
  std::string name;  // a model event kind or an alias (fault, zap)
  int limit = -1;    // `fork<=1`; -1 = unlimited
  Loc loc;
};

struct ExploreDecl {
  Loc loc;
  size_t position = 0;  // number of script items before it: exploration starts there
  int depth = 0;        // 0 = no depth bound
  uint64_t states = 0;  // 0 = engine default
  std::vector<EventLimit> events;
};

struct CheckDecl {
  std::string invariant;
  bool expect_holds = true;
  std::string under;
  Loc loc;
  Loc under_loc;
};

// herd7-style conditions over the states an explore block reaches:
//   exists  A: read p[0] == 2 /\ A: pte p[0] write=1
//   forall  A: folio p[0] writeback=0 \/ A: pte p[0] write=0
//   ~exists A: pte p[0] write=1 /\ ~A: folio p[0] same initial
enum class CondQuant { Exists, Forall, NotExists };

struct CondExpr {
  enum class Op { Atom, And, Or, Not };
  Op op = Op::Atom;
  Expect atom;                 // Atom: the observation (quant/under/name unused)
  std::vector<CondExpr> kids;  // And, Or: two or more; Not: one
  std::string text() const;    // canonical, with parentheses where needed
};

struct ConditionDecl {
  Loc loc;
  CondQuant quant = CondQuant::Exists;
  CondExpr expr;
  std::string under;
  Loc under_loc;
  std::string name;   // `as NAME`, or "cond" + its position
  bool named = false;
};

struct Scenario {
  std::string file;  // path as given
  std::string title;
  std::string source;
  Loc title_loc;
  std::vector<ConfigSpec> configs;
  std::vector<std::pair<std::string, bool>> sets;  // `set KNOB=V`: every config, name unchanged
  bool live = false;
  bool background_explicit = false;
  std::vector<mm::EventKind> background = {mm::EventKind::WritebackEnd, mm::EventKind::SwapCacheDrop};
  std::vector<SwapDecl> swaps;
  std::vector<std::string> processes;  // declared (created at setup), in order
  std::vector<std::vector<std::string>> symmetric;
  std::vector<FileDecl> files;
  std::vector<Item> items;
  std::optional<ExploreDecl> explore;
  std::vector<CheckDecl> checks;
  std::vector<ConditionDecl> conditions;  // explore conditions, in file order
};

// Text of the names used in the language.
const char* quant_name(Quant q);          // "always" ...
const char* map_kind_name(MapKind k);     // "private" ...
const char* madvise_name(mm::EventKind k);  // "MADV_PAGEOUT" ...
const char* cond_quant_name(CondQuant q);   // "exists", "forall", "~exists"
// The madvise advice a scenario can name, and the event each is (nullptr / false when unknown).
bool madvise_from_name(std::string_view name, mm::EventKind& out);
// The signal number an access observation names: "ok" 0, "SIGBUS" 7, "SIGSEGV" 11; -1 when unknown.
int access_signal_from_name(std::string_view name);
const char* access_signal_name(uint64_t sig);

}  // namespace mmc::scenario
