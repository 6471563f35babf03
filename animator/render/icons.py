"""The device icons: each SVG parsed once, rasterised per size into a bounded cache.

Drawing 200 SVGs per backdrop costs about ten times as much as blitting 200 pixmaps, so the
screen blits icons rasterised at the size they are drawn. That size follows the zoom: every
pinch or wheel step makes new pixmaps (an unbounded cache held 196 pixmaps, 6.7 MiB, after 300
pinch steps), so each kind keeps its ``SIZES_PER_KIND`` most recently drawn sizes (the
presenter's stage, the audience's, the live view, and one to spare), and all of them together at
most ``MAX_ICON_BYTES``. Exporters that want paths rather than pixels (PDF, SVG) draw the SVG
itself (``paint_svg_icon``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from animator.resources import assets_dir

#: Draws the icon of a device kind into a rectangle (see ``animator.render.boxes.BoxPainter``).
IconPainter = Callable[[QPainter, str, QRectF], None]

#: Parsed SVGs kept: more than there are icons, so in practice each file is parsed once.
MAX_RENDERERS = 48
#: Sizes kept per icon: one per stage showing it at once, and one to spare.
SIZES_PER_KIND = 4
#: Rasterised icons kept, in bytes: every kind at 8x zoom on a 1080p stage fits (15 kinds x ~0.9 MB).
MAX_ICON_BYTES = 24 * 1024 * 1024


class PixmapLru:
    """Pixmaps by key, least recently used dropped first once their bytes exceed ``max_bytes``.

    The entry just added is never dropped, so one oversized pixmap still draws."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[object, QPixmap] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: object) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: object, pixmap: QPixmap) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= pixmap_bytes(old)
        self._items[key] = pixmap
        self.bytes += pixmap_bytes(pixmap)
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, dropped = self._items.popitem(last=False)
            self.bytes -= pixmap_bytes(dropped)

    def pop(self, key: object) -> None:
        pixmap = self._items.pop(key, None)
        if pixmap is not None:
            self.bytes -= pixmap_bytes(pixmap)

    def keys(self) -> list[object]:
        return list(self._items)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


def pixmap_bytes(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * max(1, pixmap.depth() // 8)


_renderers: OrderedDict[str, QSvgRenderer] = OrderedDict()
_icons = PixmapLru(MAX_ICON_BYTES)


def icon_renderer(kind: str) -> QSvgRenderer:
    """The icon's SVG, parsed once (while it stays among the ``MAX_RENDERERS`` last used)."""
    renderer = _renderers.get(kind)
    if renderer is None:
        renderer = _renderers[kind] = QSvgRenderer(str(assets_dir() / "icons" / f"{kind}.svg"))
        while len(_renderers) > MAX_RENDERERS:
            _renderers.popitem(last=False)
    else:
        _renderers.move_to_end(kind)
    return renderer


def paint_svg_icon(painter: QPainter, kind: str, rect: QRectF) -> None:
    """The icon drawn from its SVG, as paths: what a PDF page gets."""
    icon_renderer(kind).render(painter, rect)


_sizes: dict[str, OrderedDict[int, None]] = {}


def icon_pixmap(kind: str, pixels: int) -> QPixmap:
    """The icon rasterised at ``pixels`` x ``pixels`` (cached, see ``SIZES_PER_KIND``)."""
    key = (kind, pixels)
    pixmap = _icons.get(key)
    sizes = _sizes.setdefault(kind, OrderedDict())
    sizes[pixels] = None
    sizes.move_to_end(pixels)
    while len(sizes) > SIZES_PER_KIND:
        old, _ = sizes.popitem(last=False)
        _icons.pop((kind, old))
    if pixmap is None:
        pixmap = QPixmap(pixels, pixels)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:  # a painter left open on a pixmap that is freed crashes Qt: always end it
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            icon_renderer(kind).render(painter, QRectF(0, 0, pixels, pixels))
        finally:
            painter.end()
        _icons.put(key, pixmap)
    return pixmap


def cache_sizes() -> tuple[int, int, int]:
    """(parsed SVGs, rasterised icons, their bytes): for tests and the soak benchmark."""
    return len(_renderers), len(_icons), _icons.bytes
