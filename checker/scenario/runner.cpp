// The scripted part of a scenario as a set of states.
//
// A script does not have one outcome: between two steps the kernel may
// finish writeback or drop a folio from the swap cache (or, when declared,
// reclaim), so after every step the set of states is closed under those
// background events.  Expectations then count the states where an
// observation holds (pos) and where it does not (neg), as herd7 does.
#include "checker/scenario/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>

#include "checker/engine/memory.h"
#include "checker/scenario/conditions.h"
#include "checker/scenario/explore_checks.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/script_model.h"
#include "model/config_requires.h"
#include "model/encoding.h"
#include "model/access.h"
#include "model/pagemap_scan.h"
#include "model/invariants.h"
#include "model/decisions.h"
#include "model/describe.h"
#include "model/mm.h"
#include "model/observe.h"
#include "model/pipe.h"
#include "model/setup.h"
#include "model/shmem.h"

namespace mmc::scenario {

Quant ObservationResult::actual() const {
  if (neg == 0) return Quant::Always;
  if (pos == 0) return Quant::Never;
  return Quant::Sometimes;
}

bool ObservationResult::ok() const {
  switch (expected) {
    case Quant::Always: return neg == 0;
    case Quant::Sometimes: return pos > 0;
    case Quant::Never: return pos == 0;
  }
  return false;
}

bool CheckResult::ok() const { return verdict == (expect_holds ? "holds" : "violated"); }

bool ConfigRun::ok() const {
  for (const auto& o : observations)
    if (!o.ok()) return false;
  for (const auto& c : checks)
    if (!c.ok()) return false;
  for (const auto& c : conditions)
    if (!c.ok()) return false;
  return true;
}

bool ScenarioRun::ok() const {
  if (!stopped.empty()) return false;
  for (const auto& c : configs)
    if (!c.ok()) return false;
  return true;
}

uint64_t ScenarioRun::states() const {
  uint64_t n = 0;
  for (const auto& c : configs) n += c.script_states + c.explored_states;
  return n;
}

ConfigSpec parse_config_option(const std::string& text) {
  // "v6.18+KNOB-KNOB2", also with spaces: "v6.18 +KNOB -KNOB2".  Presets
  // contain '-', so split at '+'/'-' only where a knob name follows.
  std::string t;
  for (char c : text)
    if (c != ' ') t += c;
  ConfigSpec spec;
  spec.loc = Loc{1, 1};
  size_t cut = t.size();
  for (size_t i = 0; i < t.size(); i++) {
    if (t[i] != '+' && t[i] != '-') continue;
    if (mm::config_preset(t.substr(0, i))) {
      cut = i;
      break;
    }
  }
  spec.preset = t.substr(0, cut);
  if (!mm::config_preset(spec.preset)) {
    std::string all;
    for (const auto& p : mm::config_presets()) all += fmt::format("{}{}", all.empty() ? "" : ", ", p.name);
    throw ScenarioError("--config", Loc{1, 1},
                        fmt::format("unknown config preset '{}'; presets are {}", spec.preset, all));
  }
  size_t i = cut;
  while (i < t.size()) {
    bool on = t[i] == '+';
    size_t j = i + 1;
    while (j < t.size() && t[j] != '+' && t[j] != '-') j++;
    std::string knob = t.substr(i + 1, j - i - 1);
    mm::Config dummy;
    if (!mm::config_set_knob(dummy, knob, on))
      throw ScenarioError("--config", Loc{1, static_cast<int>(i) + 1},
                          fmt::format("unknown config knob '{}'; see 'mmcheck configs'", knob));
    spec.knobs.emplace_back(knob, on);
    i = j;
  }
  return spec;
}

std::vector<NamedConfig> scenario_configs(const Scenario& s, const RunOptions& opt) {
  std::vector<ConfigSpec> specs = s.configs;
  if (opt.override_config) specs = {*opt.override_config};
  std::vector<NamedConfig> out;
  for (const auto& spec : specs) {
    NamedConfig nc;
    nc.name = spec.display_name();
    nc.config = *mm::config_preset(spec.preset);
    for (const auto& [k, v] : spec.knobs) mm::config_set_knob(nc.config, k, v);
    for (const auto& [k, v] : s.sets) mm::config_set_knob(nc.config, k, v);
    for (const auto& [k, v] : opt.sets) mm::config_set_knob(nc.config, k, v);
    if (std::string why = mm::config_contradiction(nc.config); !why.empty()) {
      if (opt.override_config) throw ScenarioError("--config", Loc{1, 1}, fmt::format("'{}' is no kernel: {}", nc.name, why));
      throw ScenarioError(s.file, spec.loc, fmt::format("config '{}' with --set is no kernel: {}", nc.name, why));
    }
    nc.config.name = nc.name;
    out.push_back(nc);
  }
  return out;
}

std::string step_description(const Step& st);  // show.cpp

namespace {

struct MapInfo {
  int start = 0;
  int npages = 0;
  std::string owner;  // the process that created it
};

// Executes a scenario's script under one config.
class ScriptRunner {
 public:
  ScriptRunner(const Scenario& s, const NamedConfig& cfg, const RunOptions& opt)
      : sc_(s), cfg_(cfg), opt_(opt), guard_(opt.max_memory_mb.value_or(0)) {}

  // Setup, then items [0, upto).  Expectations are evaluated into `out` when given.
  void run(size_t upto, ConfigRun* out) {
    setup();
    run_items(0, upto, out);
  }
  // Items [from, upto) on from the current set of states.
  void run_items(size_t from, size_t upto, ConfigRun* out) {
    upto = std::min(upto, sc_.items.size());
    if (out) out->observations.reserve(out->observations.size() + expectations_in(from, upto));
    for (size_t i = from; i < upto; i++) {
      const Item& it = sc_.items[i];
      if (it.is_expect()) {
        if (out && (it.expect().under.empty() || it.expect().under == cfg_.name)) out->observations.push_back(evaluate(it.expect()));
        // A generated script of expectations alone grows only the results.
        if (!guard_.within_every(4096)) memory_stop(it.expect().loc, "expectation");
        continue;
      }
      step(it.step());
      close_under_background(it.step().loc);
      if (!guard_.within()) memory_stop(it.step().loc);
    }
  }

  const std::vector<mm::State>& states() const { return cur_.states(); }

  // How explore conditions observe a state: with this script's names; an
  // observation of a process that is not running is false there.
  ConditionEnv condition_env() const {
    ConditionEnv env;
    env.observe = [this](const Expect& x, const mm::State& s) {
      if (!x.proc.empty() && s.proc[proc_slot(x.proc, x.loc)].alive != mm::PROC_ALIVE) return false;
      if (!x.other_proc.empty() && s.proc[proc_slot(x.other_proc, x.loc)].alive != mm::PROC_ALIVE) return false;
      return observe(x, s);
    };
    env.locate = [this](const std::string& proc, const PageRef& page) {
      return std::pair<int, int>{proc_slot(proc, page.loc), page_of(page)};
    };
    return env;
  }
  uint64_t states_seen() const { return all_.size(); }
  std::vector<std::string> proc_names() const {
    std::vector<std::string> names(mm::MAX_PROCS);
    for (const auto& [n, slot] : procs_) names[slot] = n;
    // Slots a later fork fills get fresh letters not used by the scenario.
    char next = 'A';
    for (auto& n : names) {
      if (!n.empty()) continue;
      while (procs_.count(std::string(1, next))) next++;
      n = std::string(1, next++);
    }
    return names;
  }
  // The scenario's name of each page index: "s[0]" (the first mapping that covers it).
  std::vector<std::string> page_names() const {
    std::vector<std::string> names(mm::MAX_PAGES);
    for (const auto& [name, m] : maps_)
      for (int i = 0; i < m.npages && m.start + i < mm::MAX_PAGES; i++)
        if (names[m.start + i].empty()) names[m.start + i] = fmt::format("{}[{}]", name, i);
    return names;
  }
  std::vector<std::string> device_names() const {
    std::vector<std::string> names;
    for (const auto& d : sc_.swaps) names.push_back(d.name);
    while (names.size() < static_cast<size_t>(mm::MAX_SWAP_DEVICES)) names.push_back(fmt::format("swap{}", names.size()));
    return names;
  }
  uint8_t interchangeable() const {
    uint8_t mask = 0;
    for (const auto& g : sc_.symmetric)
      for (const auto& p : g)
        if (procs_.count(p)) mask |= static_cast<uint8_t>(1u << procs_.at(p));
    return mask;
  }

 private:
  const Scenario& sc_;
  const NamedConfig& cfg_;
  const RunOptions& opt_;
  engine::MemoryGuard guard_;  // the script's sets of states count against --max-memory-mb
  StateSet cur_;
  std::unordered_set<std::string> all_;
  std::map<std::string, int> procs_;    // name -> slot
  std::map<std::string, int> devices_;  // name -> swap type
  std::map<std::string, int> files_;    // name -> inode
  std::map<std::string, MapInfo> maps_;

  // Where each state of the script came from, to print the path to a
  // state that contradicts an expectation: the state before, the step's
  // text (or the background event), and the single model event when the
  // step is one (its decisions are then replayed).  First reach wins.
  struct Origin {
    std::string parent;
    std::string label;
    std::optional<mm::Event> event;
  };
  std::unordered_map<std::string, Origin> origin_;
  std::string initial_;
  void note_origin(const mm::State& from, const mm::State& to, const std::string& label, std::optional<mm::Event> e) {
    std::string key(state_bytes(to));
    if (key == initial_ || origin_.count(key)) return;
    origin_.emplace(std::move(key), Origin{std::string(state_bytes(from)), label, e});
  }
  static std::string step_label(const Step& st) { return fmt::format("line {}: {}", st.loc.line, step_description(st)); }

  // The memory bound: the run stops here, incomplete (never a bad_alloc).
  [[noreturn]] void memory_stop(Loc loc, const char* what = "step") const {
    throw engine::MemoryBoundHit(fmt::format("{}:{}:{}: incomplete: {}, after this {} under config {} ({} distinct "
                                             "script states reached)",
                                             sc_.file, loc.line, loc.col, guard_.bound_text(), what, cfg_.name,
                                             all_.size()));
  }

  // Room for the results of items [from, upto) at once (no doubling peak).
  size_t expectations_in(size_t from, size_t upto) const {
    size_t n = 0;
    for (size_t i = from; i < upto; i++) n += sc_.items[i].is_expect();
    return n;
  }

  [[noreturn]] void fail(Loc loc, const std::string& msg) const {
    throw ScenarioError(sc_.file, loc, fmt::format("{} (under config {})", msg, cfg_.name));
  }

  void setup() {
    mm::State s{};
    for (const auto& d : sc_.swaps) {
      uint8_t flags = 0;
      if (d.sync) flags |= mm::SWP_SYNCHRONOUS_IO | mm::SWP_SYNC_WRITEBACK;
      if (d.stable_writes) flags |= mm::SWP_STABLE_WRITES;
      int t = mm::swapon(s, flags);
      if (t < 0) fail(d.loc, "no free swap device in the model");
      devices_[d.name] = t;
    }
    for (const auto& f : sc_.files) {
      int ino = mm::shmem_create(s, f.npages);
      if (ino < 0) fail(f.loc, "no free shmem inode in the model");
      files_[f.name] = ino;
    }
    for (const auto& p : sc_.processes) {
      int slot = mm::create_process(s);
      if (slot < 0) fail(sc_.title_loc, "no free process slot in the model");
      procs_[p] = slot;
    }
    cur_ = StateSet{};
    cur_.insert(s);
    all_.insert(std::string(state_bytes(s)));
    initial_ = std::string(state_bytes(s));
  }

  int page_of(const PageRef& r) const {
    const MapInfo& m = maps_.at(r.map);
    // A mremap that failed (-ENOMEM) left the mapping smaller than the script says.
    if (r.index >= m.npages || m.start < 0)
      fail(r.loc, fmt::format("{}[{}] is outside mapping '{}' at this point (it has {} page{})", r.map, r.index, r.map,
                              m.npages, m.npages == 1 ? "" : "s"));
    return m.start + r.index;
  }

  static int subpage_behind(const mm::State& s, int proc, int page) {
    const mm::Pte& pte = s.proc[proc].pte[page];
    return pte.kind == mm::PteKind::Present || pte.kind == mm::PteKind::Migration ? pte.b : 0;
  }

  int proc_slot(const std::string& name, Loc loc) const {
    auto it = procs_.find(name);
    if (it == procs_.end()) fail(loc, fmt::format("process '{}' does not exist at this point of the script", name));
    return it->second;
  }

  // ---- steps ----
  void step(const Step& st) {
    switch (st.kind) {
      case StepKind::Mmap: return mmap_step(st);
      case StepKind::Fork: return fork_step(st);
      case StepKind::Kernel: return kernel_step(st);
      case StepKind::Fallocate: return fallocate_step(st);
      default: break;
    }
    const int proc = proc_slot(st.proc, st.loc);
    mm::Event e;
    e.proc = static_cast<uint8_t>(proc);
    if (st.has_page || st.kind == StepKind::Munmap) {
      auto it = maps_.find(st.page.map);
      if (it == maps_.end()) fail(st.page.loc, fmt::format("mapping '{}' does not exist at this point", st.page.map));
      e.page = static_cast<uint8_t>(page_of(st.page));
    }
    e.kind = process_event_kind(st);
    if (st.scan_range) {
      mm::PmScanArg a = st.scan_arg;
      a.start = e.page;
      apply_everywhere(st, [&](mm::State& s) {
        if (s.proc[proc].alive != mm::PROC_ALIVE) return mm::Outcome::disabled("the process is not running");
        const mm::PmScanResult r = mm::do_pagemap_scan(s, proc, a, cfg_.config);
        if (!r.unknown.empty()) fail(st.loc, fmt::format("impossible PAGEMAP_SCAN for the model: {}", r.unknown));
        return mm::Outcome::done();
      });
      return;
    }
    if (st.kind == StepKind::Write) e.arg = static_cast<uint8_t>(st.value);  // 0: the next value, in each state
    if (e.kind == mm::EventKind::Swapoff) e.arg = static_cast<uint8_t>(devices_.at(st.name));
    if (is_resizing_mremap(e.kind)) {
      e.kind = resize_event_kind(st, maps_.at(st.page.map).npages);
      if (e.kind == mm::EventKind::Count_) return;  // MREMAP_NO_RESIZE
      e.arg = static_cast<uint8_t>(st.npages);
    }
    const bool remaps = e.kind == mm::EventKind::Mremap || e.kind == mm::EventKind::MremapDontunmap || is_resizing_mremap(e.kind);
    const int vma_slot = remaps ? vma_slot_of(proc, e.page) : -1;
    const uint8_t slots_before = remaps ? used_vma_slots(proc) : 0;
    apply_everywhere(st, [&](mm::State& s) { return mm::apply(s, e, cfg_.config); }, e);
    if (!remaps) return;
    if (e.kind == mm::EventKind::MremapDontunmap) {
      // The copy took a VMA slot that was free before: the new mapping.
      const uint8_t fresh = used_vma_slots(proc) & ~slots_before;
      int slot = -1;
      for (int i = 0; i < mm::MAX_VMAS; i++)
        if (fresh & (1u << i)) slot = i;
      const MapInfo old = maps_[st.page.map];
      maps_[st.name] = MapInfo{slot < 0 ? -1 : remapped_start(st, proc, slot), old.npages, old.owner};
      return;
    }
    maps_[st.page.map].start = remapped_start(st, proc, vma_slot);
    maps_[st.page.map].npages = cur_.states()[0].proc[proc].vma[vma_slot].npages;
  }

  static bool is_resizing_mremap(mm::EventKind k) {
    return k == mm::EventKind::MremapShrink || k == mm::EventKind::MremapExpand || k == mm::EventKind::MremapExpandMaymove;
  }

  // The VMA slots in use in this process (the same in every state: the VMA layout is).
  uint8_t used_vma_slots(int proc) const {
    uint8_t used = 0;
    const mm::Process& p = cur_.states()[0].proc[proc];
    for (int i = 0; i < mm::MAX_VMAS; i++)
      if (p.vma[i].kind != mm::VmaKind::None) used |= 1u << i;
    return used;
  }

  // The VMA slot holding the mapping (mremap keeps the VMA in its slot).
  int vma_slot_of(int proc, int page) const {
    const mm::Process& p = cur_.states()[0].proc[proc];
    for (int i = 0; i < mm::MAX_VMAS; i++)
      if (p.vma[i].kind != mm::VmaKind::None && page >= p.vma[i].start && page < p.vma[i].start + p.vma[i].npages)
        return i;
    return -1;
  }

  // Where mremap moved the mapping: its VMA's new start, the same in every
  // state (the VMA layout is).
  int remapped_start(const Step& st, int proc, int vma_slot) const {
    int start = -1;
    for (const mm::State& s : cur_.states()) {
      const int at = vma_slot < 0 ? -1 : s.proc[proc].vma[vma_slot].start;
      if (start >= 0 && at != start) fail(st.loc, "mremap moves the mapping to different addresses in different states");
      start = at;
    }
    if (start < 0) fail(st.loc, "mremap found no mapping to move");
    return start;
  }

  // Applies `fn` to every state.  A state where the step is impossible
  // (Disabled, SIGSEGV) stays as it was; when it is impossible in every
  // state the script is wrong.
  void apply_everywhere(const Step& st, const std::function<mm::Outcome(mm::State&)>& fn,
                        std::optional<mm::Event> single = std::nullopt) {
    const std::string label = step_label(st);
    AppliedStep r = apply_to_each(cur_, [&](mm::State& s) {
      const mm::State before = s;
      mm::Outcome o = fn(s);
      if (o.status == mm::Status::Done || o.status == mm::Status::WpFault) note_origin(before, s, label, single);
      return o;
    });
    if (r.out_of_capacity)
      fail(st.loc, fmt::format("the model ran out of capacity: {}; make the scenario smaller", r.out_of_capacity->reason));
    if (r.impossible == cur_.size())
      fail(st.loc, fmt::format("impossible step: {}; remove the step or change what comes before it", r.why));
    cur_ = std::move(r.next);
  }

  void mmap_step(const Step& st) {
    const int proc = proc_slot(st.proc, st.loc);
    const mm::VmaKind kind = vma_kind_of(st.map_kind);
    const uint8_t flags = vma_flags_of(st);
    int start = -1;
    StateSet next;
    for (const mm::State& s0 : cur_.states()) {
      mm::State s = s0;
      int inode = -1;
      if (!st.file.empty()) inode = files_.at(st.file);
      else if (kind != mm::VmaKind::PrivateAnon) {
        // shmem_zero_setup / an anonymous memfd: a new inode of the mapping's size.
        inode = mm::shmem_create(s, st.npages);
        if (inode < 0) fail(st.loc, fmt::format("no free shmem inode in the model (it has {})", mm::MAX_INODES));
      }
      if (s.proc[proc].alive != mm::PROC_ALIVE) fail(st.loc, fmt::format("impossible step: process {} is not running", st.proc));
      int at = mm::do_mmap(s, proc, kind, st.npages, flags, inode, st.offset, cfg_.config);
      if (at >= 0 && st.uffd_features) mm::find_vma(s.proc[proc], at)->flags2 |= st.uffd_features;
      if (at < 0)
        fail(st.loc, fmt::format("mmap of {} page{} does not fit: the model has {} pages and {} VMAs per process",
                                 st.npages, st.npages == 1 ? "" : "s", mm::MAX_PAGES, mm::MAX_VMAS));
      if (start >= 0 && at != start) fail(st.loc, "mmap lands at different addresses in different states");
      start = at;
      note_origin(s0, s, step_label(st), std::nullopt);
      next.insert(s);
    }
    cur_ = std::move(next);
    maps_[st.name] = MapInfo{start, st.npages, st.proc};
  }

  // fallocate(2) on a declared file: model/shmem.h shmem_fallocate, one page.
  void fallocate_step(const Step& st) {
    const int proc = proc_slot(st.proc, st.loc);
    const int inode = files_.at(st.file);
    const auto mode = static_cast<mm::FallocMode>(st.falloc_mode);
    apply_everywhere(st, [&](mm::State& s) {
      if (s.proc[proc].alive != mm::PROC_ALIVE) return mm::Outcome::disabled("the process is not running");
      return mm::shmem_fallocate(s, inode, st.offset, mode, cfg_.config);
    });
  }

  void fork_step(const Step& st) {
    const int proc = proc_slot(st.proc, st.loc);
    const int child = free_proc_slot(cur_.states()[0]);
    if (child < 0) fail(st.loc, fmt::format("no free process slot for the child; the model has {}", mm::MAX_PROCS));
    mm::Event e{mm::EventKind::Fork, static_cast<uint8_t>(proc), 0, 0};
    apply_everywhere(st, [&](mm::State& s) { return mm::apply(s, e, cfg_.config); }, e);
    procs_[st.name] = child;
  }

  int kernel_target_proc(const Step& st) const {
    if (!st.via.empty()) return proc_slot(st.via, st.loc);
    return proc_slot(maps_.at(st.page.map).owner, st.loc);
  }

  void kernel_step(const Step& st) {
    if (!st.has_page) {
      // Every folio the event applies to, lowest id first.
      apply_everywhere(st, [&](mm::State& s) {
        mm::Outcome any = mm::Outcome::disabled(st.event == mm::EventKind::WritebackEnd
                                                    ? "no folio is under writeback"
                                                    : "no folio can leave the swap cache");
        bool done = false;
        for (int f = 0; f < mm::MAX_FOLIOS; f++) {
          const bool candidate = s.folio[f].test(st.event == mm::EventKind::WritebackEnd ? mm::PG_writeback
                                                                                          : mm::PG_swapcache);
          mm::Event e{st.event, 0, 0, static_cast<uint8_t>(f)};
          mm::Outcome o = mm::apply(s, e, cfg_.config);
          if (o.status == mm::Status::OutOfCapacity) return o;
          if (o.status == mm::Status::Done) done = true;
          // Say why a folio that could have been meant was refused.
          else if (candidate && !done) any = o;
        }
        return done ? mm::Outcome::done() : any;
      });
      return;
    }
    const int proc = kernel_target_proc(st);
    const int page = page_of(st.page);
    const std::string who = st.via.empty() ? maps_.at(st.page.map).owner : st.via;
    apply_everywhere(st, [&](mm::State& s) {
      if (s.proc[proc].alive != mm::PROC_ALIVE)
        return mm::Outcome::disabled("the process whose mapping names the folio is not running; name another with 'in B'");
      int f = folio_behind(s, proc, page);
      if (f < 0) return mm::Outcome::disabled("no folio is behind this page");
      mm::Event e{st.event, 0, 0, static_cast<uint8_t>(f)};
      return mm::apply(s, e, cfg_.config);
    });
    (void)who;
  }

  void close_under_background(Loc loc) {
    for (const auto& s : cur_.states()) all_.insert(std::string(state_bytes(s)));
    BackgroundOptions bg;
    bg.kinds = sc_.background;
    bg.max_states = opt_.max_script_states;
    bg.stop_on_capacity = true;  // dropping outcomes silently would be a false pass
    bg.on_new_state = [&](const mm::State& s) {
      all_.insert(std::string(state_bytes(s)));
      if (!guard_.within_every(1024)) memory_stop(loc);
    };
    bg.on_new_edge = [&](const mm::State& from, const mm::Event& e, const mm::State& to) {
      note_origin(from, to, fmt::format("background: {}", mm::event_kind_name(e.kind)), e);
    };
    const BackgroundClosure c = scenario::close_under_background(cur_, cfg_.config, bg);
    if (c.result == BackgroundClosure::OutOfCapacity)
      fail(loc, fmt::format("the model ran out of capacity during background {}: {}; make the scenario smaller",
                            mm::event_kind_name(c.event), c.reason));
    if (c.result == BackgroundClosure::TooManyStates)
      fail(loc, fmt::format("more than {} states after this step; use 'background none' and explicit kernel steps",
                            opt_.max_script_states));
  }

  // ---- observations ----
  ObservationResult evaluate(const Expect& x) const {
    ObservationResult r;
    r.name = x.name;
    r.text = x.observation();
    r.expected = x.quant;
    r.loc = x.loc;
    const mm::State* contra = nullptr;
    for (const mm::State& s : cur_.states()) {
      bool holds = observe(x, s);
      (holds ? r.pos : r.neg)++;
      // The first state that goes against the expectation (for always: one
      // where it fails; for never: one where it holds).
      if (!contra && holds == (x.quant == Quant::Never)) contra = &s;
    }
    if (!r.ok() && contra) {
      mm::DisplayNames names;
      names.procs = proc_names();
      names.devices = device_names();
      names.pages = page_names();
      r.failure = std::make_shared<const ObservationFailure>(
          ObservationFailure{mm::describe_state(*contra, names), path_to(*contra, names), names});
    }
    return r;
  }

  // The path from the script's initial state to `s`, from the origins.
  engine::Trace path_to(const mm::State& s, const mm::DisplayNames& names) const {
    std::vector<const Origin*> chain;
    std::string key(state_bytes(s));
    while (key != initial_) {
      auto it = origin_.find(key);
      if (it == origin_.end() || chain.size() > origin_.size()) break;  // cannot happen: every state has an origin
      chain.push_back(&it->second);
      key = it->second.parent;
    }
    engine::Trace t;
    std::memcpy(static_cast<void*>(&t.initial), initial_.data(), sizeof(mm::State));
    mm::State cur = t.initial;
    for (auto o = chain.rbegin(); o != chain.rend(); ++o) {
      engine::TraceStep st;
      std::memcpy(static_cast<void*>(&st.after), ((*o) == chain.front() ? std::string(state_bytes(s)) : (*(o + 1))->parent).data(),
                  sizeof(mm::State));
      st.text = (*o)->label;
      st.has_event = (*o)->event.has_value();
      if ((*o)->event) {
        st.event = *(*o)->event;
        mm::State again = cur;
        mm::apply(again, st.event, cfg_.config, &st.decisions);
        if (st.event.kind == mm::EventKind::WritebackEnd || st.event.kind == mm::EventKind::SwapCacheDrop ||
            st.event.kind == mm::EventKind::Reclaim || st.event.kind == mm::EventKind::LruAddDrain)
          st.text = fmt::format("{} ({})", (*o)->label, mm::describe_event(st.event, cur, names));
      }
      st.changes = mm::describe_changes(cur, st.after, names);
      cur = st.after;
      t.steps.push_back(std::move(st));
    }
    return t;
  }

  bool fields_match(const std::vector<FieldTest>& fs, const std::map<std::string, uint64_t>& got) const {
    for (const auto& f : fs) {
      uint64_t want = f.value;
      std::string field = f.field;
      if (field.rfind("frame@", 0) == 0) {
        want = mm::enc::pagemap_swap_frame(static_cast<uint64_t>(devices_.at(field.substr(6))), f.value);
        field = "frame";
      }
      if (got.at(field) != want) return false;
    }
    return true;
  }

  bool observe(const Expect& x, const mm::State& s) const {
    const mm::Config& cfg = cfg_.config;
    int proc = -1, page = 0;
    if (!x.proc.empty()) {
      proc = proc_slot(x.proc, x.loc);
      if (s.proc[proc].alive != mm::PROC_ALIVE)
        fail(x.loc, fmt::format("process {} is not running here; an exited process cannot be observed", x.proc));
    }
    if (!x.proc.empty() && x.kind != ObsKind::PipeRead) {  // a pipe read names no page
      auto it = maps_.find(x.page.map);
      if (it == maps_.end()) fail(x.page.loc, fmt::format("mapping '{}' does not exist at this point", x.page.map));
      page = page_of(x.page);
    }
    switch (x.kind) {
      case ObsKind::Pagemap: {
        const mm::PagemapRead read = mm::pagemap_read(s, proc, page, cfg);
        const uint64_t entry = read.entry;
        if (x.whole) return entry == x.value;
        namespace e = mm::enc;
        std::map<std::string, uint64_t> got = {
            {"present", (entry & e::PM_PRESENT) != 0}, {"swap", (entry & e::PM_SWAP) != 0},
            {"file", (entry & e::PM_FILE) != 0},       {"exclusive", (entry & e::PM_MMAP_EXCLUSIVE) != 0},
            {"uffd_wp", (entry & e::PM_UFFD_WP) != 0}, {"soft_dirty", (entry & e::PM_SOFT_DIRTY) != 0},
            {"guard", (entry & e::PM_GUARD_REGION) != 0}, {"frame", entry & e::PM_PFRAME_MASK},
            // Not a pagemap bit: the shmem xarray lookups this read cost (model-only).
            {"lookups", static_cast<uint64_t>(read.page_cache_lookups)}};
        return fields_match(x.fields, got);
      }
      case ObsKind::Mincore: return mm::mincore_byte(s, proc, page, cfg) == x.value;
      case ObsKind::ReadValue: return mm::read_value(s, proc, page) == x.value;
      case ObsKind::Pte: {
        const mm::Pte& pte = s.proc[proc].pte[page];
        std::map<std::string, uint64_t> got = {
            {"none", pte.kind == mm::PteKind::None},       {"present", pte.kind == mm::PteKind::Present},
            {"swap", pte.kind == mm::PteKind::Swap},       {"marker", pte.kind == mm::PteKind::Marker},
            {"write", (pte.bits & mm::PTE_WRITE) != 0},    {"dirty", (pte.bits & mm::PTE_DIRTY) != 0},
            {"soft_dirty", (pte.bits & mm::PTE_SOFT_DIRTY) != 0}, {"uffd_wp", (pte.bits & mm::PTE_UFFD_WP) != 0},
            {"swp_exclusive", (pte.bits & mm::PTE_SWP_EXCLUSIVE) != 0}, {"pmd", (pte.bits & mm::PTE_PMD) != 0},
            {"migration", pte.kind == mm::PteKind::Migration}};
        if (pte.kind == mm::PteKind::Marker) got["uffd_wp"] = (pte.a & mm::enc::PTE_MARKER_UFFD_WP) != 0;
        return fields_match(x.fields, got);
      }
      case ObsKind::Folio: {
        int f = folio_behind(s, proc, page);
        int sub = subpage_behind(s, proc, page);
        std::map<std::string, uint64_t> got;
        got["exists"] = f >= 0;
        const mm::Folio fo = f >= 0 ? s.folio[f] : mm::Folio{};
        got["anon"] = fo.test(mm::PG_anon);
        got["anon_exclusive"] = (fo.anon_exclusive >> sub) & 1;
        got["swapcache"] = fo.test(mm::PG_swapcache);
        got["writeback"] = fo.test(mm::PG_writeback);
        got["dirty"] = fo.test(mm::PG_dirty);
        got["uptodate"] = fo.test(mm::PG_uptodate);
        got["large"] = fo.test(mm::PG_large);
        got["mapcount"] = f >= 0 ? static_cast<uint64_t>(mm::folio_mapcount(s, f)) : 0;
        got["refcount"] = f >= 0 ? static_cast<uint64_t>(mm::folio_ref_count(s, f)) : 0;
        got["pinned"] = f >= 0 && mm::folio_maybe_dma_pinned(s, f);
        got["content"] = fo.content[sub];
        return fields_match(x.fields, got);
      }
      case ObsKind::Lseek: {
        int r = mm::shmem_lseek(s, files_.at(x.file), x.from, x.seek_data);
        return static_cast<uint64_t>(static_cast<int64_t>(r)) == x.value;
      }
      case ObsKind::Slot: {
        const mm::SwapSlot& sl = s.swap[devices_.at(x.swapdev)].slot[x.offset - 1];
        return fields_match(x.fields, {{"count", sl.count}, {"cache", sl.has_cache}, {"content", sl.content}});
      }
      case ObsKind::Swap: {
        uint64_t used = 0;
        for (const mm::SwapSlot& sl : s.swap[devices_.at(x.swapdev)].slot) used += (sl.count || sl.has_cache) ? 1 : 0;
        return fields_match(x.fields, {{"used", used}});
      }
      case ObsKind::Folios: {
        uint64_t n = 0;
        for (const mm::Folio& fo : s.folio) n += fo.test(mm::FOLIO_ALLOCATED) ? 1 : 0;
        return n == x.value;
      }
      case ObsKind::Invariant: {
        bool holds = mm::find_invariant(x.invariant)->check(s, cfg) == 0;
        return holds == x.holds;
      }
      case ObsKind::SameFolio: {
        if (x.same_initial) return false;  // explore conditions answer this one (they track the folio)
        const int other = proc_slot(x.other_proc, x.loc);
        if (s.proc[other].alive != mm::PROC_ALIVE)
          fail(x.loc, fmt::format("process {} is not running here; an exited process cannot be observed", x.other_proc));
        if (!maps_.count(x.other_page.map))
          fail(x.other_page.loc, fmt::format("mapping '{}' does not exist at this point", x.other_page.map));
        const int f = folio_behind(s, proc, page);
        return f >= 0 && f == folio_behind(s, other, page_of(x.other_page));
      }
      case ObsKind::Scan: {
        const uint32_t c = mm::pagemap_scan_categories(s, proc, page, cfg);
        return fields_match(x.fields, {{"wpallowed", (c & mm::PAGE_IS_WPALLOWED) != 0}, {"written", (c & mm::PAGE_IS_WRITTEN) != 0},
                                       {"file", (c & mm::PAGE_IS_FILE) != 0}, {"present", (c & mm::PAGE_IS_PRESENT) != 0},
                                       {"swapped", (c & mm::PAGE_IS_SWAPPED) != 0}, {"pfnzero", (c & mm::PAGE_IS_PFNZERO) != 0},
                                       {"huge", (c & mm::PAGE_IS_HUGE) != 0}, {"soft_dirty", (c & mm::PAGE_IS_SOFT_DIRTY) != 0},
                                       {"guard", (c & mm::PAGE_IS_GUARD) != 0}});
      }
      case ObsKind::ScanRange: {
        mm::State copy = s;
        mm::PmScanArg a = x.scan_arg;
        a.start += page - x.page.index;  // the mapping's start
        const mm::PmScanResult r = mm::do_pagemap_scan(copy, proc, a, cfg);
        if (!r.unknown.empty()) fail(x.loc, fmt::format("impossible PAGEMAP_SCAN for the model: {}", r.unknown));
        return (mm::pack_pm_scan_result(r, a.start) & x.scan_mask) == x.scan_want;
      }
      case ObsKind::PipeRead: {
        const int v = mm::pipe_read_value(s);  // an empty pipe: the read would wait, it returns nothing
        return v >= 0 && static_cast<uint64_t>(v) == x.value;
      }
      case ObsKind::Access:
        return static_cast<uint64_t>(mm::access_signal(s, proc, page,
                                                       x.write_access ? mm::AccessKind::Write : mm::AccessKind::Read,
                                                       cfg)) == x.value;
    }
    return false;
  }
};

engine::Workload make_workload(const Scenario& s, const NamedConfig& cfg, const ScriptRunner& r) {
  engine::Workload w;
  w.name = s.title;
  w.description = s.source;
  w.initial = r.states();
  w.config = cfg.config;
  w.interchangeable = r.interchangeable();
  w.proc_names = r.proc_names();
  w.device_names = r.device_names();
  w.page_names = r.page_names();
  if (!s.explore) return w;
  const ExploreDecl& e = *s.explore;
  // fault = read write; zap = dontneed munmap exit.  A limit on an alias
  // limits each kind it stands for.
  auto add = [&](mm::EventKind k, int limit) {
    for (auto& a : w.alphabet)
      if (a.kind == k) {
        a.limit = limit;
        return;
      }
    w.alphabet.push_back({k, limit});
  };
  for (const auto& ev : e.events) {
    if (ev.name == "fault") {
      add(mm::EventKind::ReadFault, ev.limit);
      add(mm::EventKind::WriteFault, ev.limit);
    } else if (ev.name == "zap") {
      add(mm::EventKind::MadvDontneed, ev.limit);
      add(mm::EventKind::Munmap, ev.limit);
      add(mm::EventKind::Exit, ev.limit);
    } else {
      mm::EventKind k{};
      mm::event_kind_from_name(ev.name, k);
      add(k, ev.limit);
    }
  }
  std::set<std::string> invs;
  for (const auto& c : s.checks) invs.insert(c.invariant);
  w.invariants.assign(invs.begin(), invs.end());
  if (e.depth) w.bounds.max_depth = e.depth;
  if (e.states) w.bounds.max_states = e.states;
  return w;
}

}  // namespace

engine::Workload build_workload(const Scenario& s, const NamedConfig& cfg, const RunOptions& opt) {
  ScriptRunner r(s, cfg, opt);
  r.run(s.explore ? s.explore->position : s.items.size(), nullptr);
  return make_workload(s, cfg, r);
}

mm::DisplayNames walk_script(const Scenario& s, const NamedConfig& cfg, const RunOptions& opt,
                             const std::function<bool(size_t, const std::vector<mm::State>&)>& after) {
  ScriptRunner r(s, cfg, opt);
  r.run(0, nullptr);  // the setup
  for (size_t k = 0; after(k, r.states()) && k < s.items.size(); k++) r.run_items(k, k + 1, nullptr);
  return mm::DisplayNames{r.proc_names(), r.device_names()};
}

ScenarioRun run_scenario(const Scenario& s, const RunOptions& opt) {
  ScenarioRun out;
  const std::vector<NamedConfig> configs = scenario_configs(s, opt);
  auto runs_under = [&](const std::string& under) {
    if (under.empty()) return true;
    for (const NamedConfig& c : configs)
      if (c.name == under) return true;
    return false;
  };
  for (const Item& it : s.items)
    if (it.is_expect() && !runs_under(it.expect().under))
      out.skipped.push_back({fmt::format("expectation {}", it.expect().name), it.expect().under, it.expect().loc});
  for (const CheckDecl& c : s.checks)
    if (!runs_under(c.under)) out.skipped.push_back({fmt::format("check {}", c.invariant), c.under, c.loc});
  std::stable_sort(out.skipped.begin(), out.skipped.end(),
                   [](const SkippedItem& a, const SkippedItem& b) { return a.loc.line < b.loc.line; });
  for (const NamedConfig& cfg : configs) {
    ConfigRun run;
    run.config = cfg.name;
    std::optional<ScriptRunner> runner;
    runner.emplace(s, cfg, opt);
    try {
      ScriptRunner& r = *runner;
      if (s.explore) {
        // The script up to the explore block gives its initial states; the
        // rest of the script runs on afterwards from the same point.
        r.run(s.explore->position, &run);
        engine::Workload w = make_workload(s, cfg, r);
        std::vector<const CheckDecl*> checks;
        for (const auto& c : s.checks)
          if (c.under.empty() || c.under == cfg.name) checks.push_back(&c);
        run_explore_checks(s, w, checks, opt, run);
        std::vector<const ConditionDecl*> conds;
        for (const auto& c : s.conditions)
          if (c.under.empty() || c.under == cfg.name) conds.push_back(&c);
        if (!conds.empty()) run.conditions = run_conditions(s, conds, w, r.condition_env(), opt.max_memory_mb);
        r.run_items(s.explore->position, s.items.size(), &run);
        run.script_states = r.states_seen();
      } else {
        r.run(s.items.size(), &run);
        run.script_states = r.states_seen();
      }
    } catch (const engine::MemoryBoundHit& e) {
      out.stopped = e.what();
      run.script_states = runner->states_seen();
    } catch (const std::bad_alloc&) {
      // An allocation the guard did not see coming (ulimit -v): free the
      // script's sets first, so there is memory to say so.
      run.script_states = runner->states_seen();
      runner.reset();
      out.stopped = fmt::format("{}: incomplete: memory bound hit: an allocation failed under config {} (the "
                                "address-space limit, ulimit -v, or the machine's memory)",
                                s.file, cfg.name);
    }
    out.configs.push_back(std::move(run));
    if (!out.stopped.empty()) break;  // out of memory: later configs would be too
  }
  return out;
}

}  // namespace mmc::scenario
