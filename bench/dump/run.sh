#!/bin/sh
# albatross-dump benchmark: messages/s and MB/s of the dumper (text and
# JSON Lines) against a bare libpcap read loop and tshark with the
# albatross plugin, and the dumper's peak RSS on a 1 GB capture.
#
#   bench/dump/run.sh [BUILD_DIR]      (default: build-bench-dump, Release)
#
# Environment: PLUGIN (albatross.so; default build/plugins/X.Y/epan/), MESSAGES (default 1000000), TSHARK_MESSAGES (default 200000:
# tshark is slow, it gets a smaller capture of the same kind), BIG_MB
# (default 1024; 0 skips the RSS run), REPEAT (default 3, best run kept).
# Generated captures live in a mktemp folder under /tmp and are removed.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-bench-dump}
messages=${MESSAGES:-1000000}
tshark_messages=${TSHARK_MESSAGES:-200000}
big_mb=${BIG_MB:-1024}
repeat=${REPEAT:-3}

if [ ! -x "$build/bin/albatross-dump" ]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
nice cmake --build "$build" --target albatross-dump albatross-dump-mkbig \
    albatross-dump-pcaploop >/dev/null
bin=$build/bin

work=$(mktemp -d /tmp/alb-dump-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# best wall-clock seconds of REPEAT runs of a command (output to /dev/null)
best() {
    b=
    i=0
    while [ $i -lt "$repeat" ]; do
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
        i=$((i + 1))
    done
    echo "$b"
}

# report NAME SECONDS MESSAGES BYTES
report() {
    printf '%-34s %8.3f s %10.0f msg/s %8.1f MB/s\n' "$1" "$2" \
        "$(echo "$3 / $2" | bc -l)" "$(echo "$4 / $2 / 1000000" | bc -l)"
}

"$bin/albatross-dump-mkbig" "$work/small.pcap" "$messages" 16 2>"$work/gen.log"
cat "$work/gen.log"
bytes=$(wc -c <"$work/small.pcap")
n=$("$bin/albatross-dump" "$work/small.pcap" | wc -l)
[ "$n" = "$messages" ] || { echo "dumper printed $n lines, expected $messages" >&2; exit 1; }

echo "== $messages messages, $bytes bytes ($(grep -c ^processor /proc/cpuinfo) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
t_loop=$(best "$bin/albatross-dump-pcaploop" "$work/small.pcap")
report "bare libpcap loop" "$t_loop" "$messages" "$bytes"
t_q=$(best "$bin/albatross-dump" -q "$work/small.pcap")
report "albatross-dump -q (no output)" "$t_q" "$messages" "$bytes"
t_text=$(best "$bin/albatross-dump" "$work/small.pcap")
report "albatross-dump > /dev/null" "$t_text" "$messages" "$bytes"
t_json=$(best "$bin/albatross-dump" --json "$work/small.pcap")
report "albatross-dump --json > /dev/null" "$t_json" "$messages" "$bytes"
printf 'ratios to the bare loop: -q %.1fx, text %.1fx, --json %.1fx\n' \
    "$(echo "$t_q / $t_loop" | bc -l)" "$(echo "$t_text / $t_loop" | bc -l)" \
    "$(echo "$t_json / $t_loop" | bc -l)"

# the plugin of the default build first (sanitizer builds would be slower)
plugin=${PLUGIN:-}
if [ -z "$plugin" ]; then
    for p in "$src"/build/plugins/*/epan/albatross.so "$build"/plugins/*/epan/albatross.so; do
        [ -f "$p" ] && { plugin=$p; break; }
    done
fi
if command -v tshark >/dev/null 2>&1 && [ -n "$plugin" ]; then
    abi=$(basename "$(dirname "$(dirname "$plugin")")")   # X.Y of .../plugins/X.Y/epan
    mkdir -p "$work/plugins/$abi/epan" "$work/home"
    cp "$plugin" "$work/plugins/$abi/epan/"
    "$bin/albatross-dump-mkbig" "$work/tshark.pcap" "$tshark_messages" 16 2>/dev/null
    chmod -R a+rX "$work"
    chmod 777 "$work/home"
    tbytes=$(wc -c <"$work/tshark.pcap")
    ts() {
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$work/home" \
            WIRESHARK_PLUGIN_DIR="$work/plugins" tshark -r "$work/tshark.pcap" \
            -d tcp.port==1025,albatross \
            -T fields -e albatross.tag "$@"
    }
    got=$(ts | tr ',' '\n' | grep -c . || true)
    [ "$got" = "$tshark_messages" ] || echo "note: tshark reported $got tags for $tshark_messages messages"
    t_ts=$(REPEAT=1 best ts)
    echo "== tshark: $tshark_messages messages, $tbytes bytes (plugin $plugin)"
    report "tshark -T fields -e albatross.tag" "$t_ts" "$tshark_messages" "$tbytes"
    t_dts=$(best "$bin/albatross-dump" "$work/tshark.pcap")
    report "albatross-dump (same capture)" "$t_dts" "$tshark_messages" "$tbytes"
    t_dq=$(best "$bin/albatross-dump" -q "$work/tshark.pcap")
    report "albatross-dump -q (same capture)" "$t_dq" "$tshark_messages" "$tbytes"
    printf 'tshark / albatross-dump: %.1fx (text), %.1fx (-q)\n' "$(echo "$t_ts / $t_dts" | bc -l)" \
        "$(echo "$t_ts / $t_dq" | bc -l)"
else
    echo "tshark or the albatross plugin (build*/plugins/X.Y/epan/albatross.so) not found: skipped"
fi

if [ "$big_mb" -gt 0 ]; then
    # about 68 bytes of capture per message
    big_messages=$((big_mb * 1000000 / 68 / 4 * 4))
    nice "$bin/albatross-dump-mkbig" "$work/big.pcap" "$big_messages" 64 2>"$work/gen.log"
    cat "$work/gen.log"
    for opts in "" "--json" "-q --stats"; do
        # shellcheck disable=SC2086
        /usr/bin/time -v "$bin/albatross-dump" $opts "$work/big.pcap" >/dev/null 2>"$work/time.log"
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.log")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.log")
        printf '%-34s peak RSS %6d KiB, wall %s\n' "albatross-dump $opts (1 GB)" "$rss" "$wall"
    done
    rm -f "$work/big.pcap"
fi
