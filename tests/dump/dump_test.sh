#!/bin/sh
# albatross-dump tests: golden output, error handling, streaming.
#
#   dump_test.sh CASE
#
# Environment: DUMP (the binary), VECTORS (tests/vectors), GOLDEN
# (tests/dump/golden), DOCS (docs/fields.md), WORK (a scratch folder).
# With UPDATE=1 golden files are rewritten instead of compared.
#
# Hand-made inputs are built here with printf (octal escapes) from the
# reference vectors, so the test needs nothing but the repository.
set -eu

case_name=$1
: "${DUMP:?}" "${VECTORS:?}" "${GOLDEN:?}" "${WORK:?}"
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# compare NAME FILE: FILE must equal $GOLDEN/NAME
compare() {
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$2" "$GOLDEN/$1"
        echo "updated $GOLDEN/$1"
    elif ! diff -u "$GOLDEN/$1" "$2"; then
        fail "output differs from golden/$1 (rerun with UPDATE=1 after checking the diff)"
    fi
}

# run EXPECTED_STATUS ARGS...: runs the dumper, output in out, errors in err
run() {
    want=$1
    shift
    set +e
    "$DUMP" "$@" >out 2>err
    got=$?
    set -e
    if [ "$got" != "$want" ]; then
        cat err >&2
        fail "'albatross-dump $*' exited with $got, expected $want"
    fi
}

# golden NAME ARGS...: text and JSON Lines output of ARGS against NAME.txt/.jsonl
golden() {
    name=$1
    shift
    run 0 --raw "$@"
    [ -s err ] && { cat err >&2; fail "$name: unexpected message on stderr"; }
    compare "$name.txt" out
    run 0 --raw --json "$@"
    compare "$name.jsonl" out
}

# concatenation of vector files, in sorted file-name order
stream() {
    # shellcheck disable=SC2012
    ls "$@" | LC_ALL=C sort | while read -r f; do cat "$f"; done
}

V2=$VECTORS/wv2
msg_a=$V2/console_add-002.bin       # 47 bytes
msg_b=$V2/vm_info-001.bin           # 28 bytes
big=$V2/vm_create_hvt_amd64-002.bin # 2583 bytes, a 2496-byte image

make_inputs() {
    # garbage between two messages: bytes 4-5 of "GARBAGE!" are no version
    { cat "$msg_a"; printf 'GARBAGE!'; cat "$msg_b"; } >garbage.bin
    # an 8-byte header with wire version 7
    { cat "$msg_a"; printf '\000\000\000\001\000\007\000\000'; cat "$msg_b"; } >version.bin
    # a WV2 header with length 0x80000000 (the reference holds it as int32)
    { printf '\000\000\001\000\000\002\000\000\000\000\000\000\000\000\000\001\200\000\000\000'
      cat "$msg_b"; } >badlen.bin
    # a message over the --max-len the test gives (1000)
    { cat "$big"; cat "$msg_b"; } >maxlen.bin
    # a WV1 message (8-byte header: length 3, id 5, version 1, tag 2)
    { printf '\000\003\000\005\000\001\000\002abc'; cat "$msg_b"; } >wv1.bin
    # the stream ends 30 bytes into a Console.Data message
    { cat "$msg_a"; head -c 30 "$V2/console_data-001.bin"; } >truncated.bin
    # the stream ends 3 bytes into a header
    { cat "$msg_a"; head -c 3 "$msg_b"; } >short.bin
    # longer than the buffer the test gives (1k): whole, then cut short
    { cat "$big"; cat "$msg_b"; head -c 2000 "$big"; } >oversize.bin
    : >empty.bin
}

# jq_any FILTER FILE: whether FILTER, applied to every line of FILE, outputs
# anything (jq -e's status depends on the last output only, and jq 1.6 and
# 1.7 disagree on it)
jq_any() {
    [ -n "$(jq -R -c "$1" "$2")" ]
}

# ISO 8601 UTC with microseconds; years outside 0000-9999 in the expanded
# form (sign, six or more digits)
iso_re='^([0-9]{4}|[+-][0-9]{6,})-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$'

json_check() {
    [ -s "$1" ] || return 0
    # every line one JSON object
    jq -R 'fromjson | if type == "object" then empty else error("not an object") end' "$1" \
        >/dev/null || fail "$1: a line is not a JSON object"
    # "error" exactly when the message is malformed or could not be framed:
    # an object without a kind (framing, short tail) must carry one, unless
    # it reports a gap in a capture or the bytes skipped after one
    jq_any 'fromjson | select((has("albatross.kind") or has("error") or has("gap") or
                               has("resync_skipped") or has("stats")) | not)' "$1" &&
        fail "$1: an object has neither a kind nor an error"
    # capture input: frame, ts and flow on every object, or on none
    jq_any 'fromjson | select(has("flow") and ((.frame | type) != "number" or
                               (.ts | test("'"$iso_re"'") | not)))' "$1" &&
        fail "$1: bad frame or ts"
    return 0
}

case $case_name in
fields-doc)
    : "${DOCS:?}"
    run 0 --list-fields
    if [ "${UPDATE:-0}" = 1 ]; then
        cp out "$DOCS"
        echo "updated $DOCS"
    elif ! diff -u "$DOCS" out; then
        fail "docs/fields.md is out of date: albatross-dump --list-fields > docs/fields.md"
    fi
    ;;
wv2)
    stream "$V2"/*.bin >wv2.bin
    golden wv2 wv2.bin
    ;;
wv2-verbose)
    # -vv: the field tree with offsets and lengths
    stream "$V2"/*.bin >wv2.bin
    run 0 --raw -vv wv2.bin
    compare wv2-verbose.txt out
    run 0 --raw -v -v wv2.bin
    compare wv2-verbose.txt out
    ;;
wv2-tree)
    # -v: the field tree without offsets
    stream "$V2"/*.bin >wv2.bin
    run 0 --raw -v wv2.bin
    compare wv2-tree.txt out
    ;;
wv0-console | wv0-stats | wv0-log | wv0-client)
    ch=${case_name#wv0-}
    stream "$VECTORS/wv0/${ch}"_*.bin >wv0.bin
    golden "$case_name" --channel "$ch" wv0.bin
    ;;
wv0-nochannel)
    # without --channel, channel-specific tags are flagged, not guessed
    stream "$VECTORS/wv0/stats"_*.bin >wv0.bin
    golden wv0-nochannel wv0.bin
    ;;
errors)
    make_inputs
    golden err-garbage garbage.bin
    golden err-version version.bin
    golden err-badlen badlen.bin
    golden err-maxlen --max-len 1000 maxlen.bin
    golden err-wv1 wv1.bin
    golden err-truncated truncated.bin
    golden err-short short.bin
    golden err-oversize --buffer 1k oversize.bin
    ;;
empty)
    make_inputs
    run 0 --raw empty.bin
    [ -s out ] && fail "output for an empty input"
    run 0 --raw --json - <empty.bin
    [ -s out ] && fail "JSON output for an empty input"
    [ -s err ] && fail "message for an empty input"
    ;;
nonexistent)
    run 2 --raw "$WORK/no-such-file"
    grep -q "no-such-file: No such file or directory" err || fail "no clear message: $(cat err)"
    [ -s out ] && fail "output for a missing file"
    # the readable inputs are still dumped, the status still says 2
    cp "$msg_b" one.bin
    run 2 --raw one.bin "$WORK/no-such-file"
    grep -q "Vm.Info" out || fail "the readable file was not dumped"
    ;;
usage)
    run 2 --raw --bogus x.bin
    grep -q "unknown option '--bogus'" err || fail "no clear message for an unknown option"
    run 2 --raw --channel nowhere x.bin
    grep -q "unknown channel 'nowhere'" err || fail "no clear message for a bad channel"
    run 2 --raw --max-len zero x.bin
    grep -q "bad --max-len" err || fail "no clear message for a bad --max-len"
    run 2 --raw
    grep -q "no input file" err || fail "no clear message without a file"
    printf 'not a capture at all' >x.bin
    run 2 x.bin
    grep -q "not a capture file" err || fail "no clear message for a non-capture: $(cat err)"
    grep -q -- "--raw" err || fail "no hint at --raw for a non-capture"
    run 2 --kind no_such_kind x.bin
    grep -q "unknown message kind 'no_such_kind'" err || fail "no clear message for a bad --kind"
    run 2 --port 70000 x.bin
    grep -q "bad --port" err || fail "no clear message for a bad --port"
    run 2 --raw --port 1025 x.bin
    grep -q "not in --raw" err || fail "no clear message for --port with --raw"
    run 2 --max-flows 0 x.bin
    grep -q "bad --max-flows" err || fail "no clear message for a bad --max-flows"
    run 0 --help
    grep -q "usage: albatross-dump" out || fail "--help prints no usage"
    run 0 -h
    grep -q -- "--max-len" out || fail "-h prints no options"
    ;;
stdin)
    stream "$V2"/*.bin >wv2.bin
    run 0 --raw - <wv2.bin
    compare wv2.txt out
    cat wv2.bin | "$DUMP" --raw --json - >out || fail "reading a pipe"
    compare wv2.jsonl out
    ;;
chunks)
    # a long stream with every error case in it, read from a file in one go
    # and from a pipe a few bytes at a time, must print the same
    make_inputs
    stream "$V2"/*.bin >wv2.bin
    i=0
    while [ $i -lt 20 ]; do
        cat wv2.bin garbage.bin version.bin badlen.bin wv1.bin oversize.bin
        i=$((i + 1))
    done >big.bin
    cat truncated.bin >>big.bin
    for opts in "" "--buffer 256" "--buffer 1k --json" "--max-len 1000 --json"; do
        # shellcheck disable=SC2086
        "$DUMP" --raw $opts big.bin >whole.out || fail "reading big.bin"
        [ "$(wc -l <whole.out)" -gt 2000 ] || fail "too little output for big.bin"
        for chunk in 1 7 509 4096; do
            # shellcheck disable=SC2086
            cat big.bin | "$DUMP" --raw $opts --chunk $chunk - >piece.out ||
                fail "reading a pipe with --chunk $chunk"
            cmp -s whole.out piece.out ||
                { diff whole.out piece.out | head -20; fail "$opts --chunk $chunk differs"; }
        done
    done
    ;;
json-valid)
    if ! command -v jq >/dev/null 2>&1; then
        echo "jq not found: JSON check skipped"
        exit 77
    fi
    n=0
    for f in "$GOLDEN"/*.jsonl; do
        json_check "$f"
        n=$((n + 1))
    done
    # and the live output, so that a stale golden file cannot hide anything
    make_inputs
    stream "$V2"/*.bin >wv2.bin
    for f in wv2.bin garbage.bin version.bin badlen.bin wv1.bin truncated.bin short.bin; do
        "$DUMP" --raw --json --buffer 1k "$f" >"$f.jsonl"
        json_check "$f.jsonl"
        n=$((n + 1))
    done
    echo "$n JSON Lines files checked"
    ;;
pcap-golden)
    # every sample capture: text, -v, -vv (one), JSON Lines
    : "${PCAPS:?}"
    for f in "$PCAPS"/*.pcap; do
        n=$(basename "$f" .pcap)
        run 0 "$f"
        [ -s err ] && { cat err >&2; fail "$n: unexpected message on stderr"; }
        compare "pcap-$n.txt" out
        run 0 -v "$f"
        compare "pcap-$n-v.txt" out
        run 0 --json "$f"
        compare "pcap-$n.jsonl" out
        json_check out
    done
    run 0 -vv "$PCAPS/albatross-wv2-tcp.pcap"
    compare pcap-albatross-wv2-tcp-vv.txt out
    ;;
pcapng)
    command -v editcap >/dev/null 2>&1 || { echo "editcap not found: skipped"; exit 77; }
    for f in "$PCAPS"/*.pcap; do
        n=$(basename "$f" .pcap)
        editcap -F pcapng "$f" "$n.pcapng" || fail "editcap -F pcapng $f"
        run 0 "$n.pcapng"
        compare "pcap-$n.txt" out
        run 0 --json "$n.pcapng"
        compare "pcap-$n.jsonl" out
    done
    ;;
pcap-stdin)
    f=$PCAPS/albatross-wv2-unix.pcap
    run 0 - <"$f"
    compare pcap-albatross-wv2-unix.txt out
    cat "$f" | "$DUMP" --json - >out || fail "reading a capture from a pipe"
    compare pcap-albatross-wv2-unix.jsonl out
    # a capture written to a pipe while the dumper reads it: lines come out
    # as records arrive (flushed per record), the last one included
    cat "$PCAPS/albatross-wv2-tcp.pcap" | "$DUMP" - | tail -1 >out
    grep -q "Reply Vm.Destroy\|Failure" out || fail "last message missing from a pipe: $(cat out)"
    # live: the first record's line comes out while the writer still holds
    # the pipe open, before the rest of the capture is written
    first=$((24 + 16 + $(od -A n -t u4 -j 32 -N 4 "$f" | tr -d ' ')))
    rm -f live.fifo && mkfifo live.fifo
    "$DUMP" - <live.fifo >live.out 2>live.err &
    dumper=$!
    exec 3>live.fifo
    head -c "$first" "$f" >&3
    i=0
    until grep -q "Log.Subscribe" live.out; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            exec 3>&-
            wait $dumper
            fail "no line for the first record while the pipe stayed open"
        fi
        sleep 0.1
    done
    [ "$(wc -l <live.out)" = 1 ] || fail "live: more than the first record's line: $(cat live.out)"
    tail -c +"$((first + 1))" "$f" >&3
    exec 3>&-
    wait $dumper || fail "live: exit status $?"
    compare pcap-albatross-wv2-unix.txt live.out
    ;;
flows)
    : "${MKFLOWS:?}"
    "$MKFLOWS" . || fail "mkflows"
    for n in tcp-reorder tcp-gap tcp-midstream tcp-snaplen tcp-rst tcp-noise sockdump-hostile \
             exported-addr tcp-fragments tcp-fragments6; do
        run 0 "$n.pcap"
        compare "flows-$n.txt" out
        compare "flows-$n.err" err
        run 0 --json "$n.pcap"
        json_check out
    done
    # reordered, duplicated and overlapping segments lose nothing
    run 0 tcp-reorder.pcap
    [ "$(grep -c 'WV2 Vm.Destroy' out)" = 8 ] || fail "tcp-reorder: not 8 requests"
    [ "$(grep -c 'WV2 Reply Vm.Destroy' out)" = 8 ] || fail "tcp-reorder: not 8 replies"
    grep -q 'ERROR\|GAP\|RESYNC' out && fail "tcp-reorder: errors reported"
    # a gap is reported and decoding goes on after it
    run 0 tcp-gap.pcap
    grep -q 'GAP 10 bytes' out || fail "tcp-gap: the lost segment is not reported"
    grep -q 'GAP 24 bytes' out || fail "tcp-gap: the lost message is not reported"
    grep -q 'id=8 len=15 vm=hello' out || fail "tcp-gap: no decoding after the gap"
    # IP fragments of TCP: skipped, and said so; the stream goes on after the gap
    for n in tcp-fragments tcp-fragments6; do
        run 0 $n.pcap
        grep -q "2 IP fragments of TCP skipped" err || fail "$n: no note: $(cat err)"
        grep -q 'GAP 100 bytes' out || fail "$n: the fragmented segment is not a gap"
        [ "$(grep -c 'WV2 Reply Vm.Destroy' out)" = 8 ] || fail "$n: replies lost"
    done
    # mid-stream: found by the heuristic, and with --port
    run 0 tcp-midstream.pcap
    grep -q 'RESYNC' out || fail "tcp-midstream: no resynchronisation"
    [ "$(grep -c 'WV2 ' out)" = 14 ] || fail "tcp-midstream: not 14 messages"
    run 0 --port 1025 tcp-midstream.pcap
    [ "$(grep -c 'WV2 ' out)" = 14 ] || fail "tcp-midstream --port: not 14 messages"
    # messages over --max-len are reported and skipped by their length: the
    # ones after them still decode (bodies of 23 bytes over a limit of 22)
    "$MKFLOWS" . >/dev/null
    # (--port: a first header over the limit is not a plausible one)
    run 0 --port 1025 --max-len 22 tcp-clean-ether.pcap
    [ "$(grep -c 'ERROR TOO_LONG.*skipped 43 bytes' out)" = 2 ] || fail "--max-len: not 2 skipped"
    [ "$(grep -c 'WV2 Vm.Destroy id=[0-9]* len=' out)" = 6 ] || fail "--max-len: requests lost"
    [ "$(grep -c 'WV2 Reply Vm.Destroy id=' out)" = 8 ] || fail "--max-len: replies lost"
    grep -q 'RESYNC' out && fail "--max-len: resynchronised instead of skipping"
    # not albatross: the HTTP connection is left out, port 8080 is taken
    run 0 tcp-noise.pcap
    grep -q ':80:' out && fail "tcp-noise: the HTTP connection was dumped"
    [ "$(grep -c ':8080' out)" = 4 ] || fail "tcp-noise: the albatross connection is missing"
    ;;
linktypes)
    "$MKFLOWS" . || fail "mkflows"
    # the same conversation over every link type prints the same messages
    run 0 tcp-clean-ether.pcap
    sed 's/^[^ ]* [^ ]* > [^ ]*: //' out >ref.txt
    [ "$(wc -l <ref.txt)" = 16 ] || fail "tcp-clean-ether: not 16 messages"
    for f in tcp-clean-*.pcap; do
        run 0 "$f"
        [ -s err ] && { cat err >&2; fail "$f: message on stderr"; }
        sed 's/^[^ ]* [^ ]* > [^ ]*: //' out >got.txt
        cmp -s ref.txt got.txt || { diff ref.txt got.txt | head; fail "$f: other messages"; }
    done
    run 0 tcp-clean-ether6.pcap
    grep -q '^[^ ]* \[fd00::1\]:40000 > \[fd00::2\]:1025: ' out || fail "IPv6 endpoints not shown"
    ;;
tls)
    # the WV0 client channel as it really runs, TLS on port 1025: nothing
    # to dump, and the user is told why, once per connection
    f=$PCAPS/albatross-wv0-client-tls.pcapng
    run 0 "$f"
    [ -s out ] && fail "encrypted traffic dumped: $(head -3 out)"
    [ "$(grep -c 'TLS, not decrypted' err)" = 1 ] || fail "TLS not reported once: $(cat err)"
    grep -q '127.0.0.1:40000 > 127.0.0.1:1025' err || fail "TLS note without the connection: $(cat err)"
    run 0 -q --stats "$f"
    grep -q '^connections: 0 albatross, 1 other' out || fail "TLS connection not counted as other"
    ;;
capture-errors)
    # truncated captures: reported, what was read is dumped, exit status 0
    f=$PCAPS/albatross-wv2-tcp.pcap
    size=$(wc -c <"$f")
    for cut in 30 100 $((size / 2)) $((size - 1)); do
        head -c "$cut" "$f" >cut.pcap
        run 0 cut.pcap
        grep -q "the capture is truncated" err || fail "cut at $cut: not reported: $(cat err)"
    done
    head -c $((size / 2)) "$f" >cut.pcap
    run 0 cut.pcap
    grep -q 'WV2 Vm.Create' out || fail "what was read before the cut is not dumped"
    # shorter than a file header: not a capture
    head -c 10 "$f" >tiny.pcap
    run 2 tiny.pcap
    grep -q "not a capture file" err || fail "10 bytes: no clear message: $(cat err)"
    # a raw stream given as a capture
    cat "$V2/vm_info-001.bin" >stream.bin
    run 2 stream.bin
    grep -q "use --raw" err || fail "raw stream: no hint at --raw"
    # a pcapng merged from two link types: libpcap stops, the message says why
    if command -v mergecap >/dev/null 2>&1; then
        mergecap -F pcapng -w mixed.pcapng "$f" "$PCAPS/albatross-wv2-unix.pcap"
        run 2 mixed.pcapng
        grep -q "share one link type" err || fail "mixed link types: no clear message: $(cat err)"
    fi
    # an unsupported link type
    if command -v editcap >/dev/null 2>&1; then
        editcap -T ieee-802-11 "$f" wifi.pcap
        run 2 wifi.pcap
        grep -q "link type 105 .* is not supported" err || fail "unsupported link type: $(cat err)"
    fi
    # a missing file among readable ones: the others are dumped, status 2
    run 2 "$f" no-such.pcap
    grep -q "no-such.pcap: No such file or directory" err || fail "missing file: $(cat err)"
    grep -q 'WV2 Vm.Create' out || fail "the readable capture was not dumped"
    # a directory is named as one, capture or raw
    mkdir -p adir
    run 2 adir
    grep -q "adir: Is a directory" err || fail "a directory as a capture: $(cat err)"
    run 2 --raw adir
    grep -q "adir: Is a directory" err || fail "a directory as a raw stream: $(cat err)"
    ;;
corrupt)
    command -v editcap >/dev/null 2>&1 || { echo "editcap not found: skipped"; exit 77; }
    n=0
    for f in "$PCAPS"/*.pcap; do
        seed=1
        while [ $seed -le 12 ]; do
            editcap -E 0.05 --seed $seed "$f" bad.pcap >/dev/null 2>&1 || fail "editcap -E on $f"
            for opts in "" "--json" "-vv --stats"; do
                set +e
                # shellcheck disable=SC2086
                "$DUMP" $opts bad.pcap >out 2>err
                st=$?
                set -e
                [ $st -ge 128 ] && fail "$f seed $seed $opts: crashed (status $st)"
                [ $st = 0 ] || [ $st = 2 ] || fail "$f seed $seed $opts: status $st"
                [ $st = 2 ] && ! [ -s err ] && fail "$f seed $seed $opts: status 2 without a message"
                [ "$opts" = "--json" ] && json_check out
                n=$((n + 1))
            done
            seed=$((seed + 1))
        done
    done
    echo "$n corrupted runs"
    ;;
filters)
    f=$PCAPS/albatross-wv2-unix.pcap
    run 0 --kind vm_create "$f"
    compare filter-kind.txt out
    [ "$(grep -c . out)" = 3 ] || fail "--kind vm_create: not 3 messages"
    run 0 --kind Vm.Create "$f"
    compare filter-kind.txt out
    run 0 --kind fail --kind "Reply Vm.Info" "$f"
    compare filter-kind2.txt out
    grep -v -q 'Failure\|Reply Vm.Info' out && fail "--kind fail: other kinds shown"
    run 0 --vm web "$f"
    compare filter-vm.txt out
    grep -q 'vm=hello' out && fail "--vm web shows hello"
    grep -q 'vm=web.frontend' out || fail "--vm web misses web.frontend"
    run 0 --vm web.front "$f"
    [ -s out ] && fail "--vm web.front matched web.frontend (components, not characters)"
    run 0 --vm web --kind vm_create --json "$f"
    json_check out
    [ "$(jq -r '.["albatross.kind"]' out | sort -u)" = vm_create ] || fail "--json filter"
    run 0 --path util/console "$f"
    compare filter-path.txt out
    grep -q vmmd.sock out && fail "--path util/console shows vmmd.sock"
    ;;
stats)
    for n in albatross-wv2-unix albatross-wv2-tcp albatross-wv0-client-tcp albatross-wv0-unix; do
        run 0 -q --stats "$PCAPS/$n.pcap"
        compare "stats-$n.txt" out
    done
    # messages then the summary
    run 0 --stats "$PCAPS/albatross-wv2-tcp.pcap"
    head -20 out >msgs
    compare pcap-albatross-wv2-tcp.txt msgs
    grep -q '^== statistics ==' out || fail "--stats: no summary after the messages"
    # --json --stats: the summary is one more JSON object, jq reads it all
    run 0 --json --stats "$PCAPS/albatross-wv2-unix.pcap"
    json_check out
    [ "$(tail -1 out | jq '.stats.messages')" = 57 ] || fail "--json --stats: messages"
    [ "$(tail -1 out | jq '.stats.requests.answered')" = 19 ] || fail "--json --stats: answered"
    [ "$(tail -1 out | jq '.stats.kinds["WV2 vm_create"]')" = 3 ] || fail "--json --stats: kinds"
    [ "$(tail -1 out | jq '.stats.vms.hello')" = 23 ] || fail "--json --stats: VMs"
    run 0 -q --json --stats "$PCAPS/albatross-wv2-unix.pcap"
    [ "$(wc -l <out)" = 1 ] || fail "-q --json --stats: not one line"
    # a gap and a resynchronisation counted
    "$MKFLOWS" . || fail "mkflows"
    run 0 -q --stats tcp-gap.pcap
    compare stats-tcp-gap.txt out
    # a socket path with ESC, a newline and a quote reaches the terminal
    # escaped, in the per-connection table as on the message lines
    esc_path='"/tmp/a\x1b[31mRED\x0aX\".sock"'
    for opts in "-q --stats" "--stats"; do
        # shellcheck disable=SC2086
        run 0 $opts sockdump-escape.pcap
        if LC_ALL=C grep -q "$(printf '\033')" out; then fail "$opts: a raw ESC reached the output"; fi
        if grep -q '^X' out; then fail "$opts: a raw newline split a line"; fi
        grep -qF "unix $esc_path 5000 > 1200: " out || fail "$opts: connection label not escaped: $(grep unix out)"
    done
    grep -qF "$esc_path 5000 > 1200: WV2" out || fail "message lines: path not escaped"
    run 0 -q --json --stats sockdump-escape.pcap
    json_check out
    [ "$(jq -r '.stats.flows[0].flow' out)" = "unix $esc_path 5000 > 1200" ] ||
        fail "--json --stats: flow $(jq '.stats.flows[0].flow' out)"
    ;;
eviction)
    "$MKFLOWS" . || fail "mkflows"
    run 0 tcp-flows.pcap
    sort out >all.txt
    [ "$(wc -l <all.txt)" = 600 ] || fail "tcp-flows: not 600 messages"
    # 16 connections at a time: the others are closed and picked up again
    run 0 --max-flows 16 tcp-flows.pcap
    sort out >few.txt
    cmp -s all.txt few.txt || { diff all.txt few.txt | head; fail "--max-flows 16 lost messages"; }
    # idle connections closed after a second of capture time: same messages
    run 0 --idle 0 tcp-flows.pcap
    sort out >idle.txt
    cmp -s all.txt idle.txt || fail "--idle 0 lost messages"
    ;;
man-install)
    : "${BUILD:?}"
    DESTDIR=$WORK/inst cmake --install "$BUILD" >install.log 2>&1 || { cat install.log; fail "cmake --install"; }
    man=$(find "$WORK/inst" -path '*share/man/man1/albatross-dump.1')
    [ -n "$man" ] || fail "albatross-dump.1 not installed"
    grep -q '^\.TH ALBATROSS-DUMP 1' "$man" || fail "not a man page"
    if command -v groff >/dev/null 2>&1; then
        groff -man -Tutf8 -ww -z "$man" 2>groff.err
        [ -s groff.err ] && { cat groff.err; fail "groff warnings"; }
    fi
    ;;
capture-valgrind)
    command -v valgrind >/dev/null 2>&1 || { echo "valgrind not found: skipped"; exit 77; }
    "$MKFLOWS" . || fail "mkflows"
    vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all"
    for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng tcp-reorder.pcap tcp-gap.pcap tcp-snaplen.pcap tcp-midstream.pcap \
             sockdump-hostile.pcap exported-addr.pcap tcp-rst.pcap; do
        # shellcheck disable=SC2086
        $vg "$DUMP" -vv --stats "$f" >/dev/null 2>vg.err || { cat vg.err; fail "valgrind: $f"; }
        # shellcheck disable=SC2086
        $vg "$DUMP" --json --max-flows 2 "$f" >/dev/null 2>vg.err || { cat vg.err; fail "valgrind --json: $f"; }
    done
    # shellcheck disable=SC2086
    $vg "$DUMP" --max-flows 8 tcp-flows.pcap >/dev/null 2>vg.err || { cat vg.err; fail "valgrind: eviction"; }
    echo "valgrind: no errors"
    ;;
regressions)
    : "${REGRESSIONS:?}"
    for f in "$REGRESSIONS"/*.pcap*; do
        for opts in "-vv --stats" "--json --stats"; do
            set +e
            # shellcheck disable=SC2086
            "$DUMP" $opts "$f" >out 2>err
            st=$?
            set -e
            [ $st = 0 ] || [ $st = 2 ] || { cat err >&2; fail "$f $opts: status $st"; }
            [ "$opts" = "--json --stats" ] && json_check out
        done
    done
    # a capture time past year 9999 in ISO 8601's expanded form, in text
    # and JSON alike, whatever libpcap release read it
    f=$REGRESSIONS/stats-time-overflow.pcapng
    want='+321704-11-23T20:26:37.034751Z'
    "$DUMP" --json "$f" 2>/dev/null | jq -r 'select(.frame == 2) | .ts' | sort -u >ts.json
    [ "$(cat ts.json)" = "$want" ] || fail "frame 2's JSON ts: $(cat ts.json), want $want"
    "$DUMP" "$f" 2>/dev/null | sed -n '2p' | cut -d' ' -f1 >ts.txt
    [ "$(cat ts.txt)" = "$want" ] || fail "frame 2's text time: $(cat ts.txt), want $want"
    ;;
valgrind)
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "valgrind not found: skipped"
        exit 77
    fi
    make_inputs
    stream "$V2"/*.bin >wv2.bin
    for ch in console stats log client; do
        stream "$VECTORS/wv0/${ch}"_*.bin >"wv0-$ch.bin"
    done
    cat garbage.bin version.bin badlen.bin wv1.bin oversize.bin truncated.bin >errors.bin
    vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all"
    # shellcheck disable=SC2086
    $vg "$DUMP" --raw -v wv2.bin errors.bin >/dev/null || fail "valgrind: text"
    # shellcheck disable=SC2086
    $vg "$DUMP" --raw --json --buffer 1k wv2.bin errors.bin >/dev/null || fail "valgrind: JSON"
    for ch in console stats log client; do
        # shellcheck disable=SC2086
        $vg "$DUMP" --raw -v --channel $ch "wv0-$ch.bin" >/dev/null || fail "valgrind: $ch"
        # shellcheck disable=SC2086
        $vg "$DUMP" --raw --json --channel $ch "wv0-$ch.bin" >/dev/null || fail "valgrind: $ch"
    done
    echo "valgrind: no errors"
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
exit 0
