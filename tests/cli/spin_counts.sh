#!/bin/bash
# The Promela transcription of anon-fork-swap (tests/spin/) and mmcheck
# explore --no-symmetry --keep-dead-state store the same states and take
# the same transitions: a cross-check of the model by a second reading of
# its semantics (docs/engine.md "Side by side with SPIN").  SPIN's
# "transitions (= stored+matched)" counts the initial state as one.
# Skipped (77) without spin or a C compiler; pan is built at -O0 so the test
# stays within a few seconds.
set -u
MM=$1
SRC=$2
fail() { echo "FAIL: $*"; exit 1; }
command -v spin > /dev/null || { echo "SKIP: spin is not installed (apt-get install spin)"; exit 77; }
CC=$(command -v gcc || command -v cc) || { echo "SKIP: no C compiler"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cp "$SRC/tests/spin/anon.pml" "$SRC/tests/spin/anon-fork-swap.pml" "$tmp/"
(cd "$tmp" && spin -a anon-fork-swap.pml > spin.log 2>&1) || { cat "$tmp/spin.log"; fail "spin -a"; }
(cd "$tmp" && "$CC" -O0 -DSAFETY -DNOREDUCE -o pan pan.c 2> cc.log) || { tail "$tmp/cc.log"; fail "compiling pan"; }
(cd "$tmp" && ./pan -m10000 -w19 > pan.txt 2>&1) || { cat "$tmp/pan.txt"; fail "pan"; }
grep -q "errors: 0" "$tmp/pan.txt" || { cat "$tmp/pan.txt"; fail "pan found an error (an assertion of the Promela model)"; }
grep -q "max search depth too small" "$tmp/pan.txt" && fail "pan's search was truncated"
spin_states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$tmp/pan.txt")
spin_trans=$(sed -n 's/^ *\([0-9]*\) transitions (= stored+matched).*/\1/p' "$tmp/pan.txt")

# The unreduced space: a partial-order reduction (when explore has one) is off.
noreduce=()
"$MM" explore --help 2>&1 | grep -q -- "--no-reduction" && noreduce=(--no-reduction)
"$MM" explore --workload anon-fork-swap --no-symmetry --keep-dead-state --threads 1 "${noreduce[@]}" > "$tmp/mm.txt" ||
  fail "mmcheck explore exited $?"
read -r mm_states mm_trans < <(sed -n 's/^states: \([0-9]*\), transitions: \([0-9]*\),.*/\1 \2/p' "$tmp/mm.txt")
[ -n "$spin_states" ] && [ -n "$mm_states" ] || fail "no counts (spin '$spin_states', mmcheck '$mm_states')"
[ "$spin_states" = "$mm_states" ] || fail "states: SPIN $spin_states, mmcheck $mm_states"
[ "$spin_trans" = "$((mm_trans + 1))" ] || fail "transitions: SPIN $spin_trans (stored+matched), mmcheck $mm_trans (+1)"
echo "ok: $mm_states states, $mm_trans transitions in both"
