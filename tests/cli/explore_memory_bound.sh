#!/bin/bash
# The memory bound holds: --max-memory-mb bounds the process's peak RSS and
# ends the run `incomplete` (exit 3); under an address-space limit
# (ulimit -v) the run also ends incomplete, never with bad_alloc.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
W="--workload anon-big --no-symmetry --keep-dead-state"
# A sanitizer build cannot start under an address-space limit (it maps
# terabytes of shadow memory), and its allocator keeps freed blocks in a
# quarantine that the resident size carries between two checks: probed, so
# under ASan the verdicts and words are checked, the RSS figure and
# ulimit -v are not.
plain_build=1
( ulimit -v 200000; exec "$MM" --version ) > /dev/null 2>&1 || plain_build=0

"$MM" explore $W --max-memory-mb 40 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 3 ] || fail "--max-memory-mb 40: exit $rc, not 3"
grep -q "memory bound hit: raise --max-memory-mb (now 40)" "$tmp/out" || fail "no memory bound line"
grep -q ": incomplete" "$tmp/out" || fail "no incomplete verdict"
grep -q ": holds" "$tmp/out" && fail "a verdict holds under a hit bound"
rss=$(sed -n 's/.*peak RSS \([0-9]*\) MB.*/\1/p' "$tmp/out")
[ $plain_build = 0 ] || { [ -n "$rss" ] && [ "$rss" -le 40 ]; } || fail "peak RSS ${rss:-?} MB over the 40 MB bound"

# Address space: the program maps about 50 MB at start; 120 MB leaves little.
if [ $plain_build = 0 ]; then
  echo "PASS (a sanitizer build: the RSS figure and the ulimit -v cases skipped)"; exit 0
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
