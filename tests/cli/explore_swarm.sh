#!/bin/bash
# explore --swarm N --seed S: byte-identical output for --threads 1 and 2;
# a known violation found with a trace (exit 1); no violation is exit 3 and
# "no violation found", never "holds"; usage errors exit 2.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

S="--workload anon-fork-swap --swarm 5 --seed 42 --max-states 6000 --bitstate 1"
"$MM" explore $S --threads 1 > "$tmp/t1"; rc1=$?
"$MM" explore $S --threads 2 > "$tmp/t2"; rc2=$?
[ $rc1 -eq 3 ] && [ $rc2 -eq 3 ] || fail "no violation: exit $rc1/$rc2, want 3"
cmp -s "$tmp/t1" "$tmp/t2" || { diff "$tmp/t1" "$tmp/t2" | head; fail "--threads 1 and 2 differ"; }
grep -q "^verdict: no violation found" "$tmp/t1" || fail "no 'no violation found' verdict"
grep -qE ": holds|verdict: holds" "$tmp/t1" && fail "a swarm printed holds"
grep -q "HyperLogLog" "$tmp/t1" || fail "no union estimate"
"$MM" explore $S --threads 2 --json > "$tmp/j2" || true
python3 - "$tmp/j2" <<'PY' || fail "JSON"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["search"] == "swarm" and a["complete"] is False and a["union_estimator"]["kind"] == "hyperloglog"
assert all(v["verdict"] == "no violation found" for v in a["verdicts"])
PY

# A known violation: the inverted anon-exclusive v2 config breaks stable_writes.
V="--workload anon-stable-writes --config anon-exclusive-v2-inverted --swarm 3 --seed 5"
"$MM" explore $V --threads 2 > "$tmp/v"; rc=$?
[ $rc -eq 1 ] || fail "violation: exit $rc, want 1"
grep -q "^stable_writes/modified: VIOLATED, a trace of [0-9]* steps" "$tmp/v" || fail "no stable_writes trace"
grep -q "^verdict: violated" "$tmp/v" || fail "no violated verdict"

# Usage.
"$MM" explore --workload anon-fork-swap --seed 3 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--seed without --swarm"
"$MM" explore --workload anon-fork-swap --swarm 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--swarm 0"
"$MM" explore --workload anon-fork-swap --swarm 2 --dfs >/dev/null 2>&1; [ $? -eq 2 ] || fail "--swarm --dfs"
"$MM" explore --workload anon-fork-swap --swarm 2 --bitstate 1048576 >/dev/null 2>"$tmp/e"; [ $? -eq 2 ] || fail "huge arrays"
grep -q "do not fit the memory bound" "$tmp/e" || fail "huge arrays: message"
echo PASS
