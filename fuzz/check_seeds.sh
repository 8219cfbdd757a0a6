#!/bin/sh
# Usage: check_seeds.sh GEN_CORPUS CORPUS_DIR WORK_DIR
# Regenerates the seeds into WORK_DIR and checks that the committed seed-*
# files under CORPUS_DIR are exactly those (no stale, missing or edited seed).
set -eu
gen=$1 corpus=$2 work=$3
rm -rf "$work"
"$gen" "$work" >/dev/null
status=0
for h in message roundtrip wv0 stream; do
  (cd "$work/$h" && ls | grep '^seed-' | sort) > "$work/$h.want"
  (cd "$corpus/$h" 2>/dev/null && ls | grep '^seed-' | sort) > "$work/$h.have" || true
  if ! diff -u "$work/$h.want" "$work/$h.have" >&2; then
    echo "check_seeds: corpus/$h seed list differs from the generator's (regenerate with albatross-gen-corpus)" >&2
    status=1
    continue
  fi
  while read -r f; do
    if ! cmp -s "$work/$h/$f" "$corpus/$h/$f"; then
      echo "check_seeds: corpus/$h/$f differs from the generator's" >&2
      status=1
    fi
  done < "$work/$h.want"
done
[ $status -eq 0 ] && echo "check_seeds: all seeds match"
exit $status
