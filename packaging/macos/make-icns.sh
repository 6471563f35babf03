#!/usr/bin/env bash
# Build build/icons/packetstage.icns from the PNGs packaging/make_icons.py writes
# (build/icons/packetstage-{16,32,64,128,256,512,1024}.png). macOS only: needs iconutil.
# Run from anywhere; run before pyinstaller, which puts the .icns into PacketStage.app.
set -euo pipefail
cd "$(dirname "$0")/../.."

icons=build/icons
iconset=$icons/packetstage.iconset
command -v iconutil >/dev/null 2>&1 || { echo "make-icns: iconutil not found (it ships with macOS)" >&2; exit 1; }

rm -rf "$iconset"
mkdir -p "$iconset"
# iconset name -> pixel size of the PNG it is
for entry in 16x16:16 16x16@2x:32 32x32:32 32x32@2x:64 128x128:128 128x128@2x:256 \
  256x256:256 256x256@2x:512 512x512:512 512x512@2x:1024; do
  name=${entry%%:*}
  png=$icons/packetstage-${entry##*:}.png
  if [ ! -f "$png" ]; then
    echo "make-icns: $png missing: run 'python packaging/make_icons.py' first" >&2
    exit 1
  fi
  cp "$png" "$iconset/icon_$name.png"
done
iconutil -c icns -o "$icons/packetstage.icns" "$iconset"
rm -rf "$iconset"
echo "wrote $icons/packetstage.icns"
