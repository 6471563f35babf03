#!/usr/bin/env bash
# Compile packaging/windows/packetstage.nsi on any OS against a dummy bundle (a fake
# packetstage.exe and a few files), failing on any error or warning (-WX). It checks the
# script, not the installer's behaviour on Windows. Takes no arguments. Skips (exit 0) when
# makensis is not installed (Debian: apt-get install nsis).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

if ! command -v makensis >/dev/null 2>&1; then
  echo "check-nsis: makensis not found, skipping (Debian: apt-get install -y nsis)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
payload=$tmp/packetstage
mkdir -p "$payload/_internal/assets"
printf 'MZ dummy\n' >"$payload/packetstage.exe"
printf 'MZ dummy\n' >"$payload/packetstage-cli.exe"
printf 'dummy\n' >"$payload/_internal/assets/readme.txt"

icon=$root/build/icons/packetstage.ico
if [ ! -f "$icon" ]; then
  icon=$tmp/packetstage.ico
  python=python3
  [ -x "$root/.venv/bin/python" ] && python=$root/.venv/bin/python
  if ! "$python" -c 'import PySide6' 2>/dev/null; then
    echo "check-nsis: no build/icons/packetstage.ico and no PySide6 to write a dummy one: run 'bash scripts/dev.sh test' once (creates .venv)" >&2
    exit 1
  fi
  QT_QPA_PLATFORM=offscreen "$python" - "$icon" <<'EOF'
import sys

from PySide6.QtGui import QColor, QGuiApplication, QImage

app = QGuiApplication([])
image = QImage(32, 32, QImage.Format.Format_ARGB32)
image.fill(QColor("#2b6cb0"))
if not image.save(sys.argv[1], "ICO"):
    sys.exit("check-nsis: could not write a dummy .ico (Qt's ICO image plugin missing?)")
EOF
fi

echo "check-nsis: makensis $(makensis -VERSION), dummy bundle in $payload, icon $icon"
out=$tmp/PacketStage-setup.exe
log=$tmp/makensis.log
status=0
makensis -V2 -WX -DVERSION=0.1.0 "-DSRCDIR=$payload" "-DOUTFILE=$out" "-DICON=$icon" \
  packaging/windows/packetstage.nsi >"$log" 2>&1 || status=$?
cat "$log"
if [ "$status" != 0 ]; then
  echo "check-nsis: makensis failed (exit $status)" >&2
  exit 1
fi
if grep -qi 'warning' "$log"; then
  echo "check-nsis: makensis reported warnings" >&2
  exit 1
fi
if [ ! -s "$out" ]; then
  echo "check-nsis: no installer written" >&2
  exit 1
fi
echo "check-nsis: OK, compiled with no warnings ($(wc -c <"$out") bytes)"
