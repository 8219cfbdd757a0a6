#!/usr/bin/env bash
# Regenerates every sample capture into a scratch folder and checks that it
# holds the same messages as the one in pcaps/ (decoded message sequences
# per connection and direction; capture timestamps and pids may differ).
#   reproduce.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin="$1" src="$2"
tmp="$(mktemp -d /tmp/tap-reproduce.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
"$src/scripts/make-pcaps.sh" --bin "$bin" --out "$tmp" >/dev/null
status=0 n=0
for f in "$src"/pcaps/*.pcap; do
    name="$(basename "$f")"
    n=$((n + 1))
    if [[ ! -f "$tmp/$name" ]]; then
        echo "FAIL: $name is not produced by scripts/make-pcaps.sh"; status=1; continue
    fi
    "$bin/tap-capseq" --anon "$f" >"$tmp/$name.want" || { echo "FAIL: $name does not decode"; status=1; }
    "$bin/tap-capseq" --anon "$tmp/$name" >"$tmp/$name.got" || { echo "FAIL: regenerated $name does not decode"; status=1; }
    if ! diff -u "$tmp/$name.want" "$tmp/$name.got"; then
        echo "FAIL: $name: regenerated messages differ"; status=1
    else
        echo "ok: $name ($(grep -c '^  ' "$tmp/$name.got") messages)"
    fi
done
[[ $n -gt 0 ]] || { echo "FAIL: no captures in $src/pcaps"; exit 1; }
exit $status
