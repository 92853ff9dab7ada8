#!/usr/bin/env bash
# mmcheck kernel: names a profile on any machine (the values depend on the
# kernel, so only the form is checked here; classify() has unit tests), and
# --json is valid JSON with the same profile.  No root needed (--no-swap).
set -u
mmcheck=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$mmcheck" kernel --no-swap >"$tmp/t.txt"; rc=$?
cat "$tmp/t.txt"
[ $rc = 0 ] || [ $rc = 1 ] || { echo "FAIL: exit $rc"; exit 1; }
prof=$(sed -n 's/^profile: //p' "$tmp/t.txt")
[[ $prof =~ ^v[0-9.]+ ]] || { echo "FAIL: no profile line"; exit 1; }
grep -q "read fault on untouched private anon" "$tmp/t.txt" || { echo "FAIL: zero-page probe missing"; exit 1; }
if [ $rc = 1 ]; then grep -q "^unclassified: " "$tmp/t.txt" || { echo "FAIL: exit 1 without an unclassified line"; exit 1; }; fi
"$mmcheck" kernel --no-swap --json >"$tmp/j.json" || [ $? = 1 ] || { echo "FAIL: --json"; exit 1; }
jprof=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema_version"]==1; print(d["profile"])' "$tmp/j.json") \
  || { echo "FAIL: --json is not valid JSON"; exit 1; }
[ "$jprof" = "$prof" ] || { echo "FAIL: text profile '$prof' and JSON '$jprof' differ"; exit 1; }
# the profile is a config replay accepts
src=$2
"$mmcheck" run "$src/scenarios/live/private-anon-zero-page.scenario" --config "${prof% (UNCLASSIFIED)}" >"$tmp/run" 2>&1; rc=$?
[ $rc != 2 ] || { echo "FAIL: profile '$prof' is not a valid --config"; cat "$tmp/run"; exit 1; }
echo "ok: profile $prof"
