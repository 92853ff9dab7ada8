#!/bin/bash
# mmcheck check --mpi under mpirun -np N prints what one process prints:
# the text report but for its `timing:` lines (verdict lines, traces), the
# JSON without `timing`, and the exit status.
# Usage: check_same.sh MMCHECK SRCDIR MPIRUN "RANKS..." CHECK-ARGS...
set -u
MM=$1 SRC=$2 MPIRUN=$3 RANKS=$4
shift 4
cd "$SRC"
# --mpi searches without partial-order reduction: compare with one process doing the same.
set -- "$@" --no-reduction
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
strip() { python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("timing"); print(json.dumps(j, sort_keys=True, indent=1))'; }
"$MM" check "$@" 2>/dev/null | grep -v '^timing:' > "$tmp/one.txt"
want=${PIPESTATUS[0]}
grep -q '^verdict: ' "$tmp/one.txt" || fail "single process: no verdict line"
"$MM" check "$@" --json 2>/dev/null | strip > "$tmp/one.json" || fail "single-process JSON"
for n in $RANKS; do
  timeout 120 "$MPIRUN" --allow-run-as-root --oversubscribe -np "$n" "$MM" check "$@" --mpi > "$tmp/mpi.txt" 2> "$tmp/err"
  rc=$?
  [ $rc -eq "$want" ] || { cat "$tmp/err"; fail "-np $n: exit $rc, single process $want"; }
  grep -v '^timing:' "$tmp/mpi.txt" > "$tmp/mpi.cut"
  cmp -s "$tmp/one.txt" "$tmp/mpi.cut" || { diff "$tmp/one.txt" "$tmp/mpi.cut" | head -20; fail "-np $n: text differs"; }
  timeout 120 "$MPIRUN" --allow-run-as-root --oversubscribe -np "$n" "$MM" check "$@" --mpi --json 2> "$tmp/err" \
    | strip > "$tmp/mpi.json" || fail "-np $n: no JSON"
  diff "$tmp/one.json" "$tmp/mpi.json" > "$tmp/diff" || { head -40 "$tmp/diff"; fail "-np $n: JSON differs"; }
done
echo "PASS: check $* with -np $RANKS (exit $want)"
