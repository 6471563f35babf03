"""Every packet chip, painted by one graphics item from a cache of pre-rendered chip pixmaps.

With a thousand packets in flight, a thousand items each painting rounded text costs several
times the frame budget; blitting cached pixmaps at device resolution does not (see
``benchmarks/bench_stage.py``). Where a chip sits comes from the layout stage
(``StageLayout.chip_centre``): on its lane while it moves, in its docking spot once it has
arrived; this item only draws it there.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from animator.engine.frame import Frame, PacketView
from animator.layout.boxes import ChipLook
from animator.layout.stage import StageLayout
from animator.ui.box_painter import paint_chip
from animator.ui.theme import STANDARD, Palette, Theme

Z_PACKET = 30


class PacketLayer(QGraphicsItem):
    """The chips of one frame, in scene coordinates (the layout's pixels)."""

    def __init__(self, theme: Theme, palette: Palette = STANDARD) -> None:
        super().__init__()
        self.theme = theme
        self.palette = palette
        self.layout: StageLayout | None = None
        self.packets: tuple[PacketView, ...] = ()
        self.step = 0
        self.at_pause = False
        self._cache: dict[tuple[object, ...], tuple[QPixmap, int, int]] = {}
        self._bounds = QRectF()
        #: The packet the inspector shows: drawn with an outline so it can be followed.
        self.selected: str | None = None
        self.setZValue(Z_PACKET)

    def set_layout(self, layout: StageLayout | None) -> None:
        self.prepareGeometryChange()
        self.layout = layout
        self._cache.clear()
        if layout is not None:
            w, h = layout.size
            self._bounds = QRectF(-w, -h, 3 * w, 3 * h)
        self.update()

    def set_frame(self, frame: Frame, packets: tuple[PacketView, ...]) -> None:
        self.packets = packets
        self.step = frame.step
        self.at_pause = self.layout is not None and abs(frame.time - self.layout.timeline.boundary(frame.step)) < 1e-9
        self.update()

    def set_selected(self, packet_id: str | None) -> None:
        if packet_id != self.selected:
            self.selected = packet_id
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def chip_rect(self, packet: PacketView) -> QRectF:
        """The chip's rectangle in scene coordinates now."""
        assert self.layout is not None
        x, y = self.layout.chip_centre(packet, self.step, self.at_pause)
        w, h, _ = self.layout.chip_size(packet.label)
        return QRectF(x - w / 2, y - h / 2, w, h)

    def packet_at(self, point: QPointF) -> str | None:
        """The id of the chip under a scene point; the one drawn last (on top) wins."""
        if self.layout is None:
            return None
        for packet in reversed(self.packets):
            if self.chip_rect(packet).adjusted(-2, -2, 2, 2).contains(point):
                return packet.id
        return None

    def _chip(self, packet: PacketView, docked: bool, scale: float, ratio: float) -> tuple[QPixmap, int, int]:
        """The chip at ``scale`` device pixels per scene unit, with half its size in logical pixels."""
        layout = self.layout
        assert layout is not None
        direction = layout._travel(packet) if docked else (0.0, 0.0)
        key = (packet.label, packet.protocol, packet.dropped, direction, scale, ratio)
        entry = self._cache.get(key)
        if entry is not None:
            return entry
        if len(self._cache) > 4000:
            self._cache.clear()
        w, h, arrow = layout.chip_size(packet.label)
        chip = QPixmap(int(w * scale + 4), int(h * scale + 4))
        chip.fill(Qt.GlobalColor.transparent)
        p = QPainter(chip)
        try:  # a painter left open on a pixmap that is freed crashes Qt: always end it
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            p.translate(2, 2)
            p.scale(scale, scale)
            look = ChipLook(packet.protocol, packet.dropped, direction[0], direction[1], arrow)
            paint_chip(
                p,
                QRectF(0, 0, w, h),
                layout.chip_label(packet.label),
                look,
                layout.px["chip"],
                self.palette.color(packet.protocol),
                self.theme.color("drop"),
            )
        finally:
            p.end()
        chip.setDevicePixelRatio(ratio)
        entry = self._cache[key] = (chip, round(chip.width() / ratio / 2), round(chip.height() / ratio / 2))
        return entry

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        layout = self.layout
        if layout is None:
            return
        # The per-frame hot path: plain floats, device coordinates, one blit per chip.
        transform = painter.worldTransform()
        scale, ox, oy = transform.m11(), transform.dx(), transform.dy()
        ratio = painter.device().devicePixelRatioF()
        key_scale = round(scale * ratio, 3)
        painter.save()
        painter.resetTransform()
        opacity = 1.0
        step, at_pause = self.step, self.at_pause
        placed = layout.step(step).chips
        # The grid-to-pixel mapping, inlined for chips in flight (most of a busy frame).
        gx0, gy0, ax, ay, cw, sy = layout.min_gx, layout.min_gy, layout.area.x, layout.oy, layout.cell_w, layout.sy
        cache, chip_for, centre, still, draw = self._cache, self._chip, layout.chip_centre, (0.0, 0.0), painter.drawPixmap
        for packet in self.packets:
            moving = not at_pause and not packet.arrived
            if moving:
                entry = cache.get((packet.label, packet.protocol, packet.dropped, still, key_scale, ratio))
                chip, half_w, half_h = entry or chip_for(packet, False, key_scale, ratio)
                x, y = ax + (packet.x - gx0 + 0.5) * cw, ay + (packet.y - gy0) * sy
            else:
                if at_pause and packet.id not in placed:
                    continue  # no free spot at this pause point (the layout lists it as hidden)
                chip, half_w, half_h = chip_for(packet, packet.arrived or packet.link_id is None, key_scale, ratio)
                x, y = centre(packet, step, at_pause)
            if packet.opacity != opacity:
                opacity = packet.opacity
                painter.setOpacity(opacity)
            # The int overload: PySide resolves it ~35% faster than QPointF (measured).
            draw(int(x * scale + ox) - half_w, int(y * scale + oy) - half_h, chip)
            if packet.id == self.selected:
                painter.setPen(QPen(self.theme.color("link_highlight"), 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                r = QRectF(x * scale + ox - half_w - 2, y * scale + oy - half_h - 2, 2 * half_w + 4, 2 * half_h + 4)
                painter.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        painter.restore()
