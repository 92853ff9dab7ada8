#!/usr/bin/env bash
# `mmcheck replay scenarios/ --live` on the running kernel: every observation
# agrees with the model, at least 60 of them over at least 15 scenarios, and
# /proc/swaps is as before with no swapfile left.  Exit 77 (skip) when not
# root or when swapon is refused here.
set -u
mmcheck=$1; src=$2
out=$(mktemp); trap 'rm -f "$out"' EXIT
# usage errors first (no root needed)
"$mmcheck" replay "$src/scenarios" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || { echo "FAIL: replay without --live exits $rc, want 2"; exit 1; }
"$mmcheck" replay "$src/no/such/dir" --live >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || { echo "FAIL: replay of a missing path exits $rc, want 2"; exit 1; }
if [ "$(id -u)" != 0 ]; then
  "$mmcheck" replay "$src/scenarios" --live >"$out" 2>&1; rc=$?
  [ $rc = 77 ] || { echo "FAIL: replay --live as non-root exits $rc, want 77"; exit 1; }
  echo "SKIP: needs root"; exit 77
fi
# A kernel whose behaviour no model config describes (`mmcheck kernel` says
# UNCLASSIFIED, e.g. shmem_enabled=always): replay refuses to compare (77), and so do we.
if "$mmcheck" kernel --no-swap 2>/dev/null | grep -q "UNCLASSIFIED"; then
  "$mmcheck" replay "$src/scenarios" --live >"$out" 2>&1; rc=$?
  [ $rc = 77 ] && grep -q "fits no model config" "$out" || { echo "FAIL: replay on an unclassified kernel exits $rc, want 77 with the reason"; exit 1; }
  echo "SKIP: this kernel's profile is unclassified:"; "$mmcheck" kernel --no-swap | grep UNCLASSIFIED; exit 77
fi
# other live runs (ctest -j) may add and remove their own swapfiles meanwhile
foreign_swaps() { grep -v "/mmcheck-live-" /proc/swaps; }
before=$(foreign_swaps)
# swapon refused (tmpfs has no swapfile support): skip (77), nothing left behind
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
  shm=/dev/shm/mmcheck-live-test-$$
  "$mmcheck" replay "$src/scenarios/live/private-anon-swap-roundtrip.scenario" --live --work-dir "$shm" >"$out" 2>&1; rc=$?
  [ $rc = 77 ] || { cat "$out"; echo "FAIL: replay with swapon refused exits $rc, want 77"; exit 1; }
  grep -q "swapon .* refused" "$out" || { echo "FAIL: no reason given for the skip"; exit 1; }
  ls "$shm"/*.swap >/dev/null 2>&1 && { echo "FAIL: swapfile left in $shm"; exit 1; }
  rm -rf "$shm"
fi
wd=$(cd "$(dirname "$mmcheck")" && pwd)/live-replay-test
"$mmcheck" replay "$src/scenarios" --live --work-dir "$wd" >"$out" 2>&1; rc=$?
if [ $rc = 77 ]; then cat "$out"; exit 77; fi
status=0
[ "$(foreign_swaps)" = "$before" ] && ! grep -q "$wd/" /proc/swaps || { echo "FAIL: /proc/swaps changed"; status=1; }
ls "$wd"/*.swap >/dev/null 2>&1 && { echo "FAIL: swapfile left in $wd"; status=1; }
last=$(tail -n 1 "$out")
if ! [[ $last =~ ^([0-9]+)\ agree,\ ([0-9]+)\ disagree$ ]]; then echo "FAIL: last line '$last'"; status=1
else
  agree=${BASH_REMATCH[1]}; disagree=${BASH_REMATCH[2]}
  [ "$disagree" = 0 ] || { grep -E "DISAGREE|expectation failed" "$out"; echo "FAIL: $disagree disagreements"; status=1; }
  [ "$agree" -ge 60 ] || { echo "FAIL: only $agree observations"; status=1; }
fi
n=$(grep -c '^== ' "$out")
[ "$n" -ge 15 ] || { echo "FAIL: only $n scenarios ran"; status=1; }
[ $rc = 0 ] || { echo "FAIL: exit status $rc"; status=1; }
# the kernel's profile is printed first, and is what `mmcheck kernel` names
prof=$("$mmcheck" kernel --no-swap | sed -n 's/^profile: //p')
[ "$(head -n 1 "$out")" = "kernel profile: $prof (probed: see \`mmcheck kernel\`)" ] \
  || { echo "FAIL: first line '$(head -n 1 "$out")', want the profile '$prof'"; status=1; }
grep -q "^scenario expectations: [0-9]* checked, 0 failed, [0-9]* not applicable under $prof," "$out" \
  || { echo "FAIL: no expectation summary"; status=1; }
# every area the conformance suite must cover was observed (uffd-wp only
# where the kernel offers it: probe, never assume)
areas=("pagemap" "mincore" "read" "lseek" "MADV_PAGEOUT" "MADV_DONTNEED" "MADV_REMOVE")
"$mmcheck" kernel --no-swap | grep -q "uffd-wp yes" && areas+=("faults (uffd-wp)")
# MADV_COLLAPSE on a real PMD range where the probe says it works; else
# its scenarios are skipped with the probe's reason
if "$mmcheck" kernel --no-swap | grep -q "^  MADV_COLLAPSE .*collapses into a THP"; then
  areas+=("MADV_COLLAPSE returns")
else
  grep -q "^skip .*needs MADV_COLLAPSE on a real PMD range: " "$out" || { echo "FAIL: MADV_COLLAPSE scenarios neither ran nor were skipped with a reason"; status=1; }
fi
for what in "${areas[@]}"; do
  grep -q "^agree .*$what" "$out" || { echo "FAIL: no observation about '$what'"; status=1; }
done
[ $status = 0 ] && echo "ok: $last over $n scenarios; /proc/swaps as before"
[ $status = 0 ] || tail -5 "$out"
rm -rf "$wd"
exit $status
