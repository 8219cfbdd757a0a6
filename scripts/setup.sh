#!/usr/bin/env bash
# Installs the Debian packages needed to build, test and fuzz the project,
# on Debian 12 (bookworm), Debian 13 (trixie) and Debian unstable (sid).
#
# Only packages that are missing are installed, so running it again is cheap
# and changes nothing.  Installing needs root; when everything is present it
# runs as any user.  Never asks a question (suitable for CI without stdin).
set -euo pipefail

# Installed with their recommended packages.
packages=(
    build-essential cmake pkg-config
    # libclang-rt-dev is the sanitizer runtime of the release's default
    # clang (libclang-rt-14-dev on bookworm, -19- on trixie).
    clang libclang-rt-dev afl++
    libpcap-dev
    # libwireshark-dev's headers include glib's and, from Wireshark 4.2 on,
    # gcrypt's (wsutil/wsgcrypt.h), but the package pulls in neither.
    libwireshark-dev libglib2.0-dev libgcrypt20-dev tshark
    jq valgrind
    util-linux   # setpriv, used to run tshark unprivileged in tests
)
# Installed without recommends: wireshark-dev would otherwise pull in the
# whole desktop application.  It ships Wireshark's CMake package config.
packages_norec=(wireshark-dev)

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian 12 (bookworm), 13 (trixie) and unstable (sid) only"

release=unknown
if [[ -r /etc/os-release ]]; then
    release=$(. /etc/os-release && printf '%s' "${PRETTY_NAME:-${ID:-unknown}}")
fi

installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
missing_norec=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done
for p in "${packages_norec[@]}"; do
    installed "$p" || missing_norec+=("$p")
done

total=$(( ${#packages[@]} + ${#packages_norec[@]} ))
if (( ${#missing[@]} == 0 && ${#missing_norec[@]} == 0 )); then
    log "all ${total} required packages are installed"
    exit 0
fi

all_missing=("${missing[@]}" "${missing_norec[@]}")
log "missing: ${all_missing[*]}"
if [[ "$(id -u)" -ne 0 ]]; then
    die "these packages are missing and installing them needs root: ${all_missing[*]}
       run this script as root (e.g. sudo $0), or install them yourself with apt-get"
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found"

export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg run instead of failing at once.
apt_opts=(-y -q -o DPkg::Lock::Timeout=600)

# tshark's package asks whether non-root users may capture; answer "no".
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections

log "apt-get update"
apt-get "${apt_opts[@]}" update </dev/null

# Check the archive carries every package before asking for any, so that
# what this release lacks is named rather than hidden in an apt error.
unavailable=()
for p in "${all_missing[@]}"; do
    if [[ -z "$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)' || true)" ]]; then
        unavailable+=("$p")
    fi
done
if (( ${#unavailable[@]} > 0 )); then
    die "not available from the apt sources of ${release}: ${unavailable[*]}
       (every package is in the main archive of Debian 12, 13 and unstable)"
fi

if (( ${#missing[@]} > 0 )); then
    log "installing ${missing[*]}"
    apt-get "${apt_opts[@]}" install "${missing[@]}" </dev/null
fi
if (( ${#missing_norec[@]} > 0 )); then
    log "installing ${missing_norec[*]} (without recommended packages)"
    apt-get "${apt_opts[@]}" install --no-install-recommends "${missing_norec[@]}" </dev/null
fi

still=()
for p in "${packages[@]}" "${packages_norec[@]}"; do
    installed "$p" || still+=("$p")
done
(( ${#still[@]} == 0 )) || die "still missing after installation: ${still[*]}"
log "all ${total} required packages are installed"
