#!/bin/bash
# mmcheck bench: every row reports states, speeds, bytes/state, peak RSS/state
# and each reduction's factor (dead state, symmetry, partial order); a
# start of `mmcheck check` is a row of its own (--start), complete when only
# its own depth bound was hit, with the same state count as `check` reports.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$MM" bench --quick --json --start pipe-1p > "$tmp/b.json" || fail "bench exit $?"
states=$("$MM" check --start pipe-1p | sed -n 's/^  explored: \([0-9]*\) states.*/\1/p')
[ -n "$states" ] || fail "check printed no state count"
python3 - "$tmp/b.json" "$states" <<'PY' || fail "bench rows"
import json, sys
rows = json.load(open(sys.argv[1]))["bench"]
names = [r["workload"] for r in rows]
assert names == ["anon-fork-swap", "anon-stable-writes", "start pipe-1p"], names
for r in rows:
    for k in ("dead_state_factor", "symmetry_factor", "partial_order_factor"):
        assert r[k] >= 1.0, (r["workload"], k, r[k])
    t = r["timing"]
    assert t["stored_per_cpu_second"] > 0 and t["peak_rss_bytes_per_state"] != 0, r["workload"]
    assert 1.0 <= t["amdahl_bound_2_threads"] <= 2.0, t
start = rows[2]
assert start["kind"] == "start" and start["complete"], start
assert start["states"] == int(sys.argv[2]), (start["states"], sys.argv[2])
PY
"$MM" bench --quick --start no-such-start >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown start: exit $rc, want 2"
echo PASS
