#!/bin/sh
# Usage: smoke.sh FUZZER CORPUS DICT SECONDS
# Runs a libFuzzer binary for SECONDS from a temporary copy of CORPUS, so
# the repository is never modified.  Fails on a crash, a leak, a sanitizer
# report or a violated invariant (all make libFuzzer exit non-zero).
set -eu
fuzzer=$1 corpus=$2 dict=$3 seconds=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/alb-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
if [ -d "$corpus" ]; then
  cp -R "$corpus/." "$work/corpus/"
  rm -f "$work/corpus/README"*
fi
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"
if ! "$fuzzer" "$@" "$work/corpus"; then
  echo "smoke: $fuzzer failed; artifacts:" >&2
  ls -l "$work" >&2
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -f "$a" ] && od -An -tx1 "$a" | head -20 >&2
  done
  exit 1
fi
