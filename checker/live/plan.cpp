#include "checker/live/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include "checker/engine/memory.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"
#include "checker/scenario/script_model.h"
#include "model/access.h"
#include "model/encoding.h"
#include "model/events.h"
#include "model/khugepaged.h"
#include "model/mm.h"
#include "model/observe.h"
#include "model/pagemap_scan.h"
#include "model/pipe.h"
#include "model/setup.h"
#include "model/shmem.h"

namespace mmc::scenario {
std::string step_description(const Step& st);  // show.cpp
}

namespace mmc::live {

using scenario::Expect;
using scenario::Item;
using scenario::Loc;
using scenario::ScenarioError;
using scenario::StateSet;
using scenario::Step;
using scenario::StepKind;

const char* obs_kind_name(ObsKind k) {
  switch (k) {
    case ObsKind::Pagemap: return "pagemap";
    case ObsKind::Mincore: return "mincore";
    case ObsKind::Value: return "read";
    case ObsKind::Lseek: return "lseek";
    case ObsKind::WriteStatus: return "write-status";
    case ObsKind::PagemapMincore: return "pagemap+mincore";
    case ObsKind::SameFrame: return "same-frame";
  }
  return "?";
}

static constexpr uint64_t PM_FLAGS = ~mm::enc::PM_PFRAME_MASK;

uint64_t comparable(ObsKind k, uint64_t v) {
  if (k != ObsKind::Pagemap) return v;
  const uint64_t frame = v & mm::enc::PM_PFRAME_MASK;
  const bool marker = (v & mm::enc::PM_SWAP) && (frame & ((1u << mm::enc::MAX_SWAPFILES_SHIFT) - 1)) == mm::enc::SWP_PTE_MARKER;
  return (v & PM_FLAGS) | (marker ? frame : 0);
}

std::string matching_config(const scenario::Scenario& sc, const mm::Config& profile) {
  static const std::set<std::string_view> per_expectation = {"pagemap_show_pfn", "lru_batch_other_cpu",
                                                             "CONFIG_MEM_SOFT_DIRTY", "CONFIG_PTE_MARKER_UFFD_WP"};
  for (const auto& nc : scenario::scenario_configs(sc, scenario::RunOptions{})) {
    bool same = true;
    for (const auto& k : mm::config_knobs())
      if (!per_expectation.count(k.name) && mm::knob_value(nc.config, k) != mm::knob_value(profile, k)) same = false;
    if (same) return nc.name;
  }
  return "";
}

std::string file_configs_text(const scenario::Scenario& sc) {
  std::string t;
  for (const auto& c : sc.configs) t += (t.empty() ? "" : ", ") + c.display_name();
  return t;
}

uint64_t pagemap_mincore_pair(uint64_t pagemap, uint64_t mincore) {
  return comparable(ObsKind::Pagemap, pagemap) | (mincore & 1) << 54;
}

uint64_t same_frame(uint64_t earlier, uint64_t later) {
  const uint64_t pfn = mm::enc::PM_PFRAME_MASK;
  return (earlier & mm::enc::PM_PRESENT) && (later & mm::enc::PM_PRESENT) && !(earlier & mm::enc::PM_SWAP) &&
                 !(later & mm::enc::PM_SWAP) && (earlier & pfn) != 0 && (earlier & pfn) == (later & pfn)
             ? 1
             : 0;
}

mm::Config running_kernel_config(const std::string& kconfig, bool root) {
  mm::Config cfg = *mm::config_preset("v6.18");
  auto has = [&](std::string_view line) { return kconfig.find(line) != std::string::npos; };
  if (!kconfig.empty()) {
    cfg.CONFIG_MEM_SOFT_DIRTY = has("\nCONFIG_MEM_SOFT_DIRTY=y");
    cfg.CONFIG_PTE_MARKER_UFFD_WP = has("\nCONFIG_PTE_MARKER_UFFD_WP=y");
  }
  cfg.pagemap_show_pfn = root;  // pm->show_pfn: CAP_SYS_ADMIN
  return cfg;
}

std::string read_running_kconfig() {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen("zcat /proc/config.gz 2>/dev/null", "r"), pclose);
  if (!p) return "";
  std::string text = "\n";
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p.get())) > 0) text.append(buf.data(), n);
  return text.size() > 1 ? text : "";
}

namespace {

std::string c_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out + "\"";
}

const char* madv_name(mm::EventKind k) {
  const char* n = scenario::madvise_name(k);
  return n[0] == '?' ? nullptr : n;
}

// Advice that changes vm_flags: the model applies it to the whole VMA, so
// the program does it on the whole mapping.
bool madv_whole_mapping(mm::EventKind k) {
  return k == mm::EventKind::MadvDontfork || k == mm::EventKind::MadvDofork || k == mm::EventKind::MadvWipeonfork ||
         k == mm::EventKind::MadvKeeponfork;
}

struct MapInfo {
  int start = 0;
  int npages = 0;
  int c_index = 0;
  std::string owner;
};

constexpr size_t MAX_SET = 100000;

class PlanBuilder {
 public:
  PlanBuilder(const scenario::Scenario& sc, const mm::Config& cfg, std::optional<uint64_t> max_memory_mb = std::nullopt)
      : sc_(sc), cfg_(cfg), guard_(max_memory_mb.value_or(0)) {
    plan_.file = sc.file;
    plan_.title = sc.title;
    plan_.config = cfg;
    plan_.matched_config = matching_config(sc, cfg);
  }

  // The script's items [0, upto), then `events` (a trace) as steps.
  Plan build(size_t upto, const std::vector<mm::Event>& events, const std::vector<TruthCheck>& truths = {}) {
    for (size_t i = 0; i < upto && i < sc_.items.size(); i++)
      if (!sc_.items[i].is_expect() && needs_arena(sc_.items[i].step().event) && sc_.items[i].step().kind == StepKind::Syscall)
        arena_ = true;
    for (const mm::Event& e : events) arena_ |= needs_arena(e.kind);
    // Mappings a scripted MADV_COLLAPSE names go on a real PMD range; in a
    // trace, every mapping that can (the events name pages, not mappings).
    for (size_t i = 0; i < upto && i < sc_.items.size(); i++) {
      const Item& it = sc_.items[i];
      if (!it.is_expect() && it.step().kind == StepKind::Madvise && it.step().event == mm::EventKind::MadvCollapse)
        pmd_wanted_.insert(it.step().page.map);
    }
    for (const mm::Event& e : events) pmd_all_ |= e.kind == mm::EventKind::MadvCollapse;
    setup();
    for (size_t i = 0; i < upto && i < sc_.items.size(); i++) {
      const Item& it = sc_.items[i];
      if (it.is_expect()) expect(it.expect());
      else step(it.step());
    }
    for (size_t i = 0; i < events.size(); i++) {
      Step st = step_of_event(events[i]);
      st.loc = Loc{0, static_cast<int>(i) + 1};  // line 0: a trace step; col = its number
      step(st);
    }
    for (const TruthCheck& t : truths) truth(t);
    plan_.proc_names.assign(mm::MAX_PROCS, "");
    for (const auto& [n, slot] : procs_) plan_.proc_names[slot] = n;
    return plan_;
  }

 private:
  // Resizing mremap and MREMAP_DONTUNMAP depend on the address layout
  // (vma_expandable, the free range a copy goes to): such programs map at
  // the model's addresses (live_mmap_at).
  static bool needs_arena(mm::EventKind k) {
    return k == mm::EventKind::MremapDontunmap || k == mm::EventKind::MremapShrink || k == mm::EventKind::MremapExpand ||
           k == mm::EventKind::MremapExpandMaymove;
  }
  bool arena_ = false;
  // MADV_COLLAPSE (collapse_step): the mappings placed on a real PMD range,
  // and the (process, mapping) pairs whose real page table may exist
  // (some step touched a page of it; fork copies page tables).
  std::set<std::string> pmd_wanted_, pmd_;
  bool pmd_all_ = false;
  std::set<std::pair<int, std::string>> touched_;
  const scenario::Scenario& sc_;
  mm::Config cfg_;
  Plan plan_;
  engine::MemoryGuard guard_;  // the sets of states count against --max-memory-mb
  StateSet cur_;
  std::map<std::string, int> procs_, files_;
  std::map<std::string, MapInfo> maps_;
  std::map<std::string, int> c_maps_;  // mapping name -> C map number

  [[noreturn]] void fail(Loc loc, const std::string& msg) const { throw ScenarioError(sc_.file, loc, msg); }
  [[noreturn]] void memory_stop(Loc loc) const {
    throw engine::MemoryBoundHit(fmt::format("{}:{}:{}: incomplete: {}, {} ({} states so far)", sc_.file, loc.line,
                                             loc.col, guard_.bound_text(),
                                             loc.line == 0 && loc.col == 0 ? "setting up the script" : "after this step",
                                             cur_.size()));
  }
  void not_live(Loc loc, const std::string& why) {
    if (plan_.why_not_live.empty()) plan_.why_not_live = fmt::format("line {}: {}", loc.line, why);
  }

  // What the kernel may do between two steps of a real program: the
  // scenario's background events, and always writeback completion and
  // swap-cache drop, which no program can hold back (`background none`
  // narrows the model run, not the real kernel).
  std::vector<mm::EventKind> background_;

  // The line of the first scripted kernel step (not forced in a live run), or 0.
  int unforced_line_ = 0;

  void setup() {
    background_ = sc_.background;
    for (mm::EventKind k : {mm::EventKind::WritebackEnd, mm::EventKind::SwapCacheDrop})
      if (std::find(background_.begin(), background_.end(), k) == background_.end()) background_.push_back(k);
    mm::State s{};
    if (sc_.swaps.size() > 1) not_live(sc_.swaps[1].loc, "more than one swap device; a live run has one swapfile");
    for (const auto& d : sc_.swaps) {
      uint8_t flags = 0;
      if (d.sync) {
        flags |= mm::SWP_SYNCHRONOUS_IO | mm::SWP_SYNC_WRITEBACK;
        not_live(d.loc, fmt::format("swap {} is synchronous; the live swapfile is an asynchronous block device", d.name));
      }
      if (d.stable_writes) {
        flags |= mm::SWP_STABLE_WRITES;
        not_live(d.loc, fmt::format("swap {} has stable writes; the live swapfile does not", d.name));
      }
      mm::swapon(s, flags);
      plan_.needs_swap = true;
    }
    for (const auto& f : sc_.files) {
      int ino = mm::shmem_create(s, f.npages);
      if (ino < 0) fail(f.loc, "no free shmem inode in the model");
      files_[f.name] = static_cast<int>(plan_.files.size());
      plan_.files.emplace_back(f.name, f.npages);
      file_inode_.push_back(ino);
    }
    for (const auto& p : sc_.processes) {
      int slot = mm::create_process(s);
      if (slot < 0) fail(sc_.title_loc, "no free process slot in the model");
      procs_[p] = slot;
    }
    plan_.declared_procs = static_cast<int>(sc_.processes.size());
    cur_.insert(s);
    close_under_background(Loc{});
  }
  std::vector<int> file_inode_;

  int proc_slot(const std::string& name, Loc loc) const {
    auto it = procs_.find(name);
    if (it == procs_.end()) fail(loc, fmt::format("process '{}' does not exist at this point of the script", name));
    return it->second;
  }
  const MapInfo& map_of(const scenario::PageRef& r) const {
    auto it = maps_.find(r.map);
    if (it == maps_.end()) fail(r.loc, fmt::format("mapping '{}' does not exist at this point", r.map));
    return it->second;
  }
  int page_of(const scenario::PageRef& r) const { return map_of(r).start + r.index; }
  std::string page_c(const scenario::PageRef& r) const { return fmt::format("{}, {}", map_of(r).c_index, r.index); }
  std::string page_text(const scenario::PageRef& r) const { return fmt::format("{}[{}]", r.map, r.index); }

  LiveStep& add_step(int proc, std::string comment) {
    LiveStep st;
    st.proc = proc;
    st.comment = std::move(comment);
    plan_.steps.push_back(std::move(st));
    return plan_.steps.back();
  }

  Observation& add_obs(ObsKind k, std::string text, Loc loc) {
    Observation o;
    o.id = static_cast<int>(plan_.observations.size()) + 1;
    o.kind = k;
    o.text = std::move(text);
    o.loc = loc;
    plan_.observations.push_back(std::move(o));
    return plan_.observations.back();
  }

  void allow(Observation& o, uint64_t v) {
    o.raw.insert(v);
    o.allowed.insert(comparable(o.kind, v));
  }

  // pagemap and mincore of one page, printed by the acting process after its step.
  void observe_page(LiveStep& st, int proc, const scenario::PageRef& r, const std::string& name, const std::string& after,
                    Loc loc) {
    const int page = page_of(r);
    Observation& pm = add_obs(ObsKind::Pagemap, fmt::format("{}: pagemap {} after {}", name, page_text(r), after), loc);
    for (const mm::State& s : cur_.states()) allow(pm, mm::pagemap_read(s, proc, page, cfg_).entry);
    st.code.push_back(fmt::format("live_obs_hex({}, live_pagemap({}));", pm.id, page_c(r)));
    const int pm_id = pm.id;  // add_obs may move the vector: no reference to pm below
    Observation& mc = add_obs(ObsKind::Mincore, fmt::format("{}: mincore {} after {}", name, page_text(r), after), loc);
    for (const mm::State& s : cur_.states()) allow(mc, mm::mincore_byte(s, proc, page, cfg_));
    st.code.push_back(fmt::format("live_obs_int({}, live_mincore({}));", mc.id, page_c(r)));
    // Before same_page_as_before: it may add an observation and move the vector
    // under `mc` (ASan: heap-use-after-free in replay --recorded).
    const int mc_id = mc.id;
    same_page_as_before(proc, page, name, page_text(r), pm_id, loc);
    // Both of one page in one observation: the pair must come from one state.
    Observation& both = add_obs(ObsKind::PagemapMincore, fmt::format("{}: pagemap+mincore {} after {}", name, page_text(r), after), loc);
    both.parts = {pm_id, mc_id};
    for (const mm::State& s : cur_.states()) {
      const uint64_t v = pagemap_mincore_pair(mm::pagemap_read(s, proc, page, cfg_).entry, mm::mincore_byte(s, proc, page, cfg_));
      both.raw.insert(v);
      both.allowed.insert(v);
    }
  }

  // "Same page as before": the folio a process's page mapped when it was
  // last observed, while the model's run is one deterministic path (a single
  // state at every point since, the folio never freed: so its id names the
  // same page, not a reallocation).  Any branching drops every mark.
  struct FrameMark {
    int pm_id = 0;
    int folio = 0, sub = 0;
    Loc loc;
  };
  std::map<std::pair<int, int>, FrameMark> marks_;  // (process slot, page)

  void age_marks() {
    if (cur_.size() != 1) {
      marks_.clear();
      return;
    }
    const mm::State& s = cur_.states()[0];
    for (auto it = marks_.begin(); it != marks_.end();)
      it = s.folio[it->second.folio].test(mm::FOLIO_ALLOCATED) ? std::next(it) : marks_.erase(it);
  }

  // After a step's pagemap observation `pm_id` of (proc, page): is it the
  // page the previous observation of that page showed?  Derived from the
  // two printed PFNs; the model answers from folio identity.
  void same_page_as_before(int proc, int page, const std::string& name, const std::string& what, int pm_id, Loc loc) {
    const auto key = std::make_pair(proc, page);
    if (!cfg_.pagemap_show_pfn || cur_.size() != 1) {
      marks_.erase(key);
      return;
    }
    const mm::Pte& pte = cur_.states()[0].proc[proc].pte[page];
    if (pte.kind != mm::PteKind::Present || pte.a == mm::NONE) {  // the zero page: not a folio of ours
      marks_.erase(key);
      return;
    }
    if (auto it = marks_.find(key); it != marks_.end()) {
      const FrameMark m = it->second;
      const std::string when = m.loc.line ? fmt::format("line {}", m.loc.line) : fmt::format("trace step {}", m.loc.col);
      Observation& o = add_obs(ObsKind::SameFrame, fmt::format("{}: {} same page as after {}", name, what, when), loc);
      o.parts = {m.pm_id, pm_id};
      const uint64_t v = m.folio == pte.a && m.sub == pte.b ? 1 : 0;
      o.raw.insert(v);
      o.allowed.insert(v);
    }
    marks_[key] = FrameMark{pm_id, pte.a, pte.b, loc};
  }

  // Applies e to every state; a state where it is impossible stays.  Returns the statuses seen.
  std::set<mm::Status> apply_all(const mm::Event& e, Loc loc) {
    return apply_all_fn([&](mm::State& s) { return mm::apply(s, e, cfg_); }, loc);
  }
  std::set<mm::Status> apply_all_fn(const std::function<mm::Outcome(mm::State&)>& fn, Loc loc) {
    scenario::AppliedStep r = scenario::apply_to_each(cur_, fn);
    if (r.out_of_capacity)
      fail(loc, fmt::format("the model ran out of capacity: {}; make the scenario smaller", r.out_of_capacity->reason));
    if (r.seen.count(mm::Status::Sigsegv)) not_live(loc, "the step raises SIGSEGV/SIGBUS in the model");
    if (r.impossible == cur_.size())
      fail(loc, fmt::format("impossible step: {}; remove the step or change what comes before it", r.why));
    cur_ = std::move(r.next);
    return r.seen;
  }

  // Unlike the runner, an event that hits a model bound is just not taken.
  void close_under_background(Loc loc) {
    scenario::BackgroundOptions opt;
    opt.kinds = background_;
    opt.max_states = MAX_SET;
    opt.stop_on_capacity = false;
    opt.on_new_state = [&](const mm::State&) {
      if (!guard_.within_every(1024)) memory_stop(loc);
    };
    if (scenario::close_under_background(cur_, cfg_, opt).result == scenario::BackgroundClosure::TooManyStates)
      fail(loc, fmt::format("more than {} states after this step", MAX_SET));
    if (!guard_.within()) memory_stop(loc);
    age_marks();
  }

  void step(const Step& st) {
    if (st.kind == StepKind::Kernel) return kernel_step(st);
    const int proc = proc_slot(st.proc, st.loc);
    const std::string line = fmt::format("line {}", st.loc.line);
    if (st.kind != StepKind::Mmap && !st.page.map.empty() && !(st.kind == StepKind::Madvise && st.event == mm::EventKind::MadvCollapse))
      touched_.insert({proc, st.page.map});
    switch (st.kind) {
      case StepKind::Mmap: mmap_step(st, proc); break;
      case StepKind::Write: {
        const int page = page_of(st.page);
        const int v = st.value ? st.value : mm::next_write_value(cur_.states()[0], proc, page);
        LiveStep& ls = add_step(proc, fmt::format("{}: write {} {}", st.proc, page_text(st.page), v));
        const mm::Vma* vma = mm::find_vma(cur_.states()[0].proc[proc], page);
        const bool uffd = vma && (vma->flags & mm::VM_UFFD_WP);
        auto seen = apply_all(mm::Event{mm::EventKind::WriteFault, static_cast<uint8_t>(proc), static_cast<uint8_t>(page),
                                        static_cast<uint8_t>(v)},
                              st.loc);
        close_under_background(st.loc);
        if (uffd) {
          Observation& o = add_obs(ObsKind::WriteStatus, fmt::format("{}: write {} faults (uffd-wp)", st.proc, page_text(st.page)), st.loc);
          for (mm::Status s : seen) allow(o, s == mm::Status::WpFault ? 1 : 0);
          // 1: the store raised SIGBUS (UFFD_FEATURE_SIGBUS) = the model's WpFault
          ls.code.push_back(fmt::format("live_obs_int({}, live_write({}, {}));", o.id, page_c(st.page), v));
        } else {
          ls.code.push_back(fmt::format("(void)live_write({}, {});", page_c(st.page), v));
        }
        observe_page(ls, proc, st.page, st.proc, "write", st.loc);
        break;
      }
      case StepKind::Read: {
        const int page = page_of(st.page);
        LiveStep& ls = add_step(proc, fmt::format("{}: read {}", st.proc, page_text(st.page)));
        Observation& o = add_obs(ObsKind::Value, fmt::format("{}: read {}", st.proc, page_text(st.page)), st.loc);
        for (const mm::State& s : cur_.states()) allow(o, mm::read_value(s, proc, page));
        ls.code.push_back(fmt::format("live_obs_int({}, live_read({}));", o.id, page_c(st.page)));
        apply_all(mm::Event{mm::EventKind::ReadFault, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, st.loc);
        close_under_background(st.loc);
        observe_page(ls, proc, st.page, st.proc, "read", st.loc);
        break;
      }
      case StepKind::Madvise: {
        const char* name = madv_name(st.event);
        if (!name) fail(st.loc, "unknown madvise advice");
        if (st.event == mm::EventKind::MadvCollapse) {
          collapse_step(st, proc);
          break;
        }
        const int page = page_of(st.page);
        LiveStep& ls = add_step(proc, fmt::format("{}: madvise {} {}", st.proc, page_text(st.page), name));
        if (madv_whole_mapping(st.event))
          ls.code.push_back(fmt::format("live_madvise_map({}, {}, {});", map_of(st.page).c_index, name, c_string(name)));
        else
          ls.code.push_back(fmt::format("live_madvise({}, {}, {});", page_c(st.page), name, c_string(name)));
        apply_all(mm::Event{st.event, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, st.loc);
        close_under_background(st.loc);
        observe_page(ls, proc, st.page, st.proc, name, st.loc);
        break;
      }
      case StepKind::Fork: {
        const int child = scenario::free_proc_slot(cur_.states()[0]);
        if (child < 0) fail(st.loc, fmt::format("no free process slot for the child; the model has {}", mm::MAX_PROCS));
        LiveStep& ls = add_step(proc, fmt::format("{}: fork {}", st.proc, st.name));
        ls.kind = LiveStep::Fork;
        ls.child = child;
        ls.code.push_back(fmt::format("live_fork({});", child));
        apply_all(mm::Event{mm::EventKind::Fork, static_cast<uint8_t>(proc), 0, 0}, st.loc);
        close_under_background(st.loc);
        procs_[st.name] = child;
        for (const auto& [tp, tm] : std::set<std::pair<int, std::string>>(touched_))
          if (tp == proc) touched_.insert({child, tm});
        break;
      }
      case StepKind::Munmap: {
        const MapInfo& m = maps_.count(st.name) ? maps_.at(st.name) : map_of(st.page);
        LiveStep& ls = add_step(proc, fmt::format("{}: munmap {}", st.proc, st.name.empty() ? st.page.map : st.name));
        ls.code.push_back(fmt::format("live_munmap({});", m.c_index));
        apply_all(mm::Event{mm::EventKind::Munmap, static_cast<uint8_t>(proc), static_cast<uint8_t>(m.start), 0}, st.loc);
        close_under_background(st.loc);
        break;
      }
      case StepKind::Exit: {
        LiveStep& ls = add_step(proc, fmt::format("{}: exit", st.proc));
        ls.kind = LiveStep::Exit;
        apply_all(mm::Event{mm::EventKind::Exit, static_cast<uint8_t>(proc), 0, 0}, st.loc);
        close_under_background(st.loc);
        break;
      }
      case StepKind::UffdWp: {
        const int page = page_of(st.page);
        LiveStep& ls = add_step(proc, fmt::format("{}: uffd-wp {} {}", st.proc, page_text(st.page), st.on ? "on" : "off"));
        const mm::Vma* wv = mm::find_vma(cur_.states()[0].proc[proc], page);
        const bool async = wv && (wv->flags2 & mm::VM_UFFD_WP_ASYNC);
        ls.code.push_back(fmt::format("live_uffd_wp{}({}, {});", async ? "_async" : "", page_c(st.page), st.on ? 1 : 0));
        apply_all(mm::Event{scenario::process_event_kind(st), static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, st.loc);
        close_under_background(st.loc);
        observe_page(ls, proc, st.page, st.proc, st.on ? "uffd-wp on" : "uffd-wp off", st.loc);
        break;
      }
      case StepKind::ClearRefs: {
        LiveStep& ls = add_step(proc, fmt::format("{}: clear_refs", st.proc));
        ls.code.push_back("live_clear_refs();");
        apply_all(mm::Event{mm::EventKind::ClearRefs, static_cast<uint8_t>(proc), 0, 0}, st.loc);
        close_under_background(st.loc);
        break;
      }
      case StepKind::Pin:
      case StepKind::Unpin:
        not_live(st.loc, "FOLL_PIN|FOLL_LONGTERM pins have no plain syscall a reproducer can use");
        model_only(st, proc);
        break;
      case StepKind::Split:
        not_live(st.loc, "a THP split of the model's 2-page folio has no counterpart on a real 512-page THP");
        model_only(st, proc);
        break;
      case StepKind::Syscall: syscall_step(st, proc); break;
      case StepKind::Kernel: break;
      case StepKind::Fallocate: {
        auto it = files_.find(st.file);
        if (it == files_.end()) fail(st.loc, fmt::format("file '{}' is not declared", st.file));
        static const char* const modes[] = {"0", "FALLOC_FL_KEEP_SIZE", "FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE"};
        LiveStep& ls = add_step(proc, fmt::format("{}: fallocate {} {}{}", st.proc, st.file, st.offset,
                                                  st.falloc_mode == 1 ? " keep_size" : st.falloc_mode == 2 ? " punch_hole" : ""));
        ls.code.push_back(fmt::format("live_fallocate(live_fd[{}], {}, {});", it->second, modes[st.falloc_mode], st.offset));
        const int inode = file_inode_[it->second];
        apply_all_fn([&](mm::State& s) {
          return mm::shmem_fallocate(s, inode, st.offset, static_cast<mm::FallocMode>(st.falloc_mode), cfg_);
        }, st.loc);
        close_under_background(st.loc);
        break;
      }
    }
  }

  // mprotect, mlock, munlock, mremap of a whole mapping; swapoff and a read-write pin (model only).
  void syscall_step(const Step& st, int proc) {
    if (st.event == mm::EventKind::Swapoff) {
      // The live runtime owns the swapfile (swapon before, swapoff at exit).
      not_live(st.loc, "swapoff of the live swapfile is left to the runtime");
      int type = 0;
      for (size_t i = 0; i < sc_.swaps.size(); i++)
        if (sc_.swaps[i].name == st.name) type = static_cast<int>(i);
      apply_all(mm::Event{st.event, static_cast<uint8_t>(proc), 0, static_cast<uint8_t>(type)}, st.loc);
      close_under_background(st.loc);
      return;
    }
    if (st.has_page && pmd_.count(st.page.map) &&
        (st.event == mm::EventKind::Mremap || needs_arena(st.event)))
      not_live(st.loc, "mremap of a mapping placed on a real PMD range (MADV_COLLAPSE) is not mapped live");
    if (needs_arena(st.event) || (arena_ && st.event == mm::EventKind::Mremap)) return mremap_step(st, proc);
    if (st.scan_range) {
      // PAGEMAP_SCAN for its effect (PM_SCAN_WP_MATCHING); when an
      // expectation observed the call, the program made it there.
      LiveStep& ls = add_step(proc, scenario::step_description(st));
      if (!st.scan_by_expect) ls.code.push_back(fmt::format("(void){};", scan_call(st.page, st.scan_arg)));
      const mm::PmScanArg a = scan_arg_at(st.page, st.scan_arg);
      apply_all_fn([&](mm::State& s) {
        const mm::PmScanResult r = mm::do_pagemap_scan(s, proc, a, cfg_);
        if (!r.unknown.empty()) fail(st.loc, fmt::format("impossible PAGEMAP_SCAN for the model: {}", r.unknown));
        return mm::Outcome::done();
      }, st.loc);
      close_under_background(st.loc);
      return;
    }
    if (st.event == mm::EventKind::Vmsplice || st.event == mm::EventKind::PipeRead) return pipe_step(st, proc);
    const MapInfo& m = map_of(st.page);
    std::string code, text;
    switch (st.event) {
      case mm::EventKind::MprotectNone: code = "live_mprotect({}, PROT_NONE);"; text = "mprotect {} PROT_NONE"; break;
      case mm::EventKind::MprotectRead: code = "live_mprotect({}, PROT_READ);"; text = "mprotect {} PROT_READ"; break;
      case mm::EventKind::MprotectReadWrite:
        code = "live_mprotect({}, PROT_READ | PROT_WRITE);";
        text = "mprotect {} PROT_READ PROT_WRITE";
        break;
      case mm::EventKind::Mlock: code = "live_mlock({}, 1);"; text = "mlock {}"; break;
      case mm::EventKind::Munlock: code = "live_mlock({}, 0);"; text = "munlock {}"; break;
      case mm::EventKind::Mremap: code = "live_mremap({});"; text = "mremap {}"; break;
      case mm::EventKind::PagemapScanWp:
        code = fmt::format("(void)live_scan({{}}, {}, 1);", st.page.index);
        text = "scan {} wp";
        break;
      case mm::EventKind::MovePages:
        // move_pages to the node the page is on does nothing (add_page_for_migration:
        // folio_nid == node); a one-node machine has no other node.
        not_live(st.loc, "move_pages needs a second NUMA node to migrate (to the same node it is a no-op)");
        model_only(st, proc);
        return;
      default:
        not_live(st.loc, "FOLL_WRITE|FOLL_PIN|FOLL_LONGTERM pins have no plain syscall a reproducer can use");
        model_only(st, proc);
        return;
    }
    LiveStep& ls = add_step(proc, fmt::format("{}: {}", st.proc, fmt::format(fmt::runtime(text), st.page.map)));
    ls.code.push_back(fmt::format(fmt::runtime(code), m.c_index));
    int vma_slot = -1;
    const mm::Process& before = cur_.states()[0].proc[proc];
    for (int i = 0; i < mm::MAX_VMAS; i++)
      if (before.vma[i].kind != mm::VmaKind::None && before.vma[i].start == m.start) vma_slot = i;
    apply_all(mm::Event{st.event, static_cast<uint8_t>(proc), static_cast<uint8_t>(page_of(st.page)), 0}, st.loc);
    close_under_background(st.loc);
    if (st.event == mm::EventKind::Mremap && vma_slot >= 0)
      maps_[st.page.map].start = cur_.states()[0].proc[proc].vma[vma_slot].start;
    for (int i = 0; i < m.npages; i++)
      observe_page(ls, proc, scenario::PageRef{st.page.map, i, st.page.loc}, st.proc, text.substr(0, text.find(' ')), st.loc);
  }

  // A scan's arguments at the model's address of the mapping.
  mm::PmScanArg scan_arg_at(const scenario::PageRef& r, mm::PmScanArg a) const {
    a.start += map_of(r).start;
    return a;
  }
  std::string scan_call(const scenario::PageRef& r, const mm::PmScanArg& a) const {
    return fmt::format("live_scan_range({}, {}, {}, 0x{:x}ULL, 0x{:x}ULL, 0x{:x}ULL, 0x{:x}ULL, 0x{:x}ULL, {}ULL, {}ULL, {})",
                       map_of(r).c_index, a.start, a.npages, a.flags, a.category_inverted, a.category_mask,
                       a.category_anyof_mask, a.return_mask, a.max_pages, a.vec_len, a.vec_null ? 1 : 0);
  }

  // mremap in a program on the model's addresses: a move or DONTUNMAP to
  // where the model put the VMA, or a resize.
  void mremap_step(const Step& st, int proc) {
    const MapInfo m = map_of(st.page);
    const mm::Process& before = cur_.states()[0].proc[proc];
    int vma_slot = -1;
    uint8_t used = 0;
    for (int i = 0; i < mm::MAX_VMAS; i++) {
      if (before.vma[i].kind == mm::VmaKind::None) continue;
      used |= 1u << i;
      if (before.vma[i].start == m.start) vma_slot = i;
    }
    if (vma_slot < 0) fail(st.loc, "mremap found no mapping");
    const std::string text = scenario::step_description(st);
    LiveStep& ls = add_step(proc, text);
    mm::Event e{st.event, static_cast<uint8_t>(proc), static_cast<uint8_t>(page_of(st.page)), 0};
    if (needs_arena(st.event) && st.event != mm::EventKind::MremapDontunmap) {
      e.kind = scenario::resize_event_kind(st, m.npages);
      if (e.kind == mm::EventKind::Count_) return;  // MREMAP_NO_RESIZE: nothing to do
      e.arg = static_cast<uint8_t>(st.npages);
    }
    apply_all(e, st.loc);
    close_under_background(st.loc);
    const mm::Process& after = cur_.states()[0].proc[proc];
    std::string shown = st.page.map;
    switch (e.kind) {
      case mm::EventKind::Mremap:
        ls.code.push_back(fmt::format("live_mremap_at({}, {});", m.c_index, after.vma[vma_slot].start));
        break;
      case mm::EventKind::MremapDontunmap: {
        int slot = -1;
        for (int i = 0; i < mm::MAX_VMAS; i++)
          if (after.vma[i].kind != mm::VmaKind::None && !(used & (1u << i))) slot = i;
        if (slot < 0) fail(st.loc, "MREMAP_DONTUNMAP made no new mapping");
        int c = c_maps_.count(st.name) ? c_maps_[st.name] : static_cast<int>(c_maps_.size());
        if (!c_maps_.count(st.name)) {
          c_maps_[st.name] = c;
          plan_.map_names.push_back(st.name);
        }
        maps_[st.name] = MapInfo{after.vma[slot].start, m.npages, c, st.proc};
        ls.code.push_back(fmt::format("live_mremap_dontunmap({}, {}, {});", m.c_index, c, after.vma[slot].start));
        shown = st.name;
        break;
      }
      default:
        ls.code.push_back(fmt::format("live_mremap_resize({}, {}, {});", m.c_index, st.npages, st.value ? "MREMAP_MAYMOVE" : "0"));
        break;
    }
    maps_[st.page.map].start = after.vma[vma_slot].start;
    maps_[st.page.map].npages = after.vma[vma_slot].npages;
    const MapInfo& now = maps_.at(shown);
    for (int i = 0; i < now.npages; i++)
      observe_page(ls, proc, scenario::PageRef{shown, i, st.page.loc}, st.proc, "mremap", st.loc);
  }

  // vmsplice of one page into the runtime's pipe (then the page's pagemap
  // and mincore), or a read of one page from it (its first byte is an
  // observation: the model allows the head buffer's page content in each state).
  void pipe_step(const Step& st, int proc) {
    if (st.event == mm::EventKind::Vmsplice) {
      const int page = page_of(st.page);
      LiveStep& ls = add_step(proc, fmt::format("{}: vmsplice {}", st.proc, page_text(st.page)));
      ls.code.push_back(fmt::format("live_vmsplice({});", page_c(st.page)));
      apply_all(mm::Event{mm::EventKind::Vmsplice, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, st.loc);
      close_under_background(st.loc);
      observe_page(ls, proc, st.page, st.proc, "vmsplice", st.loc);
      return;
    }
    LiveStep& ls = add_step(proc, fmt::format("{}: read pipe", st.proc));
    Observation& o = add_obs(ObsKind::Value, fmt::format("{}: read pipe", st.proc), st.loc);
    for (const mm::State& s : cur_.states()) allow(o, static_cast<uint64_t>(static_cast<int64_t>(mm::pipe_read_value(s))));
    ls.code.push_back(fmt::format("live_obs_int({}, live_pipe_read());", o.id));
    apply_all(mm::Event{mm::EventKind::PipeRead, static_cast<uint8_t>(proc), 0, 0}, st.loc);
    close_under_background(st.loc);
  }

  // A trace event as the scenario step that performs it, named with the
  // script's process and mapping names.
  Step step_of_event(const mm::Event& e) {
    Step st;
    st.loc = Loc{0, 0};
    for (const auto& [n, slot] : procs_)
      if (slot == e.proc) st.proc = n;
    if (mm::is_kernel_event(e.kind)) {
      st.kind = StepKind::Kernel;
      st.event = e.kind;  // no page: any folio (not forced anyway)
      return st;
    }
    if (st.proc.empty()) fail(Loc{}, fmt::format("the trace names process slot {} the script does not", e.proc));
    auto page_ref = [&] {
      for (const auto& [name, m] : maps_)
        if (e.page >= m.start && e.page < m.start + m.npages) return scenario::PageRef{name, e.page - m.start, Loc{}};
      fail(Loc{}, fmt::format("the trace touches page {} outside every mapping", e.page));
    };
    switch (e.kind) {
      case mm::EventKind::ReadFault: st.kind = StepKind::Read; break;
      case mm::EventKind::WriteFault: st.kind = StepKind::Write; st.value = e.arg; break;
      case mm::EventKind::MadvDontneed:
      case mm::EventKind::MadvPageout:
      case mm::EventKind::MadvRemove:
      case mm::EventKind::MadvDontfork:
      case mm::EventKind::MadvDofork:
      case mm::EventKind::MadvWipeonfork:
      case mm::EventKind::MadvKeeponfork:
      case mm::EventKind::MadvFree:
      case mm::EventKind::MadvCold:
      case mm::EventKind::MadvPopulateRead:
      case mm::EventKind::MadvPopulateWrite:
      case mm::EventKind::MadvGuardInstall:
      case mm::EventKind::MadvCollapse:
      case mm::EventKind::MadvGuardRemove: st.kind = StepKind::Madvise; st.event = e.kind; break;
      case mm::EventKind::MprotectNone:
      case mm::EventKind::MprotectRead:
      case mm::EventKind::MprotectReadWrite:
      case mm::EventKind::Mlock:
      case mm::EventKind::Munlock:
      case mm::EventKind::Mremap:
      case mm::EventKind::MovePages:
      case mm::EventKind::PinRW: st.kind = StepKind::Syscall; st.event = e.kind; break;
      case mm::EventKind::MremapShrink:
      case mm::EventKind::MremapExpand:
      case mm::EventKind::MremapExpandMaymove: {
        st.kind = StepKind::Syscall;
        st.event = e.kind;
        st.page = page_ref();
        st.has_page = true;
        const int n = map_of(st.page).npages;
        (void)n;
        st.npages = e.arg ? e.arg : e.kind == mm::EventKind::MremapShrink ? 1 : 2;
        st.value = e.kind == mm::EventKind::MremapExpandMaymove;
        return st;
      }
      case mm::EventKind::MremapDontunmap: {
        st.kind = StepKind::Syscall;
        st.event = e.kind;
        st.page = page_ref();
        st.has_page = true;
        for (int i = 1;; i++)
          if (!maps_.count(fmt::format("r{}", i))) {
            st.name = fmt::format("r{}", i);
            break;
          }
        return st;
      }
      case mm::EventKind::UffdWpProtect: st.kind = StepKind::UffdWp; st.on = true; break;
      case mm::EventKind::UffdWpUnprotect: st.kind = StepKind::UffdWp; st.on = false; break;
      case mm::EventKind::PinRO: st.kind = StepKind::Pin; break;
      case mm::EventKind::Unpin: st.kind = StepKind::Unpin; break;
      case mm::EventKind::SplitPmd: st.kind = StepKind::Split; break;
      case mm::EventKind::Vmsplice: st.kind = StepKind::Syscall; st.event = e.kind; break;
      case mm::EventKind::PipeRead: st.kind = StepKind::Syscall; st.event = e.kind; return st;
      case mm::EventKind::Exit: st.kind = StepKind::Exit; return st;
      case mm::EventKind::ClearRefs: st.kind = StepKind::ClearRefs; return st;
      case mm::EventKind::Fork: {
        st.kind = StepKind::Fork;
        for (char c = 'A'; c <= 'Z'; c++)
          if (!procs_.count(std::string(1, c))) {
            st.name = std::string(1, c);
            break;
          }
        return st;
      }
      case mm::EventKind::Munmap: {
        st.kind = StepKind::Munmap;
        st.page = page_ref();
        st.name = st.page.map;
        return st;
      }
      default: fail(Loc{}, "an event the C reproducer cannot express");
    }
    st.page = page_ref();
    st.has_page = true;
    return st;
  }

  void model_only(const Step& st, int proc) {
    apply_all(mm::Event{scenario::process_event_kind(st), static_cast<uint8_t>(proc), static_cast<uint8_t>(page_of(st.page)), 0}, st.loc);
    close_under_background(st.loc);
  }

  void mmap_step(const Step& st, int proc) {
    const mm::VmaKind kind = scenario::vma_kind_of(st.map_kind);
    const uint8_t flags = scenario::vma_flags_of(st);
    int start = -1;
    StateSet next;
    for (const mm::State& s0 : cur_.states()) {
      mm::State s = s0;
      int inode = -1;
      if (!st.file.empty()) {
        auto it = files_.find(st.file);
        if (it == files_.end()) fail(st.loc, fmt::format("file '{}' is not declared", st.file));
        inode = file_inode_[it->second];
      } else if (kind != mm::VmaKind::PrivateAnon) {
        inode = mm::shmem_create(s, st.npages);
        if (inode < 0) fail(st.loc, "no free shmem inode in the model");
      }
      int at = mm::do_mmap(s, proc, kind, st.npages, flags, inode, st.offset, cfg_);
      if (at < 0) fail(st.loc, "mmap does not fit in the model");
      if (st.uffd_features) mm::find_vma(s.proc[proc], at)->flags2 |= st.uffd_features;
      if (start >= 0 && at != start) fail(st.loc, "mmap lands at different addresses in different states");
      start = at;
      next.insert(s);
    }
    cur_ = std::move(next);
    int c = c_maps_.count(st.name) ? c_maps_[st.name] : static_cast<int>(c_maps_.size());
    if (!c_maps_.count(st.name)) {
      c_maps_[st.name] = c;
      plan_.map_names.push_back(st.name);
    }
    maps_[st.name] = MapInfo{start, st.npages, c, st.proc};
    std::string fd = "-1";
    if (!st.file.empty()) fd = fmt::format("live_fd[{}]", files_.at(st.file));
    else if (kind == mm::VmaKind::MemfdShared || kind == mm::VmaKind::MemfdPrivate)
      fd = fmt::format("live_memfd({}, {})", c_string(st.name), st.npages);  // a memfd of its own, like the model's new inode
    const bool shared = st.map_kind != scenario::MapKind::Private && st.map_kind != scenario::MapKind::MemfdPrivate;
    LiveStep& ls = add_step(proc, fmt::format("{}: {} = mmap {} {}{}{}", st.proc, st.name,
                                              st.file.empty() ? std::to_string(st.npages) : st.file,
                                              st.file.empty() ? scenario::map_kind_name(st.map_kind) : shared ? "shared" : "private",
                                              st.thp ? " thp" : "",
                                              st.uffd_wp ? ((st.uffd_features & mm::VM_UFFD_WP_UNPOPULATED) ? " uffd-wp-unpopulated" : " uffd-wp") : ""));
    const bool pmd = pmd_wanted_.count(st.name) || st.thp ||
                     (pmd_all_ && kind == mm::VmaKind::PrivateAnon && st.file.empty() && st.npages == 2 && start % 2 == 0);
    if (pmd && pmd_placement_ok(st, kind, start)) {
      ls.code.push_back(fmt::format("live_mmap_pmd({});", c));
      pmd_.insert(st.name);
      plan_.pmd_ranges = true;
      if (st.thp) {
        // The model's `thp`: VM_HUGEPAGE, a write fault on the empty pair
        // maps a 2-page THP; the real range gets a PMD-sized one.
        ls.code.push_back(fmt::format("live_madvise_map({}, MADV_HUGEPAGE, \"MADV_HUGEPAGE\");", c));
        plan_.thp_faults = true;
      }
    } else if (arena_)
      ls.code.push_back(fmt::format("live_mmap_at({}, {}, {}, {}, {}, {});", c, st.npages, shared ? 1 : 0, fd, st.offset, start));
    else
      ls.code.push_back(fmt::format("live_mmap({}, {}, {}, {}, {});", c, st.npages, shared ? 1 : 0, fd, st.offset));
    if (st.uffd_features & mm::VM_UFFD_EVENT_FORK)
      not_live(st.loc, "UFFD_FEATURE_EVENT_FORK makes fork wait for a userfaultfd reader the program does not have");
    if (st.uffd_features & mm::VM_UFFD_WP_ASYNC) ls.code.push_back(fmt::format("live_uffd_register_async({});", c));
    else if (st.uffd_features & mm::VM_UFFD_WP_UNPOPULATED)
      ls.code.push_back(fmt::format("live_uffd_register_features({}, 1);", c));
    else if (st.uffd_wp) ls.code.push_back(fmt::format("live_uffd_register({});", c));
    if (pmd_.count(st.name) && st.uffd_wp) {
      // userfaultfd_armed: a none filler would stop every collapse
      // (SCAN_EXCEED_NONE_PTE), so the fillers are written; the range's
      // page table and anon_vma then exist from the start.
      ls.code.push_back(fmt::format("live_pmd_fill({}, {});", c, st.npages));
      touched_.insert({proc, st.name});
    }
    close_under_background(st.loc);
  }

  // Can this mapping be a real PMD range whose first pages are the model's
  // 2-page PMD range?  Else the scenario is not live (the reason says why).
  bool pmd_placement_ok(const Step& st, mm::VmaKind kind, int start) {
    const char* what = st.thp ? "THP" : "MADV_COLLAPSE";
    if (kind != mm::VmaKind::PrivateAnon || !st.file.empty())
      not_live(st.loc, st.thp ? "a shmem or file THP has no live counterpart here (the model's THP is 2 pages, a real one a PMD)"
                              : "MADV_COLLAPSE of file or shmem memory (collapse_file) is not modelled");
    else if (st.npages != mm::MAX_FOLIO_PAGES || start % mm::MAX_FOLIO_PAGES)
      not_live(st.loc, fmt::format("a live {} needs a mapping of exactly the model's 2-page PMD range", what));
    else if (arena_)
      not_live(st.loc, fmt::format("a live {} mapping cannot also be placed at the model's address (resizing mremap)", what));
    else
      return true;
    return false;
  }

  // madvise(MADV_COLLAPSE) on the real PMD range that holds the model's
  // pair: its return value is an observation (madvise_collapse_return),
  // then pagemap and mincore of both pages of the pair.
  void collapse_step(const Step& st, int proc) {
    const MapInfo& m = map_of(st.page);
    const int page = page_of(st.page);
    if (!pmd_.count(st.page.map)) {
      not_live(st.loc, fmt::format("mapping '{}' is not on a real PMD range", st.page.map));
      return model_only(st, proc);
    }
    // The model takes a pair of none PTEs for pmd_none; the real page table
    // outlives its PTEs (MADV_DONTNEED of one page keeps it), and then
    // MADV_COLLAPSE collapses the empty range (measured, section 13).
    const int head = page & ~(mm::MAX_FOLIO_PAGES - 1);
    bool all_none = false;
    for (const mm::State& s : cur_.states()) {
      bool none = true;
      for (int i = 0; i < mm::MAX_FOLIO_PAGES; i++) none &= s.proc[proc].pte[head + i].kind == mm::PteKind::None;
      all_none |= none;
    }
    if (all_none && touched_.count({proc, st.page.map}))
      not_live(st.loc, "the model's PMD range is all none PTEs but the real page table may exist (the model takes it for pmd_none)");
    LiveStep& ls = add_step(proc, fmt::format("{}: madvise {} MADV_COLLAPSE", st.proc, page_text(st.page)));
    Observation& o = add_obs(ObsKind::Value, fmt::format("{}: madvise {} MADV_COLLAPSE returns", st.proc, page_text(st.page)), st.loc);
    for (const mm::State& s : cur_.states()) {
      const int r = mm::madvise_collapse_return(s, proc, page, cfg_);
      if (r < 0) not_live(st.loc, "the model does not model this MADV_COLLAPSE");
      allow(o, static_cast<uint64_t>(static_cast<int64_t>(r)));
    }
    ls.code.push_back(fmt::format("live_obs_int({}, live_collapse({}));", o.id, page_c(st.page)));
    apply_all(mm::Event{mm::EventKind::MadvCollapse, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, st.loc);
    close_under_background(st.loc);
    for (int i = 0; i < mm::MAX_FOLIO_PAGES; i++)
      observe_page(ls, proc, scenario::PageRef{st.page.map, head - m.start + i, st.page.loc}, st.proc, "MADV_COLLAPSE", st.loc);
  }

  // A kernel event a program cannot force: the model keeps the states
  // before it and after it.
  void kernel_step(const Step& st) {
    const char* name = mm::event_kind_name(st.event).data();
    plan_.notes.push_back(fmt::format("line {}: kernel {} is not forced; the model allows the states before and after it",
                                      st.loc.line, name));
    if (!unforced_line_) unforced_line_ = st.loc.line ? st.loc.line : -1;
    LiveStep& ls = add_step(-1, fmt::format("kernel: {} (not forced: the model allows before and after)", name));
    (void)ls;
    StateSet next = cur_;
    for (const mm::State& s0 : cur_.states()) {
      std::vector<int> folios;
      if (st.has_page) {
        const std::string who = st.via.empty() ? map_of(st.page).owner : st.via;
        const int proc = proc_slot(who, st.loc);
        int f = scenario::folio_behind(s0, proc, page_of(st.page));
        if (f >= 0) folios.push_back(f);
      } else {
        for (int f = 0; f < mm::MAX_FOLIOS; f++) folios.push_back(f);
      }
      for (int f : folios) {
        mm::State s = s0;
        mm::Outcome o = mm::apply(s, mm::Event{st.event, 0, 0, static_cast<uint8_t>(f)}, cfg_);
        if (o.status == mm::Status::OutOfCapacity) fail(st.loc, o.reason);
        if (o.status == mm::Status::Done) next.insert(s);
      }
    }
    cur_ = std::move(next);
    close_under_background(st.loc);
  }

  // ---- expectations ----
  static std::string fields_text(const Expect& x) {
    if (x.whole) return "== " + (x.value_text.empty() ? fmt::format("{:#x}", x.value) : x.value_text);
    std::string t;
    for (const auto& f : x.fields) {
      std::string name = f.field.rfind("frame@", 0) == 0 ? "frame" : f.field;
      t += fmt::format("{}{}={}", t.empty() ? "" : " ", name, f.text.empty() ? std::to_string(f.value) : f.text);
    }
    return t;
  }

  // A counterexample's observation, asserted with the value a kernel
  // without the bug gives: what the model allows under cfg_ does not matter
  // (under the buggy config it allows the buggy value), nor do the kernel
  // events the program cannot force (the invariant holds in every state).
  void truth(const TruthCheck& t) {
    Expect x;
    x.quant = scenario::Quant::Always;
    x.kind = t.kind;
    for (const auto& [n, slot] : procs_)
      if (slot == t.proc) x.proc = n;
    if (x.proc.empty()) fail(Loc{}, fmt::format("the violation names process slot {} the trace does not", t.proc));
    if (t.kind == scenario::ObsKind::PipeRead) {  // names no page
      x.value = t.value;
      return expect(x, t.why);
    }
    bool found = false;
    for (const auto& [name, m] : maps_)
      if (!found && t.page >= m.start && t.page < m.start + m.npages) {
        x.page = scenario::PageRef{name, t.page - m.start, Loc{}};
        found = true;
      }
    if (!found) fail(Loc{}, fmt::format("the violation is at page {}, outside every mapping", t.page));
    if (t.kind == scenario::ObsKind::Pagemap) x.fields.push_back(scenario::FieldTest{t.field, t.value, "", Loc{}});
    else x.value = t.value;
    expect(x, t.why);
  }

  void expect(const Expect& x, const std::string& truth_why = "") {
    const bool is_truth = !truth_why.empty();
    const int n = static_cast<int>(plan_.tests.size()) + 1;
    // Written for another of the file's configs: the observation is still
    // made and compared with the model under the kernel's profile; the
    // expectation is reported as not applicable.
    const bool other_config = !is_truth && !x.under.empty() && x.under != plan_.matched_config;
    const char* q = scenario::quant_name(x.quant);
    std::string what;
    switch (x.kind) {
      case scenario::ObsKind::Pagemap: what = fmt::format("{}: pagemap {} {}", x.proc, page_text(x.page), fields_text(x)); break;
      case scenario::ObsKind::Mincore: what = fmt::format("{}: mincore {} == {}", x.proc, page_text(x.page), x.value); break;
      case scenario::ObsKind::ReadValue: what = fmt::format("{}: read {} == {}", x.proc, page_text(x.page), x.value); break;
      case scenario::ObsKind::Lseek:
        what = fmt::format("lseek {} {} {} == {}", x.file, x.seek_data ? "SEEK_DATA" : "SEEK_HOLE", x.from,
                           static_cast<int64_t>(x.value) < 0 ? std::string("ENXIO") : std::to_string(x.value));
        break;
      case scenario::ObsKind::Invariant: what = fmt::format("{} {}", x.holds ? "holds" : "violated", x.invariant); break;
      case scenario::ObsKind::Pte: what = fmt::format("{}: pte {}", x.proc, page_text(x.page)); break;
      case scenario::ObsKind::Folio: what = fmt::format("{}: folio {}", x.proc, page_text(x.page)); break;
      case scenario::ObsKind::Slot: what = fmt::format("slot {}:{}", x.swapdev, x.offset); break;
      case scenario::ObsKind::Swap: what = fmt::format("swap {}", x.swapdev); break;
      case scenario::ObsKind::Folios: what = fmt::format("folios == {}", x.value); break;
      case scenario::ObsKind::SameFolio: what = x.observation(); break;
      case scenario::ObsKind::Scan: what = fmt::format("{}: scan {} {}", x.proc, page_text(x.page), fields_text(x)); break;
      case scenario::ObsKind::ScanRange: what = fmt::format("{}: pagemap_scan {} {}", x.proc, page_text(x.page), x.scan_text); break;
      case scenario::ObsKind::Access:
        what = fmt::format("{}: access {} {} == {}", x.proc, page_text(x.page), x.write_access ? "write" : "read",
                           scenario::access_signal_name(x.value));
        break;
      case scenario::ObsKind::PipeRead: what = fmt::format("{}: read pipe == {}", x.proc, x.value); break;
    }
    const std::string text =
        is_truth ? fmt::format("{} {} (shows {})", q, what, truth_why)
                 : fmt::format("{} {} (line {}){}", q, what, x.loc.line, other_config ? " under " + x.under : std::string());
    plan_.tests.push_back(TapTest{n, text});
    const int proc = x.proc.empty() ? -1 : proc_slot(x.proc, x.loc);
    LiveStep& ls = add_step(proc, fmt::format("expect {}", text));
    // A real load or store (read, access) may make the page table exist.
    if (proc >= 0 && (x.kind == scenario::ObsKind::ReadValue || x.kind == scenario::ObsKind::Access))
      touched_.insert({proc, x.page.map});
    std::string cond;
    switch (x.kind) {
      case scenario::ObsKind::Pagemap: {
        for (const auto& f : x.fields)
          if (f.field == "lookups") {  // the read's cost inside the kernel, not a bit of the entry
            ls.code.push_back(fmt::format("live_tap_skip({}, {}, \"kernel-internal state: not observable from userspace\");",
                                          n, c_string(text)));
            return;
          }
        const int page = page_of(x.page);
        Observation& o = add_obs(ObsKind::Pagemap, fmt::format("{}: pagemap {}", x.proc, page_text(x.page)), x.loc);
        for (const mm::State& s : cur_.states()) allow(o, mm::pagemap_read(s, proc, page, cfg_).entry);
        ls.code.push_back(fmt::format("uint64_t e = live_pagemap({});", page_c(x.page)));
        ls.code.push_back(fmt::format("live_obs_hex({}, e);", o.id));
        cond = pagemap_condition(x);
        break;
      }
      case scenario::ObsKind::Mincore: {
        const int page = page_of(x.page);
        Observation& o = add_obs(ObsKind::Mincore, fmt::format("{}: mincore {}", x.proc, page_text(x.page)), x.loc);
        for (const mm::State& s : cur_.states()) allow(o, mm::mincore_byte(s, proc, page, cfg_));
        ls.code.push_back(fmt::format("int v = live_mincore({});", page_c(x.page)));
        ls.code.push_back(fmt::format("live_obs_int({}, v);", o.id));
        cond = fmt::format("v == {}", x.value);
        break;
      }
      case scenario::ObsKind::ReadValue: {
        const int page = page_of(x.page);
        Observation& o = add_obs(ObsKind::Value, fmt::format("{}: read {}", x.proc, page_text(x.page)), x.loc);
        for (const mm::State& s : cur_.states()) allow(o, mm::read_value(s, proc, page));
        ls.code.push_back(fmt::format("int v = live_read({});", page_c(x.page)));
        ls.code.push_back(fmt::format("live_obs_int({}, v);", o.id));
        cond = fmt::format("v == {}", x.value);
        // The load is real: fault the page in on the model side too.
        apply_all(mm::Event{mm::EventKind::ReadFault, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, x.loc);
        close_under_background(x.loc);
        break;
      }
      case scenario::ObsKind::Lseek: {
        auto it = files_.find(x.file);
        if (it == files_.end()) fail(x.loc, fmt::format("file '{}' is not declared", x.file));
        Observation& o = add_obs(ObsKind::Lseek, fmt::format("lseek {} {} {}", x.file, x.seek_data ? "SEEK_DATA" : "SEEK_HOLE", x.from), x.loc);
        for (const mm::State& s : cur_.states())
          allow(o, static_cast<uint64_t>(static_cast<int64_t>(mm::shmem_lseek(s, file_inode_[it->second], x.from, x.seek_data))));
        ls.code.push_back(fmt::format("long v = live_lseek(live_fd[{}], {}, {});", it->second, x.from,
                                      x.seek_data ? "SEEK_DATA" : "SEEK_HOLE"));
        ls.code.push_back(fmt::format("live_obs_int({}, v);", o.id));
        cond = fmt::format("v == {}", static_cast<int64_t>(x.value));
        break;
      }
      case scenario::ObsKind::ScanRange: {
        const mm::PmScanArg a = scan_arg_at(x.page, x.scan_arg);
        Observation& o = add_obs(ObsKind::Value, fmt::format("{}: pagemap_scan {} {}", x.proc, page_text(x.page),
                                                             x.scan_text.substr(0, x.scan_text.find(" == "))), x.loc);
        for (const mm::State& s : cur_.states()) {
          mm::State copy = s;
          const mm::PmScanResult r = mm::do_pagemap_scan(copy, proc, a, cfg_);
          if (!r.unknown.empty()) fail(x.loc, fmt::format("impossible PAGEMAP_SCAN for the model: {}", r.unknown));
          allow(o, mm::pack_pm_scan_result(r, a.start));
        }
        ls.code.push_back(fmt::format("uint64_t v = {};", scan_call(x.page, x.scan_arg)));
        ls.code.push_back(fmt::format("live_obs_hex({}, v);", o.id));
        cond = fmt::format("(v & 0x{:x}ULL) == 0x{:x}ULL", x.scan_mask, x.scan_want);
        break;
      }
      case scenario::ObsKind::Scan: {
        const int page = page_of(x.page);
        Observation& o = add_obs(ObsKind::Value, fmt::format("{}: scan {}", x.proc, page_text(x.page)), x.loc);
        for (const mm::State& s : cur_.states()) allow(o, mm::pagemap_scan_categories(s, proc, page, cfg_));
        ls.code.push_back(fmt::format("long v = live_scan({}, 0);", page_c(x.page)));
        ls.code.push_back(fmt::format("live_obs_int({}, v);", o.id));
        for (const auto& f : x.fields)
          cond += fmt::format("{}((v >> {}) & 1) == {}", cond.empty() ? "" : " && ", scan_bit(f.field), f.value);
        if (cond.empty()) cond = "1";
        break;
      }
      case scenario::ObsKind::PipeRead: {
        // tee(2) of the head buffer into a scratch pipe, read from there: the
        // pipe itself is not consumed (the model's observation changes nothing).
        Observation& o = add_obs(ObsKind::Value, fmt::format("{}: read pipe (peek)", x.proc), x.loc);
        for (const mm::State& s : cur_.states()) allow(o, static_cast<uint64_t>(static_cast<int64_t>(mm::pipe_read_value(s))));
        ls.code.push_back("int v = live_pipe_peek();");
        ls.code.push_back(fmt::format("live_obs_int({}, v);", o.id));
        cond = fmt::format("v == {}", x.value);
        break;
      }
      case scenario::ObsKind::Access: {
        // The access is real in the program: a load, or a store of the next value.
        const int page = page_of(x.page);
        const mm::AccessKind ak = x.write_access ? mm::AccessKind::Write : mm::AccessKind::Read;
        const int v = x.write_access ? mm::next_write_value(cur_.states()[0], proc, page) : 0;
        Observation& o = add_obs(ObsKind::Value, fmt::format("{}: access {} {}", x.proc, page_text(x.page),
                                                             x.write_access ? "write" : "read"), x.loc);
        for (const mm::State& s : cur_.states()) allow(o, static_cast<uint64_t>(mm::access_signal(s, proc, page, ak, cfg_)));
        ls.code.push_back(fmt::format("int v = live_access({}, {}, {});", page_c(x.page), x.write_access ? 1 : 0, v));
        ls.code.push_back(fmt::format("live_obs_int({}, v);", o.id));
        cond = fmt::format("v == {}", x.value);
        const mm::Event e{x.write_access ? mm::EventKind::WriteFault : mm::EventKind::ReadFault, static_cast<uint8_t>(proc),
                          static_cast<uint8_t>(page), static_cast<uint8_t>(v)};
        cur_ = scenario::apply_to_each(cur_, [&](mm::State& s) { return mm::apply(s, e, cfg_); }).next;
        close_under_background(x.loc);
        break;
      }
      default:
        ls.code.push_back(fmt::format("live_tap_skip({}, {}, \"kernel-internal state: not observable from userspace\");", n,
                                      c_string(text)));
        return;
    }
    if (other_config) {
      ls.code.push_back(fmt::format("live_tap_skip({}, {}, {});", n, c_string(text),
                                    c_string(fmt::format("written for {}; the kernel is {}", x.under,
                                                         plan_.matched_config.empty() ? "none of the file's configs"
                                                                                      : plan_.matched_config))));
      return;
    }
    if (unforced_line_ && !is_truth) {
      // The script assumed a kernel event the program could not force; the
      // observation is still compared with every state the model allows.
      ls.code.push_back(fmt::format("live_tap_skip({}, {}, \"follows the kernel step at line {}, which a program cannot force\");",
                                    n, c_string(text), unforced_line_));
      return;
    }
    if (!is_truth && plan_.matched_config.empty()) {
      // The kernel's profile is none of the file's configs: the observation
      // is compared with the model under the profile; the expectation,
      // written for those configs, is not applicable.
      ls.code.push_back(fmt::format("live_tap_skip({}, {}, {});", n, c_string(text),
                                    c_string(fmt::format("the kernel's profile is none of the file's configs ({})",
                                                         file_configs_text(sc_)))));
      return;
    }
    if (!is_truth && !model_expects(x, plan_.observations.back())) {
      // Written for another config (an RFC, or knobs this kernel lacks such
      // as CONFIG_MEM_SOFT_DIRTY): the model under this kernel's config does
      // not expect it either.  The observation is still compared.
      ls.code.push_back(fmt::format("live_tap_skip({}, {}, \"under {} the model does not expect this (the scenario's config differs)\");",
                                    n, c_string(text), config_text()));
      return;
    }
    switch (x.quant) {
      case scenario::Quant::Always: ls.code.push_back(fmt::format("live_tap({}, {}, {});", n, cond, c_string(text))); break;
      case scenario::Quant::Never: ls.code.push_back(fmt::format("live_tap({}, !({}), {});", n, cond, c_string(text))); break;
      case scenario::Quant::Sometimes:
        ls.code.push_back(fmt::format("if ({}) live_tap({}, 1, {});", cond, n, c_string(text)));
        ls.code.push_back(fmt::format("else live_tap_skip({}, {}, \"not seen in this run\");", n, c_string(text)));
        break;
    }
  }

  // Does the model, under the config the program is compared with, make the
  // expectation too (herd7 quantifiers over the values it allows)?
  bool model_expects(const Expect& x, const Observation& o) const {
    size_t pos = 0;
    for (uint64_t v : o.raw) pos += value_matches(x, v) ? 1 : 0;
    switch (x.quant) {
      case scenario::Quant::Always: return pos == o.raw.size();
      case scenario::Quant::Never: return pos == 0;
      case scenario::Quant::Sometimes: return pos > 0;
    }
    return false;
  }
  // The same test the C program makes (pagemap_condition), on a model value.
  static int scan_bit(const std::string& field) {
    static const std::map<std::string, int> bit = {{"wpallowed", 0}, {"written", 1}, {"file", 2},
                                                   {"present", 3},   {"swapped", 4}, {"pfnzero", 5},
                                                   {"huge", 6},      {"soft_dirty", 7}, {"guard", 8}};
    return bit.at(field);
  }
  static bool value_matches(const Expect& x, uint64_t v) {
    if (x.kind == scenario::ObsKind::ScanRange) return (v & x.scan_mask) == x.scan_want;
    if (x.kind == scenario::ObsKind::Scan) {
      for (const auto& f : x.fields)
        if (((v >> scan_bit(f.field)) & 1) != f.value) return false;
      return true;
    }
    if (x.kind != scenario::ObsKind::Pagemap) return v == x.value;
    if (x.whole) {
      const uint64_t want = comparable(ObsKind::Pagemap, x.value);
      const uint64_t mask = want == (x.value & PM_FLAGS) ? PM_FLAGS : ~uint64_t{0};
      return (v & mask) == want;
    }
    static const std::map<std::string, int> bit = {{"present", 63}, {"swap", 62},   {"file", 61},      {"guard", 58},
                                                   {"uffd_wp", 57}, {"exclusive", 56}, {"soft_dirty", 55}};
    for (const auto& f : x.fields) {
      auto it = bit.find(f.field);
      if (it != bit.end() && ((v >> it->second) & 1) != f.value) return false;
    }
    return true;
  }
  std::string config_text() const {
    return fmt::format("{} (CONFIG_MEM_SOFT_DIRTY={}, CONFIG_PTE_MARKER_UFFD_WP={})", cfg_.name,
                       cfg_.CONFIG_MEM_SOFT_DIRTY ? "y" : "n", cfg_.CONFIG_PTE_MARKER_UFFD_WP ? "y" : "n");
  }

  // The C condition for a pagemap expectation.  PFNs and swap offsets are
  // allocation order: a frame test is only kept for PTE markers.
  std::string pagemap_condition(const Expect& x) {
    if (x.whole) {
      const uint64_t want = comparable(ObsKind::Pagemap, x.value);
      const uint64_t mask = want == (x.value & PM_FLAGS) ? PM_FLAGS : ~uint64_t{0};
      return fmt::format("(e & {:#x}ULL) == {:#x}ULL", mask, want);
    }
    std::string cond;
    for (const auto& f : x.fields) {
      if (f.field == "frame" || f.field.rfind("frame@", 0) == 0) continue;  // allocation order
      cond += fmt::format("{}live_pm_{}(e) == {}", cond.empty() ? "" : " && ", f.field, f.value);
    }
    return cond.empty() ? "1" : cond;
  }
};

}  // namespace

Plan build_plan(const scenario::Scenario& sc, const mm::Config& cfg, std::optional<uint64_t> max_memory_mb) {
  return PlanBuilder(sc, cfg, max_memory_mb).build(sc.items.size(), {});
}

Plan build_trace_plan(const scenario::Scenario& sc, const std::vector<mm::Event>& events, const mm::Config& cfg,
                      const std::vector<TruthCheck>& truths) {
  Plan p = PlanBuilder(sc, cfg).build(sc.explore ? sc.explore->position : sc.items.size(), events, truths);
  p.notes.insert(p.notes.begin(), fmt::format("a counterexample trace of {} events after the script's first {} lines",
                                              events.size(), sc.explore ? sc.explore->loc.line - 1 : 0));
  return p;
}

}  // namespace mmc::live
