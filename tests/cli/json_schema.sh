#!/bin/bash
# The JSON of run, regress (with a baseline) and explore follows
# docs/schema/*.schema.json (documented in docs/json.md).  A small
# validator for the JSON Schema keywords those files use (type, required,
# properties, items, enum, const, $ref): no package needed.
set -u
MMCHECK=$(realpath "$1")
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SW="$SRC/scenarios/stable-writes/inverted-async-stable-device.scenario"
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
"$MMCHECK" run --json "$SW" "$TMP/fx.scenario" > "$TMP/run.json"
"$MMCHECK" run --json --config v6.18 "$SW" > "$TMP/run-skipped.json"
mkdir "$TMP/suite" && cp -r "$SRC/scenarios/stable-writes" "$TMP/suite/"
"$MMCHECK" regress "$TMP/suite" --json "$TMP/B.json" > /dev/null
"$MMCHECK" regress "$TMP/suite" --set swp_stable_writes_check_inverted=1 --baseline "$TMP/B.json" --json "$TMP/C.json" > /dev/null
"$MMCHECK" explore --json "$SW" > "$TMP/explore.json" 2>/dev/null
python3 - "$SRC/docs/schema" "$TMP" <<'PY'
import json, os, sys
schemas, tmp = sys.argv[1], sys.argv[2]
docs = {n: json.load(open(os.path.join(schemas, n))) for n in os.listdir(schemas)}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}
def resolve(ref, here):
    f, _, frag = ref.partition("#")
    doc = docs[f] if f else here
    node = doc
    for part in frag.strip("/").split("/"):
        if part: node = node[part]
    return node, doc
def check(v, s, doc, path):
    if "$ref" in s:
        node, d = resolve(s["$ref"], doc)
        return check(v, node, d, path)
    t = s.get("type")
    if t == "integer":
        assert isinstance(v, int) and not isinstance(v, bool), f"{path}: not an integer: {v!r}"
    elif t:
        assert isinstance(v, TYPES[t]) and not (t != "boolean" and isinstance(v, bool)), f"{path}: not {t}: {v!r}"
    if "enum" in s: assert v in s["enum"], f"{path}: {v!r} not in {s['enum']}"
    if "const" in s: assert v == s["const"], f"{path}: {v!r} != {s['const']}"
    for k in s.get("required", []): assert k in v, f"{path}: missing {k}"
    for k, sub in s.get("properties", {}).items():
        if isinstance(v, dict) and k in v: check(v[k], sub, doc, f"{path}.{k}")
    if "items" in s and isinstance(v, list):
        for i, x in enumerate(v): check(x, s["items"], doc, f"{path}[{i}]")
ok = True
for f, schema in [("run.json", "results.schema.json"), ("run-skipped.json", "results.schema.json"),
                  ("C.json", "results.schema.json"), ("explore.json", "explore.schema.json")]:
    j = json.load(open(os.path.join(tmp, f)))
    try:
        check(j, docs[schema], docs[schema], f)
    except AssertionError as e:
        print("FAIL:", e); ok = False
# The schemas are not vacuous: the files hold what the issue asks for.
run = json.load(open(os.path.join(tmp, "run.json")))
checks = [k for c in run["scenarios"][0]["configs"] for k in c["checks"] if k["verdict"] == "violated"]
decs = [d for k in checks for st in k["steps"] for d in st["decisions"]]
if not any(d["function"] == "do_swap_page" and "SWP_STABLE_WRITES" in d["condition"] for d in decs):
    print("FAIL: run --json: no do_swap_page decision naming SWP_STABLE_WRITES"); ok = False
failed = [o for c in run["scenarios"][1]["configs"] for o in c["observations"] if not o["ok"]]
if not failed or not failed[0]["path"]["steps"] or not failed[0]["state"]:
    print("FAIL: run --json: a failed observation has no path or state"); ok = False
if not json.load(open(os.path.join(tmp, "run-skipped.json")))["scenarios"][0].get("skipped"):
    print("FAIL: run --json --config: skipped expectations missing"); ok = False
if not json.load(open(os.path.join(tmp, "C.json")))["comparison"]["verdict_changes"]:
    print("FAIL: regress --baseline --json: no verdict change"); ok = False
# A wrong document must fail: the validator validates.
bad = json.loads(json.dumps(run)); del bad["scenarios"][0]["configs"][0]["checks"][0]["verdict"]
try:
    check(bad, docs["results.schema.json"], docs["results.schema.json"], "bad"); print("FAIL: validator accepted a broken document"); ok = False
except AssertionError:
    pass
sys.exit(0 if ok else 1)
PY
