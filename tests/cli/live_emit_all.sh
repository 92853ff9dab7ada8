#!/usr/bin/env bash
# Every scenario file emits a C reproducer that compiles with
# -Wall -Wextra -Werror (also those that cannot run live: emit-c then warns
# and performs the steps it can).  No root needed.
set -u
mmcheck=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0; n=0
while IFS= read -r f; do
  n=$((n + 1))
  if ! "$mmcheck" emit-c "$f" --config v6.18 -o "$tmp/r.c" 2>"$tmp/err"; then
    echo "FAIL: emit-c $f: $(cat "$tmp/err")"; status=1; continue
  fi
  if ! cc -std=c11 -Wall -Wextra -Werror -o "$tmp/r" "$tmp/r.c" 2>"$tmp/cc"; then
    echo "FAIL: $f: the reproducer does not compile:"; head -20 "$tmp/cc"; status=1
  fi
done < <(find "$src/scenarios" -name '*.scenario' | sort)
[ $n -gt 0 ] || { echo "FAIL: no scenarios found"; exit 1; }
[ $status = 0 ] && echo "ok: $n reproducers compile warning-free"
exit $status
