#!/usr/bin/env bash
# Compiles the plugin's sources, without linking, against the headers of a
# Wireshark source tree, with gcc and clang and -Werror: a check for a
# release no Debian ships (4.2, Ubuntu 24.04's) or not yet released.
#
#   scripts/check-ws-headers.sh WIRESHARK_SOURCE_DIR
#
# The tree needs only its headers (ws_version.h as a release writes it,
# include/, epan/, wsutil/, wiretap/).  The type probes CMake runs
# (dissector/probes/) are run against it first.
set -uo pipefail
die() { echo "check-ws-headers: $*" >&2; exit 1; }

ws=${1:?usage: scripts/check-ws-headers.sh WIRESHARK_SOURCE_DIR}
[[ -f "$ws/ws_version.h" ]] || die "$ws/ws_version.h not found"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

version=$(sed -n 's/^#define WIRESHARK_VERSION_\(MAJOR\|MINOR\|MICRO\) //p' "$ws/ws_version.h" | paste -sd.)
glib=$(pkg-config --cflags glib-2.0) || die "needs glib's development files (libglib2.0-dev)"
inc=(-I"$ws" -I"$ws/include" -Iparser/include)
# The probes CMake runs (dissector/wireshark.cmake): each defines its macro
# when the bool form compiles.
defs=()
for probe in BOOL_PREFS BOOL_HEUR; do
    # shellcheck disable=SC2086  # glib's flags are words
    if gcc -std=c11 -fsyntax-only -Werror=incompatible-pointer-types "${inc[@]}" $glib \
            "dissector/probes/${probe,,}.c" 2>/dev/null; then
        defs+=(-DALB_WS_"$probe")
    fi
done
echo "check-ws-headers: Wireshark $version, probes: ${defs[*]:-none (gboolean callbacks)}"

fails=0
for cc in gcc clang; do
    command -v "$cc" >/dev/null || { echo "check-ws-headers: $cc not found, skipped"; continue; }
    for src in dissector/packet-albatross.c dissector/plugin.c; do
        # shellcheck disable=SC2086
        if "$cc" -std=c11 -fsyntax-only -Wall -Wextra -Wshadow -Wstrict-prototypes \
                -Wmissing-prototypes -Werror -DALB_PLUGIN_VERSION='"0"' "${defs[@]}" \
                "${inc[@]}" $glib "$src"; then
            echo "ok    $cc $src"
        else
            echo "FAIL  $cc $src"
            fails=$((fails + 1))
        fi
    done
done
(( fails == 0 )) || die "$fails compilation(s) failed against Wireshark $version"
echo "check-ws-headers: the plugin compiles against Wireshark $version"
