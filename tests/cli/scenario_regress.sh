#!/bin/bash
# mmcheck regress: one PASS/FAIL line per scenario, closing line exactly
# "N passed, N failed"; byte-identical output across runs once the time
# column is removed; --baseline reports nothing for an unchanged run and
# "Result changed" lines after a knob is flipped; exit status 1 on failure.
source "$(dirname "$0")/harness.bash"
mkdir "$TMP/suite"
for d in cow anon-exclusive mincore swap-accounting stable-writes thp-anon; do cp -r "$SRC/scenarios/$d" "$TMP/suite/"; done
n=$(find "$TMP/suite" -name '*.scenario' | wc -l)

"$MM" regress "$TMP/suite" --json "$TMP/a.json" > "$TMP/a.txt"; rc=$?
check "regress exits 0 on the suite (got $rc)" '[ $rc -eq 0 ]'
check "closing line is '$n passed, 0 failed'" '[ "$(tail -1 "$TMP/a.txt")" = "$n passed, 0 failed" ]'
check "one line per scenario, sorted" '[ "$(grep -c "^PASS " "$TMP/a.txt")" -eq $n ] && grep "^PASS " "$TMP/a.txt" | awk "{print \$2}" | LC_ALL=C sort -C'

# Determinism: same output apart from the time column; same JSON apart from "timing".
"$MM" regress "$TMP/suite" --json "$TMP/b.json" --threads 2 > "$TMP/b.txt"
strip() { sed 's/  time [0-9.]*s$//' "$1"; }
check "two runs print the same lines apart from timing" 'diff <(strip "$TMP/a.txt") <(strip "$TMP/b.txt") >/dev/null'
# Keys are sorted, so "timing" is the last member: drop it.
nojson() { sed '/^  "timing": {/,$d' "$1"; }
check "two JSON results are identical apart from timing" '[ "$(nojson "$TMP/a.json")" = "$(nojson "$TMP/b.json")" ] && grep -q "\"timing\"" "$TMP/a.json" && [ $(nojson "$TMP/a.json" | wc -l) -gt 100 ]'

# Baseline, unchanged: no "Result changed".
"$MM" regress "$TMP/suite" --baseline "$TMP/a.json" > "$TMP/c.txt"; rc=$?
check "unchanged run against its baseline exits 0" '[ $rc -eq 0 ]'
check "unchanged run reports no changed result" '! grep -q "Result changed" "$TMP/c.txt"'

# Baseline after flipping a knob in every config: results change and are named.
"$MM" regress "$TMP/suite" --baseline "$TMP/a.json" --set swp_stable_writes_check_inverted=1 > "$TMP/d.txt"; rc=$?
check "flipped knob makes regress exit 1 (got $rc)" '[ $rc -eq 1 ]'
check "flipped knob reports Result changed for stable_writes" \
  'grep -q "^Result changed: stable-writes/v6.18-async-stable-device \[v6.18\] check stable_writes: holds -> violated$" "$TMP/d.txt"'
check "closing line still last" 'tail -1 "$TMP/d.txt" | grep -Eq "^[0-9]+ passed, [1-9][0-9]* failed$"'

# The same knob flipped inside one file (set line): only that file's results change.
f="$TMP/suite/stable-writes/v6.18-async-stable-device.scenario"
sed -i 's/^config v6.18$/config v6.18\nset swp_stable_writes_check_inverted=1/' "$f"
"$MM" regress "$TMP/suite" --baseline "$TMP/a.json" > "$TMP/e.txt"
check "a knob set in one file changes only that file's results" \
  '[ "$(grep "^Result changed" "$TMP/e.txt" | grep -vc "stable-writes/v6.18-async-stable-device ")" -eq 0 ] && grep -q "^Result changed" "$TMP/e.txt"'
check "the changed file FAILs and names the check" 'grep -q "^  check stable_writes under v6.18: expected holds, got violated" "$TMP/e.txt"'

# run: exit 0 on a passing file, output byte-identical across runs.
"$MM" run "$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario" > "$TMP/r1.txt"; rc=$?
"$MM" run "$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario" --threads 2 > "$TMP/r2.txt"
check "run exits 0 on the inverted stable-writes scenario" '[ $rc -eq 0 ]'
check "run output is byte-identical across runs and thread counts" 'cmp -s "$TMP/r1.txt" "$TMP/r2.txt"'
check "run prints the shortest trace with what changed" \
  'grep -q "shortest trace (3 steps)" "$TMP/r1.txt" && grep -q "F0: PG_writeback 0 -> 1" "$TMP/r1.txt" && grep -q "^  Observation " "$TMP/r1.txt"'

# show: canonical form is a fixed point and parses back.
for f in $(find "$TMP/suite" -name '*.scenario' | sort); do
  "$MM" show "$f" > "$TMP/s1.scenario" || { echo "FAIL: show $f"; fail=1; continue; }
  "$MM" show "$TMP/s1.scenario" > "$TMP/s2.scenario" || { echo "FAIL: show of the canonical form of $f"; fail=1; continue; }
  cmp -s "$TMP/s1.scenario" "$TMP/s2.scenario" || { echo "FAIL: canonical form of $f is not a fixed point"; fail=1; }
  a=$("$MM" run "$f" | tail -1); b=$("$MM" run "$TMP/s1.scenario" | tail -1)
  [ "$a" = "$b" ] || { echo "FAIL: canonical form of $f runs differently"; fail=1; }
done
# Every scenario of the tree prints a canonical form that parses back to
# itself (the migration scenarios printed `?` for move_pages, found by
# fuzz_parse from its seeds).
for f in $(find "$SRC/scenarios" -name '*.scenario' | sort); do
  "$MM" show "$f" > "$TMP/c1.scenario" 2> /dev/null || continue  # a scenario may be refused (not parsed); run says why
  "$MM" show "$TMP/c1.scenario" > "$TMP/c2.scenario" 2> "$TMP/c2.err" \
    || { echo "FAIL: the canonical form of $f does not parse: $(head -c 300 "$TMP/c2.err")"; fail=1; continue; }
  cmp -s "$TMP/c1.scenario" "$TMP/c2.scenario" || { echo "FAIL: canonical form of $f is not a fixed point"; fail=1; }
done
exit $fail
