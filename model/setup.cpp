#include "model/setup.h"

#include "model/mm.h"

namespace mm {

int create_process(State& s) {
  for (int i = 0; i < MAX_PROCS; i++)
    if (s.proc[i].alive == PROC_UNUSED) {
      s.proc[i] = Process{};
      s.proc[i].alive = PROC_ALIVE;
      return i;
    }
  return -1;
}

int swapon(State& s, uint8_t swap_flags) {
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    if (!(s.swap[t].flags & SWP_USED)) {
      s.swap[t] = SwapDevice{};
      s.swap[t].flags = static_cast<uint8_t>(swap_flags | SWP_USED);
      return t;
    }
  return -1;
}

int shmem_create(State& s, int npages) {
  if (npages < 1 || npages > MAX_INODE_PAGES) return -1;
  for (int i = 0; i < MAX_INODES; i++)
    if (!s.inode[i].in_use) {
      s.inode[i] = Inode{};
      s.inode[i].in_use = 1;
      s.inode[i].npages = static_cast<uint8_t>(npages);
      return i;
    }
  return -1;
}

int do_mmap(State& s, int proc, VmaKind kind, int npages, uint8_t extra_flags, int inode,
            int pgoff, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE || npages < 1) return -1;
  int slot = -1;
  for (int i = 0; i < MAX_VMAS; i++)
    if (p.vma[i].kind == VmaKind::None) {
      slot = i;
      break;
    }
  if (slot < 0) return -1;
  for (int start = 0; start + npages <= MAX_PAGES; start++) {
    bool free = true;
    for (int pg = start; pg < start + npages; pg++) free &= find_vma(p, pg) == nullptr;
    if (!free) continue;
    Vma v;
    v.kind = kind;
    v.start = static_cast<uint8_t>(start);
    v.npages = static_cast<uint8_t>(npages);
    v.flags = static_cast<uint8_t>(VM_WRITE | (cfg.CONFIG_MEM_SOFT_DIRTY ? VM_SOFTDIRTY : 0) | extra_flags);
    if (kind != VmaKind::PrivateAnon) {
      if (inode < 0 || inode >= MAX_INODES || !s.inode[inode].in_use) return -1;
      if (pgoff + npages > s.inode[inode].npages) return -1;
      v.inode = static_cast<uint8_t>(inode);
      v.pgoff = static_cast<uint8_t>(pgoff);
    }
    p.vma[slot] = v;
    return start;
  }
  return -1;
}

}  // namespace mm
