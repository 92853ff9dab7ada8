// vmsplice into the model's one pipe, and reads from it (fs/splice.c,
// fs/pipe.c v6.18).  The pipe holds a FOLL_GET page reference per buffer:
// counted in the folio's refcount like any other reference (mm.h
// folio_ref_count), never a pin, and never a reason to unshare.
#pragma once
#include "model/events.h"

namespace mm {

// vmsplice(pipe, {p[page], PAGE_SIZE}, 1, 0): vmsplice_to_pipe -> iter_to_pipe
// -> iov_iter_get_pages2 -> get_user_pages_fast(FOLL_GET), one page.
Outcome vmsplice_to_pipe(State& s, int proc, int page, const Config& cfg);

// read(pipe, buf, PAGE_SIZE): pipe_read copies the head buffer's page as it
// is now (copy_page_to_iter) and releases the buffer (pipe_buf_release ->
// put_page).  Any process may read: every process holds the pipe.
Outcome pipe_read(State& s, int proc, const Config& cfg);

// The value the next read of the pipe returns (the first byte of the head
// buffer's page, as the live runtime reads it); -1 when the pipe is empty.
int pipe_read_value(const State& s);

// Ghost: a store by `proc` of `value` into subpage `sub` of folio f.  The
// buffers that `proc` spliced from that page must now return the value (a
// process sees its own later stores through vmsplice's reference); any
// other process's store landing there is a leak (cow_isolation/pipe-leak).
void pipe_note_store(State& s, int proc, int f, int sub, uint8_t value);

}  // namespace mm
