#!/usr/bin/env bash
# Build dist/packetstage_<version>_<arch>.deb: the PyInstaller one-folder bundle installed to
# /opt/packetstage, a 'packetstage' command on PATH, a menu entry with the app icon, and a
# MIME type so scene files open in PacketStage. Run from anywhere; needs the venv's
# pyinstaller (bash scripts/dev.sh package sets that up) and dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
arch=$(dpkg --print-architecture)

"$python" packaging/make_icons.py
"$python" -m PyInstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/pyinstaller packaging/packetstage.spec
# Strip debug symbols from our executable and the shared libraries, except those wheels vendor in
# *.libs/ folders (numpy.libs, av.libs, pillow.libs…): patchelf rewrote their headers, and GNU strip
# leaves them unloadable ("ELF load command address/offset not page-aligned").
find build/dist/packetstage -type f \( -name "*.so" -o -name "*.so.*" -o -name packetstage \) -not -path "*.libs/*" -print0 \
  | xargs -0 -r strip --strip-unneeded
echo "bundle: $(du -sm build/dist/packetstage | cut -f1) MB unpacked"

root=build/deb/root
rm -rf "$root"
install -d "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" "$root/usr/share/mime/packages" \
  "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/doc/packetstage"
cp -a build/dist/packetstage "$root/opt/packetstage"
ln -s /opt/packetstage/packetstage "$root/usr/bin/packetstage"
install -m 644 packaging/linux/packetstage.desktop "$root/usr/share/applications/packetstage.desktop"
install -m 644 packaging/linux/packetstage-mime.xml "$root/usr/share/mime/packages/packetstage.xml"
install -m 644 assets/icons/app.svg "$root/usr/share/icons/hicolor/scalable/apps/packetstage.svg"
for size in 16 32 48 64 128 256 512; do
  install -d "$root/usr/share/icons/hicolor/${size}x${size}/apps"
  install -m 644 "build/icons/packetstage-$size.png" "$root/usr/share/icons/hicolor/${size}x${size}/apps/packetstage.png"
done
install -m 644 LICENSE "$root/usr/share/doc/packetstage/copyright"

# What Qt's xcb platform plugin loads from the system (the bundle carries Qt itself).
depends="libc6, libegl1, libgl1, libfontconfig1, libfreetype6, libglib2.0-0, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3"
depends="$depends, libx11-xcb1, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0"
depends="$depends, libxcb-shape0, libxcb-randr0, libxcb-xinerama0, libxcb-xkb1"
cat > "$root/DEBIAN/control" <<CONTROL
Package: packetstage
Version: $version
Architecture: $arch
Maintainer: PacketStage authors <packetstage@users.noreply.github.com>
Installed-Size: $(du -sk "$root" | cut -f1)
Depends: $depends
Section: education
Priority: optional
Homepage: https://github.com/packetstage/packetstage
Description: step-by-step animations of packets crossing a network
 PacketStage plays scene files as animations of packets crossing hosts,
 switches, routers, NAT gateways, firewalls, proxies and load balancers,
 for lectures on a projector and for students learning at their own pace.
CONTROL
for script in postinst postrm; do
  cat > "$root/DEBIAN/$script" <<'SCRIPT'
#!/bin/sh
set -e
# Refresh the menu, MIME and icon caches when the tools are there (they are optional).
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database /usr/share/mime || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
exit 0
SCRIPT
  chmod 755 "$root/DEBIAN/$script"
done

mkdir -p dist
deb="dist/packetstage_${version}_${arch}.deb"
dpkg-deb --build --root-owner-group -Zgzip "$root" "$deb" >/dev/null
echo "built $deb ($(du -m "$deb" | cut -f1) MB)"
