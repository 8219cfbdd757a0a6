#!/usr/bin/env bash
# Regenerates the sample captures in pcaps/ (see pcaps/README.md).
#
#   scripts/make-pcaps.sh [--bin DIR] [--out DIR]
#
# --bin  folder holding albatross-play and albatross-tap (default: build/bin)
# --out  where to write the captures (default: pcaps/)
#
# Message contents are fixed, so a rerun gives the same messages; the
# unix-* captures get new capture timestamps and process ids each time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/build/bin"
out="$root/pcaps"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "make-pcaps: unknown argument $1" >&2; exit 2 ;;
    esac
done
play="$bin/albatross-play"
[[ -x "$play" ]] || { echo "make-pcaps: $play not found (build first, or give --bin)" >&2; exit 1; }
[[ -x "$bin/albatross-tap" ]] || { echo "make-pcaps: $bin/albatross-tap not found" >&2; exit 1; }
mkdir -p "$out"

# mode                 file
captures=(
    unix-wv2           albatross-wv2-unix.pcap
    unix-wv0           albatross-wv0-unix.pcap
    tcp-wv2            albatross-wv2-tcp.pcap
    tcp-wv0            albatross-wv0-client-tcp.pcap
    exported           albatross-wv2-exported-pdu.pcap
    sockdump16         albatross-wv2-sockdump16.pcap
)
for ((i = 0; i < ${#captures[@]}; i += 2)); do
    mode="${captures[i]}" file="${captures[i+1]}"
    "$play" "$mode" -o "$out/$file" --tap "$bin/albatross-tap" 2>/dev/null ||
        { echo "make-pcaps: $mode failed" >&2; "$play" "$mode" -o "$out/$file" --tap "$bin/albatross-tap"; exit 1; }
    printf '%-36s %7d bytes\n' "$file" "$(stat -c %s "$out/$file")"
done
