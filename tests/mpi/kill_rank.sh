#!/bin/bash
# A rank killed mid-run ends the whole job with an error, never a hang:
# mpirun notices the lost process and tears the others down out of their
# collectives.  Usage: kill_rank.sh MMCHECK SRCDIR MPIRUN
set -u
MM=$1 MPIRUN=$3
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# The descendants of process $1 (this job's ranks only, by process id).
descendants() {
  local kids
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null)
  for k in $kids; do echo "$k"; descendants "$k"; done
}
timeout 60 "$MPIRUN" --allow-run-as-root --oversubscribe -np 2 "$MM" explore --workload anon-big --keep-dead-state --no-reduction --mpi --json \
  > "$tmp/out" 2> "$tmp/err" &
job=$!
victim=""
for _ in $(seq 1 100); do  # up to 10 s for the ranks to start
  for p in $(descendants $job); do
    [ "$(ps -o comm= -p "$p" 2>/dev/null)" = mmcheck ] && victim=$p
  done
  [ -n "$victim" ] && break
  sleep 0.1
done
[ -n "$victim" ] || fail "no rank found"
sleep 0.5  # mid-run: the search takes a few seconds
kill -9 "$victim" 2>/dev/null
wait $job
rc=$?
[ $rc -eq 124 ] && fail "the job hung after a rank was killed"
[ $rc -ne 0 ] || fail "the job exited 0 after a rank was killed"
grep -q '"verdicts"' "$tmp/out" && fail "a report was printed although a rank died"
echo "PASS (mpirun exit $rc)"
