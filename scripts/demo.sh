#!/usr/bin/env bash
# Installs what is missing, builds the project into build/ and runs the
# dumper on the shipped data:
#   * the WV2 reference vectors as one raw byte stream (text, then JSON for a
#     few single messages),
#   * the WV0 reference vectors as one raw stream per channel,
#   * every sample capture in pcaps/,
#   * one capture through tshark with the Wireshark plugin.
# Long outputs are cut to their first lines (DEMO_LINES, default 25) and long
# lines to DEMO_WIDTH columns (default 160); the line count is shown.
# Exits non-zero when the build fails or the dumper fails on any input.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

lines=${DEMO_LINES:-25}     # lines shown of each output
width=${DEMO_WIDTH:-160}    # columns shown of each line
jobs=${ALB_JOBS:-2}
dump=build/bin/albatross-dump

./scripts/setup.sh

banner() { printf '\n==== %s ====\n' "$*"; }

# Same compiler and build type as the gcc configuration of scripts/check.sh,
# so both share build/.
cc_path=$(command -v gcc)
if [[ -f build/CMakeCache.txt ]]; then
    cached=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' build/CMakeCache.txt)
    if [[ "$cached" != "$cc_path" ]]; then
        echo "demo: build/ was configured with '$cached'; reconfiguring it with $cc_path"
        rm -rf build/CMakeCache.txt build/CMakeFiles
    fi
fi
banner "configure and build (build/)"
cmake -S . -B build -DCMAKE_C_COMPILER="$cc_path" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALB_SANITIZE=OFF
cmake --build build -j "$jobs"

if [[ ! -x $dump ]]; then
    echo "demo: error: $dump was not built (the dumper target in dumper/ must produce it)" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# show TITLE SHOWN INPUT COMMAND...: runs COMMAND with standard input from the
# file INPUT (/dev/null for none) and its output in a file, then prints SHOWN
# (the command as a user would type it), the first lines of the output, the
# line count and the exit status.
show() {
    local title=$1 shown=$2 input=$3 rc=0 n
    shift 3
    banner "$title"
    printf '$ %s\n\n' "$shown"
    "$@" <"$input" >"$tmp/out" 2>"$tmp/err" || rc=$?
    head -n "$lines" "$tmp/out" |
        awk -v w="$width" '{ if (length($0) > w) print substr($0, 1, w) " ..."; else print }'
    n=$(wc -l <"$tmp/out")
    if (( n > lines )); then
        printf '... (%d more lines)\n' $(( n - lines ))
    fi
    if [[ -s "$tmp/err" ]]; then
        printf -- '-- stderr (first lines):\n'
        head -n 10 "$tmp/err"
    fi
    printf -- '-- output: %d line(s); exit status %d\n' "$n" "$rc"
    if (( rc != 0 )); then
        failures=$(( failures + 1 ))
    fi
    return 0
}

shopt -s nullglob

# WV2: every vector, back to back in one stream.
wv2=(tests/vectors/wv2/*.bin)
if (( ${#wv2[@]} == 0 )); then
    echo "demo: error: no WV2 vectors in tests/vectors/wv2/" >&2
    exit 1
fi
cat -- "${wv2[@]}" >"$tmp/wv2.bin"
show "WV2 reference vectors as one stream (${#wv2[@]} messages, $(wc -c <"$tmp/wv2.bin") bytes)" \
    "cat tests/vectors/wv2/*.bin | $dump --raw -" "$tmp/wv2.bin" "$dump" --raw -

# A few single messages as JSON; the output must parse as JSON.
for kind in console_data stats_data log_vm_start vm_create_hvt_amd64 vm_info_reply_multi; do
    f=tests/vectors/wv2/$kind-001.bin
    [[ -f $f ]] || continue
    show "WV2 $kind as JSON" "$dump --json --raw $f" /dev/null "$dump" --json --raw "$f"
    [[ -s $tmp/out ]] || continue
    if jq . "$tmp/out" >"$tmp/pretty" 2>"$tmp/err"; then
        printf -- '-- the same through jq (first lines):\n'
        head -n "$lines" "$tmp/pretty"
    else
        echo "demo: the JSON output for $f does not parse: $(head -n 1 "$tmp/err")" >&2
        failures=$(( failures + 1 ))
    fi
done

# WV0: tags mean something only with the channel, so one stream per channel
# (a vector's file name starts with its channel).
for ch in console stats log client; do
    files=(tests/vectors/wv0/"$ch"_*.bin)
    (( ${#files[@]} > 0 )) || continue
    cat -- "${files[@]}" >"$tmp/wv0.bin"
    show "WV0 $ch channel vectors as one stream (${#files[@]} messages, $(wc -c <"$tmp/wv0.bin") bytes)" \
        "cat tests/vectors/wv0/${ch}_*.bin | $dump --channel $ch --raw -" \
        "$tmp/wv0.bin" "$dump" --channel "$ch" --raw -
done

# Sample captures.
captures=(pcaps/*.pcap pcaps/*.pcapng)
for f in "${captures[@]}"; do
    show "capture $f ($(wc -c <"$f") bytes)" "$dump $f" /dev/null "$dump" "$f"
done

# Two captures through tshark with the plugin: Unix sockets, and the WV0
# client channel over TLS (decrypted with the secrets the capture holds).
# Wireshark ignores plugin folders when it runs as root, so as root tshark
# runs as nobody, on copies that user can read.
# build/plugins has Wireshark's layout (X.Y/epan, X.Y the release built for)
plugin=
for p in build/plugins/*/epan/albatross.so; do
    [[ -f $p ]] && { plugin=$p; break; }
done
samples=(pcaps/albatross-wv2-unix.pcap pcaps/albatross-wv0-client-tls.pcapng)
if [[ -n $plugin ]] && command -v tshark >/dev/null; then
    ws=$(mktemp -d /tmp/albatross-demo.XXXXXX)
    trap 'rm -rf "$tmp" "$ws"' EXIT
    cp -R build/plugins "$ws/plugins"
    cp "${samples[@]}" "$ws/"
    chmod -R a+rX "$ws"
    as_user=(env)
    if (( EUID == 0 )); then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp)
    fi
    for sample in "${samples[@]}"; do
        filter=()
        [[ $sample == *tls* ]] && filter=(-Y albatross)
        show "tshark with the plugin on $sample" \
            "WIRESHARK_PLUGIN_DIR=build/plugins tshark -r $sample ${filter[*]}" /dev/null \
            "${as_user[@]}" WIRESHARK_PLUGIN_DIR="$ws/plugins" tshark -r "$ws/$(basename "$sample")" \
            "${filter[@]}"
        if ! grep -q Albatross "$tmp/out"; then
            echo "demo: tshark did not dissect $sample with the plugin" >&2
            failures=$(( failures + 1 ))
        fi
    done
fi

banner "done"
if (( failures > 0 )); then
    echo "demo: $failures run(s) failed (see the exit statuses above)" >&2
    exit 1
fi
echo "demo: every run succeeded"
