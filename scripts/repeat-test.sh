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
for i in $(seq 1 "$n"); do
  log=$(mktemp)
  if npx tsx --test "$@" "$file" >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    echo "run $i failed:" >&2
    grep -E '^not ok|error:' "$log" | head -5 >&2
  fi
  rm -f "$log"
done
echo "$passed passed, $((n - passed)) failed"
[ "$passed" = "$n" ]
