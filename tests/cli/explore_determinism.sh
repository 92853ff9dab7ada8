#!/bin/bash
# --json is byte-identical across --threads 1/2 and across runs once the
# timing object is removed; the text output differs only in its timing line.
set -u
MM=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
strip() { python3 -c 'import json,sys; j=json.load(sys.stdin); j.pop("timing"); print(json.dumps(j, sort_keys=True))'; }
W="--workload anon-stable-writes --config anon-exclusive-v2-inverted"
"$MM" explore $W --json --threads 1 | strip > "$tmp/1" || true
"$MM" explore $W --json --threads 2 | strip > "$tmp/2" || true
"$MM" explore $W --json --threads 2 | strip > "$tmp/3" || true
[ -s "$tmp/1" ] || fail "no JSON"
cmp -s "$tmp/1" "$tmp/2" || fail "threads 1 vs 2 differ"
cmp -s "$tmp/2" "$tmp/3" || fail "two runs differ"
python3 - "$tmp/1" <<'PY' || fail "JSON keys"
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("schema_version", "states", "transitions", "depth", "verdicts"):
    assert k in j, k
PY
"$MM" explore $W --threads 1 | grep -v '^timing:' > "$tmp/t1" || true
"$MM" explore $W --threads 2 | grep -v '^timing:' > "$tmp/t2" || true
cmp -s "$tmp/t1" "$tmp/t2" || fail "text differs beyond the timing line"
echo PASS
