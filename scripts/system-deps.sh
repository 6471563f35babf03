#!/usr/bin/env bash
# Debian packages PacketStage needs, in two tiers: "test" (offscreen rendering, the test suite, Xvfb for
# the smoke test) and "run" (a real window: the xcb platform plugin's libraries; libpcap0.8 for capture filters).
# The test tier also has tshark (the suite checks that exported captures dissect cleanly), and what the
# export tests look with: chromium (the HTML player), libreoffice-impress (PPTX), poppler-utils (PDF)
# and ffmpeg's ffprobe (video); libatomic1 for the Node.js that Playwright ships (found on a pristine
# Debian 12 by scripts/fresh-machine.sh: this machine had it already).
# As root it installs what is missing; otherwise it prints the exact apt-get line and fails.
set -euo pipefail
tier=${1:-run}
test_pkgs="libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 libdbus-1-3 fonts-dejavu-core"
run_pkgs="$test_pkgs libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libpcap0.8"
test_tools="xvfb xauth desktop-file-utils nsis shellcheck tshark chromium libreoffice-impress poppler-utils ffmpeg libatomic1"
case "$tier" in
  test) wanted="$run_pkgs $test_tools" ;;
  # Building the .deb: PyInstaller needs objdump (binutils) and the Python shared library it bundles
  # (libpython3.X), which a pristine Debian lacks (found by scripts/fresh-machine.sh).
  package) wanted="$run_pkgs $test_tools binutils libpython$(${PYTHON:-python3} -c 'import sys; print("%d.%d" % sys.version_info[:2])')" ;;
  run) wanted="$run_pkgs" ;;
  *) echo "usage: $0 [test|package|run]" >&2; exit 2 ;;
esac
command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian-based system: install Qt 6's runtime libraries (EGL, xkbcommon, fontconfig, xcb) with your package manager" >&2; exit 0; }
missing=""
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in $wanted; do
  # Ubuntu 24.04 renamed some libraries for the 64-bit time_t transition (libglib2.0-0t64).
  installed "$p" || installed "${p}t64" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  case " $missing " in
    # wireshark-common asks whether non-root users may capture; answer no up front so it never prompts.
    *" tshark "*) echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections ;;
  esac
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "PacketStage needs these Debian packages. Run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
