#!/bin/sh
# Long fuzzing campaigns for the harnesses in fuzz/ (see fuzz/README.md).
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [--afl] [--build-only] HARNESS...
#
# HARNESS: message, message_struct, stream, roundtrip, wv0, pcap (or "all").
# pcap fuzzes the dumper's capture reader (libpcap, TCP reassembly,
# sockdump and exported-PDU records, framing, both formatters, --stats).
#
# libFuzzer (default): builds build-fuzz-libfuzzer/ with clang, runs each
#   harness with -jobs/-workers on all cores for N seconds (default 3600)
#   from a copy of corpus/<harness>, then merges what it found back into
#   corpus/<harness> with -merge=1 (only inputs that add coverage).
# --afl: builds the AFL++ binaries (afl-clang-fast + libAFLDriver.a, plain
#   and cmplog) in build-fuzz-afl/, runs one main (-M) and N-1 secondaries
#   (-S, one of them with cmplog) over a shared sync directory, then
#   minimises the queue with afl-cmin into corpus/<harness>.
# Either way prints executions and exec/s per harness, and copies crashes
# to out/fuzz/<harness>/crashes for minimising into corpus/regressions/.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=3600
jobs=$(nproc 2>/dev/null || echo 1)
afl=0
build_only=0
harnesses=""

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
    --afl) afl=1; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) harnesses="$harnesses $1"; shift ;;
  esac
done
[ -n "$harnesses" ] || usage
[ "$harnesses" = " all" ] && harnesses="message message_struct stream roundtrip wv0 pcap"
case $seconds in ''|*[!0-9]*) echo "fuzz.sh: --seconds needs a number" >&2; exit 2 ;; esac
case $jobs in ''|*[!0-9]*|0) echo "fuzz.sh: --jobs needs a positive number" >&2; exit 2 ;; esac
for h in $harnesses; do
  case $h in
    message|message_struct|stream|roundtrip|wv0|pcap) ;;
    *) echo "fuzz.sh: unknown harness $h" >&2; exit 2 ;;
  esac
done

corpus_of() {
  [ "$1" = message_struct ] && echo message || echo "$1"
}

out=$root/out/fuzz
mkdir -p "$out"

# ------------------------------------------------------------ AFL++ build
build_afl() {
  command -v afl-clang-fast >/dev/null || { echo "fuzz.sh: afl-clang-fast not found (apt-get install afl++)" >&2; exit 1; }
  driver=/usr/lib/afl/libAFLDriver.a
  [ -f "$driver" ] || { echo "fuzz.sh: $driver not found" >&2; exit 1; }
  bdir=$root/build-fuzz-afl
  mkdir -p "$bdir"
  srcs="$root/parser/src/decode.c $root/parser/src/encode.c $root/parser/src/layouts.c $root/parser/src/names.c $root/fuzz/fuzz_util.c"
  flags="-O2 -g -std=c11 -I$root/parser/include -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free"
  dump_srcs=""
  # every source of alb_dump (dumper/CMakeLists.txt): all but the command line
  for f in "$root"/dumper/*.c; do
    [ "${f##*/}" = main.c ] || dump_srcs="$dump_srcs $f"
  done
  for h in $harnesses; do
    src=$root/fuzz/$h.c
    extra="" libs=""
    [ "$h" = message_struct ] && src="$root/fuzz/message.c"   # AFL++ brings its own mutators
    # the capture reader: the dumper's sources and libpcap
    [ "$h" = pcap ] && extra="-I$root/dumper $dump_srcs" libs=-lpcap
    # shellcheck disable=SC2086
    AFL_QUIET=1 afl-clang-fast $flags $src $srcs $extra "$root/fuzz/alloc_interpose.c" "$driver" $libs -lstdc++ -o "$bdir/afl-$h"
    # shellcheck disable=SC2086
    AFL_QUIET=1 AFL_LLVM_CMPLOG=1 afl-clang-fast $flags $src $srcs $extra "$root/fuzz/alloc_interpose.c" "$driver" $libs -lstdc++ -o "$bdir/afl-$h-cmplog"
  done
  echo "AFL++ binaries in $bdir"
}

# ------------------------------------------------------------ libFuzzer build
build_libfuzzer() {
  command -v clang >/dev/null || { echo "fuzz.sh: clang not found" >&2; exit 1; }
  bdir=$root/build-fuzz-libfuzzer
  cmake -S "$root" -B "$bdir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  targets=""
  for h in $harnesses; do targets="$targets --target albatross-fuzz-$h"; done
  # shellcheck disable=SC2086
  cmake --build "$bdir" -j "$jobs" $targets >/dev/null
  echo "libFuzzer binaries in $bdir/bin"
}

# ------------------------------------------------------------ runs
run_libfuzzer() {
  h=$1
  c=$(corpus_of "$h")
  bin=$root/build-fuzz-libfuzzer/bin/albatross-fuzz-$h
  work=$out/$h
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/crashes" "$work/logs"
  cp "$root/corpus/$c/"* "$work/corpus/" 2>/dev/null || true
  opts=$root/fuzz/$h.options
  maxlen=$(sed -n 's/^max_len *= *//p' "$opts" 2>/dev/null || echo 4096)
  echo "== libFuzzer $h: $seconds s on $jobs jobs"
  set +e
  (cd "$work/logs" && "$bin" -jobs="$jobs" -workers="$jobs" -max_total_time="$seconds" \
      -dict="$root/fuzz/$h.dict" -max_len="${maxlen:-4096}" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/crashes/" "$work/corpus" >/dev/null 2>&1)
  set -e
  execs=0; secs=0
  for log in "$work"/logs/fuzz-*.log; do
    [ -f "$log" ] || continue
    e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    t=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | awk '{print $5}')
    execs=$((execs + ${e:-0})); secs=$((secs + ${t:-0}))
  done
  cov=$(grep -ho 'cov: [0-9]* ft: [0-9]*' "$work"/logs/fuzz-*.log 2>/dev/null | sort -t: -k2 -n | tail -1)
  echo "   $h: $execs executions, $( [ "$secs" -gt 0 ] && echo $((execs / secs)) || echo '?') exec/s per job, $jobs jobs, last $cov"
  # keep only inputs that add coverage to the committed corpus
  mkdir -p "$root/corpus/$c"
  "$bin" -merge=1 -max_len="${maxlen:-4096}" "$root/corpus/$c" "$work/corpus" >"$work/merge.log" 2>&1 || true
  grep -h 'MERGE-OUTER: [0-9]* new files' "$work/merge.log" | sed 's/^/   merge: /' || true
  n=$(ls "$work/crashes" | wc -l)
  [ "$n" -eq 0 ] || echo "   $h: $n crash/leak/timeout inputs in $work/crashes (minimise with -minimize_crash=1, add to corpus/regressions/)"
}

run_afl() {
  h=$1
  c=$(corpus_of "$h")
  bdir=$root/build-fuzz-afl
  work=$out/afl-$h
  rm -rf "$work"
  mkdir -p "$work/in" "$work/sync"
  cp "$root/corpus/$c/"* "$work/in/" 2>/dev/null || true
  rm -f "$work/in/README"*
  echo "== AFL++ $h: $seconds s, 1 main + $((jobs - 1)) secondaries"
  export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
  pids=""
  afl-fuzz -i "$work/in" -o "$work/sync" -M main -V "$seconds" -x "$root/fuzz/$h.dict" \
      -- "$bdir/afl-$h" >"$work/main.log" 2>&1 &
  pids="$pids $!"
  i=1
  while [ $i -lt "$jobs" ]; do
    if [ $i -eq 1 ]; then
      afl-fuzz -i "$work/in" -o "$work/sync" -S cmplog$i -V "$seconds" -c "$bdir/afl-$h-cmplog" \
          -x "$root/fuzz/$h.dict" -- "$bdir/afl-$h" >"$work/s$i.log" 2>&1 &
    else
      afl-fuzz -i "$work/in" -o "$work/sync" -S sec$i -V "$seconds" \
          -x "$root/fuzz/$h.dict" -- "$bdir/afl-$h" >"$work/s$i.log" 2>&1 &
    fi
    pids="$pids $!"
    i=$((i + 1))
  done
  for p in $pids; do wait "$p" || true; done
  for st in "$work"/sync/*/fuzzer_stats; do
    [ -f "$st" ] || continue
    name=$(basename "$(dirname "$st")")
    awk -v n="$name" -F': *' '/^execs_done/{e=$2} /^execs_per_sec/{s=$2} /^run_time/{t=$2} /^bitmap_cvg/{b=$2} /^saved_crashes/{c=$2}
        END {printf "   %s %s: %s executions in %s s, %s exec/s, bitmap %s, crashes %s\n", "'"$h"'", n, e, t, s, b, c}' "$st"
  done
  mkdir -p "$work/queue"
  cp "$work"/sync/*/queue/id:* "$work/queue/" 2>/dev/null || true
  # AFL_ALLOW_TMP: afl-cmin refuses folders under /tmp, where a checkout may live;
  # these are the script's own, below the checkout
  if ! AFL_QUIET=1 AFL_ALLOW_TMP=1 afl-cmin -i "$work/queue" -o "$work/cmin" -- "$bdir/afl-$h" \
      >"$work/cmin.log" 2>&1; then
    echo "   afl-cmin failed (see $work/cmin.log); the queue is in $work/queue"
  fi
  if [ -d "$work/cmin" ]; then
    for f in "$work"/cmin/*; do
      [ -f "$f" ] || continue
      sum=$(sha1sum "$f" | cut -c1-40)
      cp "$f" "$root/corpus/$c/afl-$sum"
    done
    echo "   afl-cmin kept $(ls "$work/cmin" | wc -l) inputs (copied to corpus/$c/ as afl-<sha1>)"
  fi
  mkdir -p "$work/crashes"
  cp "$work"/sync/*/crashes/id:* "$work/crashes/" 2>/dev/null || true
  n=$(ls "$work/crashes" | wc -l)
  [ "$n" -eq 0 ] || echo "   $h: $n crashes in $work/crashes"
}

if [ $afl -eq 1 ]; then
  build_afl
  [ $build_only -eq 1 ] && exit 0
  for h in $harnesses; do run_afl "$h"; done
else
  build_libfuzzer
  [ $build_only -eq 1 ] && exit 0
  for h in $harnesses; do run_libfuzzer "$h"; done
fi
