#!/bin/bash
# run --html and explore --html write one self-contained page (no network:
# no external script, style, font or image) with the trace's steps, the
# violated invariant's message and an SVG per step; the write is atomic and
# a bad path is an error (exit 2).  The page in a real browser:
# html_chromium.sh.
set -u
MM=$1
SRC=$2
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scn=$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario
"$MM" run "$scn" --html "$tmp/run.html" >"$tmp/run.txt"; rc=$?
[ $rc -eq 0 ] || fail "run --html: exit $rc, want 0"
[ -s "$tmp/run.html" ] || fail "run --html wrote no page"
ls "$tmp" | grep -q '\.tmp\.' && fail "temporary file left behind"
page=$(cat "$tmp/run.html")
# The text output is unchanged by --html.
"$MM" run "$scn" | cmp -s - "$tmp/run.txt" || fail "--html changed the text output"

# Self-contained: the only URL is the SVG namespace.
urls=$(grep -o 'https\?://[^"]*' "$tmp/run.html" | sort -u)
[ "$urls" = "http://www.w3.org/2000/svg" ] || fail "external references: $urls"
echo "$page" | grep -qi '<link\|<img\|@import\|<script src\|<iframe' && fail "page loads something external"

# The trace of the violated check: initial state + 3 steps, as a timeline and as sections.
n=$(grep -c '<section class="step[^"]*" id="t0-s' "$tmp/run.html")
[ "$n" -eq 4 ] || fail "want 4 step sections (initial + 3) in the check's trace, got $n"
grep -q '<section class="step violating" id="t0-s3"' "$tmp/run.html" || fail "last step not marked violating"
for want in '>1 A: write p\[0\]=1</a>' '>2 A: madvise(p\[0\], MADV_PAGEOUT)</a>' '>3 A: write p\[0\]=2</a>' \
            'Check stable_writes under anon-exclusive-v2-inverted' \
            'mapped-writable: A.pte\[0\] maps F0 writable while it is under writeback' \
            'A.p\[0\].pte: swap(sda:1,excl,soft-dirty) -&gt; present(F0,rw,dirty,soft-dirty)'; do
  grep -q "$want" "$tmp/run.html" || fail "page lacks: $want"
done
# Then the script under each config: 7 steps (mmap, write, pageout, read,
# write, writeback + the initial state), with the expectations checked there.
grep -q '<h2>Script under anon-exclusive-v2-inverted<span class="badge ok">ok</span></h2>' "$tmp/run.html" || fail "no script section"
grep -q '<h2>Script under v6.18<span' "$tmp/run.html" || fail "no script section for v6.18"
n=$(grep -c '<section class="step[^"]*" id="t1-s' "$tmp/run.html")
[ "$n" -eq 7 ] || fail "want 7 step sections in the script, got $n"
sed -n '/id="t1-s4"/,/<\/section>/p' "$tmp/run.html" | grep -q '<li class="ok">expect always A: pte p\[0\] present=1 write=1: Always 1 0 <b>ok</b></li>' ||
  fail "script step 4 (read) lacks its expectation"
sed -n '/id="t2-s4"/,/<\/section>/p' "$tmp/run.html" | grep -q 'present=1 write=0: Always 1 0' || fail "v6.18 script step 4 lacks its expectation"
# A script whose steps have several outcomes is not drawn, and the page says why.
"$MM" run "$SRC/scenarios/live/private-anon-swap-roundtrip.scenario" --html "$tmp/multi.html" >/dev/null
grep -q "leaves [0-9]* states (the kernel may or may not have finished background work)" "$tmp/multi.html" ||
  fail "multi-outcome script: no explanation"
# Step 3 highlights the PTE that changed and the folio box, and pictures
# the PTE -> F0 mapping and F0 -> sda:1 swap cache link.
step3=$(sed -n '/id="t0-s3"/,/<\/section>/p' "$tmp/run.html")
echo "$step3" | grep -q '<tr class="chg"><td class="key">A.pte\[0\]</td>' || fail "step 3: A.pte[0] not highlighted"
echo "$step3" | grep -q '<rect class="folio changed"' || fail "step 3: F0 not highlighted in the SVG"
echo "$step3" | grep -q '<path class="map"' || fail "step 3: no PTE -> folio arrow"
echo "$step3" | grep -q '<path class="cache"' || fail "step 3: no folio -> swap slot arrow"
echo "$step3" | grep -q '<tr class="chg"><td class="key">A.vma' && fail "step 3: unchanged VMA highlighted"
# Step 2: a swap PTE -> slot arrow.
sed -n '/id="t0-s2"/,/<\/section>/p' "$tmp/run.html" | grep -q '<path class="swp"' || fail "step 2: no swap PTE arrow"
# Same input, same page.
"$MM" run "$scn" --html "$tmp/run2.html" >/dev/null
cmp -s "$tmp/run.html" "$tmp/run2.html" || fail "two runs wrote different pages"
"$MM" run "$scn" --threads 2 --html "$tmp/run3.html" >/dev/null
cmp -s "$tmp/run.html" "$tmp/run3.html" || fail "--threads 2 wrote a different page"

# A failed expectation: FAIL in the summary, with the state that contradicts it.
sed 's/^expect A: read p\[0\] == 2/expect A: read p[0] == 3/' "$scn" >"$tmp/bad.scenario"
"$MM" run "$tmp/bad.scenario" --html "$tmp/bad.html" >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "failed expectation: exit $rc, want 1"
grep -q 'Observation A.read(p\[0\])==3</td><td class="mono">Never 0 1  expected Always</td><td class="fail">FAIL' "$tmp/bad.html" ||
  fail "failed expectation not marked FAIL in the summary"
grep -q '<summary>a state that contradicts it</summary><pre>A (running) p\[0\]=present(F0' "$tmp/bad.html" ||
  fail "failed expectation: no contradicting state"

# explore --html: the engine's violated facet, same steps.
"$MM" explore --workload anon-stable-writes --config anon-exclusive-v2-inverted --html "$tmp/ex.html" >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "explore --html: exit $rc, want 1"
grep -q 'stable_writes/mapped-writable, stable_writes/modified under anon-exclusive-v2-inverted' "$tmp/ex.html" || fail "explore page: no heading"
n=$(grep -c '<section class="step[^"]*" id="t0-s' "$tmp/ex.html")
[ "$n" -eq 4 ] || fail "explore page: want 4 step sections, got $n"
# A run where everything holds: a page that says there is no trace.
"$MM" explore --workload anon-stable-writes --config v6.18 --html "$tmp/ok.html" >/dev/null; rc=$?
[ $rc -eq 0 ] || fail "explore v6.18: exit $rc"
grep -q 'No trace to show' "$tmp/ok.html" || fail "holds page does not say there is no trace"

# A page that cannot be written is an output error (74, as for --json/--dot), and leaves nothing behind.
"$MM" run "$scn" --html "$tmp/no/such/dir/x.html" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 74 ] || fail "unwritable --html: exit $rc, want 74"
grep -q "error: --html .*: cannot write the file" "$tmp/err" || fail "unwritable --html: message: $(cat "$tmp/err")"
# A scenario with an error writes no page (it would say nothing was violated).
printf 'scenario "bad"\nconfig v6.18\nprocess A\nA: write q[0] 1\n' >"$tmp/err.scenario"
"$MM" run "$tmp/err.scenario" --html "$tmp/err.html" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad scenario: exit $rc, want 2"
[ -e "$tmp/err.html" ] && fail "a page was written for a scenario that did not run"
echo PASS
