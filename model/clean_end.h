// What "nothing leaked" means once every process has gone.
#pragma once
#include "model/state.h"

namespace mm {

// A clean end: no process runs, and every folio and swap slot still in use
// belongs to a shmem file that outlives its mappings (a memfd whose data the
// kernel keeps while the fd is open), or is a page the pipe still holds
// (vmsplice: the pipe outlives the processes, model/pipe.h).  Anything else
// allocated is a leak.
bool is_clean_end(const State& s);

}  // namespace mm
