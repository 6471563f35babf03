"""The stage's picture of one frame, composed from cached layers: what the player and the PNG exporter show.

Everything but the chips changes only at step boundaries and during short fades, so it is
painted into pixmaps and reused frame after frame; a frame then costs a blit plus the chips
(``animator.render.chips``). The layers, bottom to top:

- **labels**: every link's line, the devices' names and addresses and the link labels. They never
  change during a scene, so they are drawn once per layout, zoom and theme (200 antialiased lines
  and 600 texts are most of the drawing; the lines have flat ends, hidden under the icons anyway:
  Qt strokes round-capped antialiased lines ~30x slower);
- **network**: the glow of highlighted links, icons, badges, tables and bubbles, in scene units;
- **overlays**: the title, legend and caption, in viewport pixels (they do not zoom or pan).

At fit (zoom 1 and below, where nothing can pan) the three are flattened into one *backdrop*
pixmap of the viewport's size, redrawn when the frame's boxes change: one blit per frame.
Zoomed in, the picture moves with every pan and on every frame while following a packet, so
the labels and the network are drawn over a region a quarter of the viewport larger on each
side (``MARGIN``) and blitted at the current offset, and the overlays are kept apart and blitted
as the bands they occupy: a pan costs two blits until it leaves the region, instead of
redrawing every line and label.

No widget is involved: ``StageView`` (``animator.ui.stage.view``) calls ``paint`` from its
``drawBackground``, and ``StageRenderer`` (``animator.export.png``) calls it on an image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPixmap, QTransform

from animator.engine.frame import Frame
from animator.engine.traffic import DERIVED_SHORT
from animator.layout.boxes import Box, Rect
from animator.layout.stage import StageLayout
from animator.render.boxes import BoxPainter, qrect
from animator.render.theme import Palette, Theme, font

#: Zoomed in, the labels and network are drawn this fraction of the viewport beyond each edge.
MARGIN = 0.25
DEFAULT_HINTS = (
    QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing | QPainter.RenderHint.SmoothPixmapTransform
)


@dataclass(frozen=True, slots=True)
class StageGeometry:
    """Where the stage is drawn: the viewport's size in logical pixels, its device pixel ratio,
    the scene-to-viewport transform (scale and translation) and the user's zoom (1 = fit)."""

    width: int
    height: int
    ratio: float = 1.0
    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    zoom: float = 1.0

    @classmethod
    def of(cls, width: int, height: int, ratio: float, transform: QTransform, zoom: float) -> StageGeometry:
        return cls(width, height, ratio, transform.m11(), transform.dx(), transform.dy(), zoom)

    def transform(self) -> QTransform:
        return QTransform(self.scale, 0, 0, self.scale, self.dx, self.dy)


def backdrop_changed(previous: Frame, frame: Frame) -> bool:
    """Whether anything but the chips differs between two frames (most frames: only packets moved)."""
    return not (
        previous.step == frame.step
        and previous.caption == frame.caption
        and previous.chapter == frame.chapter
        and previous.node_highlight == frame.node_highlight
        and previous.link_highlight == frame.link_highlight
        and previous.badges == frame.badges
        and previous.tables == frame.tables
        and previous.bubbles == frame.bubbles
    )


def _pixmap(width: float, height: float, ratio: float) -> QPixmap:
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class StageCompositor:
    """Composes one layout's frames in one theme and palette (make a new one when those change).

    Call ``invalidate`` whenever the frame's boxes change (a new step, a fade, a table row);
    ``paint`` redraws only the layers that need it.
    """

    def __init__(self, layout: StageLayout, theme: Theme, palette: Palette, hints: QPainter.RenderHint = DEFAULT_HINTS) -> None:
        self.layout = layout
        self.theme = theme
        self.palette = palette
        self.hints = hints
        self.boxes = BoxPainter(layout, theme, palette)
        self._version = 0
        self._backdrop: tuple[tuple[object, ...], QPixmap] | None = None
        self._labels: tuple[StageGeometry, QPixmap] | None = None
        #: Zoomed in: the labels and the network over a region, and where that region starts.
        self._region: tuple[tuple[object, ...], QPixmap, float, float] | None = None
        self._region_serial = 0
        self._scene: tuple[tuple[object, ...], QPixmap] | None = None
        self._overlay: tuple[tuple[object, ...], QPixmap, list[tuple[int, int]]] | None = None

    def invalidate(self) -> None:
        """The frame's boxes changed: redraw the network and the overlays before the next paint."""
        self._version += 1

    def release(self) -> None:
        """Drop every cached pixmap (a hidden stage, a closed window)."""
        self._backdrop = self._labels = self._region = self._scene = self._overlay = None

    # -- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, view: StageGeometry, frame: Frame, boxes: Sequence[Box], hidden: frozenset[str]) -> None:
        """The picture without the chips, from the device's origin; ``painter`` has no transform."""
        if view.zoom > 1.0:
            self._backdrop = self._labels = None  # one set of layers at a time: they are viewport-sized
            self._paint_zoomed(painter, view, frame, boxes, hidden)
        else:
            self._region = self._scene = self._overlay = None
            painter.drawPixmap(0, 0, self.backdrop(view, frame, boxes, hidden))

    def backdrop(self, view: StageGeometry, frame: Frame, boxes: Sequence[Box], hidden: frozenset[str]) -> QPixmap:
        """Labels, network and overlays in one pixmap of the viewport's size, redrawn when they change."""
        key = (self._version, view, hidden)
        if self._backdrop is not None and self._backdrop[0] == key:
            return self._backdrop[1]
        self._backdrop = None  # free the old one before making the next
        backdrop = _pixmap(view.width, view.height, view.ratio)
        backdrop.fill(self.theme.color("background"))
        painter = QPainter(backdrop)
        try:  # a painter left open on a pixmap that is freed crashes Qt: always end it
            painter.setRenderHints(self.hints)
            painter.drawPixmap(0, 0, self._label_layer(view))
            painter.setTransform(view.transform())
            self.boxes.paint_links(painter, frame.link_highlight, highlighted_only=True)
            self.boxes.paint_network(painter, boxes, frame.node_highlight, labels=False)
            painter.resetTransform()
            self._paint_overlays(painter, view, boxes, hidden)
        finally:
            painter.end()
        self._backdrop = (key, backdrop)
        return backdrop

    def _label_layer(self, view: StageGeometry) -> QPixmap:
        """Links, names, addresses and link labels for the viewport, drawn once per zoom and size."""
        if self._labels is not None and self._labels[0] == view:
            return self._labels[1]
        self._labels = None
        layer = _pixmap(view.width, view.height, view.ratio)
        layer.fill(Qt.GlobalColor.transparent)
        painter = QPainter(layer)
        try:
            painter.setRenderHints(self.hints)
            painter.setTransform(view.transform())
            self.boxes.paint_links(painter, {})
            self.boxes.paint_labels(painter, self.layout.step(0).boxes)
        finally:
            painter.end()
        self._labels = (view, layer)
        return layer

    def _paint_overlays(self, painter: QPainter, view: StageGeometry, boxes: Sequence[Box], hidden: frozenset[str]) -> None:
        """Title, legend, caption and the hidden-classes note, in viewport pixels; zoomed in, a veil
        first, so the network running under the title stays out of its way."""
        if view.zoom > 1.0:
            veil = self.theme.color("background")
            veil.setAlphaF(0.88)
            painter.fillRect(QRectF(0, 0, view.width, self.layout.area.y - 4), veil)
        self.boxes.paint_overlays(painter, boxes, hidden)
        self._paint_hidden_classes(painter, boxes, hidden)

    def _hidden_classes_rect(self, boxes: Sequence[Box]) -> tuple[QRectF, float]:
        legend = next((b for b in boxes if b.kind == "legend"), None)
        px = legend.px if legend is not None else self.layout.px["legend"]
        area = self.layout.area
        return QRectF(area.x, area.y, area.w, px * 1.4), px

    def _paint_hidden_classes(self, painter: QPainter, boxes: Sequence[Box], hidden: frozenset[str]) -> None:
        """Classes that cut across protocols have no legend entry of their own: say they are
        hidden, so nobody wonders where the SYNs went."""
        derived = [name for key, name in DERIVED_SHORT.items() if key in hidden]
        if not derived:
            return
        rect, px = self._hidden_classes_rect(boxes)
        painter.setPen(self.theme.color("muted"))
        painter.setFont(font(px))
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, "Hidden: " + ", ".join(derived))

    # -- zoomed in: layers that pan ---------------------------------------------------------------
    def _paint_zoomed(
        self, painter: QPainter, view: StageGeometry, frame: Frame, boxes: Sequence[Box], hidden: frozenset[str]
    ) -> None:
        scene, x0, y0 = self._scene_layer(view, frame, boxes)
        painter.drawPixmap(QPointF(view.dx - x0, view.dy - y0), scene)
        overlay, bands = self._overlay_layer(view, boxes, hidden)
        ratio = view.ratio
        for top, bottom in bands:
            # Only the bands the overlays occupy: blending the whole transparent viewport would
            # cost as much as the scene layer itself.
            painter.drawPixmap(QPointF(0, top), overlay, QRectF(0, top * ratio, view.width * ratio, (bottom - top) * ratio))

    def _region_layer(self, view: StageGeometry) -> tuple[QPixmap, float, float]:
        """The background, links and labels over the viewport and a margin around it (opaque), with
        the translation it was drawn for; reused while the view pans within the margin."""
        mx, my = round(view.width * MARGIN), round(view.height * MARGIN)
        if self._region is not None:
            key, layer, x0, y0 = self._region
            if key == (view.width, view.height, view.ratio, view.scale) and abs(view.dx - x0) <= mx and abs(view.dy - y0) <= my:
                return layer, x0, y0
        self._region = self._scene = None  # free the old ones before making the next
        # The translation the region is drawn at: the view's own, rounded so that any later
        # (whole-pixel) pan is a whole-pixel blit.
        x0, y0 = round(view.dx), round(view.dy)
        layer = _pixmap(view.width + 2 * mx, view.height + 2 * my, view.ratio)
        layer.fill(self.theme.color("background"))
        painter = QPainter(layer)
        try:
            painter.setRenderHints(self.hints)
            transform = QTransform(view.scale, 0, 0, view.scale, x0 + mx, y0 + my)
            painter.setTransform(transform)
            visible = self._visible(transform, layer, view.ratio)
            self.boxes.paint_links(painter, {}, visible=visible)
            self.boxes.paint_labels(painter, self.layout.step(0).boxes, visible=visible)
        finally:
            painter.end()
        self._region = ((view.width, view.height, view.ratio, view.scale), layer, float(x0), float(y0))
        self._region_serial += 1
        return layer, float(x0), float(y0)

    @staticmethod
    def _visible(transform: QTransform, layer: QPixmap, ratio: float) -> Rect:
        inverse, _ = transform.inverted()
        r = inverse.mapRect(QRectF(0, 0, layer.width() / ratio, layer.height() / ratio))
        return Rect(r.x(), r.y(), r.width(), r.height())

    def _scene_layer(self, view: StageGeometry, frame: Frame, boxes: Sequence[Box]) -> tuple[QPixmap, float, float]:
        """The region's labels with the glowing links and the network over them (opaque); and where
        the viewport's origin falls in it (subtract from the view's translation to blit)."""
        region, x0, y0 = self._region_layer(view)
        mx, my = round(view.width * MARGIN), round(view.height * MARGIN)
        key = (self._version, self._region_serial)
        if self._scene is not None and self._scene[0] == key:
            return self._scene[1], x0 + mx, y0 + my
        self._scene = None
        scene = region.copy()  # a copy of opaque pixels: no fill, no blending
        painter = QPainter(scene)
        try:
            painter.setRenderHints(self.hints)
            transform = QTransform(view.scale, 0, 0, view.scale, x0 + mx, y0 + my)
            painter.setTransform(transform)
            visible = self._visible(transform, scene, view.ratio)
            self.boxes.paint_links(painter, frame.link_highlight, highlighted_only=True, visible=visible)
            self.boxes.paint_network(painter, boxes, frame.node_highlight, labels=False, visible=visible)
        finally:
            painter.end()
        self._scene = (key, scene)
        return scene, x0 + mx, y0 + my

    def _overlay_layer(
        self, view: StageGeometry, boxes: Sequence[Box], hidden: frozenset[str]
    ) -> tuple[QPixmap, list[tuple[int, int]]]:
        """The overlays on a transparent layer of the viewport's size, and the horizontal bands
        (top, bottom) they occupy."""
        key = (self._version, view.width, view.height, view.ratio, hidden)
        if self._overlay is not None and self._overlay[0] == key:
            return self._overlay[1], self._overlay[2]
        self._overlay = None
        layer = _pixmap(view.width, view.height, view.ratio)
        layer.fill(Qt.GlobalColor.transparent)
        painter = QPainter(layer)
        try:
            painter.setRenderHints(self.hints)
            self._paint_overlays(painter, view, boxes, hidden)
        finally:
            painter.end()
        spans = [(0.0, self.layout.area.y - 4)]
        for box in boxes:
            if box.kind in ("title", "subtitle", "legend", "caption"):
                r = qrect(box.data) if box.kind == "caption" and box.ref != "counter" else qrect(box.rect)
                spans.append((r.top(), r.bottom()))
        if any(key in hidden for key in DERIVED_SHORT):
            rect, _ = self._hidden_classes_rect(boxes)
            spans.append((rect.top(), rect.bottom()))
        self._overlay = (key, layer, _bands(spans, view.height))
        return layer, self._overlay[2]


def _bands(spans: list[tuple[float, float]], height: int) -> list[tuple[int, int]]:
    """Vertical spans merged into disjoint whole-pixel bands (each blitted once: blending a
    translucent pixel twice would darken it), with a few pixels to spare for antialiasing."""
    bands: list[tuple[int, int]] = []
    for top, bottom in sorted((max(0, int(t) - 3), min(height, int(b) + 4)) for t, b in spans if b > t):
        if bands and top <= bands[-1][1]:
            bands[-1] = (bands[-1][0], max(bands[-1][1], bottom))
        else:
            bands.append((top, bottom))
    return bands
