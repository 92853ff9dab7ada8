#!/bin/bash
# Every file in tests/scenarios-bad/ names, on its first line, the error it
# must produce: "# error: LINE:COL: MESSAGE".  `mmcheck run` and `mmcheck
# show` must print exactly that position and message (followed by the hint
# after ';') and exit 2 -- never crash, never exit 0 or 1.
set -u
MMCHECK=$(realpath "$1")
SRC=$2
cd "$SRC/tests/scenarios-bad" || exit 1
fail=0
n=0
declare -A messages
for f in *.scenario; do
  want=$(head -1 "$f" | sed 's/^# error: //')
  pos=${want%%: *}
  msg=${want#*: }
  for cmd in run show; do
    # show only parses: runtime errors (impossible steps, capacity) are run's
    if [ $cmd = show ] && [[ "$msg" == impossible* || "$msg" == mmap* ]]; then continue; fi
    out=$("$MMCHECK" $cmd "$f" 2>&1 >/dev/null)
    rc=$?
    first=$(printf '%s\n' "$out" | head -1)
    if [ $rc -ne 2 ]; then
      echo "FAIL $f ($cmd): exit status $rc, expected 2"; fail=1
    elif [[ "$first" != "$f:$pos: error: $msg"* ]]; then
      echo "FAIL $f ($cmd): got '$first'"; echo "     want '$f:$pos: error: $msg...'"; fail=1
    fi
  done
  messages["$(printf '%s' "$msg" | sed "s/'[^']*'//g")"]=1
  n=$((n + 1))
done
echo "$n bad scenario files, ${#messages[@]} distinct error messages"
if [ ${#messages[@]} -lt 15 ]; then echo "FAIL: fewer than 15 distinct error messages"; fail=1; fi
# A file that does not exist, and a directory regress cannot read.
"$MMCHECK" run /nonexistent.scenario 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: missing file should exit 2"; fail=1; }
"$MMCHECK" regress /nonexistent-dir >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: missing dir should exit 2"; fail=1; }
"$MMCHECK" run --config v9.9 "$SRC/scenarios/cow/fork-write-no-swap.scenario" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: unknown --config should exit 2"; fail=1; }
"$MMCHECK" run --set nosuchknob=1 "$SRC/scenarios/cow/fork-write-no-swap.scenario" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: unknown --set knob should exit 2"; fail=1; }
# A knob combination no kernel has, on the command line: named, exit 2.
out=$("$MMCHECK" run --config v5.14+pte_swp_exclusive "$SRC/scenarios/cow/fork-write-no-swap.scenario" 2>&1 >/dev/null)
[ $? -eq 2 ] && [[ "$out" == *"pte_swp_exclusive=1 needs PG_anon_exclusive=1"* ]] || { echo "FAIL: --config v5.14+pte_swp_exclusive should exit 2 naming the dependency: $out"; fail=1; }
out=$("$MMCHECK" explore --config v5.14 --set pte_swp_exclusive=1 -w anon-stable-writes 2>&1 >/dev/null)
[ $? -eq 2 ] && [[ "$out" == *"needs PG_anon_exclusive=1"* ]] || { echo "FAIL: explore --set pte_swp_exclusive=1 on v5.14 should exit 2: $out"; fail=1; }
exit $fail
