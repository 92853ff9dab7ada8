#!/bin/bash
# --bitstate MB: the printed omission probability is the bound computed
# from the run's own parameters (states n, bits m, k per state:
# n (1 - e^{-k n / m})^k); a complete run never says a bare "holds"; with
# a roomy array it stores as many states as the exact depth-first search
# and finds the same violations.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for args in "--workload anon-stable-writes-sync --bitstate 1" \
            "--workload anon-fork-swap --no-symmetry --max-depth 400 --bitstate 1"; do
  "$MM" explore $args --json > "$tmp/j" ; rc=$?
  "$MM" explore $args > "$tmp/t"
  python3 - "$tmp/j" "$tmp/t" $rc <<'PY' || fail "$args: probability"
import json, math, re, sys
j = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read(); rc = int(sys.argv[3])
n, m, k = j["states"], j["bitstate"]["bits"], j["bitstate"]["hashes"]
assert j["store"] == "bitstate" and j["search"] == "dfs", j["store"]
want = min(1.0, n * (1 - math.exp(-k * n / m)) ** k)
got = j["omission_probability"]
assert abs(got - want) <= 1e-9 * max(want, 1e-300), (got, want)
line = re.search(r"probability that a state was omitted <= (\S+)", text)
assert line and abs(float(line.group(1)) - want) <= 1e-3 * want, (line and line.group(1), want)
assert "\nverdict: holds\n" not in text, "bare holds"
if rc == 0:
    assert "verdict: holds over the states reached (bitstate: a state omitted with probability <=" in text
print(n, m, k, got)
PY
done

# Roomy array: same states as the exact depth-first search, same violations.
# Without partial-order reduction: its cycle proviso asks for the id a seen
# state was stored under, which a bit array does not know (it takes every
# seen state as old, so the reduced graphs differ).
W="--workload anon-stable-writes --config anon-exclusive-v2-inverted --no-reduction"
exact=$("$MM" explore $W --dfs --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["states"], sorted(v["verdict"] for v in j["verdicts"]))')
bits=$("$MM" explore $W --bitstate 8 --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["states"], sorted(v["verdict"] for v in j["verdicts"]))')
[ "$exact" = "$bits" ] || fail "bitstate '$bits' vs exact DFS '$exact'"
"$MM" explore $W --bitstate 8 > "$tmp/t"; rc=$?
[ $rc -eq 1 ] || fail "violation not reported (exit $rc)"
echo PASS
