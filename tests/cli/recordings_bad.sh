#!/bin/bash
# Bad recordings (`replay --recorded FILE`): each file in tests/recordings-bad/
# is refused with exit 2 and the message in NAME.expected, never a crash.
# Also a recording nested 200,000 levels deep, generated here (400 KB): it
# used to overflow the stack in the JSON library (a segfault).
set -u
MM=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
n=0
for f in "$SRC"/tests/recordings-bad/*.json; do
  want=$(cat "${f%.json}.expected")
  err=$("$MM" replay --recorded "$f" 2>&1 >/dev/null); rc=$?
  n=$((n + 1))
  [ $rc -eq 2 ] || { echo "FAIL: $f: exit $rc, want 2 ($err)"; fail=1; continue; }
  printf '%s' "$err" | grep -qF -- "$f: $want" || { echo "FAIL: $f: '$err' lacks '$f: $want'"; fail=1; }
done
[ $n -ge 8 ] || { echo "FAIL: only $n bad recordings found"; fail=1; }
python3 -c "
d = 200000
print('{\"schema_version\":1,\"note\":' + '[' * d + ']' * d + '}')" > "$TMP/deep.json"
err=$("$MM" replay --recorded "$TMP/deep.json" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && printf '%s' "$err" | grep -q "nested deeper than" || { echo "FAIL: deep recording: exit $rc '$err'"; fail=1; }
# The same shape as a --baseline results file.
python3 -c "
d = 200000
print('{\"schema_version\":1,\"scenarios\":[],\"x\":' + '[' * d + ']' * d + '}')" > "$TMP/deep-results.json"
err=$("$MM" regress "$SRC/scenarios/cow" --baseline "$TMP/deep-results.json" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && printf '%s' "$err" | grep -q "nested deeper than" || { echo "FAIL: deep baseline: exit $rc '$err'"; fail=1; }
exit $fail
