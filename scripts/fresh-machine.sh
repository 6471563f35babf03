#!/usr/bin/env bash
# Prove the install steps on a pristine Debian 12, so a green CI means a newcomer's machine works:
# CI runs on a machine where whatever was installed by hand is still present (that hid binutils
# for 'dev.sh package' once). This script:
#   1. makes a minimal Debian 12 (debootstrap --variant=minbase: python3, venv, git, CA certificates);
#   2. clones this checkout's HEAD into a copy of it and runs the README's two commands there
#      ('bash scripts/dev.sh test', then 'bash scripts/dev.sh run' with --exit-after under Xvfb),
#      then 'bash scripts/dev.sh package';
#   3. installs the built .deb with apt into a second pristine copy and opens the installed app
#      under Xvfb, and runs the package's smoke test there.
#   bash scripts/fresh-machine.sh [--skip-package]
# Needs root (chroot, mounts) and the package registries. The base system is cached in
# $FRESH_CACHE (default /var/tmp/packetstage-fresh/base.tar.gz) so later runs skip debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
skip_package=0
[ "${1:-}" = "--skip-package" ] && skip_package=1
[ "$(id -u)" = 0 ] || { echo "fresh-machine: needs root (chroot and mounts)" >&2; exit 1; }
command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

work=${FRESH_ROOT:-/var/tmp/packetstage-fresh}
cache=${FRESH_CACHE:-$work/base.tar.gz}
mkdir -p "$work"
mounted=()

unmount_all() {
  # make-rslave first: otherwise unmounting the chroot's rbind of /dev can propagate to the host's /dev.
  local dir
  for dir in "${mounted[@]}"; do
    for sub in dev sys proc; do
      if mountpoint -q "$dir/$sub"; then
        mount --make-rslave "$dir/$sub" 2>/dev/null || true
        umount -R "$dir/$sub" || umount -lR "$dir/$sub" || true
      fi
    done
  done
}
trap unmount_all EXIT

step() { printf '\n== fresh-machine: %s (%s)\n' "$1" "$(date +%T)"; }

if [ ! -f "$cache" ]; then
  step "debootstrap a minimal Debian 12"
  rm -rf "$work/base"
  debootstrap --variant=minbase --include=python3,python3-venv,git,ca-certificates bookworm "$work/base" >"$work/debootstrap.log"
  tar -C "$work/base" -czf "$cache" .
  rm -rf "$work/base"
fi

new_root() {  # new_root DIR: a fresh copy of the base, with what it needs to reach the registries
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -C "$dir" -xzf "$cache"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  # The registries are reached through a proxy whose CA is in the host's bundle, and pip is told so.
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
  [ -f /etc/pip.conf ] && cp /etc/pip.conf "$dir/etc/pip.conf"
  mount -t proc proc "$dir/proc"
  mount --rbind /dev "$dir/dev"
  mount --rbind /sys "$dir/sys"
  mounted+=("$dir")
}

step "a pristine machine: the README's commands"
dev=$work/dev
new_root "$dev"
git clone --quiet --no-local "$repo" "$dev/src"
git -C "$dev/src" checkout --quiet "$(git rev-parse HEAD)"
# The README's test command, exactly.
chroot "$dev" /bin/bash -c 'cd /src && CI=true bash scripts/dev.sh test -q -p no:cacheprovider'
# The README's run command: open the built-in scene, paint, quit by itself (Xvfb is in the test tier).
chroot "$dev" /bin/bash -c 'cd /src && xvfb-run -a bash scripts/dev.sh run --exit-after 3000'

if [ "$skip_package" = 1 ]; then
  step "done (package skipped)"
  exit 0
fi
step "build the .deb on the pristine machine"
chroot "$dev" /bin/bash -c 'cd /src && bash scripts/dev.sh package'
deb=$(find "$dev/src/dist" -maxdepth 1 -name 'packetstage_*.deb' | head -n 1)
[ -n "$deb" ] || { echo "fresh-machine: dev.sh package made no .deb" >&2; exit 1; }

step "install the .deb with apt on a second pristine machine and open it"
user=$work/user
new_root "$user"
cp "$deb" "$user/tmp/"
cp packaging/linux/smoke-test.sh "$user/tmp/smoke-test.sh"
name=$(basename "$deb")
chroot "$user" /bin/bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/$name xvfb xauth >/dev/null"
chroot "$user" /bin/bash -c "xvfb-run -a packetstage --exit-after 3000 /opt/packetstage/_internal/scenes/home-nat.yaml"
chroot "$user" /bin/bash -c "mkdir -p /tmp/s/packaging/linux /tmp/s/dist && cp /tmp/smoke-test.sh /tmp/s/packaging/linux/ && cp /tmp/$name /tmp/s/dist/ && bash /tmp/s/packaging/linux/smoke-test.sh /tmp/s/dist/$name"
step "done: the README's commands, the package build and the installed .deb all work on a pristine Debian 12"
