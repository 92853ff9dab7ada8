#!/usr/bin/env bash
# replay --live must leave /proc/swaps as it found it and no swapfile behind,
# also when mmcheck is killed (SIGKILL, SIGTERM) or its program dies halfway.
# Usage: live_kill.sh MMCHECK SOURCE_DIR.  Exit 77 (skip) when not root or no swap possible.
set -u
mmcheck=$1; src=$2
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root"; exit 77; fi
wd=$(cd "$(dirname "$mmcheck")" && pwd)/live-kill-test
rm -rf "$wd"; mkdir -p "$wd"
scenario=$src/scenarios/live/private-anon-swap-roundtrip.scenario
# other live runs (ctest -j) may add and remove their own swapfiles meanwhile
foreign_swaps() { grep -v "/mmcheck-live-" /proc/swaps; }
before=$(foreign_swaps)
fail() { echo "FAIL: $*"; cat /proc/swaps; ls -la "$wd"; exit 1; }

# Waits until a swapfile of ours is on; returns 1 when mmcheck ended first.
wait_swap_on() {
  for _ in $(seq 1 200); do
    grep -q "$wd/mmcheck-live-" /proc/swaps && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
wait_clean() {
  for _ in $(seq 1 100); do
    if [ "$(foreign_swaps)" = "$before" ] && ! grep -q "$wd/" /proc/swaps && ! ls "$wd"/*.swap >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
# The compiled reproducer (a child of mmcheck running $wd/<scenario name>),
# not the C compiler or the swap guardian, which are children too.
program_of() {
  for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    [ "$(readlink "/proc/$c/exe" 2>/dev/null)" = "$wd/live-private-anon-swap-roundtrip" ] && { echo "$c"; return; }
  done
}

for how in KILL TERM program; do
  MMCHECK_LIVE_PAUSE=30 "$mmcheck" replay "$scenario" --live --work-dir "$wd" >"$wd/out.txt" 2>&1 &
  pid=$!
  if ! wait_swap_on $pid; then
    wait $pid; rc=$?
    if [ $rc = 77 ]; then echo "SKIP: $(cat "$wd/out.txt")"; exit 77; fi
    fail "mmcheck ended (status $rc) before its swapfile was on: $(cat "$wd/out.txt")"
  fi
  case $how in
    KILL|TERM)
      # wait for the program to be started (it pauses), then kill mmcheck
      for _ in $(seq 1 300); do [ -n "$(program_of $pid)" ] && break; sleep 0.1; done
      [ -n "$(program_of $pid)" ] || fail "no reproducer process found under mmcheck"
      kill -$how $pid; wait $pid; rc=$?
      [ $rc -ge 128 ] || fail "mmcheck survived SIG$how (status $rc)";;
    program)
      for _ in $(seq 1 300); do prog=$(program_of $pid); [ -n "$prog" ] && break; sleep 0.1; done
      [ -n "$prog" ] || fail "no reproducer process found under mmcheck"
      kill -KILL "$prog"; wait $pid; rc=$?
      [ $rc = 1 ] || fail "a reproducer killed halfway must make replay exit 1, got $rc"
      grep -q "DISAGREE" "$wd/out.txt" || fail "a reproducer killed halfway must show as DISAGREE";;
  esac
  wait_clean || fail "after $how: swap still on or swapfile left behind"
  echo "ok: $how -> /proc/swaps as before, no swapfile left"
done
rm -rf "$wd"
