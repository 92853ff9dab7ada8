#!/bin/bash
# explore --mpi under mpirun -np N gives the single-process answer: the JSON
# without `timing` is identical (states, transitions, depth, store bytes,
# verdicts, shortest traces, leak check), and so is the text report but for
# its timing lines, and the exit status.
# Usage: same_answer.sh MMCHECK SRCDIR MPIRUN "RANKS..." EXPLORE-ARGS...
set -u
MM=$1 SRC=$2 MPIRUN=$3 RANKS=$4
shift 4
cd "$SRC"
# --mpi searches without partial-order reduction: compare with one process doing the same.
set -- "$@" --no-reduction
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
strip() { python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("timing"); print(json.dumps(j, sort_keys=True, indent=1))'; }
"$MM" explore "$@" --json > "$tmp/one.json" 2>/dev/null
want=$?
strip < "$tmp/one.json" > "$tmp/one" || fail "single-process JSON"
[ -s "$tmp/one" ] || fail "no single-process JSON"
for n in $RANKS; do
  timeout 120 "$MPIRUN" --allow-run-as-root --oversubscribe -np "$n" "$MM" explore "$@" --mpi --json \
    > "$tmp/mpi.json" 2> "$tmp/err"
  rc=$?
  [ $rc -eq "$want" ] || { cat "$tmp/err"; fail "-np $n: exit $rc, single process $want"; }
  strip < "$tmp/mpi.json" > "$tmp/mpi" || fail "-np $n: no JSON"
  diff "$tmp/one" "$tmp/mpi" > "$tmp/diff" || { head -40 "$tmp/diff"; fail "-np $n: JSON differs"; }
  python3 - "$tmp/mpi.json" "$n" <<'PY' || fail "-np $n: timing.mpi"
import json, sys
t = json.load(open(sys.argv[1]))["timing"]["mpi"]
assert t["ranks"] == int(sys.argv[2]), t
assert sum(t["rank_states"]) == json.load(open(sys.argv[1]))["states"], t
assert len(t["rank_peak_rss_kb"]) == t["ranks"]
PY
done
# The text report too (with the last rank count, when MPI_TEXT=1): all but the timing lines.
[ "${MPI_TEXT:-0}" = 1 ] || { echo "PASS: $* with -np $RANKS"; exit 0; }
"$MM" explore "$@" 2>/dev/null | grep -v '^timing:' > "$tmp/one.txt"
"$MPIRUN" --allow-run-as-root --oversubscribe -np "$n" "$MM" explore "$@" --mpi 2>/dev/null | grep -v '^timing:' \
  > "$tmp/mpi.txt"
cmp -s "$tmp/one.txt" "$tmp/mpi.txt" || { diff "$tmp/one.txt" "$tmp/mpi.txt" | head -20; fail "text differs"; }
echo "PASS: $* with -np $RANKS"
