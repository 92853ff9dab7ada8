#!/bin/bash
# emit-c --counterexample: searched under --config / --set (issue 11 bug 4),
# and the reproducer asserts (TAP) the observation that shows the violation
# with the value a kernel without the bug returns (bug 5), so it fails on a
# kernel with the bug.  Model only: nothing here runs on the kernel.
source "$(dirname "$0")/harness.bash"
SW="$SRC/scenarios/stable-writes/v6.18-async-stable-device.scenario"

"$MM" emit-c "$SW" --counterexample --config v6.18 -o "$TMP/a.c" 2> "$TMP/a.err"; rc=$?
check "no counterexample under v6.18: exit 2 (got $rc)" '[ $rc -eq 2 ] && grep -q "no counterexample" "$TMP/a.err"'
"$MM" emit-c "$SW" --counterexample --config anon-exclusive-v2-inverted -o "$TMP/b.c" 2> "$TMP/b.err"; rc=$?
check "--config is where the counterexample is searched (got $rc)" \
  '[ $rc -eq 0 ] && grep -q "counterexample for stable_writes (mapped-writable) under anon-exclusive-v2-inverted" "$TMP/b.err"'
"$MM" emit-c "$SW" --counterexample --set swp_stable_writes_check_inverted=1 -o "$TMP/c.c" 2> "$TMP/c.err"; rc=$?
check "--set KNOB=1: the patch as a knob gives a reproducer (got $rc)" \
  '[ $rc -eq 0 ] && grep -q "counterexample for stable_writes" "$TMP/c.err"'
check "a kernel-internal violation says the program cannot assert it" 'grep -q "kernel-internal" "$TMP/c.err"'
"$MM" emit-c "$SW" --counterexample --set nosuchknob=1 > /dev/null 2>&1; rc=$?
check "--set with an unknown knob: exit 2 (got $rc)" '[ $rc -eq 2 ]'

# An observable violation: PM_SWAP lost in a child forked after a shmem pageout.
PM="$SRC/scenarios/pte-marker-pageout/gap-fork-after-pageout.scenario"
"$MM" emit-c "$PM" --counterexample --config v6.18 -o "$TMP/d.c" 2> "$TMP/d.err"; rc=$?
check "pm_swap counterexample emitted (got $rc)" '[ $rc -eq 0 ]'
check "the TAP plan is not empty" 'grep -q "1\.\.1\\\\n" "$TMP/d.c"'
check "it asserts the PM_SWAP a correct kernel reports, in the scenario's names" \
  'grep -q "live_tap(1, live_pm_swap(e) == 1, \"always A: pagemap p\[0\] swap=1 (shows pm_swap_accuracy/false-negative)\")" "$TMP/d.c"'
# A search a bound cut short is not "no counterexample": exit 3, the bound
# in the scenario's words (emit-c has no --max-states).  It used to say
# "exploration finds no violation" (and replay --live --counterexamples
# exited 0 after a search the memory bound stopped).
sed 's/^explore events/explore states 3 events/' "$SW" > "$TMP/sw3.scenario"
"$MM" emit-c "$TMP/sw3.scenario" --counterexample --config anon-exclusive-v2-inverted -o "$TMP/e.c" 2> "$TMP/e.err"; rc=$?
check "a bound-cut search: exit 3, incomplete (got $rc: $(cat "$TMP/e.err"))" \
  '[ $rc -eq 3 ] && grep -q "sw3.scenario: incomplete: no counterexample: the exploration is incomplete (under anon-exclusive-v2-inverted: state bound hit: raise .states N. on the explore line (now 3))" "$TMP/e.err"'
check "a bound-cut search writes no file" '[ ! -e "$TMP/e.c" ]'
if command -v cc >/dev/null; then
  check "the reproducer compiles" 'cc -O0 -w -o "$TMP/d" "$TMP/d.c"'
fi
exit $fail
