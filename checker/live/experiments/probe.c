// Ground-truth experiments on the running kernel (see docs/kernel-experiments.md).
// Not built by CMake: run with scripts/live-swap checker/live/experiments/run-probe.
// Each line: "<experiment> <step> pm=<hex> P=<present> S=<swap> X=<exclusive> F=<file>
// W=<uffd-wp> frame=<hex> mincore=<0|1> [extra]".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static long PS;
static int pagemap_fd;

static uint64_t pagemap(void *addr) {
  uint64_t e = 0;
  off_t off = (off_t)((uintptr_t)addr / PS) * 8;
  if (pread(pagemap_fd, &e, 8, off) != 8) { perror("pagemap"); exit(2); }
  return e;
}
static int mincore1(void *addr) {
  unsigned char v = 0;
  if (mincore(addr, PS, &v)) { perror("mincore"); exit(2); }
  return v & 1;
}
static void show(const char *exp, const char *step, void *addr) {
  uint64_t e = pagemap(addr);
  printf("%-14s %-26s pm=%016llx P=%d S=%d X=%d F=%d W=%d G=%d SD=%d frame=%llx mincore=%d\n", exp, step,
         (unsigned long long)e, (int)(e >> 63 & 1), (int)(e >> 62 & 1), (int)(e >> 56 & 1),
         (int)(e >> 61 & 1), (int)(e >> 57 & 1), (int)(e >> 58 & 1), (int)(e >> 55 & 1),
         (unsigned long long)(e & ((1ULL << 55) - 1)), mincore1(addr));
  fflush(stdout);
}
static void madv(void *a, int adv, const char *name) {
  if (madvise(a, PS, adv)) { printf("madvise %s: %s\n", name, strerror(errno)); }
}
static void sleep_ms(int ms) { struct timespec t = {0, ms * 1000000L}; nanosleep(&t, 0); }
static void *map_anon(int shared) {
  void *p = mmap(0, PS, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(2); }
  return p;
}

static void private_anon(void) {
  volatile char *p = map_anon(0);
  show("priv", "mapped", (void *)p);
  (void)p[0];
  show("priv", "read(zero page)", (void *)p);
  p[0] = 1;
  show("priv", "write 1", (void *)p);
  madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
  show("priv", "pageout (at once)", (void *)p);
  sleep_ms(200);
  show("priv", "pageout (+200ms)", (void *)p);
  printf("priv           read value=%d\n", p[0]);
  show("priv", "read after pageout", (void *)p);
  p[0] = 2;
  show("priv", "write 2 after swapin", (void *)p);
  madv((void *)p, MADV_DONTNEED, "DONTNEED");
  show("priv", "dontneed", (void *)p);
  printf("priv           read value=%d\n", p[0]);
  munmap((void *)p, PS);
}

static void fork_anon(int pageout_before) {
  const char *ex = pageout_before ? "fork-swap" : "fork";
  volatile char *p = map_anon(0);
  p[0] = 1;
  if (pageout_before) { madv((void *)p, MADV_PAGEOUT, "PAGEOUT"); sleep_ms(100); show(ex, "parent pre-fork", (void *)p); }
  int c2p[2], p2c[2];
  if (pipe(c2p) || pipe(p2c)) exit(2);
  pid_t pid = fork();
  char b;
  if (pid == 0) {
    // /proc/self resolved at open(): the inherited fd still reads the parent.
    close(pagemap_fd);
    pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
    show(ex, "child after fork", (void *)p);
    if (write(c2p[1], "x", 1) != 1) _exit(2);
    if (read(p2c[0], &b, 1) != 1) _exit(2);
    printf("%-14s child read value=%d\n", ex, p[0]);
    show(ex, "child after read", (void *)p);
    p[0] = 3;
    show(ex, "child after write 3", (void *)p);
    if (write(c2p[1], "x", 1) != 1) _exit(2);
    if (read(p2c[0], &b, 1) != 1) _exit(2);
    _exit(0);
  }
  if (read(c2p[0], &b, 1) != 1) exit(2);
  show(ex, "parent after fork", (void *)p);
  if (!pageout_before) {
    madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
    show(ex, "parent pageout(shared)", (void *)p);
  }
  if (write(p2c[1], "x", 1) != 1) exit(2);
  if (read(c2p[0], &b, 1) != 1) exit(2);
  show(ex, "parent after child wrote", (void *)p);
  printf("%-14s parent read value=%d\n", ex, p[0]);
  show(ex, "parent after read", (void *)p);
  if (write(p2c[1], "x", 1) != 1) exit(2);
  waitpid(pid, 0, 0);
  show(ex, "parent after child exit", (void *)p);
  munmap((void *)p, PS);
}

static void shared_anon(void) {
  volatile char *p = map_anon(1);
  show("shanon", "mapped", (void *)p);
  p[0] = 1;
  show("shanon", "write 1", (void *)p);
  madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
  show("shanon", "pageout (at once)", (void *)p);
  sleep_ms(200);
  show("shanon", "pageout (+200ms)", (void *)p);
  printf("shanon         read value=%d\n", p[0]);
  show("shanon", "read after pageout", (void *)p);
  madv((void *)p, MADV_DONTNEED, "DONTNEED");
  show("shanon", "dontneed", (void *)p);
  printf("shanon         read value=%d\n", p[0]);
  madv((void *)p, MADV_REMOVE, "REMOVE");
  show("shanon", "remove", (void *)p);
  printf("shanon         read value=%d\n", p[0]);
  munmap((void *)p, PS);
}

static void seek(const char *ex, const char *step, int fd) {
  off_t d = lseek(fd, 0, SEEK_DATA);
  int de = d < 0 ? errno : 0;
  off_t h = lseek(fd, 0, SEEK_HOLE);
  printf("%-14s %-26s SEEK_DATA(0)=%lld%s SEEK_HOLE(0)=%lld\n", ex, step, (long long)d,
         de == ENXIO ? " (ENXIO)" : "", (long long)h);
}

static void memfd(void) {
  int fd = memfd_create("probe", 0);
  if (fd < 0 || ftruncate(fd, 2 * PS)) exit(2);
  volatile char *p = mmap(0, 2 * PS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  seek("memfd", "created", fd);
  show("memfd", "mapped", (void *)p);
  p[0] = 1;
  show("memfd", "write 1", (void *)p);
  seek("memfd", "write 1", fd);
  madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
  show("memfd", "pageout (at once)", (void *)p);
  sleep_ms(200);
  show("memfd", "pageout (+200ms)", (void *)p);
  seek("memfd", "pageout", fd);
  show("memfd", "after lseek", (void *)p);
  printf("memfd          read value=%d\n", p[0]);
  show("memfd", "read after pageout", (void *)p);
  madv((void *)p, MADV_DONTNEED, "DONTNEED");
  show("memfd", "dontneed", (void *)p);
  seek("memfd", "dontneed", fd);
  printf("memfd          read value=%d\n", p[0]);
  madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
  sleep_ms(100);
  show("memfd", "pageout 2", (void *)p);
  madv((void *)p, MADV_REMOVE, "REMOVE");
  show("memfd", "remove after pageout", (void *)p);
  seek("memfd", "remove", fd);
  printf("memfd          read value=%d\n", p[0]);
  show("memfd", "read after remove", (void *)p);
  // MAP_PRIVATE view of the same memfd: COW.
  p[0] = 2;
  volatile char *q = mmap(0, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  (void)q[0];
  show("memfd-priv", "read (file page)", (void *)q);
  q[0] = 3;
  show("memfd-priv", "write 3 (cow)", (void *)q);
  printf("memfd-priv     shared sees=%d private sees=%d\n", p[0], q[0]);
  munmap((void *)q, PS);
  munmap((void *)p, 2 * PS);
  close(fd);
}

static int uffd_open(void) {
  int u = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (u < 0) { perror("userfaultfd"); return -1; }
  struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM};
  if (ioctl(u, UFFDIO_API, &api)) { perror("UFFDIO_API"); return -1; }
  return u;
}
static void uffd_register(int u, void *a, size_t len) {
  struct uffdio_register r = {.range = {(uintptr_t)a, len}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (ioctl(u, UFFDIO_REGISTER, &r)) perror("UFFDIO_REGISTER");
}
static void uffd_wp(int u, void *a, int on) {
  struct uffdio_writeprotect w = {.range = {(uintptr_t)a, PS}, .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
  if (ioctl(u, UFFDIO_WRITEPROTECT, &w)) perror("UFFDIO_WRITEPROTECT");
}

static void uffd_shmem(int use_memfd) {
  const char *ex = use_memfd ? "uffd-memfd" : "uffd-shanon";
  int fd = -1;
  volatile char *p;
  if (use_memfd) {
    fd = memfd_create("probe-uffd", 0);
    if (fd < 0 || ftruncate(fd, PS)) exit(2);
    p = mmap(0, PS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  } else {
    p = map_anon(1);
  }
  int u = uffd_open();
  if (u < 0) return;
  uffd_register(u, (void *)p, PS);
  p[0] = 1;
  uffd_wp(u, (void *)p, 1);
  show(ex, "write 1, wp on", (void *)p);
  madv((void *)p, MADV_DONTNEED, "DONTNEED");
  show(ex, "dontneed", (void *)p);
  printf("%-14s read value=%d\n", ex, p[0]);
  show(ex, "read (refault)", (void *)p);
  madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
  sleep_ms(100);
  show(ex, "pageout", (void *)p);
  if (fd >= 0) seek(ex, "pageout", fd);
  printf("%-14s read value=%d\n", ex, p[0]);
  show(ex, "read (swapin)", (void *)p);
  uffd_wp(u, (void *)p, 0);
  show(ex, "wp off", (void *)p);
  madv((void *)p, MADV_DONTNEED, "DONTNEED");
  show(ex, "dontneed (unprotected)", (void *)p);
  uffd_wp(u, (void *)p, 1);
  show(ex, "wp on over none pte", (void *)p);
  close(u);
  show(ex, "uffd closed", (void *)p);
  munmap((void *)p, PS);
  if (fd >= 0) close(fd);
}

static void uffd_anon(void) {
  volatile char *p = map_anon(0);
  int u = uffd_open();
  if (u < 0) return;
  uffd_register(u, (void *)p, PS);
  p[0] = 1;
  uffd_wp(u, (void *)p, 1);
  show("uffd-anon", "write 1, wp on", (void *)p);
  madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
  sleep_ms(100);
  show("uffd-anon", "pageout", (void *)p);
  printf("uffd-anon      read value=%d\n", p[0]);
  show("uffd-anon", "read (swapin)", (void *)p);
  madv((void *)p, MADV_DONTNEED, "DONTNEED");
  show("uffd-anon", "dontneed", (void *)p);
  close(u);
  munmap((void *)p, PS);
}

static void pin_cpu(int c) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(c, &s); sched_setaffinity(0, sizeof s, &s); }
// How often does MADV_PAGEOUT right after the first write do nothing?
// pin 0: free to migrate; 1: fault and madvise on CPU 0; 2: fault on CPU 1, madvise on CPU 0.
static void pageout_race(int pin, int kind) {
  const char *names[] = {"private", "shared-anon"};
  if (pin == 1) pin_cpu(0);
  int nothing = 0, n = 200;
  for (int i = 0; i < n; i++) {
    volatile char *p = map_anon(kind);
    if (pin == 2) pin_cpu(1);
    p[0] = 1;
    if (pin == 2) pin_cpu(0);
    madv((void *)p, MADV_PAGEOUT, "PAGEOUT");
    if (pagemap((void *)p) >> 63) nothing++;
    munmap((void *)p, PS);
  }
  printf("race           %s pinned=%d: MADV_PAGEOUT left the page present %d/%d times\n", names[kind], pin, nothing, n);
  cpu_set_t s; CPU_ZERO(&s); for (int c = 0; c < 64; c++) CPU_SET(c, &s); sched_setaffinity(0, sizeof s, &s);
}

static void clear_refs(void) {
  volatile char *p = map_anon(0);
  p[0] = 1;
  show("clear_refs", "write 1", (void *)p);
  int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0 || write(fd, "4", 1) != 1) printf("clear_refs 4: %s\n", strerror(errno));
  if (fd >= 0) close(fd);
  show("clear_refs", "after clear_refs 4", (void *)p);
  p[0] = 2;
  show("clear_refs", "write 2", (void *)p);
  munmap((void *)p, PS);
}

// Fork with a shared anon page (both map it) and with uffd-wp state.
static void fork_shmem(int uffd) {
  const char *ex = uffd ? "fork-uffd" : "fork-shmem";
  volatile char *sh = map_anon(1), *pr = map_anon(0);
  int u = -1;
  if (uffd) {
    u = uffd_open();
    if (u < 0) return;
    uffd_register(u, (void *)sh, PS);
    uffd_register(u, (void *)pr, PS);
  }
  sh[0] = 1;
  pr[0] = 1;
  if (uffd) {
    uffd_wp(u, (void *)sh, 1);
    uffd_wp(u, (void *)pr, 1);
    madv((void *)sh, MADV_DONTNEED, "DONTNEED");  // leaves a UFFD_WP marker
  }
  show(ex, "parent shared pre-fork", (void *)sh);
  show(ex, "parent private pre-fork", (void *)pr);
  int c2p[2], p2c[2];
  if (pipe(c2p) || pipe(p2c)) exit(2);
  char b;
  pid_t pid = fork();
  if (pid == 0) {
    close(pagemap_fd);
    pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
    show(ex, "child shared after fork", (void *)sh);
    show(ex, "child private after fork", (void *)pr);
    printf("%-14s child read shared=%d\n", ex, sh[0]);
    show(ex, "child shared after read", (void *)sh);
    if (write(c2p[1], "x", 1) != 1) _exit(2);
    if (read(p2c[0], &b, 1) != 1) _exit(2);
    show(ex, "child shared after ppageout", (void *)sh);
    _exit(0);
  }
  if (read(c2p[0], &b, 1) != 1) exit(2);
  (void)sh[0];
  show(ex, "parent shared (both map)", (void *)sh);
  madv((void *)sh, MADV_PAGEOUT, "PAGEOUT");
  show(ex, "parent shared pageout", (void *)sh);
  if (write(p2c[1], "x", 1) != 1) exit(2);
  waitpid(pid, 0, 0);
  if (u >= 0) close(u);
  munmap((void *)sh, PS);
  munmap((void *)pr, PS);
}

int main(int argc, char **argv) {
  PS = sysconf(_SC_PAGESIZE);
  pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
  if (pagemap_fd < 0) { perror("pagemap"); return 2; }
  setvbuf(stdout, 0, _IOLBF, 0);
  const char *only = argc > 1 ? argv[1] : "";
#define RUN(name, call) if (!*only || !strcmp(only, name)) { call; }
  RUN("priv", private_anon());
  RUN("fork", fork_anon(0));
  RUN("fork-swap", fork_anon(1));
  RUN("shanon", shared_anon());
  RUN("memfd", memfd());
  RUN("uffd-shanon", uffd_shmem(0));
  RUN("uffd-memfd", uffd_shmem(1));
  RUN("uffd-anon", uffd_anon());
  RUN("clear_refs", clear_refs());
  RUN("fork-shmem", fork_shmem(0));
  RUN("fork-uffd", fork_shmem(1));
  RUN("race", (pageout_race(0, 0), pageout_race(1, 0), pageout_race(2, 0), pageout_race(0, 1), pageout_race(1, 1), pageout_race(2, 1)));
  return 0;
}
