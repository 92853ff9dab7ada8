// The knobs of the madvise area, as data (see model/config.h, "Knobs as data").
// Only the files that test these knobs include this header.
#pragma once
#include "model/config.h"

namespace mm {

// MADV_GUARD_INSTALL / MADV_GUARD_REMOVE exist ("mm: madvise: implement
// lightweight guard page mechanism", 662df3e5c376, v6.13): PTE_MARKER_GUARD.
// Before, madvise_behavior_valid() rejects the advice with -EINVAL and
// nothing changes.  On in v6.18 (and the presets built on it), off in v5.14.
extern const KnobId KNOB_madv_guard_regions;
inline bool madvise_guard_regions(const Config& cfg) { return cfg.knob(KNOB_madv_guard_regions); }

}  // namespace mm
