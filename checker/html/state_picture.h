// A model state drawn for people: as rows of (object, value) for the
// side-by-side table of a step, and as an SVG of processes with their PTEs,
// folios, swap slots and shmem page caches, with arrows for what points
// where.  Objects that differ from the previous state are highlighted.
// Generated here as plain text (no DOT, no external tool).
#pragma once
#include <string>
#include <vector>

#include "model/describe.h"
#include "model/state.h"

namespace mmc::html {

struct StateRow {
  std::string key;    // "A.pte[0]", "F0", "slot sda:1", "inode0.pc[1]"
  std::string value;  // "present(F0,rw,dirty)"
  bool ghost = false; // model bookkeeping, not kernel state (hidden unless asked for)
};

// Every non-empty object of the state, in a fixed order: processes (state,
// VMAs, PTEs, pins, ghost), folios, swap slots, page caches.
std::vector<StateRow> state_rows(const mm::State& s, const mm::DisplayNames& names);

// The state as one <svg> element; objects that differ from `prev` are
// highlighted (pass the same state for no highlight).
std::string state_svg(const mm::State& s, const mm::State& prev, const mm::DisplayNames& names);

// The arrow heads every state_svg refers to, once per page.
std::string svg_defs();

// Text for HTML and SVG: &, <, >, " escaped.
std::string escape(const std::string& text);

}  // namespace mmc::html
