// Experiment (not part of the build): does MADV_FREE in one process discard
// a clean anon folio that another process maps too?  docs/kernel-experiments.md
// section 12 and docs/check.md "Open question" record the answer on v6.18.
//
// Shape (the cow_isolation trace vma-ops-1p finds under
// anon-exclusive-v2-inverted, with a second fork instead of the inverted
// test): A writes its page; fork B (the page is COW-shared); A takes a R/O
// FOLL_PIN on it (process_vm_readv of itself: pin_user_pages_remote without
// FOLL_WRITE), so gup_must_unshare unshares A's PTE into a fresh copy whose
// PTE wp_page_copy leaves clean; B exits; fork C (C shares the clean copy);
// A: MADV_FREE; reclaim the memcg (memory.force_empty, cgroup v1); C reads.
// With argument 0 the unshare step is skipped (the control: the PTEs stay dirty).
//
//   cc -O1 -Wall -o /tmp/lazyfree_unshare checker/live/experiments/lazyfree_unshare.c
//   mkdir /sys/fs/cgroup/memory/lf && /tmp/lazyfree_unshare /sys/fs/cgroup/memory/lf 1; rmdir /sys/fs/cgroup/memory/lf
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t pagemap(void *addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t e = 0;
  pread(fd, &e, 8, ((uintptr_t)addr / 4096) * 8);
  close(fd);
  return e;
}
static void show(const char *who, void *p) {
  uint64_t e = pagemap(p);
  printf("%-28s present=%d swap=%d excl=%d pfn=%llx\n", who, (int)(e >> 63 & 1), (int)(e >> 62 & 1),
         (int)(e >> 56 & 1), (unsigned long long)(e & ((1ULL << 55) - 1)));
}
static void cg_write(const char *cg, const char *file, const char *val) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", cg, file);
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, val, strlen(val)) < 0) perror(path);
  close(fd);
}

int main(int argc, char **argv) {
  const int unshare = argc > 2 ? atoi(argv[2]) : 1;
  const char *cg = argv[1];
  char pid[32];
  snprintf(pid, sizeof pid, "%d", getpid());
  cg_write(cg, "tasks", pid);
  unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(p, 0x42, 4096);
  show("A after write", p);
  int go1[2];
  pipe(go1);
  pid_t b = fork();
  if (b == 0) { char c; read(go1[0], &c, 1); _exit(0); }
  show("A after fork B", p);
  if (unshare) {
    unsigned char buf[16];
    struct iovec l = {buf, sizeof buf}, r = {p, sizeof buf};
    // FOLL_PIN without FOLL_WRITE on a non-exclusive anon page: FAULT_FLAG_UNSHARE
    if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != sizeof buf) perror("process_vm_readv");
    show("A after R/O pin (unshare)", p);
  }
  write(go1[1], "x", 1);
  waitpid(b, NULL, 0);
  int go2[2], res[2];
  pipe(go2); pipe(res);
  pid_t c = fork();
  if (c == 0) {
    char ch;
    read(go2[0], &ch, 1);
    show("C after reclaim (pagemap)", p);
    unsigned char v = p[0];
    write(res[1], &v, 1);
    _exit(0);
  }
  show("A after fork C", p);
  if (madvise(p, 4096, MADV_FREE)) perror("MADV_FREE");
  cg_write(cg, "memory.force_empty", "0");
  show("A after MADV_FREE+reclaim", p);
  write(go2[1], "x", 1);
  unsigned char v;
  read(res[0], &v, 1);
  waitpid(c, NULL, 0);
  printf("unshare=%d: C reads 0x%02x (%s)\n", unshare, v, v == 0x42 ? "kept" : "LOST: discarded under C");
  return v == 0x42 ? 0 : 1;
}
