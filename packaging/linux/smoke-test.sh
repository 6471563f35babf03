#!/usr/bin/env bash
# Smoke test of a built .deb, as a user gets it: install it, then run the installed
# 'packetstage' for --version, validate a bundled scene and render a frame offscreen.
#   bash packaging/linux/smoke-test.sh [dist/packetstage_*.deb]
# As root it installs the package into this machine (dpkg -i) and removes it afterwards, so
# the launcher on PATH, the menu entry and the MIME type are exercised for real; otherwise
# it unpacks into a scratch root and runs the bundle from there.
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=${1:-$(find dist -maxdepth 1 -name "packetstage_*.deb" -printf "%T@ %p\n" 2>/dev/null | sort -rn | head -n 1 | cut -d" " -f2-)}
[ -f "$deb" ] || { echo "smoke test: no .deb given or found in dist/ (build one with: make package)" >&2; exit 1; }
version=$(dpkg-deb -f "$deb" Version)
work=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg -P packetstage >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" = 0 ]; then
  dpkg -i "$deb" >/dev/null || { echo "smoke test: dpkg -i failed (missing dependencies?)" >&2; exit 1; }
  installed=1
  app=$(command -v packetstage) || { echo "smoke test: 'packetstage' is not on PATH after installing" >&2; exit 1; }
  scenes=/opt/packetstage/_internal/scenes
  test -f /usr/share/applications/packetstage.desktop
  test -f /usr/share/mime/packages/packetstage.xml
  test -f /usr/share/icons/hicolor/256x256/apps/packetstage.png
  if command -v desktop-file-validate >/dev/null 2>&1; then desktop-file-validate /usr/share/applications/packetstage.desktop; fi
else
  dpkg-deb -x "$deb" "$work/root"
  app=$work/root/opt/packetstage/packetstage
  scenes=$work/root/opt/packetstage/_internal/scenes
fi

fail() { echo "smoke test FAILED: $*" >&2; exit 1; }
out=$("$app" --version) || fail "--version exited with $?"
[ "$out" = "PacketStage $version" ] || fail "--version printed '$out', expected 'PacketStage $version'"
# The bundled scenes carry real packets: validating one runs the simulator and scapy from the bundle.
"$app" validate "$scenes/http-get.yaml" 2>"$work/validate.err" || { cat "$work/validate.err" >&2; fail "validate rejected the bundled http-get.yaml"; }
"$app" export "$scenes/http-get.yaml" --pcap "$work/traffic.pcapng" 2>"$work/export.err" \
  || { cat "$work/export.err" >&2; fail "export --pcap failed"; }
[ "$(stat -c %s "$work/traffic.pcapng")" -gt 1000 ] || fail "the exported capture is nearly empty"
QT_QPA_PLATFORM=offscreen "$app" render "$scenes/http-get.yaml" --step 3 --out "$work/frame.png" --size 960x540 \
  || fail "render exited with $?"
# A blank stage (background only) compresses to a few kB; a real frame with devices, links,
# labels and a caption is tens of kB. Check the PNG signature and size, then its pixels.
[ "$(head -c 8 "$work/frame.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "render did not write a PNG"
bytes=$(stat -c %s "$work/frame.png")
[ "$bytes" -gt 20000 ] || fail "rendered PNG is only $bytes bytes: the frame looks blank"
python=${PYTHON:-.venv/bin/python}
if "$python" -c "import PySide6" 2>/dev/null; then
  colours=$(QT_QPA_PLATFORM=offscreen "$python" - "$work/frame.png" <<'PY'
import sys
from PySide6.QtGui import QGuiApplication, QImage
app = QGuiApplication(sys.argv[:1])
image = QImage(sys.argv[1])
print(len({image.pixel(x, y) for y in range(0, image.height(), 5) for x in range(0, image.width(), 5)}))
PY
)
  [ "$colours" -gt 50 ] || fail "rendered frame has only $colours colours: it looks blank"
fi
# Every export format from the bundle: PyAV's FFmpeg libraries, python-pptx's templates and the HTML
# player's files are loaded at run time, so only an export proves the bundle carries them.
exports=""
for spec in "video:clip.mp4:ftyp" "gif:clip.gif:GIF89a" "html:page.html:<!DOCTYPE" "pdf:handout.pdf:%PDF" "pptx:slides.pptx:PK"; do
  IFS=: read -r format file magic <<<"$spec"
  QT_QPA_PLATFORM=offscreen "$app" export "$scenes/http-get.yaml" "--$format" "$work/$file" --steps 0-2 2>"$work/$format.err" \
    || { cat "$work/$format.err" >&2; fail "export --$format failed"; }
  head -c 64 "$work/$file" | grep -aq -- "$magic" || fail "export --$format wrote no ${magic} file"
  exports="$exports $format"
done
# The class server (aiohttp and segno, imported only by 'share'): start it from the bundle, fetch the
# student page over loopback with bash's /dev/tcp (no client needed), stop it.
port=18765
"$app" share "$scenes/http-get.yaml" --bind 127.0.0.1 --port "$port" >"$work/share.out" 2>&1 &
share=$!
page=""
for _ in $(seq 50); do
  if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >&3
    page=$(cat <&3)
    exec 3<&-
    break
  fi
  sleep 0.2
done
kill "$share" 2>/dev/null || true
wait "$share" 2>/dev/null || true  # it ends by the signal: not a failure
if ! grep -q "^HTTP/1.[01] 200" <<<"$page" || ! grep -q "<!DOCTYPE html>" <<<"$page"; then
  cat "$work/share.out" >&2
  fail "share did not serve the student page"
fi
echo "smoke test passed: $deb ($version): --version, validate, export --pcap, render (${bytes} bytes), export${exports} and share from the installed package"
