#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: compiles the harnesses in fuzz/ with the
# compiler, flags and fuzzing engine the infrastructure chooses ($CC,
# $CFLAGS, $LIB_FUZZING_ENGINE), and ships each with its seed corpus,
# dictionary and options.
src=$SRC/albatross
parser="$src/parser/src/decode.c $src/parser/src/encode.c $src/parser/src/layouts.c $src/parser/src/names.c"
common="$src/fuzz/fuzz_util.c"
# sanitizer builds count allocations through the sanitizer's hooks; the
# coverage build has no sanitizer allocator and interposes malloc instead
if [ "${SANITIZER:-}" = "coverage" ] || [ "${SANITIZER:-}" = "none" ]; then
  alloc=$src/fuzz/alloc_interpose.c
  CFLAGS="$CFLAGS -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free"
else
  alloc=$src/fuzz/alloc_hooks.c
fi
# the capture reader of albatross-dump, for the pcap harness (with libpcap)
dumper=""
# every source of alb_dump (dumper/CMakeLists.txt): all but the command line
for f in "$src"/dumper/*.c; do
  [ "${f##*/}" = main.c ] || dumper="$dumper $f"
done
for h in message stream roundtrip wv0 message_struct pcap; do
  srcs=$src/fuzz/$h.c
  libs=""
  [ "$h" = message_struct ] && srcs="$src/fuzz/message.c $src/fuzz/mutator.c"
  [ "$h" = pcap ] && srcs="$src/fuzz/pcap.c $dumper" libs=-lpcap
  objs=""
  for f in $srcs $parser $common $alloc; do
    o=$WORK/$h-$(basename "$f" .c).o
    $CC $CFLAGS -std=c11 -I"$src/parser/include" -I"$src/dumper" -c "$f" -o "$o"
    objs="$objs $o"
  done
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $objs $LIB_FUZZING_ENGINE $libs -o "$OUT/$h"
  corpus=$h
  [ "$h" = message_struct ] && corpus=message
  (cd "$src/corpus/$corpus" && zip -q -r "$OUT/${h}_seed_corpus.zip" .)
  cp "$src/fuzz/$h.dict" "$OUT/$h.dict"
  cp "$src/fuzz/$h.options" "$OUT/$h.options"
done
