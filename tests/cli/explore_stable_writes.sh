#!/bin/bash
# explore anon-stable-writes: violated (exit 1, with a trace) under the
# inverted v2 check, holds (exit 0) under v6.18, and holds under both with a
# synchronous device.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$MM" explore --workload anon-stable-writes --config anon-exclusive-v2-inverted); rc=$?
[ $rc -eq 1 ] || fail "inverted: exit $rc, want 1"
echo "$out" | grep -q '^stable_writes/mapped-writable: VIOLATED, shortest trace of 3 steps' || fail "inverted: no violation line"
echo "$out" | grep -q '^    3\. A: write p\[0\]=2' || fail "inverted: trace step 3 missing"
echo "$out" | grep -q 'A.pte\[0\]: swap(sda:1,excl,soft-dirty) -> present(F0,rw' || fail "inverted: PTE change not shown"
echo "$out" | grep -q '^timing: ' || fail "no timing line"

"$MM" explore --workload anon-stable-writes --config v6.18 >/dev/null; rc=$?
[ $rc -eq 0 ] || fail "v6.18: exit $rc, want 0"
for c in v6.18 anon-exclusive-v2-inverted; do
  out=$("$MM" explore --workload anon-stable-writes-sync --config $c); rc=$?
  [ $rc -eq 0 ] || fail "sync $c: exit $rc, want 0"
  echo "$out" | grep -q '^stable_writes/mapped-writable: holds' || fail "sync $c: not holds"
done
# A knob on top of a preset gives the same as the preset that sets it.
"$MM" explore --workload anon-stable-writes --set swp_stable_writes_check_inverted=1 >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "--set knob: exit $rc, want 1"
echo PASS
