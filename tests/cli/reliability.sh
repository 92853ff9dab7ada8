#!/bin/bash
# No silent success, hostile inputs: output write errors exit 74; an empty
# regress fails; numeric flags are validated alike on every command; a
# directory, /dev/zero or an endless pipe given as FILE stop with a clear
# error; the bound hint of `run` names only flags `run` has; --config ''
# is rejected; --json/--dot files are written whole or not at all.
source "$(dirname "$0")/harness.bash"
SC=$SRC/scenarios/cow/fork-write-no-swap.scenario
EX=$SRC/scenarios/cow/explore-fork-swap-zap.scenario

# Exit status and a piece of the message on stderr.
expect_rc() {
  local want_rc=$1 want_msg=$2; shift 2
  err=$("$MM" "$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq "$want_rc" ] || { bad "$*: exit $rc, want $want_rc ($err)"; return; }
  [ -z "$want_msg" ] || printf '%s' "$err" | grep -qF -- "$want_msg" || bad "$*: message '$err' lacks '$want_msg'"
}

# Output write errors (stdout on a full device): exit 74, a message.
if [ -w /dev/full ]; then
  "$MM" run "$SC" > /dev/full 2>"$TMP/err"; rc=$?
  [ $rc -eq 74 ] || bad "run > /dev/full: exit $rc, want 74"
  grep -q "cannot write" "$TMP/err" || bad "run > /dev/full: no message"
  "$MM" explore --workload anon-stable-writes --json > /dev/full 2>/dev/null; rc=$?
  [ $rc -eq 74 ] || bad "explore --json > /dev/full: exit $rc, want 74"
  "$MM" regress "$SRC/scenarios/cow" > /dev/full 2>/dev/null; rc=$?
  [ $rc -eq 74 ] || bad "regress > /dev/full: exit $rc, want 74"
  "$MM" configs > /dev/full 2>/dev/null; rc=$?
  [ $rc -eq 74 ] || bad "configs > /dev/full: exit $rc, want 74"
  # --json FILE on a device that cannot take it: an error, and the device
  # is written in place, never replaced by a rename.
  "$MM" regress "$SRC/scenarios/cow" --json /dev/full >/dev/null 2>&1; rc=$?
  [ $rc -eq 74 ] || bad "regress --json /dev/full: exit $rc, want 74"
  [ -c /dev/full ] || bad "/dev/full is no longer a device"
fi

# An empty regress is an error.
mkdir "$TMP/empty"; touch "$TMP/empty/README"
expect_rc 2 "no .scenario file" regress "$TMP/empty"

# Numeric flags: the same rule and message on every command.
for cmd in run regress explore; do
  target=$SC; [ $cmd = regress ] && target=$SRC/scenarios/cow; [ $cmd = explore ] && target=$EX
  for v in 0 -1 x 1.5 99999999999999999999; do
    expect_rc 2 "--threads: '$v' is not a whole number between 1 and" $cmd "$target" --threads "$v"
  done
done
expect_rc 2 "--steps: '-1' is not a whole number between 0 and" simulate --workload anon-fork-swap --steps -1
expect_rc 2 "--timeout: '0' is not a whole number between 1 and" replay --live "$SC" --timeout 0
expect_rc 2 "--max-states: '0' is not a whole number between 1 and" explore --workload anon-fork-swap --max-states 0
expect_rc 2 "--max-depth: 'q' is not a whole number between 0 and" explore --workload anon-fork-swap --max-depth q
expect_rc 2 "--max-memory-mb: '-5' is not a whole number between 1 and" explore --workload anon-fork-swap --max-memory-mb -5
expect_rc 2 "--seed: '-5' is not a whole number between 0 and" simulate --workload anon-fork-swap --seed -5
"$MM" run "$SC" --threads 2 >/dev/null || bad "run --threads 2 fails"

# A directory, an endless device, an endless pipe given as FILE.
expect_rc 2 "$SRC/scenarios:0:0: error: is a directory" run "$SRC/scenarios"
expect_rc 2 "is a directory" show "$SRC/scenarios"
expect_rc 2 "/dev/zero:0:0: error: the file is larger than" run /dev/zero
out=$( (yes 'expect A: read p[0] == 1' 2>/dev/null) | "$MM" run /dev/stdin 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || bad "endless pipe: exit $rc, want 2"
printf '%s' "$out" | grep -q "larger than" || bad "endless pipe: '$out'"
"$MM" run /dev/stdin < "$SC" >/dev/null || bad "a scenario on a pipe does not run"

# --config '' is not "no --config".
expect_rc 2 "--config" run --config '' "$SC"
expect_rc 2 "--config" regress --config '' "$SRC/scenarios/cow"
expect_rc 2 "unknown config ''" explore --config '' --workload anon-fork-swap

# The bound hint of `run` names only flags `run` has.
sed 's/^explore events/explore states 20 events/' "$EX" > "$TMP/bounded.scenario"
out=$("$MM" run "$TMP/bounded.scenario" 2>&1); rc=$?
# A bound hit is "incomplete": exit 3, never 0 and not a violation's 1.
[ $rc -eq 3 ] || bad "run with a check left incomplete: exit $rc, want 3"
printf '%s' "$out" | grep -q "state bound hit" || bad "bounded run: no bound line: $out"
help=$("$MM" run --help)
for flag in $(printf '%s' "$out" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  printf '%s' "$help" | grep -q -- "$flag" || bad "run's bound hint names $flag, which run does not have"
done

# --json and --dot files are complete or absent: never a truncated file
# under the final name, no temporary left behind.
"$MM" regress "$SRC/scenarios/cow" --json "$TMP/r.json" >/dev/null
"$MM" regress "$SRC/scenarios/cow" --baseline "$TMP/r.json" >/dev/null || bad "regress --json is not a baseline regress reads"
"$MM" explore --workload anon-stable-writes-sync --dot "$TMP/g.dot" >/dev/null
grep -q '^digraph' "$TMP/g.dot" || bad "no DOT written"
ls "$TMP" | grep -q '\.tmp' && bad "a temporary file was left behind: $(ls "$TMP")"
expect_rc 74 "cannot write" regress "$SRC/scenarios/cow" --json "$TMP/no/such/dir/r.json"

# A --baseline that is not a results file is bad input (exit 2), never an
# abort inside the comparison: a config without "observations" used to
# reach a const operator[] on a missing key (an assertion).
printf '{"schema_version":1,"scenarios":[{"name":"x","configs":[{"config":"v6.18"}]}]}' > "$TMP/b1.json"
expect_rc 2 "'observations' is missing" regress "$SRC/scenarios/cow" --baseline "$TMP/b1.json"
printf '[1,2]' > "$TMP/b2.json"
expect_rc 2 "not an object" regress "$SRC/scenarios/cow" --baseline "$TMP/b2.json"
printf '{"schema_version":1,"scenarios":[{"name":7}]}' > "$TMP/b3.json"
expect_rc 2 "'name' is not a string" regress "$SRC/scenarios/cow" --baseline "$TMP/b3.json"
head -c 300 "$TMP/r.json" > "$TMP/b4.json"
expect_rc 2 "not valid JSON" regress "$SRC/scenarios/cow" --baseline "$TMP/b4.json"

# A file name that is not UTF-8 does not break the JSON output.
mkdir "$TMP/names"; cp "$SC" "$TMP/names/$(printf 'bad\xff').scenario"
"$MM" regress "$TMP/names" --json "$TMP/names.json" >/dev/null; rc=$?
[ $rc -eq 0 ] || bad "regress with a non-UTF-8 file name: exit $rc"
"$MM" run --json "$TMP/names/"*.scenario >/dev/null || bad "run --json with a non-UTF-8 file name fails"
exit $fail
