#!/bin/bash
# explore/run/check --mpi outside an MPI launcher (or in a build without MPI) is a
# clear usage error, exit 2, never a silent single-process run.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
out=$(env -u OMPI_COMM_WORLD_SIZE -u PMIX_RANK -u PMI_RANK -u PMI_SIZE "$MM" explore --workload anon-stable-writes-sync --mpi 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "exit $rc, want 2: $out"
echo "$out" | grep -q -- '--mpi: ' || fail "message: $out"
echo "$out" | grep -q -E 'mpirun|without MPI' || fail "message does not say what to do: $out"
echo "$out" | grep -q 'verdict' && fail "a report was printed"
out=$("$MM" explore --workload anon-stable-writes-sync --mpi --dfs 2>&1)
[ $? -eq 2 ] || fail "--mpi --dfs: want exit 2"
out=$("$MM" run --mpi /nonexistent.scenario 2>&1)
[ $? -eq 2 ] || fail "run --mpi outside a launcher: want exit 2"
echo "$out" | grep -q -- '--mpi: ' || fail "run --mpi message: $out"
out=$(env -u OMPI_COMM_WORLD_SIZE -u PMIX_RANK -u PMI_RANK -u PMI_SIZE "$MM" check --smoke --mpi 2>&1)
[ $? -eq 2 ] || fail "check --mpi outside a launcher: want exit 2"
echo "$out" | grep -q -E -- '--mpi: .*(mpirun|without MPI)' || fail "check --mpi message: $out"
echo "$out" | grep -q 'verdict' && fail "check --mpi: a report was printed"
echo PASS
