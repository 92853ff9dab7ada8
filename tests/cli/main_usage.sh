#!/bin/bash
# Top-level CLI: --help, --version, configs, invariants, and bad usage (exit 2).
set -u
MMCHECK=$1
fail=0
expect_rc() { # want-rc description cmd...
  local want=$1 what=$2; shift 2
  "$@" >/tmp/mmcheck-usage.out 2>&1; local rc=$?
  [ "$rc" -eq "$want" ] || { echo "FAIL: $what: exit $rc, expected $want"; cat /tmp/mmcheck-usage.out; fail=1; }
}
expect_rc 0 "--help" "$MMCHECK" --help
expect_rc 0 "--version" "$MMCHECK" --version
grep -q "^mmcheck [0-9]" /tmp/mmcheck-usage.out || { echo "FAIL: --version prints no version"; fail=1; }
expect_rc 2 "no command" "$MMCHECK"
expect_rc 2 "unknown command" "$MMCHECK" frobnicate
grep -q "unknown command 'frobnicate'" /tmp/mmcheck-usage.out || { echo "FAIL: unknown command not named"; fail=1; }
expect_rc 2 "unknown flag" "$MMCHECK" configs --frobnicate
expect_rc 0 "configs" "$MMCHECK" configs
for p in v5.14 v6.18 anon-exclusive-v2-inverted rfc-pte-marker-pageout rfc-pagemap-xarray; do
  grep -q "^$p\$" /tmp/mmcheck-usage.out || { echo "FAIL: configs does not list $p"; fail=1; }
done
expect_rc 0 "invariants" "$MMCHECK" invariants
for i in anon_exclusive stable_writes cow_isolation swap_accounting pm_swap_accuracy mincore_semantics; do
  grep -q "^$i\$" /tmp/mmcheck-usage.out || { echo "FAIL: invariants does not list $i"; fail=1; }
done
rm -f /tmp/mmcheck-usage.out
exit $fail
