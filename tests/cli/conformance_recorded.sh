#!/usr/bin/env bash
# replay --recorded: the model re-checked against the observations recorded
# on real kernels (tests/conformance/*.json), with no root and no swap.  At
# least two recordings (a zero-page kernel and a no-zero-page one); every
# observation agrees; flipping mm_forbids_zeropage in either makes it
# disagree (the recordings tell the two kernels apart); bad input is exit 2.
set -u
mmcheck=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# recordings name scenarios from the source tree ("scenarios/..."): the
# flipped copies below live in $tmp, so resolve from the source tree
cd "$src" || exit 2
status=0
recs=("$src"/tests/conformance/*.json)
[ ${#recs[@]} -ge 2 ] || { echo "FAIL: only ${#recs[@]} recordings"; exit 1; }
"$mmcheck" replay --recorded "${recs[@]}" >"$tmp/out" 2>&1; rc=$?
grep -v '^agree' "$tmp/out"
last=$(tail -n 1 "$tmp/out")
[[ $last =~ ^([0-9]+)\ agree,\ 0\ disagree$ ]] && [ "${BASH_REMATCH[1]}" -ge 700 ] || { echo "FAIL: last line '$last'"; status=1; }
[ $rc = 0 ] || { echo "FAIL: exit $rc"; status=1; }
grep -q "^stale" "$tmp/out" && echo "warning: stale observations (a scenario changed since the recording): re-record with replay --live --record"
# one of each kind of kernel
knobs=$(for r in "${recs[@]}"; do python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["config"]["mm_forbids_zeropage"])' "$r"; done | sort -u | tr '\n' ' ')
[ "$knobs" = "False True " ] || { echo "FAIL: want recordings with and without mm_forbids_zeropage, have: $knobs"; status=1; }
# flip the knob: the model must then disagree with each recording
for r in "${recs[@]}"; do
  python3 - "$r" "$tmp/flipped.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["kernel"]["config"]
c["mm_forbids_zeropage"] = not c["mm_forbids_zeropage"]
json.dump(d, open(sys.argv[2], "w"))
PY
  "$mmcheck" replay --recorded "$tmp/flipped.json" >"$tmp/f.out" 2>&1; rc=$?
  [ $rc = 1 ] && grep -q "^DISAGREE .*private-anon-zero-page" "$tmp/f.out" \
    || { echo "FAIL: $r with mm_forbids_zeropage flipped still agrees (exit $rc)"; tail -3 "$tmp/f.out"; status=1; }
done
# bad input
echo '{ not json' >"$tmp/bad.json"
"$mmcheck" replay --recorded "$tmp/bad.json" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "bad.json: error: not JSON" "$tmp/err" || { echo "FAIL: malformed recording exits $rc"; status=1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["kernel"]["config"]["no_such_knob"]=True; json.dump(d,open(sys.argv[2],"w"))' "${recs[0]}" "$tmp/knob.json"
"$mmcheck" replay --recorded "$tmp/knob.json" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "knob 'no_such_knob' no longer exists" "$tmp/err" || { echo "FAIL: unknown knob exits $rc"; status=1; }
"$mmcheck" replay --recorded "${recs[0]}" --live >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || { echo "FAIL: --recorded with --live exits $rc"; status=1; }
[ $status = 0 ] && echo "ok: $last over ${#recs[@]} recordings"
exit $status
