#!/bin/bash
# check with partial-order reduction and a depth budget: a violation within
# the budget can lie beyond it in the reduced graph, so a start whose
# reduced search reduced some state and reached its budget is incomplete
# (exit 3, with the reason), never `holds`; the same start without
# reduction holds.  A start the reduction leaves alone (vma-ops-1p: swapoff
# in its alphabet touches everything) stays complete.  The default is
# without reduction (docs/engine.md section 9, "Default").
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$MM" check --start anon-1p --depth 5 > "$tmp/plain"; rc=$?
[ $rc -eq 0 ] || { cat "$tmp/plain"; fail "anon-1p depth 5 without reduction: exit $rc, want 0"; }
"$MM" check --start anon-1p --depth 5 --no-reduction > "$tmp/off"; rc=$?
[ $rc -eq 0 ] || fail "--no-reduction: exit $rc, want 0"
diff <(grep -v '^timing:' "$tmp/plain") <(grep -v '^timing:' "$tmp/off") > /dev/null || fail "the default is not --no-reduction"
"$MM" check --start anon-1p --depth 5 --reduction > "$tmp/red"; rc=$?
[ $rc -eq 3 ] || { cat "$tmp/red"; fail "anon-1p depth 5 --reduction: exit $rc, want 3"; }
grep -q 'partial-order reduction' "$tmp/red" || { cat "$tmp/red"; fail "--reduction: no reason given"; }
grep -q ' holds' "$tmp/red" && fail "--reduction at the depth budget: a verdict says holds"
"$MM" check --start vma-ops-1p --depth 3 --reduction > "$tmp/vma"; rc=$?
[ $rc -eq 0 ] || { cat "$tmp/vma"; fail "vma-ops-1p (nothing reduced) --reduction: exit $rc, want 0"; }
"$MM" check --start anon-1p --reduction --no-reduction > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--reduction with --no-reduction: exit $rc, want 2"
echo PASS
