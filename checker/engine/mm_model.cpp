#include "checker/engine/mm_model.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "model/canonical.h"
#include "model/clean_end.h"
#include "model/mm.h"

namespace mmc::engine {

bool mm_vma_at(const mm::State& s, int proc, int page) { return mm::find_vma(s.proc[proc], page) != nullptr; }

MmModel::MmModel(const Workload& w, bool symmetry, DeadState dead) : w_(w), symmetry_(symmetry), dead_(dead) {
  if (w.initial.empty()) throw std::invalid_argument("workload '" + w.name + "' has no initial state");
  int counters = 0;
  for (const AlphabetEntry& a : w.alphabet) {
    int counter = -1;
    if (a.limit >= 0) {
      if (counters == MAX_LIMITED_KINDS)
        throw std::invalid_argument("at most " + std::to_string(MAX_LIMITED_KINDS) + " event kinds may carry a limit");
      if (a.limit > 255) throw std::invalid_argument("an event limit must be at most 255");
      counter = counters++;
    }
    letters_.push_back(Letter{a.kind, a.limit, counter});
  }
  if (w.invariants.empty()) {
    for (const mm::Invariant& inv : mm::invariants()) invs_.push_back(&inv);
  } else {
    for (const std::string& name : w.invariants) {
      const mm::Invariant* inv = mm::find_invariant(name);
      if (!inv) throw std::invalid_argument("unknown invariant '" + name + "'");
      invs_.push_back(inv);
    }
  }
  ghost_kept_ = mm::GHOST_READ_BY_EVENTS;
  for (const mm::Invariant* inv : invs_) ghost_kept_ |= inv->ghost_reads;
  for (const mm::Invariant* inv : invs_) {
    inv_offset_.push_back(static_cast<int>(checks_.size()));
    for (size_t f = 0; f < inv->facets.size(); f++) checks_.push_back(Check{inv, static_cast<int>(f)});
  }
  if (checks_.size() > 64) throw std::invalid_argument("more than 64 invariant facets");
}

std::vector<MmNode> MmModel::initial() const {
  std::vector<Node> out;
  for (const mm::State& s : w_.initial) {
    Node n{};
    n.s = s;
    out.push_back(identity(n));
  }
  return out;
}

MmNode MmModel::canonical(const Node& n) const {
  Node c = n;
  c.s = mm::canonicalize(n.s, w_.interchangeable);
  return c;
}

uint64_t MmModel::violations(const Node& n) const {
  uint64_t bits = 0;
  for (size_t i = 0; i < invs_.size(); i++)
    if (uint32_t v = invs_[i]->check(n.s, w_.config)) bits |= uint64_t{v} << inv_offset_[i];
  return bits;
}

int MmModel::counter_of(mm::EventKind k) const {
  for (const Letter& l : letters_)
    if (l.kind == k) return l.counter;
  return -1;
}

void MmModel::persistent_set(const Node& n, const mm::Event* events, const uint8_t* frees, size_t count, uint8_t* in,
                             const std::function<bool(size_t)>& old) const {
  // Quick exits, before any footprint: no set smaller than all exists
  // - when a kind that touches everything is within its limits (it is in
  //   every closure and conflicts with every event);
  // - when one process is alive, a process-wide kind without a limit (exit,
  //   munmap, clear_refs) is in the alphabet and no transition is a kernel
  //   event on a folio: every closure holds that kind, which writes every
  //   object of the process, so it holds every transition.
  bool unlimited_process_wide = false;
  for (const Letter& l : letters_) {
    if (l.counter >= 0 && n.used[l.counter] >= l.limit) continue;
    if (por::touches_everything(l.kind)) return;
    unlimited_process_wide |= l.counter < 0 && por::process_wide(l.kind);
  }
  int alive = 0;
  for (const mm::Process& p : n.s.proc) alive += p.alive == mm::PROC_ALIVE;
  if (alive <= 1 && unlimited_process_wide) {
    bool folio_event = false;
    for (size_t j = 0; j < count && !folio_event; j++) folio_event = mm::event_scope(events[j].kind) == mm::EventScope::Folio;
    if (!folio_event) return;
  }
  // Footprints: one computation per (group, process, page, folio) -- the
  // kinds of a group share it -- plus the event's counter.
  const bool pool = !symmetry_;
  struct Memo {
    uint32_t key;
    por::Footprint fp;
  };
  constexpr size_t MAX_MEMO = 96;
  Memo memo[MAX_MEMO];
  size_t nmemo = 0;
  auto footprint = [&](const mm::Event& e, int counter) {
    const uint32_t key = static_cast<uint32_t>(por::footprint_group(e.kind)) | uint32_t{e.proc} << 8 |
                         uint32_t{e.page} << 16 | uint32_t{e.arg} << 24;
    por::Footprint fp;
    size_t m = 0;
    while (m < nmemo && memo[m].key != key) m++;
    if (m < nmemo) {
      fp = memo[m].fp;
    } else {
      fp = por::base_footprint(n.s, e, pool);
      if (nmemo < MAX_MEMO) memo[nmemo++] = Memo{key, fp};
    }
    if (counter >= 0 && fp.wr != por::EVERYTHING) fp.wr |= uint64_t{1} << (por::OBJ_COUNTER + counter);
    return fp;
  };
  // The distinct footprints of every event `n` has within its limits,
  // enabled or not (events with equal footprints conflict alike).
  constexpr size_t MAX_CLASSES = 64;
  por::Footprint classes[MAX_CLASSES];
  size_t nclasses = 0;
  bool overflow = false;
  auto class_of = [&](const por::Footprint& fp) -> int {
    for (size_t c = 0; c < nclasses; c++)
      if (classes[c] == fp) return static_cast<int>(c);
    if (nclasses == MAX_CLASSES) {
      overflow = true;
      return -1;
    }
    classes[nclasses] = fp;
    return static_cast<int>(nclasses++);
  };
  for (const Letter& l : letters_) {
    if (l.counter >= 0 && n.used[l.counter] >= l.limit) continue;
    auto add = [&](const mm::Event& e) { class_of(footprint(e, l.counter)); };
    switch (mm::event_scope(l.kind)) {
      case mm::EventScope::ProcPage:
        for (int p = 0; p < mm::MAX_PROCS; p++) {
          if (n.s.proc[p].alive != mm::PROC_ALIVE) continue;
          for (int pg = 0; pg < mm::MAX_PAGES; pg++)
            if (mm_vma_at(n.s, p, pg)) add(mm::Event{l.kind, static_cast<uint8_t>(p), static_cast<uint8_t>(pg), 0});
        }
        break;
      case mm::EventScope::Proc:
        for (int p = 0; p < mm::MAX_PROCS; p++)
          if (n.s.proc[p].alive == mm::PROC_ALIVE) add(mm::Event{l.kind, static_cast<uint8_t>(p), 0, 0});
        break;
      case mm::EventScope::Folio:
        for (int f = 0; f < mm::MAX_FOLIOS; f++)
          if (n.s.folio[f].test(mm::FOLIO_ALLOCATED)) add(mm::Event{l.kind, 0, 0, static_cast<uint8_t>(f)});
        break;
    }
  }
  // Each transition's class (its event is among those above).
  thread_local std::vector<int> cls;
  cls.resize(count);
  uint64_t seeds = 0;
  for (size_t j = 0; j < count; j++) {
    cls[j] = class_of(footprint(events[j], counter_of(events[j].kind)));
    if (cls[j] >= 0) seeds |= uint64_t{1} << cls[j];
  }
  if (overflow) return;  // every transition
  // Each seed's closure under conflict (counters apart), smallest first
  // (then in seed order).  A closure is a candidate when it is not every
  // transition, none of its transitions frees a folio or slot, and it has
  // a key transition: one whose budget (if it has one) no event outside
  // the set consumes.  The first candidate none of whose transitions leads
  // to an old state (the cycle proviso) is the persistent set.
  struct Cand {
    size_t size;
    size_t seed;
    uint64_t set;
  };
  Cand cands[MAX_CLASSES];
  size_t ncands = 0;
  for (size_t seed = 0; seed < nclasses; seed++) {
    if (!(seeds & (uint64_t{1} << seed))) continue;
    uint64_t set = uint64_t{1} << seed;
    por::Footprint all = classes[seed];
    for (bool grew = true; grew;) {
      grew = false;
      for (size_t c = 0; c < nclasses; c++)
        if (!(set & (uint64_t{1} << c)) && por::conflict_but_counters(classes[c], all)) {
          set |= uint64_t{1} << c;
          all.rd |= classes[c].rd;
          all.wr |= classes[c].wr;
          grew = true;
        }
    }
    uint64_t outside_counters = 0;
    for (size_t c = 0; c < nclasses; c++)
      if (!(set & (uint64_t{1} << c))) outside_counters |= classes[c].wr & por::COUNTER_OBJECTS;
    size_t size = 0;
    bool frees_any = false, key = false;
    for (size_t j = 0; j < count; j++)
      if (set & (uint64_t{1} << cls[j])) {
        size++;
        frees_any |= frees[j] != 0;
        key |= (classes[cls[j]].wr & outside_counters & por::COUNTER_OBJECTS) == 0;
      }
    if (size < count && !frees_any && key) cands[ncands++] = Cand{size, seed, set};
  }
  std::sort(cands, cands + ncands, [](const Cand& a, const Cand& b) {
    return a.size != b.size ? a.size < b.size : a.seed < b.seed;
  });
  thread_local std::vector<int8_t> old_cache;
  old_cache.assign(count, -1);
  for (size_t c = 0; c < ncands; c++) {
    bool any_old = false;
    for (size_t j = 0; j < count && !any_old; j++) {
      if (!(cands[c].set & (uint64_t{1} << cls[j]))) continue;
      if (old_cache[j] < 0) old_cache[j] = old(j) ? 1 : 0;
      any_old = old_cache[j] != 0;
    }
    if (any_old) continue;
    for (size_t j = 0; j < count; j++) in[j] = (cands[c].set >> cls[j]) & 1;
    return;
  }
}

std::vector<uint8_t> MmModel::persistent_membership(const Node& n) const {
  PorScratch sc;
  choose_persistent(n, [](const Node&) { return false; }, sc);
  return sc.in;
}

bool MmModel::quiescent(const mm::State& s) { return mm::is_clean_end(s); }

bool MmModel::has_exit_event() const {
  for (const Letter& l : letters_)
    if (l.kind == mm::EventKind::Exit && l.limit != 0) return true;
  return false;
}

}  // namespace mmc::engine
