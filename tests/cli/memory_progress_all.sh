#!/bin/bash
# Every command that explores (run, regress, explore, check, simulate,
# replay) takes --max-memory-mb, validated alike; a tiny bound ends it
# cleanly: `incomplete` with what was reached, exit 3, never bad_alloc or
# an internal error.  And --progress on each of them writes to stderr only:
# stdout is byte for byte the same with and without it (less the lines of
# timing figures, which differ between any two runs).
source "$(dirname "$0")/harness.bash"
SC=$SRC/scenarios/cow/fork-write-no-swap.scenario
EX=$SRC/scenarios/cow/explore-fork-swap-zap.scenario
REC=$SRC/tests/conformance/linux-6.18.44-zero-page.json

# A sanitizer build maps terabytes of shadow memory and starts with a
# larger resident size: an address-space limit cannot be set for it at all,
# a 12 MB bound stops its script before the explore block, and its
# allocator's quarantine of freed blocks is resident beyond any bound.  Probed, so
# the ASan run of the suite (scripts/sanitize) checks everything else.
plain_build=1
( ulimit -v 150000; exec "$MM" --version ) > /dev/null 2>&1 || plain_build=0
[ $plain_build = 1 ] || echo "note: mmcheck does not start under ulimit -v 150000 (a sanitizer build): those cases are skipped"

# A run that must end incomplete: exit 3, the words, no crash words.
incomplete() {
  local want=$1; shift
  "$@" > "$TMP/out" 2> "$TMP/err"; rc=$?
  [ $rc -eq 3 ] || { bad "$*: exit $rc, want 3: $(head -c 600 "$TMP/out" "$TMP/err")"; return; }
  cat "$TMP/out" "$TMP/err" | grep -qF -- "$want" || bad "$*: no '$want': $(head -c 600 "$TMP/out" "$TMP/err")"
  cat "$TMP/out" "$TMP/err" | grep -qi "bad_alloc\|internal error" && bad "$*: bad_alloc or internal error"
  return 0
}

# Validation: one rule and message on every command.
for v in 0 -3 x 1.5 99999999999999999999; do
  for args in "run $SC" "regress $SRC/scenarios/cow" "explore --workload anon-fork-swap" "check --smoke" \
              "simulate --workload anon-fork-swap" "replay --recorded $REC"; do
    err=$("$MM" $args --max-memory-mb "$v" 2>&1 >/dev/null); rc=$?
    [ $rc -eq 2 ] || bad "$args --max-memory-mb $v: exit $rc, want 2"
    printf '%s' "$err" | grep -qF -- "--max-memory-mb: '$v' is not a whole number between 1 and" \
      || bad "$args --max-memory-mb $v: message '$err'"
  done
done
for cmd in check; do
  err=$("$MM" $cmd --smoke --threads 0 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$err" | grep -qF -- "--threads: '0' is not a whole number" || bad "check --threads 0: exit $rc '$err'"
  err=$("$MM" $cmd --smoke --depth -1 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$err" | grep -qF -- "--depth: '-1' is not a whole number" || bad "check --depth -1: exit $rc '$err'"
done

# The program alone is resident above 1 MB: the first check stops each command.
# run: the script stops after its first step; what was reached is printed.
incomplete "incomplete: memory bound hit: raise --max-memory-mb (now 1), after this step" "$MM" run "$SC" --max-memory-mb 1
grep -q "^Result: INCOMPLETE" "$TMP/out" || bad "run: no 'Result: INCOMPLETE'"
grep -q "^Stopped: .*fork-write-no-swap.scenario:[0-9]*:[0-9]*: incomplete" "$TMP/out" || bad "run: no Stopped line with where"
"$MM" run "$SC" --max-memory-mb 1 --json > "$TMP/j" 2>/dev/null; rc=$?
[ $rc -eq 3 ] && grep -q '"incomplete": ".*memory bound hit' "$TMP/j" || bad "run --json: exit $rc, no incomplete field"
# run: an explore block that the bound stops (the engine's bound, the whole process).
if [ $plain_build = 1 ]; then
  incomplete "memory bound hit: raise --max-memory-mb (now 12)" "$MM" run "$EX" --max-memory-mb 12
  grep -q "Check .* incomplete" "$TMP/out" || bad "run explore block: no incomplete check"
  # (a config whose exploration fits in the bound completes and holds, honestly)
  grep -B1 "bound hit: memory" "$TMP/out" | grep "Check" | grep -v " incomplete " && bad "run explore block: a bound-hit check not incomplete"
fi
# regress: INCOMPLETE, not FAIL, and the closing line counts it.
incomplete "incomplete: memory bound hit" "$MM" regress "$SRC/scenarios/cow" --max-memory-mb 1
grep -q "^INCOMPLETE " "$TMP/out" || bad "regress: no INCOMPLETE line"
tail -1 "$TMP/out" | grep -Eq "^0 passed, 0 failed, [1-9][0-9]* incomplete$" || bad "regress: closing line '$(tail -1 "$TMP/out")'"
# explore FILE: the scenario's script, before the search.
incomplete "verdict: incomplete" "$MM" explore "$EX" --max-memory-mb 1
# check: the start is incomplete.
incomplete "INCOMPLETE: memory bound hit: raise --max-memory-mb (now 12)" "$MM" check --start anon-1p --max-memory-mb 12
grep -q "^verdict: incomplete" "$TMP/out" || bad "check: no incomplete verdict"
# simulate: a walk of a hundred million steps stops at the bound, RSS within it.
/usr/bin/time -f '%M' -o "$TMP/rss" "$MM" simulate --workload anon-stable-writes --steps 100000000 --max-memory-mb 40 \
  > "$TMP/out" 2> "$TMP/err"; rc=$?
[ $rc -eq 3 ] || bad "simulate: exit $rc, want 3"
grep -q "incomplete: the memory bound ended the walk" "$TMP/out" || bad "simulate: no incomplete line"
rss=$(tail -1 "$TMP/rss")
[ $plain_build = 0 ] || [ "${rss:-999999}" -le 40960 ] || bad "simulate: peak RSS ${rss:-?} KB over the 40 MB bound"
"$MM" simulate --workload anon-stable-writes --steps 100000000 --max-memory-mb 40 --json > "$TMP/j" 2>/dev/null; rc=$?
[ $rc -eq 3 ] && grep -q '"incomplete": true' "$TMP/j" || bad "simulate --json: exit $rc"
# Under ulimit -v the walk leaves room for its JSON (it used to abort in it).
if [ $plain_build = 1 ]; then
  ( ulimit -v 150000; exec "$MM" simulate --workload anon-stable-writes --steps 2000000000 --json ) > "$TMP/j" 2> "$TMP/err"; rc=$?
  [ $rc -eq 3 ] && grep -q '"incomplete": true' "$TMP/j" || bad "simulate --json under ulimit -v 150000: exit $rc $(head -c 300 "$TMP/err")"
fi
# replay --recorded: a scenario the bound leaves unchecked.
incomplete "incomplete: memory bound hit" "$MM" replay --recorded "$REC" --max-memory-mb 1
# Under an address-space limit: incomplete, never bad_alloc (run's script
# and explore block; the program maps about 50 MB at start).
# (memory_address_limit.sh has searches that cannot fit and must stop.)
if [ $plain_build = 1 ]; then
  ( ulimit -v 150000; exec "$MM" run "$EX" ) > "$TMP/out" 2> "$TMP/err"; rc=$?
  [ $rc -eq 3 ] || [ $rc -eq 0 ] || bad "run under ulimit -v 150000: exit $rc: $(head -c 400 "$TMP/err")"
  grep -qi "bad_alloc\|internal error" "$TMP/out" "$TMP/err" && bad "run under ulimit -v: bad_alloc"
fi

# The parse is within the bound too: a generated file of 300,000 short
# expectations (7.5 MB, within the 16 MiB size limit) is about 200 MB
# parsed.  Every command that reads a scenario file stops in the parse,
# `incomplete` with the line it reached, exit 3, its resident size near the
# bound (the parse reads its size every 4,096 lines, about 3 MB apart).
{ printf 'scenario "many"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\n'
  yes 'expect A: read p[0] == 1' | head -n 300000
  printf 'explore depth 1 events read\n'; } > "$TMP/many.scenario"
mkdir "$TMP/many"; cp "$TMP/many.scenario" "$TMP/many/"
for args in "run $TMP/many.scenario" "regress $TMP/many" "explore $TMP/many.scenario" \
            "simulate $TMP/many.scenario" "emit-c $TMP/many.scenario"; do
  incomplete "while parsing the file (" /usr/bin/time -f 'rss %M' -o "$TMP/rss" "$MM" $args --max-memory-mb 60
  grep -q "memory bound hit: raise --max-memory-mb (now 60)" "$TMP/out" "$TMP/err" || bad "$args: not the bound's words"
  rss=$(tail -1 "$TMP/rss" | cut -d' ' -f2)
  [ $plain_build = 0 ] || [ "${rss:-999999}" -le 90000 ] || bad "$args --max-memory-mb 60: peak RSS ${rss:-?} KB"
  case $args in
    regress*) grep -q "^INCOMPLETE many" "$TMP/out" || bad "regress: the file stopped in the parse is not INCOMPLETE" ;;
  esac
done
"$MM" run "$TMP/many.scenario" --max-memory-mb 60 --json > "$TMP/j" 2>/dev/null; rc=$?
[ $rc -eq 3 ] && grep -q '"incomplete": ".*while parsing the file' "$TMP/j" || bad "run --json, stopped in the parse: exit $rc"
# With room, the same file runs: 300,000 expectations, each ok.
"$MM" run "$TMP/many.scenario" > "$TMP/out" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c 'Observation .* ok$' "$TMP/out")" -eq 300000 ] || bad "run many.scenario: exit $rc"

# --progress: stderr only.
same_stdout() {
  local what=$1; shift
  "$@" 2>/dev/null | grep -v 'timing\|time [0-9.]*s$' > "$TMP/a"
  "$@" --progress 2> "$TMP/progress" | grep -v 'timing\|time [0-9.]*s$' > "$TMP/b"
  cmp -s "$TMP/a" "$TMP/b" || bad "$what: stdout differs with --progress: $(diff "$TMP/a" "$TMP/b" | head -5)"
}
same_stdout run "$MM" run "$EX"
same_stdout regress "$MM" regress "$SRC/scenarios/cow"
same_stdout explore "$MM" explore --workload anon-stable-writes
same_stdout check "$MM" check --smoke --depth 5
grep -q "^check: start anon-sync-1p (1 of 1)" "$TMP/progress" || bad "check --progress: no start line on stderr"
same_stdout simulate "$MM" simulate --workload anon-stable-writes --steps 3000
same_stdout replay "$MM" replay --recorded "$REC"
grep -q "^replay: recording " "$TMP/progress" || bad "replay --progress: no line on stderr"
exit $fail
