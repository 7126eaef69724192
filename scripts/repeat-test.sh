#!/usr/bin/env bash
# Runs one test file N times in a row and counts the passes: a test that fails one run in ten is
# a broken test, and only a loop shows it. Not part of CI (it takes N times as long).
# Usage: scripts/repeat-test.sh N FILE [node --test flags, e.g. --test-name-pattern=capture]
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/repeat-test.sh N FILE [flags]}
file=${2:?usage: scripts/repeat-test.sh N FILE [flags]}
shift 2
passed=0
logs=$(mktemp -d "${TMPDIR:-/tmp}/repeat-test-XXXXXX")
for i in $(seq 1 "$n"); do
  log="$logs/run-$i.log"
  if npx tsx --test "$@" "$file" >"$log" 2>&1; then
    passed=$((passed + 1))
    rm -f "$log"
  else
    echo "run $i failed (whole output: $log):" >&2
    grep -E -A12 '^not ok' "$log" | head -20 >&2
  fi
done
rmdir "$logs" 2>/dev/null || true
echo "$passed passed, $((n - passed)) failed"
[ "$passed" = "$n" ]
