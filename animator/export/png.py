"""Render one frame of a scene to a PNG, headless, with the very widget the player shows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from animator.engine.timeline import Timeline

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


def ensure_gui_app() -> QApplication:
    """A QApplication for drawing; offscreen when no display is needed or available."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from animator.ui.theme import load_fonts

    app = QApplication.instance() or QApplication([])
    load_fonts()
    return app


def render_png(
    timeline: Timeline,
    t: float,
    out: Path,
    size: tuple[int, int] = (1280, 720),
    theme: str = "light",
    palette: str = "standard",
    text_scale: float = 1.0,
) -> None:
    """Draw the stage at time ``t`` into ``out`` at ``size`` pixels, in the named theme and
    protocol palette, with text at ``text_scale`` (1.5 is the player's 150% text size)."""
    ensure_gui_app()
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    from animator.ui.stage import StageView
    from animator.ui.theme import PALETTES, THEMES

    view = StageView(theme=THEMES[theme])
    # Shown (invisibly) so Qt lays out the viewport at the requested size, as on screen.
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(*size)
    view.show()
    view.set_looks(PALETTES[palette], text_scale)
    view.set_timeline(timeline)
    view.show_frame(timeline.state_at(t))
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(view.theme.color("background"))
    painter = QPainter(image)
    view.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    view.close()
    view.deleteLater()
    if not image.save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
