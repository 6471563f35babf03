"""Render one frame of a scene to a PNG, headless, with the very widget the player shows."""

from __future__ import annotations

import json
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


class StageRenderer:
    """One offscreen stage, reused for many frames (``render --step all`` draws a whole scene in
    one process: the fonts, icons and layout are made once)."""

    def __init__(
        self,
        timeline: Timeline,
        size: tuple[int, int] = (1280, 720),
        theme: str = "light",
        palette: str = "standard",
        text_scale: float = 1.0,
    ) -> None:
        ensure_gui_app()
        from PySide6.QtCore import Qt

        from animator.ui.stage import StageView
        from animator.ui.theme import PALETTES, THEMES

        self.timeline, self.size = timeline, size
        self.view = view = StageView(theme=THEMES[theme])
        # Shown (invisibly) so Qt lays out the viewport at the requested size, as on screen.
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.resize(*size)
        view.show()
        view.set_looks(PALETTES[palette], text_scale)
        view.set_timeline(timeline)

    def render(self, t: float, out: Path) -> None:
        """Draw the stage at time ``t`` into ``out`` (written to a temporary file, then renamed)."""
        from PySide6.QtGui import QImage, QPainter

        view = self.view
        view.show_frame(self.timeline.state_at(t))
        image = QImage(self.size[0], self.size[1], QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(view.theme.color("background"))
        painter = QPainter(image)
        try:
            view.render(painter)
        finally:
            painter.end()
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        if not image.save(str(partial), "PNG"):
            partial.unlink(missing_ok=True)
            raise OSError(f"could not write {out}")
        os.replace(partial, out)

    def boxes_json(self, step: int) -> dict[str, object]:
        """The ``--boxes`` description of a pause point: every box, its text size and colours."""
        from animator import looks
        from animator.layout.boxes import describe

        view = self.view
        assert view.stage_layout is not None
        frame = view.stage_layout.lay_out(self.timeline.state_at(self.timeline.boundary(step)), view.hidden_traffic)
        palette = looks.PALETTES[view.protocol_palette.name]
        return describe(frame.boxes, self.size, step, view.text_scale, view.theme, palette)

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()


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
    renderer = StageRenderer(timeline, size, theme, palette, text_scale)
    try:
        renderer.render(t, out)
    finally:
        renderer.close()


def render_steps(renderer: StageRenderer, out_dir: Path, boxes: bool = False) -> list[Path]:
    """Every pause point as ``step-00.png`` … (step 0: before anything moves), and with ``boxes``
    a ``step-NN.json`` beside each; returns the PNGs written."""
    timeline = renderer.timeline
    digits = max(2, len(str(timeline.step_count)))
    written = []
    for step in range(timeline.step_count + 1):
        png = out_dir / f"step-{step:0{digits}d}.png"
        renderer.render(timeline.boundary(step), png)
        written.append(png)
        if boxes:
            target = png.with_suffix(".json")
            partial = target.with_name(f".{target.name}.partial")
            partial.write_text(json.dumps(renderer.boxes_json(step), ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(partial, target)
    return written
