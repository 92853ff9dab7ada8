#include "checker/engine/mm_model.h"

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

uint32_t MmModel::persistent_actors(const Node& n, const uint8_t* actors, const uint8_t* frees, size_t count) const {
  // What each actor may still do: the alphabet entries within their limit.
  uint8_t touch[por::MAX_ACTORS] = {};
  uint64_t counters[por::MAX_ACTORS] = {};
  for (const Letter& l : letters_) {
    if (l.counter >= 0 && n.used[l.counter] >= l.limit) continue;
    const uint8_t t = por::kind_touch(l.kind) | por::TOUCH_HAS_EVENTS;
    const uint64_t c = l.counter >= 0 ? uint64_t{1} << (por::OBJ_COUNTER + l.counter) : 0;
    const bool folio = mm::event_scope(l.kind) == mm::EventScope::Folio;
    for (int a = 0; a < por::MAX_ACTORS; a++)
      if ((a >= mm::MAX_PROCS) == folio) {
        touch[a] |= t;
        counters[a] |= c;
      }
  }
  uint64_t fp[por::MAX_ACTORS];
  por::footprints(n.s, touch, counters, /*pool=*/!symmetry_, fp);
  uint32_t enabled = 0;
  for (size_t j = 0; j < count; j++) enabled |= 1u << actors[j];
  uint32_t best = ~0u;
  size_t best_size = count;
  for (int seed = 0; seed < por::MAX_ACTORS; seed++) {
    if (!(enabled & (1u << seed))) continue;
    const uint32_t set = por::closed_actor_set(fp, seed);
    size_t size = 0;
    bool ok = true;
    for (size_t j = 0; j < count && ok; j++)
      if (set & (1u << actors[j])) {
        size++;
        ok = !frees[j];
      }
    if (ok && size < best_size) {
      best = set;
      best_size = size;
    }
  }
  return best;
}

bool MmModel::quiescent(const mm::State& s) { return mm::is_clean_end(s); }

bool MmModel::has_exit_event() const {
  for (const Letter& l : letters_)
    if (l.kind == mm::EventKind::Exit && l.limit != 0) return true;
  return false;
}

}  // namespace mmc::engine
