#!/bin/bash
# Partial-order reduction against the plain search on every scenario with an
# explore block: `run --json` gives the same results (verdicts, traces,
# expectations) with --reduction and --no-reduction, apart from the state and
# transition counts; and the reduced search stores no more states.
source "$(dirname "$0")/harness.bash"
n=0
for f in $(grep -l -r --include='*.scenario' '^explore' "$SRC/scenarios" | sort); do
  # Both searches at once (two cores; ctest's other jobs share them).
  "$MM" run --json --reduction "$f" > "$TMP/r.json" 2>/dev/null &
  red=$!
  "$MM" run --json --no-reduction "$f" > "$TMP/u.json" 2>/dev/null
  rc2=$?
  wait $red
  rc1=$?
  n=$((n + 1))
  [ $rc1 -eq $rc2 ] || { echo "FAIL: $f: exit $rc1 reduced, $rc2 unreduced"; fail=1; continue; }
  python3 - "$TMP/r.json" "$TMP/u.json" "$f" <<'PY' || fail=1
import json, sys
r, u, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
counts = []
def strip(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in ("explored_states", "explored_transitions", "explored_depth", "states", "transitions", "depth"):
                counts.append((k, v))
                continue
            out[k] = strip(v)
        return out
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
rs, rc = strip(r), list(counts)
counts.clear()
us, uc = strip(u), list(counts)
if rs != us:
    print(f"FAIL: {name}: results differ with and without --no-reduction")
    sys.exit(1)
for (k, a), (_, b) in zip(rc, uc):
    if k in ("explored_states", "states") and a > b:
        print(f"FAIL: {name}: {a} states reduced > {b} unreduced")
        sys.exit(1)
PY
done
[ $n -ge 10 ] || { echo "FAIL: only $n scenarios with an explore block"; fail=1; }
[ $fail -eq 0 ] && echo "ok: $n scenarios, same results with and without reduction"
exit $fail
