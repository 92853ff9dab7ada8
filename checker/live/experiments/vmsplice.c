// Ground truth for the model's pipe (model/pipe.h): the four vmsplice()
// cases of tools/testing/selftests/mm/cow.c (CVE-2020-29374), written anew
// here, on a base page, a swapped-out base page and a PMD-mapped THP.
// Not built by CMake (docs/kernel-experiments.md, section 10):
//   cc -std=c11 -Wall -Wextra -Werror -O1 -o build/vmsplice checker/live/experiments/vmsplice.c
//   scripts/live-swap build build/vmsplice
// One line per case: "<case> <memory> PASS" when the pipe still reads what
// was spliced, "LEAK" when the other process's write shows through it.
// The first page is spliced (a THP's subpage holds a reference to the whole
// folio); the rest of each case uses the whole mapping, as cow.c does.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

enum Mem { BASE, SWAP, THP };
static const char *const mem_name[] = {"base-page", "base-page-swapped", "thp"};
static long ps;
static const size_t thp_size = 2u << 20;

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

// The memory under test, filled with 1s; *size is what the case splices.
static char *setup(enum Mem m, size_t *size, int *ok) {
  *ok = 1;
  if (m == THP) {
    char *raw = mmap(0, 2 * thp_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) die("mmap");
    char *mem = (char *)(((uintptr_t)raw + thp_size - 1) & ~(uintptr_t)(thp_size - 1));
    if (madvise(mem, thp_size, MADV_HUGEPAGE)) die("MADV_HUGEPAGE");
    memset(mem, 1, thp_size);
    // A PMD mapping: the frames of the first and last page are 511 apart and aligned.
    const uint64_t pfn_mask = (1ULL << 55) - 1;
    uint64_t first = pagemap(mem) & pfn_mask, last = pagemap(mem + thp_size - ps) & pfn_mask;
    *ok = first && last == first + thp_size / ps - 1 && first % (thp_size / ps) == 0;
    *size = thp_size;
    return mem;
  }
  char *mem = mmap(0, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die("mmap");
  memset(mem, 1, ps);
  if (m == SWAP) {
    if (madvise(mem, ps, MADV_PAGEOUT)) die("MADV_PAGEOUT");
    *ok = (pagemap(mem) >> 62) & 1;  // PM_SWAP: it really went out
  }
  *size = ps;
  return mem;
}

static int splice_in(int fd, char *mem) {
  struct iovec iov = {mem, (size_t)ps};
  return vmsplice(fd, &iov, 1, 0) == (ssize_t)ps ? 0 : -1;
}

// 1 when the pipe returns all 1s (what was spliced), 0 on a leak.
static int pipe_still_old(int fd, size_t size) {
  char *buf = malloc(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n <= 0) die("read pipe");
    got += (size_t)n;
  }
  int same = 1;
  for (size_t i = 0; i < size; i++) same &= buf[i] == 1;
  free(buf);
  return same;
}

static void sync_wait(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) die("sync");
}
static void sync_post(int fd) {
  if (write(fd, "0", 1) != 1) die("sync");
}

// vmsplice + munmap in the child; the parent writes (optionally after mprotect R/O then R/W).
static int in_child(char *mem, size_t size, int do_mprotect) {
  int ready[2], go[2];
  if (pipe(ready) || pipe(go)) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int fds[2];
    close(ready[0]);
    close(go[1]);
    if (pipe(fds)) die("pipe");
    if (splice_in(fds[1], mem)) die("vmsplice");
    if (munmap(mem, size)) die("munmap");
    sync_post(ready[1]);
    sync_wait(go[0]);
    _exit(pipe_still_old(fds[0], (size_t)ps) ? 0 : 1);
  }
  close(ready[1]);
  close(go[0]);
  sync_wait(ready[0]);
  if (do_mprotect && (mprotect(mem, size, PROT_READ) || mprotect(mem, size, PROT_READ | PROT_WRITE))) die("mprotect");
  memset(mem, 0xff, size);
  sync_post(go[1]);
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// vmsplice in the parent before or after fork, munmap in the parent; the child writes.
static int in_parent(char *mem, size_t size, int before_fork) {
  int fds[2], ready[2], go[2];
  if (pipe(fds) || pipe(ready) || pipe(go)) die("pipe");
  if (before_fork && splice_in(fds[1], mem)) die("vmsplice");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(ready[0]);
    close(go[1]);
    sync_post(ready[1]);
    sync_wait(go[0]);
    memset(mem, 0xff, size);
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  if (!before_fork && splice_in(fds[1], mem)) die("vmsplice");
  sync_wait(ready[0]);
  if (munmap(mem, size)) die("munmap");
  sync_post(go[1]);
  waitpid(pid, 0, 0);
  return pipe_still_old(fds[0], (size_t)ps);
}

int main(void) {
  ps = sysconf(_SC_PAGESIZE);
  static const char *const cases[] = {"vmsplice() + unmap in child", "vmsplice() + unmap in child with mprotect() optimization",
                                      "vmsplice() before fork(), unmap in parent after fork()",
                                      "vmsplice() + unmap in parent after fork()"};
  for (int m = BASE; m <= THP; m++)
    for (int c = 0; c < 4; c++) {
      size_t size;
      int ok;
      char *mem = setup((enum Mem)m, &size, &ok);
      if (!ok) {
        printf("%-58s %-18s SKIP (%s)\n", cases[c], mem_name[m], m == SWAP ? "not swapped out: no swap?" : "not a PMD-mapped THP");
        continue;
      }
      int pass = c < 2 ? in_child(mem, size, c == 1) : in_parent(mem, size, c == 2);
      printf("%-58s %-18s %s\n", cases[c], mem_name[m], pass ? "PASS" : "LEAK");
      fflush(stdout);
    }
  return 0;
}
