#!/bin/bash
# explore --dot writes ONE graph: the violation traces and, when the
# explored graph is small, the whole graph as a cluster of the same digraph
# (issue 11 bug 2: two digraphs in one file render as an empty picture).
source "$(dirname "$0")/harness.bash"
"$MM" explore "$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario" --dot "$TMP/o.dot" >/dev/null 2>&1
check "one digraph in the file" '[ "$(grep -c "^digraph" "$TMP/o.dot")" -eq 1 ]'
check "the trace cluster is there" 'grep -q "subgraph cluster_t0" "$TMP/o.dot"'
check "the whole graph is there, in the same digraph" 'grep -q "subgraph cluster_graph" "$TMP/o.dot" && grep -q "s0 -> s" "$TMP/o.dot"'
check "braces balance" '[ "$(tr -cd "{" < "$TMP/o.dot" | wc -c)" -eq "$(tr -cd "}" < "$TMP/o.dot" | wc -c)" ]'
if command -v dot >/dev/null; then
  check "dot renders it with the state nodes" 'dot -Tsvg "$TMP/o.dot" > "$TMP/o.svg" && grep -q "<g id=\"node" "$TMP/o.svg"'
fi
exit $fail
