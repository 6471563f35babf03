"""The stage at one moment, painted as vector drawing onto any QPaintDevice: a PDF page, an SVG file, an image.

The stage's compositor (``animator.render.stage``) keeps cached pixmaps (the backdrop and the label
layer) so a frame costs a blit; painted into a ``QPdfWriter`` or ``QSvgGenerator`` those caches would turn every page
into one big raster image: text no longer selectable, icons blurred when zoomed. This module
paints the same layout boxes (``animator.layout.StageLayout``) with the same ``BoxPainter``
straight through QPainter instead, in the order the stage composes its layers (label layer,
highlighted links, network, overlays, then chips on top), with the icons drawn from their SVGs.
So a handout page is what the stage shows, only as paths and text; ``tests/export/test_vector.py``
rasterises it and compares it with the stage's own PNG.

No widget is involved: the layout alone decides where everything goes (the stage at zoom 1 maps
layout pixels to viewport pixels one to one), and nothing here depends on a window or a screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

# Only the exporters import this module, and only when they run: Qt at the top is fine here.
from PySide6.QtGui import QFont, QPaintDevice, QPainter

if TYPE_CHECKING:
    from PySide6.QtCore import QRectF

    from animator.engine.frame import Frame
    from animator.engine.timeline import Timeline
    from animator.render.icons import IconPainter


LIGATURES = (QFont.Tag("liga"), QFont.Tag("clig"))


def without_ligatures(font: QFont) -> QFont:
    """``font`` drawing "fi" and "fl" as two letters. A PDF maps a ligature glyph back to the one
    character U+FB01, so a reader searching a handout for "first" would not find "ﬁrst"."""
    plain = QFont(font)
    for tag in LIGATURES:
        plain.setFeature(tag, 0)
    return plain


class TextPainter(QPainter):
    """A QPainter for export files: every font it is given is used ``without_ligatures`` (the
    stage's painters set their fonts through ``setFont``, so they need not know)."""

    def __init__(self, device: QPaintDevice) -> None:
        super().__init__(device)

    def setFont(self, font: QFont | str | Sequence[str]) -> None:  # noqa: N802 - Qt's name
        super().setFont(without_ligatures(font if isinstance(font, QFont) else QFont(font)))


class VectorStage:
    """One scene laid out at one size, text scale, theme and palette, ready to paint at any time.

    ``size`` is the stage's size in layout pixels (what decides how big text is next to the
    network, as for a window of that size); ``paint`` scales it into whatever rectangle the
    page or file has room for. ``icon_painter`` draws the device icons (by default from their
    SVGs, as paths; the SVG export places the icons' own markup instead, see ``svg.py``).
    """

    def __init__(
        self,
        timeline: Timeline,
        size: tuple[int, int] = (1280, 720),
        theme: str = "light",
        palette: str = "standard",
        text_scale: float = 1.0,
        icon_painter: IconPainter | None = None,
    ) -> None:
        from animator.export.png import ensure_gui_app

        ensure_gui_app()  # fonts (the bundled DejaVu the layout measured with) need an application
        from animator.layout.stage import StageLayout
        from animator.render.boxes import BoxPainter
        from animator.render.icons import paint_svg_icon
        from animator.render.theme import PALETTES, THEMES

        self.timeline = timeline
        self.size = size
        self.theme = THEMES[theme]
        self.palette = PALETTES[palette]
        self.layout = StageLayout(timeline, size, text_scale)
        self.box_painter = BoxPainter(self.layout, self.theme, self.palette, icon_painter or paint_svg_icon)

    def frame(self, step: int) -> Frame:
        """The frame at a pause point (step 0 is before anything moves)."""
        return self.timeline.state_at(self.timeline.boundary(step))

    def paint(self, painter: QPainter, t: float, target: QRectF | None = None) -> None:
        """Paint the stage at time ``t`` into ``target`` (device coordinates of ``painter``;
        the whole ``size`` at the origin when None), scaled to fit, clipped to it."""
        from PySide6.QtCore import QRectF

        from animator.render.boxes import qrect
        from animator.render.chips import paint_chip

        w, h = self.size
        target = QRectF(0, 0, w, h) if target is None else target
        frame = self.timeline.state_at(t)
        layout, boxes_painter, theme = self.layout, self.box_painter, self.theme
        boxes = layout.boxes(frame)
        painter.save()
        try:
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
            painter.translate(target.topLeft())
            painter.scale(target.width() / w, target.height() / h)
            stage = QRectF(0, 0, w, h)
            painter.setClipRect(stage)
            painter.fillRect(stage, theme.color("background"))
            # The stage's label layer (StageCompositor._label_layer): every link plain, then the names,
            # addresses and link labels, which never move during a scene.
            boxes_painter.paint_links(painter, {})
            boxes_painter.paint_labels(painter, layout.step(0).boxes)
            # Its backdrop (StageCompositor.backdrop): glowing links, devices, tables, bubbles,
            # badges; then the title, legend and caption.
            boxes_painter.paint_links(painter, frame.link_highlight, highlighted_only=True)
            boxes_painter.paint_network(painter, boxes, frame.node_highlight, labels=False)
            boxes_painter.paint_overlays(painter, boxes, frozenset())
            # The packet layer (ChipSprites.paint) on top of everything.
            drop = theme.color("drop")
            for box in boxes:
                if box.kind != "chip":
                    continue
                look = box.data
                painter.setOpacity(look.opacity)
                paint_chip(painter, qrect(box.rect), box.text, look, box.px, self.palette.color(look.protocol), drop)
            painter.setOpacity(1.0)
        finally:
            painter.restore()
