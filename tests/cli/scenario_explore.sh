#!/bin/bash
# `mmcheck explore FILE` and `mmcheck simulate FILE` take the workload of a
# scenario's explore block (the script up to it gives the initial states).
set -u
MMCHECK=$(realpath "$1")
SRC=$2
fail=0
f="$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario"
out=$("$MMCHECK" explore "$f" 2>/dev/null); rc=$?
[ $rc -eq 1 ] || { echo "FAIL: explore of the inverted scenario: exit $rc, expected 1 (violated)"; fail=1; }
grep -q "stable_writes/mapped-writable: VIOLATED, shortest trace of 3 steps" <<< "$out" || { echo "FAIL: no 3-step trace"; fail=1; }
"$MMCHECK" explore "$f" --config v6.18 >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: explore --config v6.18: exit $rc, expected 0 (holds)"; fail=1; }
"$MMCHECK" explore "$SRC/scenarios/cow/fork-write-no-swap.scenario" >/dev/null 2>/dev/null; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: explore of a file without an explore block: exit $rc, expected 2"; fail=1; }
"$MMCHECK" explore "$SRC/tests/scenarios-bad/unknown-step.scenario" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: explore of a bad file: exit $rc, expected 2"; fail=1; }
s1=$("$MMCHECK" simulate "$SRC/scenarios/cow/explore-fork-swap-zap.scenario" --seed 11 --steps 8 2>/dev/null)
s2=$("$MMCHECK" simulate "$SRC/scenarios/cow/explore-fork-swap-zap.scenario" --seed 11 --steps 8 2>/dev/null)
[ -n "$s1" ] && [ "$s1" = "$s2" ] || { echo "FAIL: simulate FILE is not repeatable"; fail=1; }
exit $fail
