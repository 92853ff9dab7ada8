#!/bin/bash
# The memory bound holds: --max-memory-mb bounds the process's peak RSS and
# ends the run `incomplete` (exit 3); under an address-space limit
# (ulimit -v) the run also ends incomplete, never with bad_alloc.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
W="--workload anon-big --no-symmetry --keep-dead-state"

"$MM" explore $W --max-memory-mb 40 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 3 ] || fail "--max-memory-mb 40: exit $rc, not 3"
grep -q "memory bound hit: raise --max-memory-mb (now 40)" "$tmp/out" || fail "no memory bound line"
grep -q ": incomplete" "$tmp/out" || fail "no incomplete verdict"
grep -q ": holds" "$tmp/out" && fail "a verdict holds under a hit bound"
rss=$(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' "$tmp/out")
[ -n "$rss" ] && [ "$rss" -le 40 ] || fail "peak RSS ${rss:-?} MB over the 40 MB bound"

# Address space: the program maps about 50 MB at start; 120 MB leaves little.
# A sanitizer build cannot start under any such limit (shadow memory): probed.
if ! ( ulimit -v 200000; exec "$MM" --version ) > /dev/null 2>&1; then
  echo "PASS (the ulimit -v cases skipped: mmcheck does not start under one, a sanitizer build)"; exit 0
fi
for threads in 1 2; do
  limit=$((120000 + (threads - 1) * 80000))
  ( ulimit -v $limit; exec "$MM" explore $W --threads $threads ) > "$tmp/out" 2> "$tmp/err"
  rc=$?
  [ $rc -eq 3 ] || { cat "$tmp/err"; fail "ulimit -v $limit, $threads threads: exit $rc, not 3"; }
  grep -q "memory bound hit: the address-space limit (ulimit -v)" "$tmp/out" || fail "no address-space line"
  grep -qi "bad_alloc\|internal error" "$tmp/out" "$tmp/err" && fail "bad_alloc reported"
done
echo PASS
