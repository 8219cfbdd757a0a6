#!/bin/sh
# install_test.sh BUILD SRC CC LIBDIR PLUGIN_DIR PROJECT
# Installs the build tree twice, with --prefix and with DESTDIR, and checks
# that every file lands under the prefix (the plugin at PLUGIN_DIR relative
# to it; empty when no plugin is built); then builds consumer.c against each
# installed tree, with pkg-config and with CMake's find_package, and runs it;
# and checks that ALB_INSTALL_SYSTEM_PLUGIN aims at Wireshark's own folder.
set -u
build=$1 src=$2 cc=$3 libdir=$4 plugin_dir=$5 project=$6
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

work=$(mktemp -d "${TMPDIR:-/tmp}/alb-install.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

# ALB_INSTALL_SYSTEM_PLUGIN asks for the plugin outside the prefix
system_plugin=
case $plugin_dir in /*) system_plugin=$plugin_dir/albatross.so; plugin_dir= ;; esac

# install_into ROOT [ENV...]: runs cmake --install with the given prefix
# and environment; lists what it wrote in $work/written
install_into() {
    prefix=$1
    shift
    if ! env "$@" cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1; then
        bad "cmake --install --prefix $prefix $*"
        cat "$work/install.log" >&2
        return 1
    fi
    sed -n 's/^-- \(Installing\|Up-to-date\): //p' "$work/install.log" > "$work/written"
    [ -s "$work/written" ] || bad "cmake --install named no file"
}

# expect_under ROOT: every file written is under ROOT, and the tree has
# what a user of the library, the programs and the plugin needs
expect_under() {
    root=$1
    while read -r f; do
        [ "$f" = "$system_plugin" ] && continue
        case $f in "$root"/*) ;; *) bad "installed outside $root: $f" ;; esac
    done < "$work/written"
    for f in "$libdir/libalbatross-wire.a" include/albatross/wire.h \
             include/albatross/fields.def "$libdir/pkgconfig/albatross-wire.pc" \
             "$libdir/cmake/albatross-wire/albatross-wire-config.cmake" \
             bin/albatross-dump bin/albatross-tap share/man/man1/albatross-dump.1 \
             ${plugin_dir:+"$plugin_dir/albatross.so"}; do
        [ -f "$root/$f" ] || bad "missing under $root: $f"
    done
}

# consumer ROOT: builds consumer.c against the tree at ROOT both ways and
# checks what it prints
consumer() {
    root=$1
    want="35 bytes: Console.Attach id=7 name=hello"
    pc=$root/$libdir/pkgconfig
    if flags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs albatross-wire); then
        # shellcheck disable=SC2086  # flags are words
        if "$cc" -Wall -Werror -o "$work/consumer-pc" "$src/consumer.c" $flags; then
            got=$("$work/consumer-pc") || bad "pkg-config consumer failed"
            [ "$got" = "$want" ] || bad "pkg-config consumer printed '$got', want '$want'"
        else
            bad "consumer.c does not build with pkg-config's flags: $flags"
        fi
    else
        bad "pkg-config finds no albatross-wire in $pc"
    fi

    mkdir -p "$work/cm/src"
    cp "$src/consumer.c" "$work/cm/src/"
    cat > "$work/cm/src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(consumer LANGUAGES C)
find_package(albatross-wire 0.1 REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE albatross::wire)
EOF
    rm -rf "$work/cm/build"
    if cmake -S "$work/cm/src" -B "$work/cm/build" -DCMAKE_C_COMPILER="$cc" \
            -DCMAKE_PREFIX_PATH="$root" > "$work/cm.log" 2>&1 &&
        cmake --build "$work/cm/build" >> "$work/cm.log" 2>&1; then
        got=$("$work/cm/build/consumer") || bad "find_package consumer failed"
        [ "$got" = "$want" ] || bad "find_package consumer printed '$got', want '$want'"
    else
        bad "consumer.c does not build with find_package(albatross-wire) from $root"
        tail -20 "$work/cm.log" >&2
    fi
}

# 1. --prefix
if install_into "$work/prefix"; then
    expect_under "$work/prefix"
    consumer "$work/prefix"
fi

# 2. DESTDIR staging: files go to DESTDIR/prefix, nothing else in DESTDIR;
# the staged tree works from where it was staged, as it will once moved
if install_into /opt/albatross-wire DESTDIR="$work/stage"; then
    while read -r f; do
        [ "$f" = "$system_plugin" ] && continue
        case $f in "$work/stage"/opt/albatross-wire/*) ;; *) bad "DESTDIR install wrote $f" ;; esac
    done < "$work/written"
    outside=$(find "$work/stage" -mindepth 1 -maxdepth 1 ! -name opt)
    [ -z "$outside" ] || bad "DESTDIR install wrote outside the prefix: $outside"
    expect_under "$work/stage/opt/albatross-wire"
    consumer "$work/stage/opt/albatross-wire"
fi

# 3. ALB_INSTALL_SYSTEM_PLUGIN: the plugin goes to the plugindir that
# wireshark.pc names, whatever the prefix (configured only: installing
# there would touch the system)
if [ -n "$plugin_dir" ]; then
    sysdir=$(pkg-config --variable=plugindir wireshark)/epan
    if cmake -S "$project" -B "$work/sys" -DCMAKE_C_COMPILER="$cc" -DALB_BUILD_FUZZ=OFF \
            -DALB_INSTALL_SYSTEM_PLUGIN=ON > "$work/sys.log" 2>&1; then
        grep -q "DESTINATION \"$sysdir\"" "$work/sys/dissector/cmake_install.cmake" ||
            bad "ALB_INSTALL_SYSTEM_PLUGIN=ON does not install to $sysdir"
    else
        bad "configure with ALB_INSTALL_SYSTEM_PLUGIN=ON failed"
        tail -20 "$work/sys.log" >&2
    fi
fi

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "install: --prefix and DESTDIR stay under the prefix; consumer built both ways"
