#!/usr/bin/env bash
# Installs what is missing, then builds the project and runs the whole test
# suite (ctest) in four configurations:
#
#   gcc    build/        gcc,   RelWithDebInfo
#   clang  build-clang/  clang, RelWithDebInfo
#   asan   build-asan/   clang, RelWithDebInfo, ASan + UBSan (ALB_SANITIZE=ON)
#   msan   build-msan/   clang, RelWithDebInfo, MemorySanitizer (ALB_MSAN=ON):
#                        all but the plugin; the tests that write captures
#                        through libpcap (not instrumented) are left out
#
# Every configuration is built with -Werror, the Wireshark plugin and the fuzz
# harnesses.  Build folders are reused, so a second run only rebuilds what
# changed.  Usage: scripts/check.sh [gcc] [clang] [asan] [msan]   (default: all)
# Exits non-zero when any configuration fails to configure, build or pass.
# The last line of the output is "N passed, M failed".
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

jobs=${ALB_JOBS:-2}

# Some tests run tshark as an unprivileged user (it ignores plugin folders
# when run as root), which must be able to read the build folders.
umask 022

# name  folder  compiler  extra CMake options
all_configs=(
    "gcc   build       gcc   -DALB_SANITIZE=OFF"
    "clang build-clang clang -DALB_SANITIZE=OFF"
    "asan  build-asan  clang -DALB_SANITIZE=ON"
    "msan  build-msan  clang -DALB_MSAN=ON"
)

selected=("$@")
if (( ${#selected[@]} == 0 )); then
    selected=(gcc clang asan msan)
fi
for want in "${selected[@]}"; do
    case $want in
        gcc|clang|asan|msan) ;;
        *) echo "check: unknown configuration '$want' (choose from gcc, clang, asan, msan)" >&2; exit 2 ;;
    esac
done

./scripts/setup.sh || { echo "check: set-up failed" >&2; exit 1; }

# Sanitizer settings for the asan configuration; values from the caller's
# environment come last and win.
asan_options="halt_on_error=1:abort_on_error=0:detect_leaks=1:print_stacktrace=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
ubsan_options="halt_on_error=1:print_stacktrace=1"
msan_options="halt_on_error=1:print_stacktrace=1"

total_pass=0
total_fail=0
summary=()

banner() { printf '\n==== %s ====\n' "$*"; }

# configure NAME DIR COMPILER OPTIONS...
configure() {
    local dir=$2 cc=$3 cc_path cached
    shift 3
    if ! cc_path=$(command -v "$cc"); then
        echo "check: compiler '$cc' not found" >&2
        return 1
    fi
    # CMake refuses to switch compilers in an existing build folder: start
    # that folder afresh when it was configured with another one.
    if [[ -f "$dir/CMakeCache.txt" ]]; then
        cached=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$dir/CMakeCache.txt")
        if [[ "$cached" != "$cc_path" ]]; then
            echo "check: $dir/ was configured with '$cached'; reconfiguring it with $cc_path"
            rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
        fi
    fi
    cmake -S . -B "$dir" \
        -DCMAKE_C_COMPILER="$cc_path" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DALB_WERROR=ON \
        -DALB_BUILD_DISSECTOR=ON \
        -DALB_BUILD_FUZZ=ON \
        "$@"
}

# attr FILE NAME: first value of the XML attribute NAME="…" in FILE.
attr() { grep -o -m1 "$2=\"[0-9]*\"" "$1" | head -n 1 | tr -dc '0-9'; }

# run_ctest NAME DIR: runs the suite, adds to the totals and the summary.
run_ctest() {
    local name=$1 dir=$2 log junit rc tests fail skip line pass
    log="$dir/check-ctest.log"
    junit="$dir/check-junit.xml"
    rm -f "$junit"
    local env_cmd=(env)
    if [[ $name == asan ]]; then
        env_cmd+=("ASAN_OPTIONS=${asan_options}${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
                  "UBSAN_OPTIONS=${ubsan_options}${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}")
    elif [[ $name == msan ]]; then
        env_cmd+=("MSAN_OPTIONS=${msan_options}${MSAN_OPTIONS:+:$MSAN_OPTIONS}")
    fi
    # --no-tests=ignore: a configuration without tests is not a failure.
    "${env_cmd[@]}" ctest --test-dir "$dir" --output-on-failure -j "$jobs" \
        --no-tests=ignore --timeout 900 --output-junit "$PWD/$junit" \
        </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}

    tests='' fail='' skip=0
    if [[ -s "$junit" ]]; then
        tests=$(attr "$junit" tests)
        fail=$(attr "$junit" failures)
        skip=$(( $(attr "$junit" skipped) + $(attr "$junit" disabled) ))
    fi
    if [[ -z "$tests" || -z "$fail" ]]; then
        # No JUnit report: read ctest's own summary line,
        # "100% tests passed, 0 tests failed out of 12" (or "1 test failed").
        line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
        if [[ -n "$line" ]]; then
            fail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
            tests=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
        else
            tests=0 fail=0
        fi
    fi
    if (( rc != 0 && fail == 0 )); then
        fail=1    # ctest failed but no test is marked failed: count it once
        (( tests == 0 )) && tests=1
    fi
    pass=$(( tests - fail - skip ))
    (( pass < 0 )) && pass=0
    total_pass=$(( total_pass + pass ))
    total_fail=$(( total_fail + fail ))
    if (( tests == 0 )); then
        summary+=("$(printf '%-6s %-13s no tests registered' "$name" "$dir/")")
    else
        summary+=("$(printf '%-6s %-13s %d passed, %d failed' "$name" "$dir/" "$pass" "$fail")")
        (( skip > 0 )) && summary[-1]+=", $skip skipped"
    fi
    return 0
}

for entry in "${all_configs[@]}"; do
    read -r name dir cc opts <<<"$entry"
    case " ${selected[*]} " in *" $name "*) ;; *) continue ;; esac
    start=$SECONDS

    banner "$name: configure ($dir/)"
    # shellcheck disable=SC2086  # opts is a word list on purpose
    if ! configure "$name" "$dir" "$cc" $opts; then
        summary+=("$(printf '%-6s %-13s configure FAILED (counted as 1 failure)' "$name" "$dir/")")
        total_fail=$(( total_fail + 1 ))
        continue
    fi

    banner "$name: build ($dir/)"
    if ! cmake --build "$dir" -j "$jobs"; then
        summary+=("$(printf '%-6s %-13s build FAILED (counted as 1 failure)' "$name" "$dir/")")
        total_fail=$(( total_fail + 1 ))
        continue
    fi

    banner "$name: test ($dir/)"
    run_ctest "$name" "$dir"
    summary[-1]+=" ($(( SECONDS - start ))s)"
done

banner "summary"
printf '%s\n' "${summary[@]}"
printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
(( total_fail == 0 ))
