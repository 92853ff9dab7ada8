#!/bin/bash
# Bad usage: exit 2 with a message that says what exists.  Bounds: exit 3.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
expect2() {
  local want=$1; shift
  err=$("$MM" "$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "$*: exit $rc, want 2"
  echo "$err" | grep -q -- "$want" || fail "$*: message '$err' lacks '$want'"
}
expect2 "built-in workloads: anon-fork-swap" explore --workload nosuch
expect2 "presets: v5.14" explore --workload anon-stable-writes --config nosuch
expect2 "knobs: PG_anon_exclusive" explore --workload anon-stable-writes --set nosuch=1
expect2 "KNOB=0 or KNOB=1" explore --workload anon-stable-writes --set PG_anon_exclusive=yes
expect2 "built-in workloads" explore
expect2 "exclude each other" explore --workload anon-stable-writes --bfs --dfs
expect2 "built-in workloads" simulate --workload nosuch
expect2 "not a whole number between 0 and" explore --workload anon-stable-writes --max-depth -3
expect2 "not a whole number between 1 and" explore --workload anon-stable-writes --max-states x
out=$("$MM" explore --workload anon-stable-writes --max-states 50); rc=$?
[ $rc -eq 3 ] || fail "--max-states 50: exit $rc, want 3"
echo "$out" | grep -q '^incomplete: state bound hit' || fail "no incomplete line"
echo "$out" | grep -q 'holds$' && fail "a bound-limited run said holds"
out=$("$MM" explore --workload anon-fork-swap --max-memory-mb 1); rc=$?
[ $rc -eq 3 ] || fail "--max-memory-mb 1: exit $rc, want 3"
echo "$out" | grep -q '^incomplete: memory bound hit' || fail "no memory bound line"
out=$("$MM" explore --workload anon-fork-swap --max-depth 3); rc=$?
[ $rc -eq 3 ] || fail "--max-depth 3: exit $rc, want 3"
echo "$out" | grep -q '^incomplete: depth bound hit' || fail "no depth bound line"
out=$("$MM" simulate --workload anon-fork-swap --seed 7 --steps 20); rc=$?
[ $rc -eq 0 ] || fail "simulate: exit $rc"
[ "$out" = "$("$MM" simulate --workload anon-fork-swap --seed 7 --steps 20)" ] || fail "simulate not repeatable"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$MM" explore --workload anon-stable-writes-sync --dot "$tmp/g.dot" >/dev/null || true
grep -q '^digraph' "$tmp/g.dot" || fail "no DOT written"
echo PASS
