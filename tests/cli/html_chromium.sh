#!/bin/bash
# The HTML trace page of the stable-writes counterexample in a real browser:
# headless Chromium (Debian package 'chromium', optional in scripts/deps)
# loads it, the DOM holds the initial state and the 3 steps of the
# counterexample (and the script's steps), and the page's
# own script ran to its end without error (it sets
# data-mmcheck-ready="ok" and the number of steps it found) with no
# 'Uncaught' error in the console.  Skipped (77) where Chromium is absent or
# cannot start.
set -u
MM=$1
SRC=$2
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || skip "no chromium here (apt-get install chromium)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Does the browser start at all (containers without the needed kernel features)?
echo '<html><body><p id="x">alive</p></body></html>' >"$tmp/probe.html"
chrome() {
  HOME=$tmp timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile" \
    --enable-logging=stderr --v=0 "$@"
}
chrome --dump-dom "file://$tmp/probe.html" >"$tmp/probe.dom" 2>"$tmp/probe.err"
grep -q 'alive' "$tmp/probe.dom" || skip "chromium cannot run here: $(tail -2 "$tmp/probe.err" | tr '\n' ' ')"

"$MM" run "$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario" --html "$tmp/page.html" >/dev/null ||
  fail "run --html failed"
chrome --dump-dom "file://$tmp/page.html" >"$tmp/dom.html" 2>"$tmp/console.txt"
[ -s "$tmp/dom.html" ] || fail "no DOM from chromium: $(tail -3 "$tmp/console.txt")"
grep -q 'data-mmcheck-ready="ok"' "$tmp/dom.html" || fail "the page's script did not run to its end"
# The script counts the step sections it found: as many as the page has.
want=$(grep -c '<section class="step' "$tmp/page.html")
[ "$want" -ge 4 ] || fail "page has only $want step sections"
grep -q "data-mmcheck-steps=\"$want\"" "$tmp/dom.html" ||
  fail "the script did not find $want steps: $(grep -o 'data-mmcheck-steps="[0-9]*"' "$tmp/dom.html")"
grep -q 'data-mmcheck-error="' "$tmp/dom.html" && fail "script error: $(grep -o 'data-mmcheck-error="[^"]*"' "$tmp/dom.html")"
grep -q 'Uncaught' "$tmp/console.txt" && fail "console: $(grep Uncaught "$tmp/console.txt")"
for k in 0 1 2 3; do
  grep -q "id=\"t0-s$k\" data-step=\"$k\"" "$tmp/dom.html" || fail "DOM lacks step $k"
done
grep -q 'A: write p\[0\]=2' "$tmp/dom.html" || fail "DOM lacks the violating step"
grep -q 'class="message"' "$tmp/dom.html" || fail "DOM lacks the invariant's message"
n=$(grep -o '<svg xmlns="http://www.w3.org/2000/svg" class="state"' "$tmp/dom.html" | wc -l)
[ "$n" -eq "$want" ] || fail "want one state picture per step ($want), got $n"
echo PASS
