// Folio migration on the live kernel (docs/kernel-experiments.md, section 11).
// Not part of the build.  Root: writes /proc/sys/vm/compact_memory.
//
//   cc -std=c11 -Wall -Wextra -O1 -o build/migration checker/live/experiments/migration.c
//   build/migration [RUNS]
//
// 1. move_pages(MPOL_MF_MOVE) to the node the page is on: add_page_for_migration
//    returns early (folio_nid == node), the PFN does not change.
// 2. Compaction (compact_memory) migrates a nondeterministic subset of 256
//    pages, half of them uffd-wp protected (readable-exclusive migration
//    entries), half writable (writable entries).  For every page whose PFN
//    changed: the value, PM_MMAP_EXCLUSIVE, and uffd-wp (set on the protected
//    half, clear on the writable half) must be what they were.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { N = 256, PAGE = 4096 };
#define PFN(e) ((e) & ((1ULL << 55) - 1))
#define BIT(e, b) ((int)(((e) >> (b)) & 1))

static uint64_t pagemap(void *p) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t e = 0;
  if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE * 8)) != 8) { perror("pagemap"); exit(1); }
  close(fd);
  return e;
}

static void same_node_move_pages(void) {
  char *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p[0] = 1;
  uint64_t before = pagemap(p);
  void *pages[1] = {p};
  int nodes[1] = {0}, status[1] = {-1};
  long r = syscall(SYS_move_pages, 0, 1, pages, nodes, status, MPOL_MF_MOVE);
  uint64_t after = pagemap(p);
  printf("move_pages to node 0: ret %ld status %d, PFN %s\n", r, status[0],
         PFN(before) == PFN(after) ? "unchanged" : "CHANGED");
  munmap(p, PAGE);
}

static void compaction(void) {
  char *p = mmap(0, (size_t)N * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  struct uffdio_api api = {.api = UFFD_API};
  struct uffdio_register reg = {.range = {(uintptr_t)p, (uint64_t)N * PAGE}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) { perror("uffd"); exit(1); }
  for (int i = 0; i < N; i++) p[i * PAGE] = (char)(i | 1);
  struct uffdio_writeprotect wp = {.range = {(uintptr_t)p, (uint64_t)N / 2 * PAGE}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
  if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) { perror("UFFDIO_WRITEPROTECT"); exit(1); }
  uint64_t before[N];
  for (int i = 0; i < N; i++) before[i] = pagemap(p + i * PAGE);
  int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
  if (fd < 0 || write(fd, "1", 1) != 1) { perror("compact_memory"); exit(1); }
  close(fd);
  int moved_wp = 0, moved_rw = 0, wrong = 0;
  for (int i = 0; i < N; i++) {
    uint64_t e = pagemap(p + i * PAGE);
    if (PFN(e) == PFN(before[i])) continue;
    const int protected_half = i < N / 2;
    if (protected_half) moved_wp++;
    else moved_rw++;
    if (BIT(e, 57) != protected_half || !BIT(e, 56) || !BIT(e, 63) || p[i * PAGE] != (char)(i | 1)) wrong++;
  }
  printf("compaction moved %3d uffd-wp pages and %3d writable pages; moved pages with a wrong value, uffd-wp or "
         "PM_MMAP_EXCLUSIVE: %d\n", moved_wp, moved_rw, wrong);
  close(uffd);
  munmap(p, (size_t)N * PAGE);
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  same_node_move_pages();
  for (int r = 0; r < runs; r++) compaction();
  return 0;
}
