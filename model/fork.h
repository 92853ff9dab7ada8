// fork(): dup_mmap / copy_page_range (kernel/fork.c, mm/memory.c v6.18).
#pragma once
#include "model/events.h"

namespace mm {

// Fork `proc`.  On Done, `child` holds the new process index.
Outcome copy_page_range(State& s, int proc, const Config& cfg, int& child);

}  // namespace mm
