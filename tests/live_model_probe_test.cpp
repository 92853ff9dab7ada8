// The model against measurements of the real kernel (Linux 6.18 on the CI
// machines), taken by checker/live/experiments/probe.c and recorded in
// docs/kernel-experiments.md.  Each case rebuilds the probe's state with
// model/setup.h + mm::apply under v6.18 and compares the model's
// observation with what the kernel showed.  PFNs and swap offsets are
// allocation order, not semantics: only flags and swap types are compared.
// Cases where the model still disagrees are listed in docs/conformance.md
// and marked may_fail, so they report without failing the suite.
#include <doctest/doctest.h>

#include <string>

#include "model/encoding.h"
#include "model/events.h"
#include "model/observe.h"
#include "model/setup.h"

namespace {

using namespace mm;

constexpr uint64_t P = enc::PM_PRESENT, S = enc::PM_SWAP, X = enc::PM_MMAP_EXCLUSIVE,
                   F = enc::PM_FILE, W = enc::PM_UFFD_WP;
constexpr uint64_t FLAGS = P | S | X | F | W | enc::PM_GUARD_REGION | enc::PM_SOFT_DIRTY;

struct Sim {
  Config cfg = *config_preset("v6.18");
  State s{};
  Sim() {
    cfg.CONFIG_MEM_SOFT_DIRTY = false;  // /proc/config.gz: # CONFIG_MEM_SOFT_DIRTY is not set
    create_process(s);
    swapon(s, 0);  // a swapfile on ext4/virtio-blk: async, no stable writes
  }
  int map(VmaKind k, uint8_t flags = 0) {
    int inode = k == VmaKind::PrivateAnon ? -1 : shmem_create(s, 1);
    return do_mmap(s, 0, k, 1, flags, inode, 0, cfg);
  }
  Status ev(EventKind k, int proc, int page, int arg = 0) {
    return apply(s, Event{k, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), static_cast<uint8_t>(arg)}, cfg)
        .status;
  }
  uint64_t flags(int proc, int page) { return pagemap_read(s, proc, page, cfg).entry & FLAGS; }
  uint64_t entry(int proc, int page) { return pagemap_read(s, proc, page, cfg).entry; }
  int mc(int proc, int page) { return mincore_byte(s, proc, page, cfg); }
  int val(int proc, int page) { return read_value(s, proc, page); }
};

}  // namespace

TEST_CASE("kernel 6.18: private anon page through write, pageout, swap-in, MADV_DONTNEED") {
  Sim m;
  int pg = m.map(VmaKind::PrivateAnon);
  CHECK(m.flags(0, pg) == 0);
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.flags(0, pg) == P);  // shared zero page: vm_normal_page is NULL, no PM_MMAP_EXCLUSIVE
  m.ev(EventKind::WriteFault, 0, pg, 1);
  CHECK(m.flags(0, pg) == (P | X));
  m.ev(EventKind::MadvPageout, 0, pg);
  CHECK(m.flags(0, pg) == S);  // swap entry at once, no PM_MMAP_EXCLUSIVE on swap entries
  CHECK((m.entry(0, pg) & 0x1f) == 0);  // swap type 0
  CHECK(m.mc(0, pg) == 1);  // folio still in the swap cache
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.flags(0, pg) == (P | X));
  CHECK(m.val(0, pg) == 1);
  m.ev(EventKind::WriteFault, 0, pg, 2);
  CHECK(m.flags(0, pg) == (P | X));
  m.ev(EventKind::MadvDontneed, 0, pg);
  CHECK(m.flags(0, pg) == 0);
  CHECK(m.mc(0, pg) == 0);
  CHECK(m.val(0, pg) == 0);
}

TEST_CASE("kernel 6.18: fork shares the anon page; pageout skips it; COW restores exclusivity") {
  Sim m;
  int pg = m.map(VmaKind::PrivateAnon);
  m.ev(EventKind::WriteFault, 0, pg, 1);
  m.ev(EventKind::Fork, 0, pg);
  CHECK(m.flags(0, pg) == P);
  CHECK(m.flags(1, pg) == P);
  m.ev(EventKind::MadvPageout, 0, pg);
  CHECK(m.flags(0, pg) == P);  // folio_maybe_mapped_shared: left alone
  CHECK(m.val(1, pg) == 1);
  m.ev(EventKind::WriteFault, 1, pg, 3);
  CHECK(m.flags(1, pg) == (P | X));
  CHECK(m.flags(0, pg) == (P | X));  // mapcount back to 1
  CHECK(m.val(0, pg) == 1);
}

TEST_CASE("kernel 6.18: fork after pageout; each process swaps in; the child's write copies") {
  Sim m;
  int pg = m.map(VmaKind::PrivateAnon);
  m.ev(EventKind::WriteFault, 0, pg, 1);
  m.ev(EventKind::MadvPageout, 0, pg);
  m.ev(EventKind::Fork, 0, pg);
  CHECK(m.flags(0, pg) == S);
  CHECK(m.flags(1, pg) == S);
  m.ev(EventKind::ReadFault, 1, pg);
  CHECK(m.val(1, pg) == 1);
  CHECK(m.flags(1, pg) == (P | X));  // mapcount 1 although the swap cache folio is shared
  m.ev(EventKind::WriteFault, 1, pg, 3);
  CHECK(m.flags(1, pg) == (P | X));
  CHECK(m.flags(0, pg) == S);
  CHECK(m.mc(0, pg) == 1);
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.flags(0, pg) == (P | X));
}

static void shmem_page_cycle(VmaKind kind) {
  Sim m;
  int pg = m.map(kind);
  CHECK(m.flags(0, pg) == 0);
  CHECK(shmem_lseek(m.s, 0, 0, true) == -1);
  m.ev(EventKind::WriteFault, 0, pg, 1);
  CHECK(m.flags(0, pg) == (P | X | F));
  CHECK(shmem_lseek(m.s, 0, 0, true) == 0);
  CHECK(shmem_lseek(m.s, 0, 0, false) == 1);
  m.ev(EventKind::MadvPageout, 0, pg);
  CHECK(m.flags(0, pg) == 0);  // v6.18: pte_none, no page-cache lookup, no PM_SWAP
  CHECK(m.mc(0, pg) == 1);     // shmem swap entry whose folio is still in the swap cache
  CHECK(shmem_lseek(m.s, 0, 0, true) == 0);  // swap entries are data
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.flags(0, pg) == (P | X | F));
  m.ev(EventKind::MadvDontneed, 0, pg);
  CHECK(m.flags(0, pg) == 0);
  CHECK(m.mc(0, pg) == 1);  // still in the page cache
  CHECK(m.val(0, pg) == 1);
  m.ev(EventKind::MadvPageout, 0, pg);  // the PTE is none: nothing is isolated
  m.ev(EventKind::ReadFault, 0, pg);
  m.ev(EventKind::MadvPageout, 0, pg);
  m.ev(EventKind::MadvRemove, 0, pg);
  CHECK(m.flags(0, pg) == 0);
  CHECK(m.mc(0, pg) == 0);
  CHECK(shmem_lseek(m.s, 0, 0, true) == -1);
  CHECK(m.val(0, pg) == 0);
  m.ev(EventKind::ReadFault, 0, pg);  // shmem_fault allocates a zeroed folio on a read
  CHECK(m.flags(0, pg) == (P | X | F));
}

TEST_CASE("kernel 6.18: shared anon page through pageout, MADV_DONTNEED, MADV_REMOVE") {
  shmem_page_cycle(VmaKind::SharedAnon);
}
TEST_CASE("kernel 6.18: memfd page through pageout, MADV_DONTNEED, MADV_REMOVE, lseek") {
  shmem_page_cycle(VmaKind::MemfdShared);
}

static void uffd_wp_shmem(VmaKind kind) {
  Sim m;
  int pg = m.map(kind, VM_UFFD_WP);
  m.ev(EventKind::WriteFault, 0, pg, 1);
  m.ev(EventKind::UffdWpProtect, 0, pg);
  CHECK(m.flags(0, pg) == (P | X | F | W));
  m.ev(EventKind::MadvDontneed, 0, pg);
  CHECK(m.entry(0, pg) == (S | W | 0x3f));  // UFFD_WP marker: type 31, offset 1
  CHECK(m.mc(0, pg) == 1);
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.flags(0, pg) == (P | X | F | W));
  m.ev(EventKind::MadvPageout, 0, pg);
  CHECK(m.entry(0, pg) == (S | W | 0x3f));
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.flags(0, pg) == (P | X | F | W));
  m.ev(EventKind::UffdWpUnprotect, 0, pg);
  CHECK(m.flags(0, pg) == (P | X | F));
  m.ev(EventKind::MadvDontneed, 0, pg);
  CHECK(m.flags(0, pg) == 0);
}

TEST_CASE("kernel 6.18: uffd-wp on shared anon survives MADV_DONTNEED and pageout as a marker") {
  uffd_wp_shmem(VmaKind::SharedAnon);
}
TEST_CASE("kernel 6.18: uffd-wp on memfd survives MADV_DONTNEED and pageout as a marker") {
  uffd_wp_shmem(VmaKind::MemfdShared);
}

TEST_CASE("kernel 6.18: UFFDIO_WRITEPROTECT on a none shmem PTE installs a UFFD_WP marker") {
  Sim m;
  int pg = m.map(VmaKind::MemfdShared, VM_UFFD_WP);
  m.ev(EventKind::WriteFault, 0, pg, 1);
  m.ev(EventKind::MadvDontneed, 0, pg);
  CHECK(m.flags(0, pg) == 0);
  m.ev(EventKind::UffdWpProtect, 0, pg);
  CHECK(m.entry(0, pg) == (S | W | 0x3f));  // change_pte_range: pte_none + uffd_wp -> marker
}

TEST_CASE("kernel 6.18: uffd-wp on private anon is kept in the swap PTE, dropped by MADV_DONTNEED") {
  Sim m;
  int pg = m.map(VmaKind::PrivateAnon, VM_UFFD_WP);
  m.ev(EventKind::WriteFault, 0, pg, 1);
  m.ev(EventKind::UffdWpProtect, 0, pg);
  CHECK(m.flags(0, pg) == (P | X | W));
  m.ev(EventKind::MadvPageout, 0, pg);
  CHECK(m.flags(0, pg) == (S | W));
  m.ev(EventKind::ReadFault, 0, pg);
  CHECK(m.flags(0, pg) == (P | X | W));
  m.ev(EventKind::MadvDontneed, 0, pg);
  CHECK(m.flags(0, pg) == 0);  // userfaultfd_wp_use_markers is false for anon VMAs
}

TEST_CASE("kernel 6.18: MAP_PRIVATE memfd page: PM_FILE until the COW, then anon and exclusive") {
  Sim m;
  int in = shmem_create(m.s, 1);
  int sh = do_mmap(m.s, 0, VmaKind::MemfdShared, 1, 0, in, 0, m.cfg);
  int pr = do_mmap(m.s, 0, VmaKind::MemfdPrivate, 1, 0, in, 0, m.cfg);
  m.ev(EventKind::WriteFault, 0, sh, 2);
  m.ev(EventKind::ReadFault, 0, pr);
  CHECK(m.flags(0, pr) == (P | F));  // the page-cache folio, mapped twice
  m.ev(EventKind::WriteFault, 0, pr, 3);
  CHECK(m.flags(0, pr) == (P | X));
  CHECK(m.val(0, sh) == 2);
  CHECK(m.val(0, pr) == 3);
}

static void fork_with_shmem(bool uffd) {
  Sim m;
  const uint8_t fl = uffd ? VM_UFFD_WP : 0;
  int in = shmem_create(m.s, 1);
  int sh = do_mmap(m.s, 0, VmaKind::SharedAnon, 1, fl, in, 0, m.cfg);
  int pr = do_mmap(m.s, 0, VmaKind::PrivateAnon, 1, fl, -1, 0, m.cfg);
  m.ev(EventKind::WriteFault, 0, sh, 1);
  m.ev(EventKind::WriteFault, 0, pr, 1);
  if (uffd) {
    m.ev(EventKind::UffdWpProtect, 0, sh);
    m.ev(EventKind::UffdWpProtect, 0, pr);
    m.ev(EventKind::MadvDontneed, 0, sh);
    CHECK(m.entry(0, sh) == (S | W | 0x3f));
    CHECK(m.flags(0, pr) == (P | X | W));
  }
  m.ev(EventKind::Fork, 0, 0);
  // vma_needs_copy: shared shmem PTEs are not copied; without
  // UFFD_FEATURE_EVENT_FORK dup_userfaultfd unregisters the child VMA, so
  // copy_present_pte clears the uffd-wp bit and markers are not copied.
  CHECK(m.flags(1, sh) == 0);
  CHECK(m.mc(1, sh) == 1);
  CHECK(m.flags(1, pr) == P);
  m.ev(EventKind::ReadFault, 1, sh);
  CHECK(m.val(1, sh) == 1);
  // PM_MMAP_EXCLUSIVE iff mapcount 1: the parent still maps it unless its PTE is a marker.
  CHECK(m.flags(1, sh) == (P | F | (uffd ? X : 0)));
  m.ev(EventKind::ReadFault, 0, sh);
  CHECK(m.flags(0, sh) == (P | F | (uffd ? W : 0)));
  m.ev(EventKind::MadvPageout, 0, sh);  // mapped by two processes: skipped
  CHECK(m.flags(0, sh) == (P | F | (uffd ? W : 0)));
  CHECK(m.flags(1, sh) == (P | F));
}

TEST_CASE("kernel 6.18: fork does not copy shared anon PTEs; pageout skips a page two processes map") {
  fork_with_shmem(false);
}
TEST_CASE("kernel 6.18: the child of a uffd-wp process has neither markers nor uffd-wp bits") {
  fork_with_shmem(true);
}
