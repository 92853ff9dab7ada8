# The start of the CLI test scripts that try many cases and report every
# failing one, not just the first (sourced; not a test itself: ctest runs
# tests/cli/*.sh).  Sets MM (the mmcheck binary, argument 1), SRC (the
# source tree, argument 2) and TMP (a scratch directory removed on exit);
# `bad MESSAGE` prints a failure and marks the run failed, `check MESSAGE
# TEST` does so when the shell test TEST is false.  The script ends with
# `exit $fail`.
set -u
MM=$(realpath "$1")
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL: $*" | cut -c1-400; fail=1; }
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }
