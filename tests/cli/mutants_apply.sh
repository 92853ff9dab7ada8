#!/bin/bash
# tests/mutants/*.patch still apply to model/ and carry their header.
# scripts/mutation-score (not in ctest: it rebuilds per mutant) counts a
# patch that no longer applies as a miss; in session 4, four of the 33 had
# gone stale after a merge moved their context.  This cheap check catches
# that on the commit that moves the lines, not at the next scoring run.
set -u
SRC=$2
fail() { echo "FAIL: $*"; exit 1; }
command -v git >/dev/null || { echo "no git"; exit 77; }
cd "$SRC" || fail "no source dir $SRC"
n=0
for p in tests/mutants/*.patch; do
  name=$(basename "$p" .patch)
  [ "$(sed -n 's/^mutant: //p' "$p" | head -1)" = "$name" ] || fail "$p: header 'mutant: $name' missing"
  kind=$(sed -n 's/^kind: //p' "$p" | head -1)
  case "$kind" in historical|mechanical) ;; *) fail "$p: kind '$kind' is neither historical nor mechanical" ;; esac
  for field in bug fix expected-catch; do
    grep -q "^$field: " "$p" || fail "$p: no '$field:' header line"
  done
  # mutation-score restores only model/ between mutants.
  files=$(sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$p")
  [ -n "$files" ] || fail "$p: no diff"
  for f in $files; do
    case "$f" in model/*) ;; *) fail "$p: touches $f outside model/" ;; esac
  done
  out=$(git apply --check "$p" 2>&1) || fail "$p does not apply to this tree (regenerate it against HEAD with the same change): $out"
  n=$((n + 1))
done
[ $n -ge 15 ] || fail "only $n mutants (the catalogue has at least 15 historical ones)"
echo "ok: $n mutants apply"
