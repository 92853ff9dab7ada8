// PAGEMAP_SCAN write-protect on a writable migration entry
// (docs/kernel-experiments.md, section 14; docs/model.md "Findings" 2).
// Not part of the build.  Root: reads /proc/kpageflags.
//
//   cc -std=c11 -Wall -Wextra -O1 -pthread -o build/scan_wp checker/live/experiments/migration_entry_scan_wp.c
//   build/scan_wp [ATTEMPTS]
//
// The model says: make_uffd_wp_pte sets the uffd-wp bit on a migration
// entry without making a writable entry readable, and remove_migration_pte
// maps a writable entry with pte_mkwrite and drops the bit ("else if
// (pte_swp_uffd_wp(old_pte))").  So a PAGEMAP_SCAN with PM_SCAN_WP_MATCHING
// that lands while a page is a writable migration entry leaves the page
// writable and not write-protected: it reads PAGE_IS_WRITTEN although
// nobody wrote it after the scan.  (K1, the soft-dirty twin in
// clear_soft_dirty, cannot be tried here: CONFIG_MEM_SOFT_DIRTY is off.)
//
// Single node: no migrate_pages to another node.  A THP split makes the
// same entries deterministically (MADV_COLD on one page of a PMD-mapped
// THP splits it): unmap_folio -> try_to_migrate (anon)
// installs a migration entry per subpage (writable for a writable PMD),
// and remap_page -> remove_migration_ptes -> remove_migration_pte maps them
// back.  Each attempt: a fresh PMD-mapped THP, written, registered
// uffd-wp (WP_ASYNC); one thread splits it while another
// runs one write-protecting PAGEMAP_SCAN after a random delay; then a
// non-WP scan counts pages that read "written".  Any such page is the
// finding.  Controls: the scan before the split, and after it (never any).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PAGEMAP_SCAN /* uapi headers older than 6.7 */
struct page_region { uint64_t start, end, categories; };
struct pm_scan_arg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#define PAGE_IS_WRITTEN (1 << 1)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

enum { PAGE = 4096, HPAGE = 2 << 20, NPAGES = HPAGE / PAGE };

static int uffd;
static char *area;
static atomic_int go;
static long delay_spins;

static void die(const char *what) {
  perror(what);
  exit(2);
}

static long scan(int wp) {
  static struct page_region regs[NPAGES];
  struct pm_scan_arg arg = {
      .size = sizeof(arg),
      .flags = wp ? (PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC) : 0,
      .start = (uintptr_t)area,
      .end = (uintptr_t)area + HPAGE,
      .vec = (uintptr_t)regs,
      .vec_len = NPAGES,
      .category_mask = PAGE_IS_WRITTEN,
      .return_mask = PAGE_IS_WRITTEN,
  };
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) die("pagemap");
  long n = ioctl(fd, PAGEMAP_SCAN, &arg);
  close(fd);
  if (n < 0) die("PAGEMAP_SCAN");
  long pages = 0;
  for (long i = 0; i < n; i++) pages += (long)((regs[i].end - regs[i].start) / PAGE);
  return pages;  // pages that read PAGE_IS_WRITTEN
}

static void *scanner(void *unused) {
  (void)unused;
  while (!atomic_load(&go)) {
  }
  for (volatile long i = 0; i < delay_spins; i++) {
  }
  scan(1);
  return NULL;
}

static int is_thp(void) {
  // kpageflags bit 22 (KPF_THP) of the first page's frame.
  int pm = open("/proc/self/pagemap", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
  uint64_t e = 0, f = 0;
  if (pm < 0 || kf < 0) die("pagemap/kpageflags");
  if (pread(pm, &e, 8, (off_t)((uintptr_t)area / PAGE * 8)) != 8) die("pagemap read");
  uint64_t pfn = e & ((1ULL << 55) - 1);
  if (pread(kf, &f, 8, (off_t)(pfn * 8)) != 8) die("kpageflags read");
  close(pm);
  close(kf);
  return (int)((f >> 22) & 1);
}

// madvise_cold_or_pageout_pte_range: MADV_COLD on part of a PMD-mapped THP
// splits the folio (split_folio), whose unmap_folio installs a migration
// entry for every subpage and whose remap_page maps them back.  (debugfs
// split_huge_pages does the same but is not writable on these machines.)
static void split(void) {
  if (madvise(area, PAGE, MADV_COLD)) die("MADV_COLD");
}

// One attempt; returns the number of pages that read "written" after the
// write-protecting scan, or -1 when no THP could be made.
enum order { RACE, SCAN_THEN_SPLIT, SPLIT_THEN_SCAN };
static long attempt(enum order order) {
  char *raw = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) die("mmap");
  area = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(uintptr_t)(HPAGE - 1));
  if (madvise(area, HPAGE, MADV_HUGEPAGE)) die("MADV_HUGEPAGE");
  memset(area, 0x5a, HPAGE);
  long ret = -1;
  if (!is_thp()) goto out;
  struct uffdio_register reg = {.range = {(uintptr_t)area, HPAGE}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (ioctl(uffd, UFFDIO_REGISTER, &reg)) die("UFFDIO_REGISTER");
  if (order == SCAN_THEN_SPLIT) {
    scan(1);
    split();
  } else if (order == SPLIT_THEN_SCAN) {
    split();
    scan(1);
  } else {
    pthread_t t;
    atomic_store(&go, 0);
    if (pthread_create(&t, NULL, scanner, NULL)) die("pthread_create");
    atomic_store(&go, 1);
    split();
    pthread_join(t, NULL);
  }
  ret = scan(0);
  struct uffdio_range r = {(uintptr_t)area, HPAGE};
  ioctl(uffd, UFFDIO_UNREGISTER, &r);
out:
  munmap(raw, 2 * HPAGE);
  return ret;
}

int main(int argc, char **argv) {
  int attempts = argc > 1 ? atoi(argv[1]) : 2000;
  uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (uffd < 0) die("userfaultfd");
  struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
  if (ioctl(uffd, UFFDIO_API, &api)) die("UFFDIO_API (WP_ASYNC)");
  srand(1);
  long control_bad[2] = {0, 0}, control_runs[2] = {0, 0};
  for (int i = 0; i < attempts / 5; i++) {
    int c = i % 2;
    long w = attempt(c ? SPLIT_THEN_SCAN : SCAN_THEN_SPLIT);
    if (w < 0) continue;
    control_runs[c]++;
    control_bad[c] += w > 0;
  }
  long hits = 0, runs = 0, pages = 0, no_thp = 0;
  for (int i = 0; i < attempts; i++) {
    delay_spins = rand() % 40000;
    long w = attempt(RACE);
    if (w < 0) {
      no_thp++;
      continue;
    }
    runs++;
    hits += w > 0;
    pages += w;
  }
  printf("control (scan, then split): %ld runs, %ld with a page reading written\n", control_runs[0], control_bad[0]);
  printf("control (split, then scan): %ld runs, %ld with a page reading written\n", control_runs[1], control_bad[1]);
  printf("race (scan during split): %ld runs (%ld without a THP), %ld with pages reading written, %ld pages\n", runs,
         no_thp, hits, pages);
  return 0;
}
