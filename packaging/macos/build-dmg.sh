#!/usr/bin/env bash
# Pack dist/PacketStage.app (built by: pyinstaller --noconfirm packaging/packetstage.spec)
# into dist/PacketStage-<version>.dmg, with an /Applications link to drag it onto.
# The version is read from pyproject.toml. macOS only: needs hdiutil.
set -euo pipefail
cd "$(dirname "$0")/../.."

app=dist/PacketStage.app
[ -d "$app" ] || { echo "build-dmg: $app not found: run 'pyinstaller --noconfirm packaging/packetstage.spec' first" >&2; exit 1; }
command -v hdiutil >/dev/null 2>&1 || { echo "build-dmg: hdiutil not found (it ships with macOS)" >&2; exit 1; }

python=${PYTHON:-python3}
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
dmg=dist/PacketStage-$version.dmg

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
ditto "$app" "$stage/PacketStage.app"
ln -s /Applications "$stage/Applications"

hdiutil create -volname PacketStage -srcfolder "$stage" -ov -format UDZO "$dmg"
hdiutil verify "$dmg"
echo "wrote $dmg"
