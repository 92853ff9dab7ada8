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
# The pipe (model/pipe.h): its pages are renamed with the folios and its
# splicer with its process; two interchangeable processes splice into it.
src=$(cd "$(dirname "$0")/../.." && pwd)
for c in v6.18 v5.14; do
  pa=$("$MM" explore "$src/scenarios/pipe/explore-vmsplice-symmetric.scenario" --config $c --json | verdicts)
  pb=$("$MM" explore "$src/scenarios/pipe/explore-vmsplice-symmetric.scenario" --config $c --no-symmetry --json | verdicts)
  [ "$(echo "$pa" | tail -1)" = "$(echo "$pb" | tail -1)" ] || fail "pipe $c: verdicts differ: $pa / $pb"
  [ "$(echo "$pa" | head -1)" -lt "$(echo "$pb" | head -1)" ] || fail "pipe $c: symmetry stores no fewer states"
done
echo "$pa" | tail -1 | grep -q '"pipe-leak", "violated"' || fail "pipe v5.14: no pipe-leak"
echo "PASS ($sa states with symmetry, $sb without; pipe scenario agrees)"
