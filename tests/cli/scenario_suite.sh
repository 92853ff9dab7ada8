#!/bin/bash
# The whole scenario suite, as scripts/demo runs it: every .scenario below
# scenarios/ passes, and the closing line is exactly "N passed, 0 failed".
set -u
MMCHECK=$(realpath "$1")
SRC=$2
out=$("$MMCHECK" regress "$SRC/scenarios")
rc=$?
printf '%s\n' "$out" | grep -v '^PASS '
last=$(printf '%s\n' "$out" | tail -1)
n=$(printf "%s\n" "$out" | grep -c "^PASS ")
[ "$last" = "$n passed, 0 failed" ] || { echo "FAIL: closing line '$last', expected '$n passed, 0 failed'"; exit 1; }
[ $rc -eq 0 ] || { echo "FAIL: exit status $rc"; exit 1; }
[ "$n" -ge 12 ] || { echo "FAIL: only $n scenarios"; exit 1; }
