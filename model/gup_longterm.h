// Read-write long-term pins (mm/gup.c v6.18): pin_user_pages(FOLL_WRITE |
// FOLL_PIN | FOLL_LONGTERM), as io_uring fixed buffers and RDMA take them.
#pragma once
#include "model/events.h"

namespace mm {

Outcome pin_user_pages_rw(State& s, int proc, int page, const Config& cfg);

}  // namespace mm
