// What a user access to a page raises, as an observation (the selftests'
// try_read_buf / try_write_buf / try_read_write_buf): the access is tried
// on a copy of the state, which is left unchanged.
#pragma once
#include "model/config.h"
#include "model/state.h"

namespace mm {

enum class AccessKind : uint8_t { Read, Write };

// 0 when the access completes; 11 (SIGSEGV) for a guard region, a PROT_NONE
// or read-only VMA, or no VMA; 7 (SIGBUS) for a store to a uffd-wp
// protected page (UFFD_FEATURE_SIGBUS, as the live runtime registers);
// -1 when the process is not running.
int access_signal(const State& s, int proc, int page, AccessKind kind, const Config& cfg);

}  // namespace mm
