#!/usr/bin/env bash
# `mmcheck replay FILE --live --runs N` on the running kernel: one histogram
# per scenario, every observation's counts add up to N, each value marked
# allowed or not by the model, and the exit status says whether every value
# seen is allowed.  Usage errors need no root; the live part skips (77)
# when not root.  A scenario without swap keeps the test short and leaves
# the machine's swap alone.
set -u
MM=$1; SRC=$2
fail() { echo "FAIL: $*"; exit 1; }
scn=$SRC/scenarios/live/fork-exclusive-bit.scenario
"$MM" replay "$scn" --runs 3 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--runs without --live exits $rc, want 2"
"$MM" replay "$scn" --live --runs -1 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--runs -1 exits $rc, want 2"
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root"; exit 77; fi
if "$MM" kernel --no-swap 2>/dev/null | grep -q "UNCLASSIFIED"; then
  echo "SKIP: this kernel's profile is unclassified (replay compares only with a model config):"; "$MM" kernel --no-swap | grep UNCLASSIFIED; exit 77
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
out=$("$MM" replay "$scn" --live --runs 5 --work-dir "$work"); rc=$?
[ $rc = 0 ] || fail "exit $rc, want 0: $out"
echo "$out" | grep -q "^Histogram $scn (5 runs)$" || fail "no histogram header: $out"
# Each observation: its count lines add up to 5.
sums=$(echo "$out" | awk '/^  line /{if (n) print s; n=1; s=0; next} /^ +[0-9]+ [*:]> /{s+=$1} END{print s}')
[ -n "$sums" ] || fail "no count lines"
for s in $sums; do [ "$s" = 5 ] || fail "an observation's counts add up to $s, not 5: $out"; done
nobs=$(echo "$out" | grep -c '^  line ')
[ "$nobs" -ge 10 ] || fail "only $nobs observations"
echo "$out" | grep -q '^  line 7: A: pagemap p\[0\] after write  (model allows: present,exclusive' || fail "pagemap line"
echo "$out" | grep -q '^ *5 \*> 2 *allowed$' || fail "B: read p[0] == 2 not counted 5 times"
echo "$out" | grep -q '^  0 values the model does not allow$' || fail "no summary"
ls "$work" | grep -q . && fail "work files left: $(ls "$work")"
echo PASS
