#!/usr/bin/env bash
# emit-c output for three scenarios is byte-identical to the golden files in
# tests/golden/, and each golden program compiles with -Wall -Wextra -Werror
# (cc, and clang when installed).  Regenerate after an intended change with:
#   (cd SOURCE && build/mmcheck emit-c scenarios/live/uffd-wp-anon-swap.scenario --config v6.18 -o tests/golden/uffd-wp-anon-swap.c)
# (same for memfd-pageout-lseek and fork-after-pageout).
set -u
mmcheck=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
cd "$src" || exit 2
for s in live/uffd-wp-anon-swap live/memfd-pageout-lseek live/fork-after-pageout; do
  name=$(basename $s)
  golden=tests/golden/$name.c
  if ! "$mmcheck" emit-c scenarios/$s.scenario --config v6.18 -o "$tmp/$name.c"; then
    echo "FAIL: emit-c scenarios/$s.scenario"; status=1; continue
  fi
  if ! diff -u "$golden" "$tmp/$name.c" >"$tmp/diff"; then
    echo "FAIL: emit-c scenarios/$s.scenario differs from $golden:"; head -40 "$tmp/diff"; status=1
  fi
  # twice: the output is deterministic
  "$mmcheck" emit-c scenarios/$s.scenario --config v6.18 -o "$tmp/again.c"
  cmp -s "$tmp/$name.c" "$tmp/again.c" || { echo "FAIL: emit-c is not deterministic for $s"; status=1; }
  for cc in cc clang; do
    command -v $cc >/dev/null || continue
    if ! $cc -std=c11 -Wall -Wextra -Werror -o "$tmp/$name" "$golden" 2>"$tmp/cc.log"; then
      echo "FAIL: $cc -Wall -Wextra -Werror $golden:"; cat "$tmp/cc.log"; status=1
    fi
  done
  [ $status = 0 ] && echo "ok: $golden"
done
# a counterexample trace as a reproducer: compiles warning-free, performs the trace
"$mmcheck" emit-c scenarios/live/explore-shmem-pm-swap.scenario --counterexample --config v6.18 -o "$tmp/cx.c" 2>"$tmp/cx.log" \
  || { echo "FAIL: emit-c --counterexample"; cat "$tmp/cx.log"; status=1; }
grep -q "counterexample for pm_swap_accuracy" "$tmp/cx.log" || { echo "FAIL: no counterexample named"; status=1; }
grep -q 'live_madvise(0, 0, MADV_PAGEOUT' "$tmp/cx.c" || { echo "FAIL: the trace's pageout is not performed"; status=1; }
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/cx" "$tmp/cx.c" || { echo "FAIL: the counterexample reproducer does not compile"; status=1; }
# bad input: a missing file is exit 2
"$mmcheck" emit-c scenarios/no-such.scenario >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || { echo "FAIL: emit-c of a missing file exits $rc, want 2"; status=1; }
exit $status
