#!/bin/bash
# --no-symmetry explores at least 2x more states on anon-fork-swap and finds
# the same verdicts.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
verdicts() { python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["states"]); print(json.dumps([(v["invariant"],v["facet"],v["verdict"]) for v in j["verdicts"]]))'; }
a=$("$MM" explore --workload anon-fork-swap --json | verdicts)
b=$("$MM" explore --workload anon-fork-swap --no-symmetry --json | verdicts)
sa=$(echo "$a" | head -1); sb=$(echo "$b" | head -1)
[ "$sa" -gt 0 ] || fail "no states"
[ $((sb)) -ge $((2 * sa)) ] || fail "no-symmetry $sb states, symmetry $sa: less than 2x"
[ "$(echo "$a" | tail -1)" = "$(echo "$b" | tail -1)" ] || fail "verdicts differ"
echo "PASS ($sa states with symmetry, $sb without)"
