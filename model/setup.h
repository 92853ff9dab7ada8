// Building an initial state: processes, swap devices, shmem files, mmap.
// These are scenario declarations, not explored events.
#pragma once
#include "model/config.h"
#include "model/state.h"

namespace mm {

// A new running process with no mappings; -1 when all slots are taken.
int create_process(State& s);
// swapon: a device with SwapFlags; returns its swap type or -1.
int swapon(State& s, uint8_t swap_flags);
// memfd_create / shmem_zero_setup: a shmem inode of `npages`; -1 when full.
int shmem_create(State& s, int npages);
// mmap: a VMA of `kind` and `npages` at the lowest free page index, with
// VM_WRITE | VM_SOFTDIRTY (with CONFIG_MEM_SOFT_DIRTY) | `extra_flags`.
// Shared and memfd kinds need `inode`.  Returns the start page or -1.
int do_mmap(State& s, int proc, VmaKind kind, int npages, uint8_t extra_flags, int inode,
            int pgoff, const Config& cfg);

}  // namespace mm
