#!/bin/sh
# Runs one group of dissector tests.  Environment (set by CMake):
#   ALB_PLUGIN    the built albatross.so
#   ALB_PLUGIN_ABI  the plugin folder version of the Wireshark it is for (4.4)
#   ALB_CAPTURES  folder mkpcap writes the captures to
#   ALB_GOLDEN    folder of expected outputs (ALB_UPDATE=1 rewrites them)
#   ALB_MKPCAP    the capture generator
#   ALB_README    dissector/README.md (lists the plugin-only fields)
#   ALB_SAMPLES   the project's sample captures (pcaps/)
#   ALB_TSHARK, ALB_EDITCAP
# tshark ignores plugin folders when run as root, so as root it runs as
# uid/gid 65534 on copies of the plugin and captures in a private folder.
set -u
mode=${1:?usage: run.sh captures VECTORDIR | fields | golden | expert | stats | prefs | samples | fuzz | loader}

# bad() may run in a pipeline's subshell (ts ... | golden NAME), where a
# variable set would be lost: failures are counted in a file
failures=
bad() {
    echo "FAIL: $*" >&2
    echo x >> "$failures"
}

if [ "$mode" = captures ]; then
    mkdir -p "$ALB_CAPTURES" || exit 1
    exec "$ALB_MKPCAP" "$ALB_CAPTURES" "${2:?vector folder}"
fi

# as root the folder must be reachable by uid 65534: use /tmp, not a private TMPDIR
if [ "$(id -u)" = 0 ]; then tmpbase=/tmp; else tmpbase=${TMPDIR:-/tmp}; fi
work=$(mktemp -d "$tmpbase/alb-dissector.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
failures=$work/failures
: > "$failures"
epan=$work/plugins/${ALB_PLUGIN_ABI:?plugin folder version}/epan
mkdir -p "$epan" "$work/home" "$work/out"
cp "$ALB_PLUGIN" "$epan/albatross.so" || exit 1
for f in "$ALB_CAPTURES"/*.pcap; do
    cp "$f" "$work/" || exit 1
done
mkdir -p "$work/samples"
for f in "${ALB_SAMPLES:-/nonexistent}"/*.pcap "${ALB_SAMPLES:-/nonexistent}"/*.pcapng; do
    [ -f "$f" ] && cp "$f" "$work/samples/"
done
chmod 755 "$work" "$work/plugins" "$work/plugins/$ALB_PLUGIN_ABI" "$epan" "$work/samples"
chmod 644 "$work"/*.pcap "$epan/albatross.so"
chmod -R a+rX "$work/samples"
chmod 777 "$work/home" "$work/out"

# ALB_TS_LIMIT: seconds after which tshark is killed (0: no limit)
ts() {
    tmo=""
    if [ "${ALB_TS_LIMIT:-0}" -gt 0 ]; then
        tmo="timeout -s KILL $ALB_TS_LIMIT"
    fi
    if [ "$(id -u)" = 0 ]; then
        $tmo setpriv --reuid=65534 --regid=65534 --clear-groups \
            env -i PATH="$PATH" HOME="$work/home" TZ=UTC LC_ALL=C.UTF-8 \
            WIRESHARK_PLUGIN_DIR="$work/plugins" "$ALB_TSHARK" "$@"
    else
        $tmo env HOME="$work/home" TZ=UTC LC_ALL=C.UTF-8 WIRESHARK_PLUGIN_DIR="$work/plugins" \
            "$ALB_TSHARK" "$@"
    fi
}

if ! ts -G plugins 2>/dev/null | grep -q 'albatross\.so'; then
    echo "FAIL: tshark does not load $epan/albatross.so" >&2
    ts -G plugins >&2
    exit 1
fi

# tshark's own text differs between Wireshark releases in the tree (-V),
# the summary lines and the Info column of frames that are not albatross
# (TCP's and TLS's notes).  For those files alone a release may have its own
# golden, golden/X.Y/NAME, kept only where its output differs from the
# shared golden/NAME (4.0's).  Field values, expert infos and statistics have
# one golden for every release: a difference there is ours, and a bug.
per_release() {
    case $1 in *.verbose|*.summary|*.info) [ "$ALB_PLUGIN_ABI" != 4.0 ] ;; *) return 1 ;; esac
}

# compare NAME: stdin against its golden file
golden() {
    name=$1
    shared=$ALB_GOLDEN/$name
    own=$ALB_GOLDEN/$ALB_PLUGIN_ABI/$name
    want=$shared
    per_release "$name" && [ -f "$own" ] && want=$own
    cat > "$work/out/$name"
    if [ "${ALB_UPDATE:-0}" = 1 ]; then
        if per_release "$name" && ! cmp -s "$shared" "$work/out/$name"; then
            mkdir -p "$(dirname "$own")"
            cp "$work/out/$name" "$own"
            echo "updated $own"
        elif per_release "$name"; then
            if [ -f "$own" ]; then rm "$own" && echo "removed $own (same as $shared)"; fi
        else
            cp "$work/out/$name" "$shared"
            echo "updated $shared"
        fi
    elif [ ! -f "$want" ]; then
        bad "$name: no golden file $want (run with ALB_UPDATE=1 and review it)"
    elif ! diff -u "$want" "$work/out/$name" > "$work/out/$name.diff"; then
        bad "$name differs from the golden file $want:"
        head -60 "$work/out/$name.diff" >&2
    fi
}

# tshark -T fields after 4.0 writes a backslash in a value as two; 4.0
# writes it as it is.  Field goldens hold 4.0's form, which this gives back.
field_text() {
    if [ "$ALB_PLUGIN_ABI" = 4.0 ]; then cat; else sed 's/\\\\/\\/g'; fi
}

# -z expert lists every protocol's expert info in the matching frames; keep
# albatross's (with the section counts recomputed), since TCP's own
# analysis of the same frames changes between releases (4.6 calls a
# segment 4.0 takes for out-of-order a retransmission).
our_expert() {
    awk '
    function flush() {
        if (rows != "") printf "\n%s (%d)\n%s\n%s\n%s", sev, total, rule, head, rows
        rows = ""; total = 0
    }
    /^$/ { next }
    /^[A-Z][a-z]+ \([0-9]+\)$/ { flush(); sev = $1; next }
    /^=+$/ { rule = $0; next }
    /Frequency/ { head = $0; next }
    $1 ~ /^[0-9]+$/ { if ($3 == "Albatross") { rows = rows $0 "\n"; total += $1 }; next }
    { rows = rows $0 "\n" }
    END { flush() }'
}

fields="-e frame.number -e albatross.kind -e albatross.id -e albatross.vm.name_str
        -e albatross.response_to -e albatross.response_in"
tcpopts="-o tcp.reassemble_out_of_order:TRUE"

case "$mode" in
fields)
    ts -G fields > "$work/out/G" || bad "tshark -G fields"
    # every field of the parser's table is registered, with its name
    "$ALB_MKPCAP" --fields > "$work/out/parser"
    [ -s "$work/out/parser" ] || bad "mkpcap --fields printed nothing"
    while read -r f; do
        awk -F'\t' -v f="$f" '$1 == "F" && $3 == f { found = 1 } END { exit !found }' \
            "$work/out/G" || bad "field $f is not registered"
    done < "$work/out/parser"
    # every other albatross field is documented in dissector/README.md
    awk -F'\t' '$1 == "F" && $5 == "albatross" { print $3 }' "$work/out/G" | sort > "$work/out/all"
    sort "$work/out/parser" > "$work/out/parser.sorted"
    comm -23 "$work/out/all" "$work/out/parser.sorted" > "$work/out/extra"
    [ -s "$work/out/extra" ] || bad "no plugin-only fields found"
    while read -r f; do
        grep -q "\`$f\`" "$ALB_README" || bad "plugin-only field $f is not in $ALB_README"
    done < "$work/out/extra"
    ;;
golden)
    for c in vectors hostile sockdump125 sockdump16 tcp; do
        opts=""
        [ "$c" = tcp ] && opts=$tcpopts
        # shellcheck disable=SC2086
        ts -2 -n $opts -r "$work/$c.pcap" -T fields $fields | field_text | golden "$c.fields"
        # shellcheck disable=SC2086
        ts -2 -n $opts -r "$work/$c.pcap" -T fields -e frame.number -e _ws.col.Info \
            | field_text | golden "$c.info"
        # shellcheck disable=SC2086
        ts -2 -n $opts -r "$work/$c.pcap" -V -O albatross | golden "$c.verbose"
    done
    # every reference vector decodes without an error, and the reference's
    # blind spots say so
    ts -n -r "$work/vectors.pcap" -Y 'albatross && _ws.expert.severity >= "error"' \
        -T fields -e frame.number > "$work/out/verr"
    [ -s "$work/out/verr" ] && bad "vectors with errors: $(tr '\n' ' ' < "$work/out/verr")"
    n=$(ts -n -r "$work/vectors.pcap" -Y 'albatross.kind' | wc -l)
    # 27 WV2 kinds x 4 + 59 WV0 kinds x 3
    [ "$n" -eq 285 ] || bad "expected 285 vector messages, got $n"
    n=$(ts -n -r "$work/vectors.pcap" -Y '_ws.expert.message contains "reference decoder rejects"' | wc -l)
    # vm_info_reply_multi x 4, client_stat_msg_multi x 3, stats_statreply_multi x 3
    [ "$n" -eq 10 ] || bad "expected 10 vectors the reference rejects, got $n"
    ;;
samples)
    # the sample captures of every transport (pcaps/, made by albatross-play)
    n=0
    for f in "$work"/samples/*.pcap "$work"/samples/*.pcapng; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        c=$(basename "$f"); c=${c%.pcapng}; c=${c%.pcap}
        # shellcheck disable=SC2086
        ts -2 -n $tcpopts -r "$f" -T fields $fields | field_text | golden "sample-$c.fields"
        # shellcheck disable=SC2086
        ts -2 -n $tcpopts -r "$f" -T fields -e frame.number -e _ws.col.Info | field_text \
            | golden "sample-$c.info"
        # shellcheck disable=SC2086
        ts -2 -n $tcpopts -r "$f" -V -O albatross | golden "sample-$c.verbose"
        # shellcheck disable=SC2086
        ts -2 -n -q $tcpopts -r "$f" -z expert,albatross | our_expert | golden "sample-$c.expert"
        # one pass without a tree: the summary lines tshark prints by default
        # shellcheck disable=SC2086
        ts -n $tcpopts -r "$f" | golden "sample-$c.summary"
        # every message of a sample decodes without an error
        # shellcheck disable=SC2086
        ts -n $tcpopts -r "$f" -Y 'albatross && _ws.expert.severity >= "error"' -T fields \
            -e frame.number > "$work/out/serr"
        [ -s "$work/out/serr" ] && bad "$c: frames with errors: $(tr '\n' ' ' < "$work/out/serr")"
    done
    [ "$n" -ge 7 ] || bad "expected the 7 sample captures in ${ALB_SAMPLES:-?}, found $n"
    ;;
expert)
    for c in vectors hostile sockdump125 sockdump16 tcp; do
        opts=""
        [ "$c" = tcp ] && opts=$tcpopts
        # shellcheck disable=SC2086
        ts -2 -n -q $opts -r "$work/$c.pcap" -z expert,albatross | our_expert | golden "$c.expert"
    done
    ;;
stats)
    for c in vectors sockdump125 tcp; do
        opts=""
        [ "$c" = tcp ] && opts=$tcpopts
        # shellcheck disable=SC2086
        ts -n -q $opts -r "$work/$c.pcap" -z albatross,tree | golden "$c.stats"
    done
    ;;
loader)
    # The plugin exports the entry points its release's loader looks for
    # and nothing else, and that tshark loads it from the X.Y folder.
    case $ALB_PLUGIN_ABI in
        4.0|4.2) want="plugin_register plugin_version plugin_want_major plugin_want_minor" ;;
        4.4|4.6) want="plugin_describe plugin_register plugin_version plugin_want_major plugin_want_minor" ;;
        *) want="" ;;
    esac
    got=$(nm -D --defined-only "$ALB_PLUGIN" | awk '{ print $3 }' | sort | tr '\n' ' ' | sed 's/ $//')
    if [ -z "$want" ]; then
        echo "Wireshark $ALB_PLUGIN_ABI: exports not checked (unknown release), found: $got"
    elif [ "$got" != "$want" ]; then
        bad "exports: '$got', want '$want'"
    fi
    ts -G plugins > "$work/out/plugins" 2>&1
    grep -q "albatross.so.*$ALB_PLUGIN_ABI/epan/albatross.so" "$work/out/plugins" ||
        bad "tshark -G plugins does not list the plugin: $(cat "$work/out/plugins")"
    ;;
prefs)
    count() { ts -n "$@" -Y albatross 2>/dev/null | wc -l; }
    n=$(count -r "$work/sockdump125.pcap")
    [ "$n" -gt 0 ] || bad "sockdump125: no albatross frames"
    n=$(count -o albatross.user0:FALSE -r "$work/sockdump125.pcap")
    [ "$n" -eq 0 ] || bad "albatross.user0:FALSE still decodes USER0 ($n frames)"
    a=$(count -r "$work/sockdump16.pcap")
    b=$(count -o albatross.sockdump_header:16 -r "$work/sockdump16.pcap")
    [ "$a" -gt 0 ] && [ "$a" -eq "$b" ] || bad "sockdump_header:16 gives $b frames, auto $a"
    kinds() { ts -n "$@" -T fields -e albatross.kind 2>/dev/null | md5sum; }
    a=$(kinds -r "$work/sockdump16.pcap")
    b=$(kinds -o albatross.sockdump_header:125 -r "$work/sockdump16.pcap")
    [ "$a" != "$b" ] || bad "sockdump_header:125 on 16-byte records changes nothing"
    n=$(count $tcpopts -r "$work/tcp.pcap")
    [ "$n" -gt 0 ] || bad "tcp: the heuristic found nothing"
    n=$(count $tcpopts --disable-heuristic albatross_tcp -r "$work/tcp.pcap")
    [ "$n" -eq 0 ] || bad "tcp: heuristic disabled but $n frames decoded"
    m=$(count $tcpopts --disable-heuristic albatross_tcp -d tcp.port==4242,albatross \
        -r "$work/tcp.pcap")
    [ "$m" -gt 0 ] || bad "tcp: Decode As tcp.port==4242 decodes nothing"
    m=$(count $tcpopts --disable-heuristic albatross_tcp -o albatross.tcp.port:4242 \
        -r "$work/tcp.pcap")
    [ "$m" -gt 0 ] || bad "tcp: albatross.tcp.port:4242 decodes nothing"
    # a message whose segments arrive swapped needs TCP's out-of-order
    # reassembly (off by default in Wireshark 4.0): with it the sample's
    # Vm.Create is whole, without it the undecodable bytes say what to set
    s="$work/samples/albatross-wv2-tcp.pcap"
    hint='_ws.expert.message contains "tcp.reassemble_out_of_order"'
    k=$(ts -n $tcpopts -r "$s" -Y 'frame.number == 7' -T fields -e albatross.kind)
    [ "$k" = vm_create ] || bad "wv2-tcp sample, out-of-order reassembly: frame 7 is '$k'"
    n=$(ts -n -r "$s" -Y "$hint" 2>/dev/null | wc -l)
    [ "$n" -eq 2 ] || bad "wv2-tcp sample without out-of-order reassembly: $n frames hint at it"
    n=$(ts -n $tcpopts -r "$s" -Y "$hint" 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] || bad "wv2-tcp sample with out-of-order reassembly: $n frames hint at it"
    # the WV0 client channel over TLS (the session secrets are inside the
    # capture): the TLS heuristic finds the plaintext sample's messages, in
    # the same order, though TLS records cut them differently; without the
    # heuristic nothing is albatross
    tls="$work/samples/albatross-wv0-client-tls.pcapng"
    plain="$work/samples/albatross-wv0-client-tcp.pcap"
    tls_fields="-e albatross.kind -e albatross.id -e albatross.response_in -e albatross.response_to"
    # shellcheck disable=SC2086
    ts -2 -n -r "$tls" -Y albatross -T fields $tls_fields > "$work/out/tls.fields" 2>/dev/null
    # shellcheck disable=SC2086
    ts -2 -n $tcpopts -r "$plain" -Y albatross -T fields $tls_fields > "$work/out/plain.fields" 2>/dev/null
    # column N of a fields file, one value a line (frames with several messages
    # list them with commas)
    column() { cut -f "$1" "$2" | tr ',' '\n' | grep .; }
    col=1
    for e in albatross.kind albatross.id albatross.response_in albatross.response_to; do
        a=$(column $col "$work/out/tls.fields" | wc -l)
        b=$(column $col "$work/out/plain.fields" | wc -l)
        [ "$a" -gt 0 ] && [ "$a" -eq "$b" ] || bad "TLS sample: $a values of $e, plaintext sample $b"
        col=$((col + 1))
    done
    # kinds and ids in the same order (frame numbers differ: no response_*)
    for col in 1 2; do
        column $col "$work/out/tls.fields" > "$work/out/tls.col"
        column $col "$work/out/plain.fields" > "$work/out/plain.col"
        cmp -s "$work/out/tls.col" "$work/out/plain.col" ||
            bad "TLS sample: column $col (kinds, ids) differs from the plaintext sample's"
    done
    n=$(count --disable-heuristic albatross_tls -r "$tls")
    [ "$n" -eq 0 ] || bad "TLS heuristic disabled but $n frames decoded"
    # a WV0 request cut by the end of the first segment of its direction is
    # taken at the stream's start (frame 4 of 11 bytes, completed by frame 6)
    k=$(ts -n $tcpopts -r "$plain" -Y 'frame.number == 6' -T fields -e albatross.kind)
    [ "$k" = client_info ] || bad "wv0-client-tcp sample: frame 6 is '$k', not the cut Info request"
    # ... and one holding two whole WV0 messages; but one whole message
    # followed by bytes that start no header is not taken (one pass: the
    # reply, taken on its own, would claim the connection for a second)
    k=$(ts -n -r "$work/tcp-wv0-pair.pcap" -Y 'frame.number == 4' -T fields \
        -e albatross.kind -e albatross.id -e albatross.client.arg)
    [ "$k" = "$(printf 'client_info,client_statistics\t1,2\thello,web')" ] ||
        bad "tcp-wv0-pair: frame 4 is '$k'"
    k=$(ts -n -r "$work/tcp-wv0-junk.pcap" -Y 'frame.number == 4' -T fields -e frame.protocols)
    [ "$k" = eth:ethertype:ip:tcp:data ] || bad "tcp-wv0-junk: frame 4 is '$k', not data"
    # the channel preference gives WV0 tags their meaning
    k=$(ts -n -r "$work/hostile.pcap" -o albatross.channel:console -Y 'frame.number == 12' \
        -T fields -e albatross.kind)
    [ "$k" = console_add ] || bad "albatross.channel:console: frame 12 is '$k'"
    k=$(ts -n -r "$work/hostile.pcap" -Y 'frame.number == 12' -T fields -e albatross.kind)
    [ "$k" = unknown ] || bad "no channel: frame 12 is '$k'"
    k=$(ts -n -r "$work/hostile.pcap" -o albatross.channel:stats -Y 'frame.number == 12' \
        -T fields -e albatross.kind)
    [ "$k" = stats_add ] || bad "albatross.channel:stats: frame 12 is '$k'"
    ;;
fuzz)
    seeds=${ALB_FUZZ_SEEDS:-20}
    start=${ALB_FUZZ_START:-1}
    limit=${ALB_FUZZ_TIMEOUT:-120}
    # generated captures by name, and sample captures (pcaps/) by file name
    caps=${ALB_FUZZ_CAPTURES:-"vectors hostile sockdump125 sockdump16 tcp albatross-wv0-client-tls.pcapng"}
    # capture:seed pairs that once broke the plugin
    regressions="tcp:2047"
    runs=0
    fuzz_one() {
        c=$1 s=$2
        f="$work/out/fuzz-$c-$s.pcap"
        src=$work/$c.pcap
        [ -f "$src" ] || src=$work/samples/$c
        if [ ! -f "$src" ]; then
            bad "fuzz: no capture $c"
            return
        fi
        if ! "$ALB_EDITCAP" -E 0.02 --seed "$s" "$src" "$f" > /dev/null 2>&1; then
            bad "editcap failed on $c seed $s"
            return
        fi
        chmod 644 "$f"
        log="$work/out/fuzz.log"
        # with a tree (-V) and without one (the summary lines take another path)
        for how in -nVxr -nr; do
            # shellcheck disable=SC2086
            ALB_TS_LIMIT=$limit ts $how "$f" $tcpopts > "$log" 2>&1
            rc=$?
            runs=$((runs + 1))
            if [ $rc -ge 128 ]; then
                bad "$c seed $s ($how): tshark died (status $rc; killed after ${limit}s or crashed)"
            elif [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
                bad "$c seed $s ($how): tshark exited with $rc"
            fi
            if grep -E -q -i 'Dissector bug, protocol Albatross|Malformed Packet: Albatross' "$log"; then
                bad "$c seed $s ($how): exception in the albatross dissector:"
                grep -E -i -m3 'Dissector bug, protocol Albatross|Malformed Packet: Albatross' "$log" >&2
                [ -n "${ALB_FUZZ_KEEP:-}" ] && cp "$f" "$ALB_FUZZ_KEEP/"
            fi
        done
        rm -f "$f"
    }
    for r in $regressions; do
        fuzz_one "${r%%:*}" "${r#*:}"
    done
    s=$start
    while [ "$s" -lt $((start + seeds)) ]; do
        for c in $caps; do
            fuzz_one "$c" "$s"
        done
        s=$((s + 1))
    done
    echo "fuzz: $runs runs (seeds $start..$((start + seeds - 1)) and regressions $regressions)"
    ;;
*)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
if [ -s "$failures" ]; then
    echo "$(wc -l < "$failures") failure(s)" >&2
    exit 1
fi
exit 0
