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

json_check() {
    # every line one JSON object
    jq -R 'fromjson | if type == "object" then empty else error("not an object") end' "$1" \
        >/dev/null || fail "$1: a line is not a JSON object"
    # "error" exactly when the message is malformed or could not be framed:
    # an object without a kind (framing, short tail) must carry one
    jq -R -e 'fromjson | select((has("albatross.kind") or has("error")) | not)' "$1" \
        >/dev/null && fail "$1: an object has neither a kind nor an error"
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
    stream "$V2"/*.bin >wv2.bin
    run 0 --raw -v wv2.bin
    compare wv2-verbose.txt out
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
    run 2 x.bin
    grep -q "use --raw" err || fail "no clear message without --raw"
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
