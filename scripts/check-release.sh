#!/usr/bin/env bash
# Runs the README's two commands, scripts/demo.sh and scripts/check.sh, on
# another Debian release, in a minimal chroot of that release, against a
# clean clone of this checkout's HEAD (uncommitted changes are not part of
# it).
#
#   scripts/check-release.sh RELEASE [CONFIG...]
#
# RELEASE is bookworm (Debian 12), trixie (Debian 13) or sid (unstable);
# CONFIG are check.sh's configurations (default: gcc).  Needs root (for
# mmdebstrap, mount and chroot).
#
# The chroot is made with mmdebstrap on first use and kept in
# $ALB_CHROOT_DIR/RELEASE (default /var/cache/albatross-wire/chroots), so
# that later runs reuse it and the packages set-up installed into it.
# Remove that folder to start from a fresh release.  Inside, both run with
# a clean environment; tshark runs unprivileged there through setpriv,
# as on the host, which needs /proc: it is mounted for the run and unmounted
# on the way out, also on failure or interruption.
# The last line on standard output is check.sh's "N passed, M failed";
# the time taken goes to standard error.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "check-release: $*" >&2; exit 1; }

usage="usage: scripts/check-release.sh bookworm|trixie|sid [gcc] [clang] [asan] [msan]"
(( $# >= 1 )) || die "$usage"
release=$1
shift
configs=("$@")
(( ${#configs[@]} > 0 )) || configs=(gcc)

mmdebstrap_opts=(--variant=apt --include=git,ca-certificates)
case $release in
    bookworm|trixie) ;;
    # The archive's Release file for unstable may be past its Valid-Until.
    sid) mmdebstrap_opts+=(--aptopt='Acquire::Check-Valid-Until "false"') ;;
    *) die "unknown release '$release'; $usage" ;;
esac
for c in "${configs[@]}"; do
    case $c in
        gcc|clang|asan|msan) ;;
        *) die "unknown configuration '$c'; $usage" ;;
    esac
done
(( EUID == 0 )) || die "needs root, for mmdebstrap, mount and chroot"

if ! command -v mmdebstrap >/dev/null; then
    echo "check-release: installing mmdebstrap"
    { apt-get update -q >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null; } ||
        die "could not install mmdebstrap"
fi

cache=${ALB_CHROOT_DIR:-/var/cache/albatross-wire/chroots}
root=$cache/$release
mkdir -p "$cache"

# One run per chroot at a time.
exec 9>"$root.lock"
flock -n 9 || die "$root is in use by another run (lock $root.lock)"

start=$SECONDS
if [[ ! -x "$root/usr/bin/git" ]]; then
    echo "check-release: creating a $release chroot in $root"
    rm -rf "$root.tmp"
    mmdebstrap "${mmdebstrap_opts[@]}" "$release" "$root.tmp" ||
        die "mmdebstrap $release failed"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    echo "check-release: chroot created in $((SECONDS - start)) s"
else
    echo "check-release: reusing the $release chroot in $root"
fi
# Name resolution for apt inside the chroot.
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]]; then
    echo "check-release: note: uncommitted changes are not part of the clone"
fi
src=/src/albatross-wire
rm -rf "$root$src"
mkdir -p "$root/src"
git clone -q --no-hardlinks "$repo" "$root$src"
echo "check-release: testing $(git -C "$root$src" log -1 --format='%h %s' | cut -c1-72)"

mounted=
cleanup() {
    if [[ -n "$mounted" ]]; then
        umount "$root/proc" || umount -l "$root/proc" ||
            echo "check-release: could not unmount $root/proc" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! mountpoint -q "$root/proc"; then
    mount -t proc proc "$root/proc"
    mounted=1
fi

status=0
chroot "$root" /usr/bin/env -i \
    HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${ALB_JOBS:+ALB_JOBS=$ALB_JOBS} \
    /bin/bash -c 'cd "$1" && shift && ./scripts/demo.sh && exec ./scripts/check.sh "$@"' \
    check-release "$src" "${configs[@]}" </dev/null || status=$?
echo "check-release: $release took $((SECONDS - start)) s (exit $status)" >&2
exit "$status"
