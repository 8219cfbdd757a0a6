#!/bin/sh
# Source-based coverage of parser/ and of the dumper's capture reader
# reached by the fuzz corpora.
#
#   scripts/coverage.sh [--html DIR] [CORPUS_DIR...]
#
# Builds the replay binaries of every harness with clang
# -fprofile-instr-generate -fcoverage-mapping (in build-coverage/), replays
# corpus/<harness>/ and corpus/regressions/ (or the directories given)
# through each of them, and reports line and branch coverage of parser/src
# with llvm-cov (llvm-14: apt-get install llvm-14).  The pcap harness
# (corpus/pcap/ and corpus/regressions/, or the directories given) adds a
# second report: dumper/ without its command line (main.c).  --html also
# writes an annotated HTML report of each.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
html=""
dirs=""
while [ $# -gt 0 ]; do
  case $1 in
    --html) [ $# -ge 2 ] || { echo "coverage.sh: --html needs a directory" >&2; exit 2; }; html=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "coverage.sh: unknown option $1" >&2; exit 2 ;;
    *) dirs="$dirs $1"; shift ;;
  esac
done

tool() {
  for t in "$1-14" "$1"; do
    if command -v "$t" >/dev/null 2>&1; then echo "$t"; return; fi
  done
  echo "coverage.sh: $1 not found (apt-get install llvm-14)" >&2
  exit 1
}
profdata=$(tool llvm-profdata)
cov=$(tool llvm-cov)
command -v clang >/dev/null || { echo "coverage.sh: clang not found" >&2; exit 1; }

harnesses="message stream roundtrip wv0"
pcap_dirs=$dirs
[ -n "$dirs" ] || {
  for h in $harnesses; do dirs="$dirs $root/corpus/$h"; done
  dirs="$dirs $root/corpus/regressions"
  pcap_dirs="$root/corpus/pcap $root/corpus/regressions"
}

b=$root/build-coverage
rm -rf "$b"
mkdir -p "$b/prof"
flags="-O1 -g -std=c11 -fprofile-instr-generate -fcoverage-mapping -I$root/parser/include
       -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free"
parser="$root/parser/src/decode.c $root/parser/src/encode.c $root/parser/src/layouts.c $root/parser/src/names.c"
objs=""
for h in $harnesses; do
  # shellcheck disable=SC2086
  clang $flags $parser "$root/fuzz/fuzz_util.c" "$root/fuzz/$h.c" "$root/fuzz/replay_main.c" \
        "$root/fuzz/alloc_interpose.c" -o "$b/replay-$h"
  objs="$objs -object $b/replay-$h"
done

# the capture reader: the pcap harness over the dumper's sources and libpcap
dumper=""
# every source of alb_dump (dumper/CMakeLists.txt): all but the command line
for f in "$root"/dumper/*.c; do
  [ "${f##*/}" = main.c ] || dumper="$dumper $f"
done
# shellcheck disable=SC2086
clang $flags -I"$root/dumper" $parser $dumper "$root/fuzz/pcap.c" "$root/fuzz/replay_main.c" \
      "$root/fuzz/alloc_interpose.c" -lpcap -o "$b/replay-pcap"

for h in $harnesses; do
  # shellcheck disable=SC2086
  LLVM_PROFILE_FILE="$b/prof/$h-%p.profraw" "$b/replay-$h" $dirs >"$b/replay-$h.log"
  echo "replay-$h: $(tail -1 "$b/replay-$h.log")"
done
# shellcheck disable=SC2086
LLVM_PROFILE_FILE="$b/prof/pcap-%p.profraw" "$b/replay-pcap" $pcap_dirs >"$b/replay-pcap.log"
echo "replay-pcap: $(tail -1 "$b/replay-pcap.log")"
"$profdata" merge -sparse "$b"/prof/*.profraw -o "$b/all.profdata"

# report NAME SOURCES OBJECTS...: the text report, the annotated sources
# and (--html) an HTML report of SOURCES as OBJECTS ran them
report() {
  name=$1 srcs=$2
  shift 2
  first=$1
  shift
  echo "== $name"
  # shellcheck disable=SC2086
  "$cov" report "$first" "$@" -instr-profile="$b/all.profdata" $srcs | tee "$b/report-$name.txt"
  if [ -n "$html" ]; then
    # shellcheck disable=SC2086
    "$cov" show "$first" "$@" -instr-profile="$b/all.profdata" -format=html -show-branches=count \
        -output-dir="$html/$name" $srcs
    echo "HTML report in $html/$name"
  fi
  # shellcheck disable=SC2086
  "$cov" show "$first" "$@" -instr-profile="$b/all.profdata" -show-branches=count $srcs \
      > "$b/annotated-$name.txt"
  echo "annotated sources: $b/annotated-$name.txt (lines marked 0 and branches [True: 0 / False: 0] were never taken)"
}
# the parser as every harness reaches it, the capture reader as pcap does
# shellcheck disable=SC2086
report parser "$parser" $(echo "$objs" | sed 's/-object //g') "$b/replay-pcap"
report dumper "$dumper" "$b/replay-pcap"
