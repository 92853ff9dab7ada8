#!/bin/bash
# Changing any one expectation of the anonymous-memory suite makes `mmcheck
# run` exit 1 and name it.  Each `expect` line gets the opposite quantifier
# (always/sometimes -> never, never -> always), each `check` the opposite
# verdict; the run must fail with a "Failed: FILE:LINE:" line for exactly
# that line.  Also: a changed value (read == V+1) fails the same way.
source "$(dirname "$0")/harness.bash"
mutations=0
for dir in cow anon-exclusive mincore swap-accounting stable-writes thp-anon; do
  for f in "$SRC"/scenarios/$dir/*.scenario; do
    "$MM" run "$f" >/dev/null 2>&1 || { echo "FAIL: $f does not pass unchanged"; fail=1; continue; }
    nlines=$(wc -l < "$f")
    for ((l = 1; l <= nlines; l++)); do
      line=$(sed -n "${l}p" "$f")
      case "$line" in
        expect\ *|check\ *) ;;
        *) continue ;;
      esac
      m="$TMP/$(basename "$f")"
      awk -v L="$l" 'NR != L { print; next }
        $1 == "check" { for (i = 1; i <= NF; i++) { if ($i == "holds") $i = "violated"; else if ($i == "violated") $i = "holds" } print; next }
        $2 == "always" || $2 == "sometimes" { $2 = "never"; print; next }
        $2 == "never" { $2 = "always"; print; next }
        { $1 = "expect never"; print }' "$f" > "$m"
      out=$("$MM" run "$m" 2>&1)
      rc=$?
      mutations=$((mutations + 1))
      if [ $rc -ne 1 ]; then
        echo "FAIL: $f:$l changed to '$(sed -n "${l}p" "$m")': exit $rc, expected 1"; fail=1
      elif ! grep -q "^Failed: $m:$l:" <<< "$out"; then
        echo "FAIL: $f:$l changed: the failure does not name line $l"; echo "$out" | grep Failed; fail=1
      fi
    done
  done
done
# A changed value, not a quantifier.
f="$SRC/scenarios/cow/fork-write-no-swap.scenario"
l=$(grep -n '^expect B: read p\[0\] == 1' "$f" | head -1 | cut -d: -f1)
sed "${l}s/== 1/== 2/" "$f" > "$TMP/value.scenario"
out=$("$MM" run "$TMP/value.scenario")
rc=$?
mutations=$((mutations + 1))
if [ $rc -ne 1 ] || ! grep -q "^Failed: $TMP/value.scenario:$l:1: expectation B.read(p\[0\])==2 failed" <<< "$out"; then
  echo "FAIL: changed value at line $l not reported (exit $rc)"; fail=1
fi
echo "$mutations changed expectations, each detected: $([ $fail = 0 ] && echo yes || echo no)"
[ $mutations -ge 50 ] || { echo "FAIL: only $mutations expectations"; fail=1; }
exit $fail
