// The knobs of the LRU area, as data (see model/config.h, "Knobs as data").
// Only the files that test these knobs include this header.
#pragma once
#include "model/config.h"

namespace mm {

// A new folio may go to another CPU's per-CPU lru_add batch (folio_add_lru
// on the CPU that faulted it): until an lru_add_drain event puts it on the
// LRU, MADV_PAGEOUT (whose lru_add_drain drains only its own CPU) and
// reclaim cannot isolate it and leave it alone.  Off in every preset: the
// live runtime pins a reproducer to one CPU, where the drain always works.
extern const KnobId KNOB_lru_batch_other_cpu;
inline bool lru_batch_other_cpu(const Config& cfg) { return cfg.knob(KNOB_lru_batch_other_cpu); }

}  // namespace mm
