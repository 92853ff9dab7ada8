#!/bin/bash
# mmcheck run --mpi: the scenarios' explore blocks over the ranks give the
# results of one process (the run JSON has no timings: byte-identical),
# with the same exit status.  Usage: run_same.sh MMCHECK SRCDIR MPIRUN RANKS FILE...
set -u
MM=$1 SRC=$2 MPIRUN=$3 N=$4
shift 4
cd "$SRC"
# --mpi searches without partial-order reduction: compare with one process doing the same.
set -- "$@" --no-reduction
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$MM" run "$@" --json > "$tmp/one" 2>/dev/null
want=$?
[ -s "$tmp/one" ] || fail "no single-process JSON"
grep -q '"verdict"' "$tmp/one" || fail "no explore block checked"
timeout 120 "$MPIRUN" --allow-run-as-root --oversubscribe -np "$N" "$MM" run "$@" --json --mpi > "$tmp/mpi" 2> "$tmp/err"
rc=$?
[ $rc -eq $want ] || { cat "$tmp/err"; fail "exit $rc, single process $want"; }
cmp -s "$tmp/one" "$tmp/mpi" || { diff "$tmp/one" "$tmp/mpi" | head -20; fail "run JSON differs"; }
echo "PASS: run $* with -np $N (exit $rc)"
