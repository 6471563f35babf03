"""Rasterise assets/icons/app.svg into the icon files installers need.

Writes build/icons/packetstage-{16..1024}.png (Linux hicolor theme, macOS iconset) and
build/icons/packetstage.ico (Windows, written by Qt's ICO plugin).
Run from anywhere: ``python packaging/make_icons.py``. Needs no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs it alive
    renderer = QSvgRenderer(str(ROOT / "assets" / "icons" / "app.svg"))
    if not renderer.isValid():
        print("assets/icons/app.svg is not a valid SVG", file=sys.stderr)
        return 1
    out = ROOT / "build" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    images = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        images[size] = image
        if not image.save(str(out / f"packetstage-{size}.png")):
            print(f"could not write packetstage-{size}.png", file=sys.stderr)
            return 1
    # Qt's ICO writer stores a single image; one 256 px image is a valid icon that Windows
    # scales down for the Start menu and Explorer.
    writer = QImageWriter(str(out / "packetstage.ico"), b"ico")
    if not writer.write(images[256]):
        print(f"could not write packetstage.ico: {writer.errorString()}", file=sys.stderr)
        return 1
    print(f"icons written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
