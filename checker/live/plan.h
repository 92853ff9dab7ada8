// A scenario's script turned into what a live run needs: the steps each
// real process performs, the observations it prints, and, for each
// observation, every value the model allows at that point of the script.
//
// The model side follows the scenario runner (checker/scenario/runner.cpp):
// after every step the set of states is closed under the scenario's
// background kernel events.  Two things differ because a real program runs:
//  - kernel steps (writeback, swapcache_drop, reclaim) cannot be forced from
//    userspace, so the program does not perform them and the model keeps
//    both the states before and after them;
//  - an `expect ... read p[0] == V` is a real load in the program, so the
//    model applies the read fault too.
#pragma once
#include <cstdint>
#include <optional>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "checker/scenario/ast.h"
#include "model/config.h"
#include "model/events.h"

namespace mmc::live {

// PagemapMincore and SameFrame are derived from two printed pagemap/mincore
// observations (`parts`), not printed themselves.
enum class ObsKind { Pagemap, Mincore, Value, Lseek, WriteStatus, PagemapMincore, SameFrame };
const char* obs_kind_name(ObsKind k);

struct Observation {
  int id = 0;                 // printed by the program as "# obs <id> ..."
  ObsKind kind = ObsKind::Pagemap;
  std::string text;           // "A: pagemap p[0]"
  scenario::Loc loc;          // the step or expectation it belongs to
  std::set<uint64_t> allowed; // comparable values the model allows (see comparable())
  std::set<uint64_t> raw;     // the model's full values, for display
  // PagemapMincore: not printed by the program but derived from two printed
  // observations of one page at one point (pagemap, mincore), compared as a
  // pair: the model must allow both values in the same state.
  std::vector<int> parts;
};
// The pair (pagemap, mincore) as one comparable value: comparable(pagemap)
// with mincore in bit 54 (never set in a comparable pagemap value: the frame
// is dropped, and a marker's frame is small).
uint64_t pagemap_mincore_pair(uint64_t pagemap, uint64_t mincore);
// SameFrame: 1 when two pagemap entries are present with one PFN (the same
// page: PFNs are shown to CAP_SYS_ADMIN), else 0.
uint64_t same_frame(uint64_t earlier, uint64_t later);

// One thing the program does, in scenario order.
struct LiveStep {
  int proc = -1;               // scenario process slot; -1 = the coordinator
  enum Kind { Plain, Fork, Exit } kind = Plain;
  int child = -1;              // Fork: the child's slot
  std::string comment;         // the scenario line it comes from
  std::vector<std::string> code;  // C statements run in `proc`
};

struct TapTest {
  int n = 0;
  std::string text;
};

struct Plan {
  std::string file;
  std::string title;
  mm::Config config;               // the model config the kernel is compared with
  // The file's config the kernel's profile is (matching_config), or "" when
  // it is none of them: the scenario's expectations are then not applicable.
  std::string matched_config;
  std::string why_not_live;        // non-empty: this scenario cannot run for real
  bool needs_swap = false;
  // Some mapping is placed on a real PMD range for MADV_COLLAPSE (the
  // program sets faults to small pages first: live_thp_setup).
  bool pmd_ranges = false;
  // Some mapping is a `thp` one: MADV_HUGEPAGE on its PMD range, write
  // faults map real THPs (the probe's thp_fault must say so).
  bool thp_faults = false;
  int declared_procs = 0;          // created by the coordinator before the script
  std::vector<std::string> proc_names;  // index = slot
  std::vector<std::string> map_names;   // index = C map number
  std::vector<std::pair<std::string, int>> files;  // memfd name, pages
  std::vector<LiveStep> steps;
  std::vector<Observation> observations;
  std::vector<TapTest> tests;
  std::vector<std::string> notes;  // what the live run cannot do and how the model covers it
};

// Builds the plan.  Throws scenario::ScenarioError for a scenario the model
// cannot run (impossible step, capacity); sets why_not_live for one a user
// program cannot perform (pins, THP splits, synchronous or stable-writes
// swap, no swap while other swap is active, ...).
//
// `max_memory_mb` (--max-memory-mb; nullopt: the default) bounds the whole
// process while the model's sets of states grow; reaching it throws
// engine::MemoryBoundHit ("FILE:LINE:COL: incomplete: memory bound hit ...").
Plan build_plan(const scenario::Scenario& sc, const mm::Config& cfg,
                std::optional<uint64_t> max_memory_mb = std::nullopt);

// A counterexample trace as a reproducer (`mmcheck explore FILE --emit-c`):
// the script up to the scenario's explore block, then `events` (the trace's
// steps, e.g. engine::TraceStep::event) as steps named with the script's
// process and mapping names.  Kernel events in the trace are not forced.
//
// `truths`: after the trace, the observations that show the violation, each
// asserted (TAP) with the value a kernel without the bug returns, so the
// reproducer fails on a kernel with the bug (live/counterexample.cpp picks them).
struct TruthCheck {
  scenario::ObsKind kind = scenario::ObsKind::ReadValue;  // ReadValue, Mincore, Pagemap or PipeRead (no page)
  int proc = 0, page = 0;  // model process slot and page index in the violating state
  std::string field;       // Pagemap: the bit ("swap", "soft_dirty", "uffd_wp", "exclusive")
  uint64_t value = 0;      // what a correct kernel returns
  std::string why;         // "cow_isolation/wrong-value: a read of A.page[0] returns 2 but ..."
};
Plan build_trace_plan(const scenario::Scenario& sc, const std::vector<mm::Event>& events, const mm::Config& cfg,
                      const std::vector<TruthCheck>& truths = {});

// The scenario config (its display name) that the kernel's profile is:
// equal on every knob except those a live run fixes or reads elsewhere
// (pagemap_show_pfn: the reader's CAP_SYS_ADMIN; lru_batch_other_cpu: the
// runtime pins a reproducer to one CPU) and the build options that only
// make some observations differ (CONFIG_MEM_SOFT_DIRTY,
// CONFIG_PTE_MARKER_UFFD_WP), which are judged per expectation: one the
// model does not make under the profile is not applicable.  "" when the
// profile is none of the file's configs.
std::string matching_config(const scenario::Scenario& sc, const mm::Config& profile);
// The file's configs, for messages: "v6.18, v6.18+mm_forbids_zeropage".
std::string file_configs_text(const scenario::Scenario& sc);

// The part of a value that is the kernel's semantics rather than its
// allocation order: pagemap flags, and the frame only of PTE markers
// (whose "offset" is the marker bits).  PFNs and swap offsets are dropped.
uint64_t comparable(ObsKind k, uint64_t value);

// The model config for the running kernel: the v6.18 preset with the knobs
// /proc/config.gz decides (CONFIG_MEM_SOFT_DIRTY, CONFIG_PTE_MARKER_UFFD_WP),
// pagemap_show_pfn from being root.  `kconfig` is the text of the config
// ("" when unreadable: the preset's defaults stay).
mm::Config running_kernel_config(const std::string& kconfig, bool root);
// The text of /proc/config.gz, or "" (uses zcat).
std::string read_running_kconfig();

}  // namespace mmc::live
