#!/usr/bin/env bash
# Re-records the stored runs that test/detectors/corpus.test.ts re-scores offline (a detector
# regression suite that needs no lab). Run it after a change to the evidence or the detectors'
# expected scores, review the diff of test/fixtures/runs/, and commit it.
# kz-2019-transparent needs root (the netns runtime); without it only the loopback run is refreshed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/fixtures/runs
record() {  # record NAME ARGS...: keep results.json and evidence.json of one run
  local name=$1; shift
  local tmp; tmp=$(mktemp -d)
  node bin/tlslab.js run "$@" --no-capture --reporter json --out "$tmp"
  rm -rf "${out:?}/$name" && mkdir -p "$out/$name"
  cp "$tmp/results.json" "$tmp/evidence.json" "$out/$name/"
  rm -rf "$tmp"
}
record kz-2019-loopback kz-2019-qaznet --clients curl,openssl,node,python
if [ "$(id -u)" = 0 ]; then
  record kz-2019-transparent-netns kz-2019-transparent --runtime netns --clients curl,python
else
  echo "refresh-detector-corpus: not root, kz-2019-transparent-netns left as it is" >&2
fi
du -sh "$out"/*
