#include "checker/live/prelude.h"

namespace mmc::live {

// Kept as one raw string so the emitted file is self-contained.  Why each
// piece exists:
//  - one CPU for every process: MADV_PAGEOUT only drains this CPU's
//    lru_add batch (lru_add_drain); a folio faulted in on another CPU is not
//    yet on the LRU and folio_isolate_lru fails (measured: 191/200 no-ops
//    when fault and madvise ran on different CPUs).
//  - a coordinator sends step numbers to each process over its own pipe and
//    waits for an acknowledgement, so steps run in scenario order.
//  - pagemap is opened per read: /proc/self resolves at open(), and a file
//    inherited over fork() would read the parent.
//  - UFFD_FEATURE_SIGBUS: a write to a write-protected page raises SIGBUS
//    (reported as "wpfault") instead of blocking without a handler.
//  - one data pipe, made before the processes so every one of them holds it
//    (the model's pipe, model/pipe.h); non-blocking, so a read of an empty
//    pipe reports -1 instead of hanging.
static constexpr std::string_view PRELUDE = R"C(#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

/* Helpers a scenario does not use must not warn (gcc and clang, -Wall -Wextra -Werror). */
#define LIVE_FN static inline __attribute__((unused))

#define LIVE_MAX_PROCS 8
#define LIVE_MAX_MAPS 16

static long live_ps;                          /* page size */
static int live_self = -1;                    /* scenario process index; -1: coordinator */
static int live_cmd[LIVE_MAX_PROCS][2];       /* coordinator -> process i */
static int live_ack[2];                       /* processes -> coordinator */
static int live_alive[LIVE_MAX_PROCS];        /* coordinator's view */
static pid_t live_pid[LIVE_MAX_PROCS];
static char *live_map[LIVE_MAX_MAPS];         /* this process's mappings */
static size_t live_map_len[LIVE_MAX_MAPS];
static int live_uffd = -1;                    /* this process's userfaultfd */
static int live_failed;                       /* a TAP test failed in this process */
static sigjmp_buf live_bus_jmp;

LIVE_FN void live_die(const char *what) {
  printf("Bail out! %s: %s\n", what, strerror(errno));
  fflush(stdout);
  _exit(2);
}

LIVE_FN char *live_page(int map, int index) { return live_map[map] + (size_t)index * (size_t)live_ps; }

/* /proc/self/pagemap entry (fs/proc/task_mmu.c pagemap_read). */
LIVE_FN uint64_t live_pagemap(int map, int index) {
  uint64_t e = 0;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) live_die("open /proc/self/pagemap");
  off_t off = (off_t)((uintptr_t)live_page(map, index) / (uintptr_t)live_ps) * 8;
  if (pread(fd, &e, sizeof e, off) != (ssize_t)sizeof e) live_die("read pagemap");
  close(fd);
  return e;
}

LIVE_FN int live_mincore(int map, int index) {
  unsigned char v = 0;
  if (mincore(live_page(map, index), (size_t)live_ps, &v)) live_die("mincore");
  return v & 1;
}

LIVE_FN int live_read(int map, int index) { return *(volatile unsigned char *)live_page(map, index); }

LIVE_FN void live_on_sigbus(int sig) {
  (void)sig;
  siglongjmp(live_bus_jmp, 1);
}

/* A store; 1 when it raised SIGBUS (uffd-wp protected page, UFFD_FEATURE_SIGBUS). */
LIVE_FN int live_write(int map, int index, int value) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = live_on_sigbus;
  sigaction(SIGBUS, &sa, &old);
  int faulted = 0;
  if (sigsetjmp(live_bus_jmp, 1) == 0)
    *(volatile unsigned char *)live_page(map, index) = (unsigned char)value;
  else
    faulted = 1;
  sigaction(SIGBUS, &old, 0);
  return faulted;
}

LIVE_FN void live_madvise(int map, int index, int advice, const char *name) {
  if (madvise(live_page(map, index), (size_t)live_ps, advice))
    printf("# madvise %s: %s\n", name, strerror(errno));
}

LIVE_FN void live_mmap(int map, int npages, int shared, int fd, int pgoff) {
  int flags = shared ? MAP_SHARED : MAP_PRIVATE;
  if (fd < 0) flags |= MAP_ANONYMOUS;
  size_t len = (size_t)npages * (size_t)live_ps;
  void *p = mmap(0, len, PROT_READ | PROT_WRITE, flags, fd, (off_t)pgoff * live_ps);
  if (p == MAP_FAILED) live_die("mmap");
  live_map[map] = p;
  live_map_len[map] = len;
}

LIVE_FN void live_munmap(int map) {
  if (munmap(live_map[map], live_map_len[map])) live_die("munmap");
  live_map[map] = 0;
}

LIVE_FN int live_memfd(const char *name, int npages) {
  int fd = memfd_create(name, 0);
  if (fd < 0 || ftruncate(fd, (off_t)npages * live_ps)) live_die("memfd_create");
  return fd;
}

/* lseek(SEEK_DATA/SEEK_HOLE) from page `from`, in pages; -1 for ENXIO. */
LIVE_FN long live_lseek(int fd, int from, int whence) {
  off_t r = lseek(fd, (off_t)from * live_ps, whence);
  if (r < 0) {
    if (errno == ENXIO) return -1;
    live_die("lseek");
  }
  return (long)(r / live_ps);
}

#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13) /* uapi headers older than 6.4 */
#endif
static int live_uffd_unpopulated = -1;         /* the features this process's userfaultfd got */

/* UFFDIO_REGISTER in write-protect mode (fs/userfaultfd.c); `unpopulated`:
 * the userfaultfd has UFFD_FEATURE_WP_UNPOPULATED (one per process). */
LIVE_FN void live_uffd_register_features(int map, int unpopulated) {
  if (live_uffd < 0) {
    live_uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (live_uffd < 0) live_die("userfaultfd");
    struct uffdio_api api;
    memset(&api, 0, sizeof api);
    api.api = UFFD_API;
    api.features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_SIGBUS;
    if (unpopulated) api.features |= UFFD_FEATURE_WP_UNPOPULATED;
    if (ioctl(live_uffd, UFFDIO_API, &api)) live_die("UFFDIO_API");
    live_uffd_unpopulated = unpopulated;
  }
  if (live_uffd_unpopulated != unpopulated) live_die("one userfaultfd per process: WP_UNPOPULATED for all its mappings or none");
  struct uffdio_register r;
  memset(&r, 0, sizeof r);
  r.range.start = (uintptr_t)live_map[map];
  r.range.len = live_map_len[map];
  r.mode = UFFDIO_REGISTER_MODE_WP;
  if (ioctl(live_uffd, UFFDIO_REGISTER, &r)) live_die("UFFDIO_REGISTER");
}
LIVE_FN void live_uffd_register(int map) { live_uffd_register_features(map, 0); }

LIVE_FN void live_uffd_wp(int map, int index, int on) {
  struct uffdio_writeprotect w;
  memset(&w, 0, sizeof w);
  w.range.start = (uintptr_t)live_page(map, index);
  w.range.len = (size_t)live_ps;
  w.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
  if (ioctl(live_uffd, UFFDIO_WRITEPROTECT, &w)) live_die("UFFDIO_WRITEPROTECT");
}

/* fallocate(2) of one page of a memfd (mm/shmem.c shmem_fallocate). */
LIVE_FN void live_fallocate(int fd, int mode, int index) {
  if (fallocate(fd, mode, (off_t)index * live_ps, live_ps)) live_die("fallocate");
}

/* echo 4 > /proc/self/clear_refs: soft-dirty reset. */
LIVE_FN void live_clear_refs(void) {
  int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0 || write(fd, "4", 1) != 1) live_die("clear_refs");
  close(fd);
}

/* madvise of a whole mapping (advice that changes vm_flags: the model does not split VMAs). */
LIVE_FN void live_madvise_map(int map, int advice, const char *name) {
  if (madvise(live_map[map], live_map_len[map], advice))
    printf("# madvise %s: %s\n", name, strerror(errno));
}

LIVE_FN void live_mprotect(int map, int prot) {
  if (mprotect(live_map[map], live_map_len[map], prot)) printf("# mprotect: %s\n", strerror(errno));
}

LIVE_FN void live_mlock(int map, int lock) {
  if (lock ? mlock(live_map[map], live_map_len[map]) : munlock(live_map[map], live_map_len[map]))
    printf("# %s: %s\n", lock ? "mlock" : "munlock", strerror(errno));
}

/* mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto a fresh PROT_NONE reservation, as
   tools/testing/selftests/mm/uffd-wp-mremap.c does: the mapping always moves. */
LIVE_FN void live_mremap(int map) {
  void *dst = mmap(0, live_map_len[map], PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (dst == MAP_FAILED) live_die("mmap for mremap");
  void *p = mremap(live_map[map], live_map_len[map], live_map_len[map], MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  if (p == MAP_FAILED) live_die("mremap");
  live_map[map] = p;
}

/* Programs that resize mappings or use MREMAP_DONTUNMAP place every mapping
   at the model's address (page `start` of an arena of the model's pages, a
   hole between two PROT_NONE guard pages), so whether a VMA can grow in
   place (vma_expandable) is decided by the same layout as in the model. */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define LIVE_ARENA_PAGES 4
static char *live_arena;
LIVE_FN char *live_arena_at(int start) {
  if (!live_arena) {
    char *r = mmap(0, (size_t)(LIVE_ARENA_PAGES + 2) * live_ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) live_die("mmap arena");
    if (munmap(r + live_ps, (size_t)LIVE_ARENA_PAGES * live_ps)) live_die("munmap arena");
    live_arena = r + live_ps;
  }
  return live_arena + (size_t)start * live_ps;
}
LIVE_FN void live_mmap_at(int map, int npages, int shared, int fd, int pgoff, int start) {
  int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE;
  if (fd < 0) flags |= MAP_ANONYMOUS;
  size_t len = (size_t)npages * (size_t)live_ps;
  void *p = mmap(live_arena_at(start), len, PROT_READ | PROT_WRITE, flags, fd, (off_t)pgoff * live_ps);
  if (p == MAP_FAILED) live_die("mmap at the model's address");
  live_map[map] = p;
  live_map_len[map] = len;
}
/* mremap(MREMAP_MAYMOVE | MREMAP_FIXED) to the model's new address. */
LIVE_FN void live_mremap_at(int map, int to) {
  void *p = mremap(live_map[map], live_map_len[map], live_map_len[map], MREMAP_MAYMOVE | MREMAP_FIXED, live_arena_at(to));
  if (p == MAP_FAILED) live_die("mremap");
  live_map[map] = p;
}
/* mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED) to the model's new address:
   the moved mapping becomes `newmap`, `map` stays. */
LIVE_FN void live_mremap_dontunmap(int map, int newmap, int to) {
  void *p = mremap(live_map[map], live_map_len[map], live_map_len[map],
                   MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, live_arena_at(to));
  if (p == MAP_FAILED) live_die("mremap(MREMAP_DONTUNMAP)");
  live_map[newmap] = p;
  live_map_len[newmap] = live_map_len[map];
}
/* A resizing mremap(addr, len, npages pages, flags): shrink, or expand in
   place / by moving (MREMAP_MAYMOVE).  An error (ENOMEM) leaves the mapping. */
LIVE_FN void live_mremap_resize(int map, int npages, int flags) {
  size_t len = (size_t)npages * (size_t)live_ps;
  void *p = mremap(live_map[map], live_map_len[map], len, flags);
  if (p == MAP_FAILED) {
    printf("# mremap: %s\n", strerror(errno));
    return;
  }
  live_map[map] = p;
  live_map_len[map] = len;
}

/* A second userfaultfd with UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED
   (as tools/testing/selftests/mm/pagemap_ioctl.c init_uffd), for uffd-wp-async maps. */
static int live_uffd_async = -1;
LIVE_FN void live_uffd_register_async(int map) {
  if (live_uffd_async < 0) {
    live_uffd_async = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (live_uffd_async < 0) live_die("userfaultfd");
    struct uffdio_api api;
    memset(&api, 0, sizeof api);
    api.api = UFFD_API;
    api.features = UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
    if (ioctl(live_uffd_async, UFFDIO_API, &api)) live_die("UFFDIO_API (WP_ASYNC)");
  }
  struct uffdio_register r;
  memset(&r, 0, sizeof r);
  r.range.start = (uintptr_t)live_map[map];
  r.range.len = live_map_len[map];
  r.mode = UFFDIO_REGISTER_MODE_WP;
  if (ioctl(live_uffd_async, UFFDIO_REGISTER, &r)) live_die("UFFDIO_REGISTER (WP_ASYNC)");
}

LIVE_FN void live_uffd_wp_async(int map, int index, int on) {
  struct uffdio_writeprotect w;
  memset(&w, 0, sizeof w);
  w.range.start = (uintptr_t)live_page(map, index);
  w.range.len = (size_t)live_ps;
  w.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
  if (ioctl(live_uffd_async, UFFDIO_WRITEPROTECT, &w)) live_die("UFFDIO_WRITEPROTECT");
}

#ifndef PAGEMAP_SCAN
struct page_region { uint64_t start, end, categories; };
struct pm_scan_arg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#endif

/* PAGEMAP_SCAN of one page: its categories (all of them returned), or with
   `wp` PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC on written pages. */
LIVE_FN long live_scan(int map, int index, int wp) {
  struct page_region vec;
  struct pm_scan_arg arg;
  memset(&vec, 0, sizeof vec);
  memset(&arg, 0, sizeof arg);
  arg.size = sizeof arg;
  arg.start = (uintptr_t)live_page(map, index);
  arg.end = arg.start + (uint64_t)live_ps;
  arg.vec = (uintptr_t)&vec;
  arg.vec_len = 1;
  arg.return_mask = 0x1ff;
  if (wp) {
    arg.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
    arg.category_mask = 1 << 1; /* PAGE_IS_WRITTEN */
  }
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) live_die("open /proc/self/pagemap");
  long n = ioctl(fd, PAGEMAP_SCAN, &arg);
  close(fd);
  if (n < 0) {
    printf("# PAGEMAP_SCAN: %s\n", strerror(errno));
    return -1;
  }
  return n == 0 ? 0 : (long)vec.categories;
}

/* PAGEMAP_SCAN over pages [first, first + npages) of a mapping, its result
   packed as mmcheck's model packs it (model/pagemap_scan.h
   pack_pm_scan_result): ret (0..15 regions, 16 EINVAL, 17 EPERM, 18 EFAULT,
   19 other), walk_end in pages from the start, then four regions of 14 bits
   (start 2 bits, length 3 bits, categories 9 bits). */
LIVE_FN uint64_t live_scan_range(int map, int first, int npages, uint64_t flags, uint64_t inverted, uint64_t mask,
                                 uint64_t anyof, uint64_t ret_mask, uint64_t max_pages, uint64_t vec_len, int vec_null) {
  struct page_region vec[16];
  struct pm_scan_arg arg;
  memset(vec, 0, sizeof vec);
  memset(&arg, 0, sizeof arg);
  arg.size = sizeof arg;
  arg.flags = flags;
  arg.start = (uintptr_t)live_page(map, first);
  arg.end = arg.start + (uint64_t)npages * (uint64_t)live_ps;
  arg.vec = vec_null ? 0 : (uintptr_t)vec;
  arg.vec_len = vec_len > 16 ? 16 : vec_len;
  arg.max_pages = max_pages;
  arg.category_inverted = inverted;
  arg.category_mask = mask;
  arg.category_anyof_mask = anyof;
  arg.return_mask = ret_mask;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) live_die("open /proc/self/pagemap");
  long n = ioctl(fd, PAGEMAP_SCAN, &arg);
  int e = errno;
  close(fd);
  uint64_t v;
  if (n < 0) v = e == EINVAL ? 16 : e == EPERM ? 17 : e == EFAULT ? 18 : 19;
  else v = n > 15 ? 15 : (uint64_t)n;
  uint64_t walk_end = arg.walk_end ? arg.walk_end : arg.end; /* not written back after an argument error */
  v |= (((walk_end - arg.start) / (uint64_t)live_ps) & 7) << 5;
  for (long i = 0; n > 0 && i < n && i < 4; i++) {
    uint64_t s = ((vec[i].start - arg.start) / (uint64_t)live_ps) & 3;
    uint64_t len = ((vec[i].end - vec[i].start) / (uint64_t)live_ps) & 7;
    v |= (s | (len << 2) | ((vec[i].categories & 0x1ff) << 5)) << (8 + 14 * i);
  }
  return v;
}

/* MADV_COLLAPSE (mm/khugepaged.c madvise_collapse).  The model's THP is 2
   pages; a real one is a PMD (512 pages on x86-64).  A mapping that a
   scenario collapses is placed alone on a PMD-aligned range: the model's
   pages are its first pages, the other PTEs ("fillers") stay none, or are
   written once in a userfaultfd-registered mapping (where a none PTE stops
   MADV_COLLAPSE: SCAN_EXCEED_NONE_PTE).  PROT_NONE guards on both sides
   keep the VMA from merging with a neighbour (whose anon_vma or pages
   would decide the collapse).  docs/kernel-experiments.md section 13. */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef PR_THP_DISABLE_EXCEPT_ADVISED
#define PR_THP_DISABLE_EXCEPT_ADVISED (1 << 1)
#endif
static size_t live_pmd_size;
/* Faults must map small pages, as the model's do (no MADV_HUGEPAGE):
   PR_THP_DISABLE_EXCEPT_ADVISED (6.18) leaves MADV_COLLAPSE working
   (vma_thp_disabled treats a forced collapse as advised) and keeps
   khugepaged away; before 6.18 THP "enabled" must not be "always". */
LIVE_FN void live_thp_setup(void) {
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
  unsigned long n = 0;
  if (!f || fscanf(f, "%lu", &n) != 1 || n < (unsigned long)live_ps) live_die("hpage_pmd_size (no THP)");
  fclose(f);
  live_pmd_size = n;
  if (prctl(PR_SET_THP_DISABLE, 1, PR_THP_DISABLE_EXCEPT_ADVISED, 0, 0)) {
    char mode[128] = "";
    f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f && !fgets(mode, sizeof mode, f)) mode[0] = 0;
    if (f) fclose(f);
    if (strstr(mode, "[always]")) live_die("PR_THP_DISABLE_EXCEPT_ADVISED with THP enabled=always");
  }
}
LIVE_FN void live_mmap_pmd(int map) {
  size_t len = live_pmd_size;
  char *r = mmap(0, 3 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) live_die("mmap PMD reservation");
  char *a = (char *)(((uintptr_t)r + len + len - 1) & ~(uintptr_t)(len - 1));
  void *p = mmap(a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) live_die("mmap PMD range");
  live_map[map] = p;
  live_map_len[map] = len;
}
/* Writes every page of the PMD range from page `from` on (the fillers). */
LIVE_FN void live_pmd_fill(int map, int from) {
  for (size_t i = (size_t)from; i < live_map_len[map] / (size_t)live_ps; i++) live_map[map][i * (size_t)live_ps] = 0x5a;
}
/* madvise(MADV_COLLAPSE) of the whole PMD range holding the page (a shorter
   range collapses nothing: madvise_collapse rounds start up and end down
   to the PMD); 0 or the errno.  An EAGAIN is retried once, as the
   selftests' madvise_collapse_retry does: __collapse_huge_page_swapin
   fails with SCAN_PAGE_LOCK when do_swap_page finds the swap read still in
   flight (VM_FAULT_RETRY, after waiting for it); the model completes the
   read inside the call.  A lasting EAGAIN (a page a pipe holds) stays. */
LIVE_FN int live_collapse(int map, int index) {
  uintptr_t a = (uintptr_t)live_page(map, index) & ~(uintptr_t)(live_pmd_size - 1);
  if (madvise((void *)a, live_pmd_size, MADV_COLLAPSE) == 0) return 0;
  if (errno != EAGAIN) return errno;
  printf("# MADV_COLLAPSE: EAGAIN, retried once\n");
  return madvise((void *)a, live_pmd_size, MADV_COLLAPSE) ? errno : 0;
}

static int live_pipe[2] = {-1, -1};           /* the scenario's pipe: vmsplice, read pipe */

/* vmsplice(2) of one page into the pipe (fs/splice.c vmsplice_to_pipe:
   get_user_pages_fast(FOLL_GET), the pipe buffer holds a page reference). */
LIVE_FN void live_vmsplice(int map, int index) {
  struct iovec iov;
  iov.iov_base = live_page(map, index);
  iov.iov_len = (size_t)live_ps;
  ssize_t n = vmsplice(live_pipe[1], &iov, 1, 0);
  if (n != (ssize_t)live_ps) printf("# vmsplice: %s\n", n < 0 ? strerror(errno) : "short");
}

/* read(2) of one page from the pipe: the first byte of what it returns
   (the page as it is now: fs/pipe.c pipe_read, copy_page_to_iter); -1 when empty. */
LIVE_FN int live_pipe_read(void) {
  unsigned char *buf = malloc((size_t)live_ps);
  if (!buf) live_die("malloc");
  ssize_t n = read(live_pipe[0], buf, (size_t)live_ps);
  int v = n > 0 ? buf[0] : -1;
  free(buf);
  return v;
}

/* What the next read of the pipe returns, without consuming it: tee(2) the
   head buffer (a second reference to its page) into a scratch pipe and read
   that one; -1 when the pipe is empty. */
LIVE_FN int live_pipe_peek(void) {
  int t[2];
  if (pipe2(t, O_NONBLOCK)) live_die("pipe2");
  ssize_t n = tee(live_pipe[0], t[1], (size_t)live_ps, SPLICE_F_NONBLOCK);
  int v = -1;
  if (n > 0) {
    unsigned char *buf = malloc((size_t)live_ps);
    if (!buf) live_die("malloc");
    if (read(t[0], buf, (size_t)live_ps) > 0) v = buf[0];
    free(buf);
  }
  close(t[0]);
  close(t[1]);
  return v;
}

static sigjmp_buf live_access_jmp;
LIVE_FN void live_on_access_signal(int sig) { siglongjmp(live_access_jmp, sig); }

/* A load, or a store of `value`: 0, or the signal it raised (SIGSEGV 11, SIGBUS 7),
   as the selftests' try_read_buf / try_write_buf. */
LIVE_FN int live_access(int map, int index, int write, int value) {
  struct sigaction sa, old_segv, old_bus;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = live_on_access_signal;
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  int sig = sigsetjmp(live_access_jmp, 1);
  if (sig == 0) {
    if (write) *(volatile unsigned char *)live_page(map, index) = (unsigned char)value;
    else (void)*(volatile unsigned char *)live_page(map, index);
  }
  sigaction(SIGSEGV, &old_segv, 0);
  sigaction(SIGBUS, &old_bus, 0);
  return sig;
}

LIVE_FN void live_obs_hex(int id, uint64_t v) { printf("# obs %d 0x%016llx\n", id, (unsigned long long)v); }
LIVE_FN void live_obs_int(int id, long v) { printf("# obs %d %ld\n", id, v); }

/* kselftest-style result line for one expectation. */
LIVE_FN void live_tap(int n, int pass, const char *text) {
  printf("%sok %d %s\n", pass ? "" : "not ", n, text);
  if (!pass) live_failed = 1;
}
LIVE_FN void live_tap_skip(int n, const char *text, const char *why) { printf("ok %d %s # SKIP %s\n", n, text, why); }

/* pagemap fields, as the scenario language names them. */
LIVE_FN int live_pm_present(uint64_t e) { return (int)(e >> 63 & 1); }
LIVE_FN int live_pm_swap(uint64_t e) { return (int)(e >> 62 & 1); }
LIVE_FN int live_pm_file(uint64_t e) { return (int)(e >> 61 & 1); }
LIVE_FN int live_pm_guard(uint64_t e) { return (int)(e >> 58 & 1); }
LIVE_FN int live_pm_uffd_wp(uint64_t e) { return (int)(e >> 57 & 1); }
LIVE_FN int live_pm_exclusive(uint64_t e) { return (int)(e >> 56 & 1); }
LIVE_FN int live_pm_soft_dirty(uint64_t e) { return (int)(e >> 55 & 1); }

static void live_step(int n);  /* generated */

/* A scenario process: run the steps the coordinator sends until told to stop. */
LIVE_FN void live_serve(int self) {
  live_self = self;
  for (;;) {
    int n;
    ssize_t r = read(live_cmd[self][0], &n, sizeof n);
    if (r != (ssize_t)sizeof n || n < 0) _exit(live_failed);  /* coordinator gone, or done */
    live_step(n);
    fflush(stdout);
    char ok = live_failed ? 'f' : 'k';
    if (write(live_ack[1], &ok, 1) != 1) _exit(2);
  }
}

/* Runs in a new scenario process: only the coordinator may hold write ends
   of the command pipes, so that its death reads as EOF everywhere.  The read
   ends stay: a process forked later inherits the one it will use. */
LIVE_FN void live_become(void) {
  for (int i = 0; i < LIVE_MAX_PROCS; i++) {
    if (live_cmd[i][1] >= 0) close(live_cmd[i][1]);
    live_cmd[i][1] = -1;
  }
  if (live_ack[0] >= 0) close(live_ack[0]);
  live_ack[0] = -1;
  /* children of scenario processes are reaped by the kernel (no zombies
     holding anything); the coordinator waits for exits through pidfds */
  signal(SIGCHLD, SIG_IGN);
}

/* fork() inside scenario process `parent`; the child becomes process `child`. */
LIVE_FN void live_fork(int child) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) live_die("fork");
  if (pid == 0) {
    /* dup_userfaultfd without UFFD_FEATURE_EVENT_FORK: the child's VMAs are
       not registered; it must not use the parent's context. */
    if (live_uffd >= 0) close(live_uffd);
    live_uffd = -1;
    live_uffd_unpopulated = -1;
    if (live_uffd_async >= 0) close(live_uffd_async);
    live_uffd_async = -1;
    live_failed = 0;
    live_serve(child);
  }
  /* tell the coordinator the pid: the child is not its child */
  if (write(live_ack[1], &pid, sizeof pid) != (ssize_t)sizeof pid) live_die("write pid");
}

/* Coordinator: run step n in process p (p == -1: in the coordinator). */
LIVE_FN void live_run(int p, int n) {
  if (p < 0) {
    live_step(n);
    fflush(stdout);
    return;
  }
  if (write(live_cmd[p][1], &n, sizeof n) != (ssize_t)sizeof n) live_die("send step");
  char ok;
  if (read(live_ack[0], &ok, 1) != 1) {
    printf("Bail out! process %d died during step %d\n", p, n);
    exit(2);
  }
  if (ok == 'f') live_failed = 1;
}

/* Coordinator: the child pid a live_fork step reported (before its ack). */
LIVE_FN void live_run_fork(int p, int n, int child) {
  if (write(live_cmd[p][1], &n, sizeof n) != (ssize_t)sizeof n) live_die("send step");
  pid_t pid;
  if (read(live_ack[0], &pid, sizeof pid) != (ssize_t)sizeof pid) live_die("read pid");
  live_pid[child] = pid;
  live_alive[child] = 1;
  char ok;
  if (read(live_ack[0], &ok, 1) != 1) live_die("read ack");
  if (ok == 'f') live_failed = 1;
}

/* Coordinator: process p exits; returns once it is gone (exit_mm has run
   before a pidfd becomes readable).  Its TAP results came with its acks. */
LIVE_FN void live_run_exit(int p) {
  int pidfd = (int)syscall(SYS_pidfd_open, live_pid[p], 0);
  if (pidfd < 0) live_die("pidfd_open");
  int stop = -1;
  if (write(live_cmd[p][1], &stop, sizeof stop) != (ssize_t)sizeof stop) live_die("send exit");
  struct pollfd pfd = {pidfd, POLLIN, 0};
  if (poll(&pfd, 1, 20000) != 1) live_die("waiting for an exit");
  close(pidfd);
  waitpid(live_pid[p], 0, WNOHANG);  /* our child: reap it; a grandchild: its parent ignores SIGCHLD */
  live_alive[p] = 0;
}

/* Coordinator set-up: one CPU, the pipes.  Files are created next, then
   live_spawn starts the declared processes, which inherit them. */
LIVE_FN void live_init(void) {
  live_ps = sysconf(_SC_PAGESIZE);
  setvbuf(stdout, 0, _IOLBF, 0);
  /* die with mmcheck; adopt orphaned scenario processes so they can be reaped */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  cpu_set_t one;
  CPU_ZERO(&one);
  int cpu = sched_getcpu();
  CPU_SET(cpu < 0 ? 0 : cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one)) live_die("sched_setaffinity");
  if (pipe(live_ack)) live_die("pipe");
  if (pipe2(live_pipe, O_NONBLOCK)) live_die("pipe2");
  for (int i = 0; i < LIVE_MAX_PROCS; i++)
    if (pipe(live_cmd[i])) live_die("pipe");
  /* for tests of the swap guard: a window in which to kill mmcheck */
  if (getenv("MMCHECK_LIVE_PAUSE")) sleep((unsigned)atoi(getenv("MMCHECK_LIVE_PAUSE")));
}

LIVE_FN void live_spawn(int nprocs_declared) {
  for (int i = 0; i < nprocs_declared; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) live_die("fork");
    if (pid == 0) {
      live_become();
      live_serve(i);
    }
    live_pid[i] = pid;
    live_alive[i] = 1;
  }
}

LIVE_FN int live_finish(void) {
  for (int i = 0; i < LIVE_MAX_PROCS; i++)
    if (live_alive[i]) live_run_exit(i);
  return live_failed ? 1 : 0;
}
)C";

std::string_view c_prelude() { return PRELUDE; }

}  // namespace mmc::live
