// Human text for events and state changes, in kernel terms:
//   "A: write p[0]=1", "kernel: folio_end_writeback(F1)",
//   "A.pte[0]: swap(sda:1,excl) -> present(F2,rw)", "F1: PG_writeback 1 -> 0",
//   "slot sda:1: count 2 -> 1".
// Swap entries are shown as device:offset (offset = slot + 1, as the kernel
// numbers them; offset 0 is the swap header).
#pragma once
#include <string>
#include <vector>

#include "model/events.h"
#include "model/state.h"

namespace mm {

struct DisplayNames {
  std::vector<std::string> procs = {"A", "B", "C"};     // by process slot
  std::vector<std::string> devices = {"sda", "sdb"};    // by swap type
  // The scenario's name of each page index ("s[0]"); empty: "p[N]".
  std::vector<std::string> pages = {};
  std::string proc(int i) const;
  std::string device(int t) const;
  std::string page(int pg) const;             // "s[0]", or "p[0]" without names
  // "A.pte[0]" without page names, "A.s[0].pte" with them.
  std::string page_field(int proc, int pg, const char* field) const;
};

// The event as it applies to `before` (e.g. the value a write stores and
// the child a fork creates are taken from `before`).
std::string describe_event(const Event& e, const State& before, const DisplayNames& names);

// One line per changed field, in a fixed order: processes, folios, swap
// slots, page caches.  Empty when nothing changed.
std::vector<std::string> describe_changes(const State& before, const State& after, const DisplayNames& names);

// A whole state, one line per non-empty object (for state dumps and DOT labels).
std::vector<std::string> describe_state(const State& s, const DisplayNames& names);

std::string describe_pte(const Pte& pte, const DisplayNames& names);

}  // namespace mm
