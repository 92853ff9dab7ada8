/*
 * mmcheck's built-in workload anon-fork-swap (checker/workloads/workloads.cpp)
 * in Promela: the alphabet
 *   write<=2, read, fork<=1, pageout<=2, writeback, swapcache_drop,
 *   dontneed, exit, reclaim
 * The limited kinds count in MmNode::used in alphabet order:
 * used[0] write, used[1] fork, used[2] pageout.
 * Exhaustive SPIN search (-DNOREDUCE) must store as many states as
 * `mmcheck explore --workload anon-fork-swap --no-symmetry --keep-dead-state`.
 */
#define WRITE_BUDGET   (used[0] < 2)
#define WRITE_TAKE     used[0]++
#define READ_BUDGET    true
#define READ_TAKE      skip
#define FORK_BUDGET    (used[1] < 1)
#define FORK_TAKE      used[1]++
#define PAGEOUT_BUDGET (used[2] < 2)
#define PAGEOUT_TAKE   used[2]++

/* Alphabet order, as MmModel::for_each_concrete_successor tries them; one
   option a line, so that pan's messages name the event's line.  An option is
   written out per process/page/folio: SPIN inlines are textual, and each
   (kind, process, page|folio) must be a transition of its own. */
#include "anon.pml"

active proctype mm() {
end:
  do
  WRITE_EV(0, 0)
  WRITE_EV(0, 1)
  WRITE_EV(1, 0)
  WRITE_EV(1, 1)
  WRITE_EV(2, 0)
  WRITE_EV(2, 1)
  READ_EV(0, 0)
  READ_EV(0, 1)
  READ_EV(1, 0)
  READ_EV(1, 1)
  READ_EV(2, 0)
  READ_EV(2, 1)
  FORK_EV(0)
  FORK_EV(1)
  FORK_EV(2)
  PAGEOUT_EV(0, 0)
  PAGEOUT_EV(0, 1)
  PAGEOUT_EV(1, 0)
  PAGEOUT_EV(1, 1)
  PAGEOUT_EV(2, 0)
  PAGEOUT_EV(2, 1)
  WRITEBACK_EV(0)
  WRITEBACK_EV(1)
  WRITEBACK_EV(2)
  WRITEBACK_EV(3)
  WRITEBACK_EV(4)
  WRITEBACK_EV(5)
  WRITEBACK_EV(6)
  WRITEBACK_EV(7)
  SWAPCACHE_DROP_EV(0)
  SWAPCACHE_DROP_EV(1)
  SWAPCACHE_DROP_EV(2)
  SWAPCACHE_DROP_EV(3)
  SWAPCACHE_DROP_EV(4)
  SWAPCACHE_DROP_EV(5)
  SWAPCACHE_DROP_EV(6)
  SWAPCACHE_DROP_EV(7)
  DONTNEED_EV(0, 0)
  DONTNEED_EV(0, 1)
  DONTNEED_EV(1, 0)
  DONTNEED_EV(1, 1)
  DONTNEED_EV(2, 0)
  DONTNEED_EV(2, 1)
  EXIT_EV(0)
  EXIT_EV(1)
  EXIT_EV(2)
  RECLAIM_EV(0)
  RECLAIM_EV(1)
  RECLAIM_EV(2)
  RECLAIM_EV(3)
  RECLAIM_EV(4)
  RECLAIM_EV(5)
  RECLAIM_EV(6)
  RECLAIM_EV(7)
  od
}
