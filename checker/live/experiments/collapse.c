// Ground truth for MADV_COLLAPSE live scenarios (model/khugepaged.cpp,
// docs/kernel-experiments.md section 13): what madvise(MADV_COLLAPSE)
// returns and maps on a 2 MiB-aligned private anonymous range whose first
// two pages play the model's 2-page PMD range and whose other 510 PTEs are
// the "fillers" (none, or written).  Faults must not map THPs by themselves:
// prctl(PR_SET_THP_DISABLE, 1, PR_THP_DISABLE_EXCEPT_ADVISED) (6.18), under
// which MADV_COLLAPSE still works (vma_thp_disabled: forced collapse counts
// as advised).  Not built by CMake:
//   cc -std=c11 -Wall -Wextra -Werror -O1 -o build/collapse checker/live/experiments/collapse.c
//   sudo build/collapse
// One line per case: "<case> ret=<errno name> pmd=<0|1> p0=<pagemap flags> ...".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef PR_THP_DISABLE_EXCEPT_ADVISED
#define PR_THP_DISABLE_EXCEPT_ADVISED (1 << 1)
#endif
#define KPF_THP 22

static long ps;
static const size_t pmd = 2u << 20;

static void die(const char *what) {
  perror(what);
  exit(2);
}

static uint64_t pagemap(void *addr) {
  uint64_t e = 0;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)addr / (uintptr_t)ps) * 8) != 8) die("pagemap");
  close(fd);
  return e;
}

static int thp(void *addr) {
  uint64_t e = pagemap(addr), f = 0;
  if (!(e >> 63 & 1)) return 0;
  int fd = open("/proc/kpageflags", O_RDONLY);
  if (fd < 0 || pread(fd, &f, 8, (off_t)(e & ((1ull << 55) - 1)) * 8) != 8) die("kpageflags");
  close(fd);
  return (int)(f >> KPF_THP & 1);
}

/* A PMD-aligned range alone between PROT_NONE guards, as the live runtime's
   live_mmap_pmd: without the guards the range can merge with an earlier one
   and share its anon_vma (a first version of this program collapsed a range
   it had only read, through such a merge). */
static char *region(void) {
  char *r = mmap(0, 3 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) die("mmap");
  char *a = (char *)(((uintptr_t)r + 2 * pmd - 1) & ~(uintptr_t)(pmd - 1));
  if (mmap(a, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) die("mmap");
  return a;
}

static void fill(char *a) {
  for (size_t i = 2; i < pmd / (size_t)ps; i++) a[i * (size_t)ps] = 0x5a;
}

static const char *ename(int e) {
  switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    default: return strerror(e);
  }
}

static int collapse(char *a) { return madvise(a, pmd, MADV_COLLAPSE) ? errno : 0; }

static void show(const char *name, char *a, int e) {
  uint64_t p0 = pagemap(a), p1 = pagemap(a + ps);
  printf("%-28s ret=%-6s thp0=%d p0=%016llx p1=%016llx v0=%d v1=%d\n", name, ename(e), thp(a),
         (unsigned long long)(p0 >> 55 << 55), (unsigned long long)(p1 >> 55 << 55), a[0], a[ps]);
}

static int uffd_register(char *a) {
  int u = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_SIGBUS};
  if (u < 0 || ioctl(u, UFFDIO_API, &api)) die("userfaultfd");
  struct uffdio_register r = {.range = {(uintptr_t)a, pmd}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (ioctl(u, UFFDIO_REGISTER, &r)) die("UFFDIO_REGISTER");
  return u;
}

static void wp(int u, char *a, int on) {
  struct uffdio_writeprotect w = {.range = {(uintptr_t)a, (size_t)ps}, .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
  if (ioctl(u, UFFDIO_WRITEPROTECT, &w)) die("UFFDIO_WRITEPROTECT");
}

int main(void) {
  ps = sysconf(_SC_PAGESIZE);
  if (prctl(PR_SET_THP_DISABLE, 1, PR_THP_DISABLE_EXCEPT_ADVISED, 0, 0)) die("PR_SET_THP_DISABLE except advised");
  char *a;
  int e;
  a = region(); a[0] = 1; a[ps] = 2;
  show("fault-maps-no-thp", a, 0);
  e = collapse(a); show("full-none-fillers", a, e);
  a = region(); a[0] = 1; a[ps] = 2; fill(a);
  e = collapse(a); show("full-written-fillers", a, e);
  a = region();
  e = collapse(a); show("fresh-empty", a, e);
  a = region(); fill(a);
  e = collapse(a); show("fresh-pair-written-fillers", a, e);
  a = region(); a[0] = 3;
  e = collapse(a); show("single-pte", a, e);
  a = region(); a[ps] = 1; (void)*(volatile char *)a;
  e = collapse(a); show("zero-page-pte", a, e);
  a = region(); (void)*(volatile char *)a;
  e = collapse(a); show("zero-page-only(no anon_vma)", a, e);
  a = region(); a[0] = 1; a[ps] = 2; madvise(a, 2 * ps, MADV_DONTNEED);
  e = collapse(a); show("written-then-dontneed", a, e);
  a = region(); a[0] = 1; e = collapse(a); e = collapse(a); show("existing-thp", a, e);
  {
    a = region(); a[0] = 1; a[ps] = 2;
    int p[2];
    if (pipe(p)) die("pipe");
    struct iovec iov = {a, (size_t)ps};
    if (vmsplice(p[1], &iov, 1, 0) != ps) die("vmsplice");
    e = collapse(a); show("vmsplice-ref", a, e);
    close(p[0]); close(p[1]);
  }
  a = region(); a[0] = 1; a[ps] = 2;
  if (fork() == 0) {
    e = collapse(a); show("child-of-fork", a, e);
    a[0] = 7;
    _exit(0);
  }
  wait(0);
  show("parent-after-child-collapse", a, 0);
  // uffd-wp registered: none fillers and written fillers, protected page
  a = region(); int u = uffd_register(a); a[0] = 1; a[ps] = 2;
  e = collapse(a); show("uffd-none-fillers", a, e);
  a = region(); u = uffd_register(a); a[0] = 1; a[ps] = 2; fill(a);
  e = collapse(a); show("uffd-written-fillers", a, e);
  a = region(); u = uffd_register(a); a[0] = 1; a[ps] = 2; fill(a); wp(u, a + ps, 1);
  e = collapse(a); show("uffd-wp-protected", a, e);
  wp(u, a + ps, 0); madvise(a + ps, ps, MADV_DONTNEED);
  e = collapse(a); show("uffd-empty-pte", a, e);
  a = region(); u = uffd_register(a); fill(a);
  e = collapse(a); show("uffd-empty-pair", a, e);
  // swapped-out page: needs swap (skipped without)
  a = region(); a[0] = 1; a[ps] = 2;
  madvise(a + ps, ps, 21 /* MADV_PAGEOUT */);
  printf("%-28s p1=%016llx\n", "after-pageout", (unsigned long long)(pagemap(a + ps) >> 55 << 55));
  e = collapse(a); show("swapped-pte", a, e);
  // 4 KiB madvise: hstart >= hend, nothing to do
  a = region(); a[0] = 1; a[ps] = 2;
  e = madvise(a, ps, MADV_COLLAPSE) ? errno : 0; show("madvise-one-page", a, e);
  return 0;
}
