"""Render one frame of a scene to a PNG, headless, with the very compositor the player's stage draws with.

``StageRenderer`` makes no widget: it lays the scene out for the image's size (``StageLayout``,
as a stage of that size does at zoom 1) and paints each frame with ``animator.render``'s
``StageCompositor`` and ``ChipSprites``, the two things ``StageView`` draws with, in the same
order. So an exported image is the stage's picture pixel for pixel
(``tests/ui/test_render.py`` compares it with a shown stage and with reference images).
A scene with a TCP graph (``Timeline.tcp_graph``) gets it beside the stage, as the player shows
it: the stage takes the left ``STAGE_SHARE`` of the image and ``render.tcp_graph`` paints the
graph in the rest, so PNGs, videos, GIFs and slides of a congestion-control lesson carry it.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

from animator.export.base import LOOK_OPTIONS, Exporter, ExportOptions, ExportSource, Progress, step_file_name
from animator.files import WriteError, atomic_folder, write_atomic

if TYPE_CHECKING:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from animator.engine.frame import Frame
    from animator.engine.timeline import Timeline
    from animator.layout.boxes import Box


def ensure_gui_app() -> QApplication:
    """A QApplication for drawing; offscreen when no display is needed or available."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from animator.render.theme import load_fonts

    app = QApplication.instance() or QApplication([])
    load_fonts()
    return cast("QApplication", app)  # instance() is typed as the QCoreApplication it may in theory be


#: The share of an image's width the stage keeps when the scene has a TCP graph beside it.
STAGE_SHARE = 0.64


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
        from animator.layout.stage import StageLayout
        from animator.render.chips import ChipSprites
        from animator.render.stage import StageCompositor, StageGeometry
        from animator.render.theme import PALETTES, THEMES

        self.timeline, self.size = timeline, size
        self.theme, self.palette, self.text_scale = THEMES[theme], PALETTES[palette], text_scale
        #: The TCP graph drawn beside the stage, if the scene has one.
        self.graph = timeline.tcp_graph()
        stage = (round(size[0] * STAGE_SHARE), size[1]) if self.graph is not None else size
        #: The layout a stage of ``stage`` pixels makes (the stage at zoom 1 maps its pixels one to one).
        self.layout = StageLayout(timeline, stage, text_scale)
        self.compositor: StageCompositor | None = StageCompositor(self.layout, self.theme, self.palette)
        self.sprites = ChipSprites(self.layout, self.theme, self.palette)
        self.geometry = StageGeometry(*stage)
        self.frame: Frame | None = None
        #: The boxes of the frame drawn last (no chips: those are drawn by ``sprites``).
        self.boxes: list[Box] = []

    def show_frame(self, frame: Frame) -> None:
        """Make ``frame`` the one drawn (its boxes are laid out again only when they changed)."""
        from animator.render.stage import backdrop_changed

        if self.frame is None or backdrop_changed(self.frame, frame):
            self.boxes = self.layout.boxes(frame, chips=False)
            assert self.compositor is not None
            self.compositor.invalidate()
        self.frame = frame

    def render(self, t: float, out: Path) -> None:
        """Draw the stage at time ``t`` into ``out`` (written to a temporary file, then renamed).

        ``out``'s folder must exist: a mistyped path is the caller's error to report, not a
        folder tree to create. A symlink at ``out`` is replaced, not written through.
        """
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        image = self.image(t)
        # Encoded in memory, then written all or nothing: a full disk leaves an old image as it was.
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6's stub says the format is bytes; at run time only a str is accepted (bytes: ValueError).
        saved = image.save(buffer, "PNG")  # type: ignore[call-overload]
        buffer.close()
        if not saved:
            raise WriteError(errno.EIO, "could not encode the image as PNG", str(out))
        write_atomic(out, bytes(data.data()))

    def image(self, t: float) -> QImage:
        """The stage at time ``t`` as an image of ``size`` pixels: what video, GIF and PPTX encode."""
        from PySide6.QtGui import QImage, QPainter

        from animator.render.chips import at_pause

        assert self.compositor is not None, "the renderer is closed"
        frame = self.timeline.state_at(t)
        self.show_frame(frame)
        image = QImage(self.size[0], self.size[1], QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(self.theme.color("background"))
        painter = QPainter(image)
        try:
            # What the stage's drawBackground and its packet item draw, in that order.
            self.compositor.paint(painter, self.geometry, frame, self.boxes, frozenset())
            painter.setRenderHints(self.compositor.hints)
            self.sprites.paint(painter, frame.packets, frame.step, at_pause(self.layout, frame))
            if self.graph is not None:
                self._paint_graph(painter, t)
        finally:
            painter.end()
        return image

    def _paint_graph(self, painter: QPainter, t: float) -> None:
        """The TCP graph in the image's right part, its text as big as the stage's small text."""
        from PySide6.QtCore import QRectF

        from animator.layout.stage import size_factor
        from animator.render.tcp_graph import paint_tcp_graph

        left = self.geometry.width
        margin = round(12 * size_factor(self.size))
        rect = QRectF(left, margin, self.size[0] - left - margin, self.size[1] - 2 * margin)
        painter.resetTransform()
        painter.setClipping(False)
        scale = size_factor(self.size) * self.text_scale
        if self.graph is not None:
            paint_tcp_graph(painter, rect, self.graph, t, self.theme, scale)

    def boxes_json(self, step: int) -> dict[str, object]:
        """The ``--boxes`` description of a pause point: every box, its text size and colours."""
        from animator import looks
        from animator.layout.boxes import describe

        frame = self.layout.lay_out(self.timeline.state_at(self.timeline.boundary(step)), frozenset())
        palette = looks.PALETTES[self.palette.name]
        return describe(frame.boxes, self.size, step, self.text_scale, self.theme, palette)

    def close(self) -> None:
        """Free the cached layers now (a deck's stages, ~16 MB each at 1080p, would otherwise stay
        until the garbage collector found them)."""
        if self.compositor is not None:
            self.compositor.release()
        self.compositor = None


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
    a ``step-NN.json`` beside each; returns the PNGs written. ``out_dir`` is created if missing,
    but its parent must exist."""
    timeline = renderer.timeline
    try:
        out_dir.mkdir(exist_ok=True)  # the folder itself, not its parents: those must exist
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(out_dir)) from None
    digits = max(2, len(str(timeline.step_count)))
    written = []
    for step in range(timeline.step_count + 1):
        png = out_dir / f"step-{step:0{digits}d}.png"
        renderer.render(timeline.boundary(step), png)
        written.append(png)
        if boxes:
            write_atomic(png.with_suffix(".json"), json.dumps(renderer.boxes_json(step), ensure_ascii=False, indent=1))
    return written


def _export_png(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    """``export --png DIR``: one image per pause point, named as ``render --step all`` names them;
    a deck's scenes are numbered by chapter (``01-step-00.png``) so the files sort in lecture order.
    The images are made in a temporary folder and moved in at the end, so a cancel changes nothing."""
    total = source.step_total()
    done = 0
    with atomic_folder(out) as folder:
        for chapter_number, chapter in enumerate(source.chapters, start=1):
            renderer = StageRenderer(chapter.timeline, options.size, options.theme, options.palette, options.scale)
            try:
                for step in chapter.steps():
                    progress(done, total, f"{chapter.title}: step {step}")
                    renderer.render(
                        chapter.timeline.boundary(step), folder / step_file_name(source, chapter_number, step, ".png")
                    )
                    done += 1
            finally:
                renderer.close()
    progress(total, total, "done")
    return f"wrote {total} image(s) to {out}"


EXPORTER = Exporter(
    key="png",
    label="Images (PNG), one per step…",
    help="a folder of PNG images, one per pause point",
    suffixes=(),
    folder=True,
    export=_export_png,
    options=LOOK_OPTIONS,
)
