#!/bin/bash
# Traces explain the decision (issue 11, deliverable 1): under each step the
# decisions of the modelled kernel functions with their source file; ghost
# lines only with --ghost; --source-url links; the scenario's own names.
source "$(dirname "$0")/harness.bash"
SW="$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario"
"$MM" run "$SW" > "$TMP/run.txt"
check "run exits with the file's verdicts" '[ $? -eq 0 ]'
check "do_swap_page names the SWP_STABLE_WRITES test that let the page be mapped writable" \
  'grep -q "decided do_swap_page (mm/memory.c): exclusive && folio_test_writeback(folio) \[1\] && !(si->flags & SWP_STABLE_WRITES) \[set\] => false: exclusive stays true" "$TMP/run.txt" &&
   grep -q "decided do_swap_page (mm/memory.c): exclusive && (vma->vm_flags & VM_WRITE).*=> true: pte_mkwrite, mapped writable" "$TMP/run.txt"'
check "the decision comes before the change it explains" \
  '[ $(grep -n "=> true: pte_mkwrite" "$TMP/run.txt" | head -1 | cut -d: -f1) -lt $(grep -n "swap(sda:1,excl,soft-dirty) -> present(F0,rw" "$TMP/run.txt" | head -1 | cut -d: -f1) ]'
check "try_to_unmap_one explains the exclusive swap PTE" 'grep -q "decided try_to_unmap_one (mm/rmap.c): .*pte_swp_mkexclusive" "$TMP/run.txt"'
check "ghost lines are hidden by default" '! grep -q "(ghost)" "$TMP/run.txt"'
"$MM" run "$SW" --ghost > "$TMP/ghost.txt"
check "--ghost shows them" 'grep -q "(ghost)" "$TMP/ghost.txt"'
"$MM" run "$SW" --source-url 'https://elixir.bootlin.com/linux/v6.18/source/{file}#{function}' > "$TMP/url.txt"
check "--source-url links each decision" 'grep -q "decided do_swap_page (mm/memory.c https://elixir.bootlin.com/linux/v6.18/source/mm/memory.c#do_swap_page)" "$TMP/url.txt"'
# The correct test under v6.18: the same trace does not map it writable.
"$MM" explore "$SW" --config v6.18 > "$TMP/v618.txt" 2>/dev/null
check "v6.18 holds" 'grep -q "^stable_writes/mapped-writable: holds" "$TMP/v618.txt"'
# The scenario's names: a mapping called s, a device called zz.
cat > "$TMP/names.scenario" <<'S'
scenario "names"
config anon-exclusive-v2-inverted
swap zz async stable_writes
process P
P: q = mmap 1 private
P: s = mmap 1 private
explore events write read pageout<=1 writeback
check stable_writes violated
S
"$MM" run "$TMP/names.scenario" > "$TMP/names.txt"
check "traces use the file's mapping, device and process names" \
  'grep -q "P: write [qs]\[0\]=1" "$TMP/names.txt" && grep -q "P\.[qs]\[0\]\.pte: .*swap(zz:1" "$TMP/names.txt"'
# A failed expectation prints the path from the start to the contradicting state.
cat > "$TMP/fx.scenario" <<'S'
scenario "a failing expectation"
config v6.18
swap sda async
process A
A: p = mmap 1 private
A: write p[0] 1
A: madvise p[0] MADV_PAGEOUT
A: fork B
B: read p[0]
expect B: mincore p[0] == 0
S
"$MM" run "$TMP/fx.scenario" > "$TMP/fx.txt"; rc=$?
check "the failed expectation exits 1 (got $rc)" '[ $rc -eq 1 ]'
check "it prints the path from the start, step by step with file lines" \
  'grep -q "the path from the start to it (5 steps):" "$TMP/fx.txt" && grep -q "^      5\. line 9: B: read p\[0\]$" "$TMP/fx.txt"'
check "with the decisions of each step" 'grep -q "decided copy_nonpresent_pte (mm/memory.c): pte_swp_exclusive(orig_pte) => 1" "$TMP/fx.txt"'
exit $fail
