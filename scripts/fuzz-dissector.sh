#!/bin/sh
# Wireshark-style fuzzing of the albatross plugin: every test capture is
# corrupted with `editcap -E 0.02 --seed N` for many seeds and read with
# `tshark -nVxr`; a crash, a hang, a "Dissector bug" or a "Malformed Packet:
# Albatross" (an exception inside the plugin) fails the run.
#
# Usage: scripts/fuzz-dissector.sh [BUILD_DIR] [SEEDS] [FIRST_SEED]
#   BUILD_DIR   a configured and built tree (default: build)
#   SEEDS       seeds per capture (default: 2000)
#   FIRST_SEED  first seed (default: 1)
# Failing inputs are copied to $ALB_FUZZ_KEEP when that is set.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
seeds=${2:-2000}
first=${3:-1}

plugin=
for p in "$build"/plugins/*/epan/albatross.so; do
    [ -f "$p" ] && { plugin=$p; break; }
done
mkpcap=$build/tests/dissector/mkpcap
if [ -z "$plugin" ] || [ ! -x "$mkpcap" ]; then
    echo "fuzz-dissector: build the plugin and tests first (cmake --build $build)" >&2
    exit 2
fi
tshark=$(command -v tshark) || { echo "fuzz-dissector: tshark not found" >&2; exit 2; }
editcap=$(command -v editcap) || { echo "fuzz-dissector: editcap not found" >&2; exit 2; }

caps=$(mktemp -d "${TMPDIR:-/tmp}/alb-fuzz-caps.XXXXXX")
trap 'rm -rf "$caps"' EXIT INT TERM
"$mkpcap" "$caps" "$here/tests/vectors"

ALB_PLUGIN=$plugin ALB_PLUGIN_ABI=$(basename "$(dirname "$(dirname "$plugin")")") ALB_CAPTURES=$caps ALB_SAMPLES=$here/pcaps ALB_GOLDEN=/nonexistent ALB_MKPCAP=$mkpcap \
ALB_README=$here/dissector/README.md ALB_TSHARK=$tshark ALB_EDITCAP=$editcap \
ALB_FUZZ_SEEDS=$seeds ALB_FUZZ_START=$first \
    nice sh "$here/tests/dissector/run.sh" fuzz
