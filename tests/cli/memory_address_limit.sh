#!/bin/bash
# With no --max-memory-mb, a search that does not fit the address space
# ulimit -v leaves (RLIMIT_AS, where malloc fails) ends `incomplete`, exit
# 3, with the address-space words: the default bound is derived from the
# limit (checker/engine/memory.cpp, host_memory.h), so the stop comes
# before a std::bad_alloc.  On every command that explores: run (an
# explore block), regress, explore, check, at 1 and 2 threads.
#
# Skipped (77) where an address-space limit cannot be set for mmcheck at
# all: a sanitizer build maps terabytes of shadow memory at start.
source "$(dirname "$0")/harness.bash"
LIMIT=150000  # KB; the program maps about 50 MB at start

( ulimit -v $LIMIT; exec "$MM" --version ) > /dev/null 2>&1 \
  || { echo "SKIP: mmcheck does not start under ulimit -v $LIMIT (a sanitizer build?)"; exit 77; }

# A 2-page exploration with no depth or state limit (tests/cli/big.scenario):
# about 15 million states and 750 MB when it runs to the end of a 1 GB
# address space.
mkdir "$TMP/dir"
cp "$SRC/tests/cli/big.scenario" "$TMP/dir/big.scenario"

# limited ARGS...: run mmcheck under the limit; exit 3, the words, no crash words.
limited() {
  ( ulimit -v $LIMIT; exec "$MM" "$@" ) > "$TMP/out" 2> "$TMP/err"; rc=$?
  [ $rc -eq 3 ] || { bad "ulimit -v $LIMIT; mmcheck $*: exit $rc, want 3: $(head -c 400 "$TMP/err")"; return 1; }
  grep -qF "memory bound hit: the address-space limit (ulimit -v) leaves" "$TMP/out" "$TMP/err" \
    || bad "mmcheck $*: no address-space words: $(head -c 400 "$TMP/out")"
  grep -qi "bad_alloc\|internal error" "$TMP/out" "$TMP/err" && bad "mmcheck $*: bad_alloc or internal error"
  return 0
}

for t in 1 2; do
  limited run "$TMP/dir/big.scenario" --threads $t \
    && { grep -q "^Result: INCOMPLETE" "$TMP/out" || bad "run --threads $t: no 'Result: INCOMPLETE'"; }
  limited explore "$TMP/dir/big.scenario" --threads $t \
    && { grep -q ": incomplete" "$TMP/out" || bad "explore --threads $t: no incomplete verdict"; }
  limited regress "$TMP/dir" --threads $t \
    && { grep -q "^INCOMPLETE big" "$TMP/out" || bad "regress --threads $t: no 'INCOMPLETE big'"; }
done
# A file within the 16 MiB size limit of 620,000 short expectations: about
# 450 MB parsed, so it runs under ulimit -v 1000000 (it used to need 1.3 GB
# and end `internal error: std::bad_alloc`, exit 70), and under a limit
# that cannot hold it the parse stops `incomplete`, exit 3.
{ printf 'scenario "big"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\n'
  yes 'expect A: read p[0] == 1' | head -n 620000; } > "$TMP/huge.scenario"
( ulimit -v 1000000; exec "$MM" run "$TMP/huge.scenario" ) > "$TMP/out" 2> "$TMP/err"; rc=$?
[ $rc -eq 0 ] && tail -1 "$TMP/out" | grep -q "^Result: PASS" \
  || bad "huge file under ulimit -v 1000000: exit $rc, want 0: $(tail -c 300 "$TMP/out") $(head -c 300 "$TMP/err")"
limited run "$TMP/huge.scenario" && { grep -q "incomplete: .*while parsing the file" "$TMP/out" || bad "huge file: not stopped in the parse: $(head -c 300 "$TMP/out")"; }
rm -f "$TMP/huge.scenario"

# check's own default (3072 MB per start) is cut to the limit too.
limited check --start anon-2p --threads 2 \
  && { grep -q "^verdict: incomplete" "$TMP/out" || bad "check: no incomplete verdict"; }
exit $fail
