#!/bin/bash
# regress --baseline for a patch (issue 11, deliverable 2): verdict changes
# first, each newly violated check with its shortest trace (and its
# decisions), then count-only changes apart; the comparison in --json.
source "$(dirname "$0")/harness.bash"
mkdir "$TMP/suite"
cp -r "$SRC/scenarios/stable-writes" "$SRC/scenarios/mincore" "$TMP/suite/"
"$MM" regress "$TMP/suite" --json "$TMP/B.json" > /dev/null
"$MM" regress "$TMP/suite" --baseline "$TMP/B.json" > "$TMP/same.txt"
check "an unchanged run: no verdict and no count change" \
  'grep -q "^Verdict changes against the baseline: 0$" "$TMP/same.txt" && grep -q "^Count-only changes (same verdicts, other numbers): 0$" "$TMP/same.txt"'
"$MM" regress "$TMP/suite" --set swp_stable_writes_check_inverted=1 --baseline "$TMP/B.json" --json "$TMP/C.json" > "$TMP/d.txt"; rc=$?
check "the patch breaks the suite: exit 1 (got $rc)" '[ $rc -eq 1 ]'
v=$(grep -n "^Verdict changes against the baseline: [1-9]" "$TMP/d.txt" | cut -d: -f1)
c=$(grep -n "^Count-only changes" "$TMP/d.txt" | cut -d: -f1)
check "verdict changes come first, count-only changes apart after them" '[ -n "$v" ] && [ -n "$c" ] && [ "$v" -lt "$c" ]'
check "the newly violated check is named" \
  'grep -q "^Result changed: stable-writes/v6.18-async-stable-device \[v6.18\] check stable_writes: holds -> violated$" "$TMP/d.txt"'
check "followed by its shortest trace with the do_swap_page decision" \
  'sed -n "/check stable_writes: holds -> violated/,/^Result changed\|^Count/p" "$TMP/d.txt" | grep -q "decided do_swap_page (mm/memory.c): exclusive && folio_test_writeback(folio) \[1\] && !(si->flags & SWP_STABLE_WRITES)"'
check "a failed expectation is a verdict change" 'grep -q "^Result changed: .*observation .*(expected Always: FAILS)$" "$TMP/d.txt"'
check "state counts alone are count-only changes" \
  '[ "$(sed -n "${c},\$p" "$TMP/d.txt" | grep -c "^Count changed: .*explored states")" -ge 1 ] && ! sed -n "1,${c}p" "$TMP/d.txt" | grep -q "^Count changed"'
python3 - "$TMP/C.json" <<'PY' || { echo "FAIL: --json holds the comparison"; fail=1; }
import json, sys
j = json.load(open(sys.argv[1]))
c = j["comparison"]
v = [x for x in c["verdict_changes"] if x["what"] == "check stable_writes" and x["config"] == "v6.18"]
assert v and all(x["newly_violated"] and x["before"] == "holds" and x["after"] == "violated" for x in v), v
assert any(l.startswith("1. ") for l in v[0]["trace"])
assert all(x["before"] != x["after"] for x in c["count_changes"]) and c["count_changes"]
PY
exit $fail
