"""Packet chips: one painted chip, and the sprites that put a thousand of them on the stage per frame.

With a thousand packets in flight, painting a thousand rounded, labelled pills per frame costs
several times the frame budget; blitting cached pixmaps at device resolution does not (see
``benchmarks/bench_stage.py``). Where a chip sits comes from the layout stage
(``StageLayout.chip_centre``): on its lane while it moves, in its docking spot once it has
arrived; this module only draws it there. The stage's packet item and the PNG exporter both
draw through ``ChipSprites``; the vector exporters paint each chip with ``paint_chip``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF

from animator.engine.frame import Frame, PacketView
from animator.layout.boxes import ChipLook
from animator.layout.stage import StageLayout
from animator.render.boxes import CENTRE, pill
from animator.render.icons import pixmap_bytes
from animator.render.theme import STANDARD, Palette, Theme, chip_text_color, font

#: Chip pixmaps kept per layout, in bytes. Every zoom step renders the chips at a new scale;
#: past this the cache starts again (the chips of one frame are a few dozen looks).
MAX_CHIP_BYTES = 32 * 1024 * 1024


def paint_chip(painter: QPainter, rect: QRectF, box_text: str, look: ChipLook, px: int, fill: QColor, drop: QColor) -> None:
    """One chip in ``rect``: the protocol pill, its label, and an arrowhead on the side it is
    heading (a docked chip shows which way it came)."""
    pill(painter, rect, fill, fill.darker(135))
    text_rect = QRectF(rect)
    if look.dx or look.dy:
        a = look.arrow_w
        cy = rect.center().y()
        h = rect.height() * 0.28
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip_text_color(fill))
        vertical = abs(look.dy) > abs(look.dx)
        if look.dx >= 0 or vertical:
            # Heading right (or up or down: that arrow sits at the right end).
            tip_x = rect.right() - a * 0.35
            text_rect.setRight(rect.right() - a)
            base_x = tip_x - a * 0.45
        else:
            tip_x = rect.left() + a * 0.35
            text_rect.setLeft(rect.left() + a)
            base_x = tip_x + a * 0.45
        if vertical:
            sign = 1 if look.dy > 0 else -1  # pointing down the screen when it travelled down
            points = [
                QPointF(tip_x - h * 0.4, cy + sign * h),
                QPointF(tip_x - h * 1.1, cy - sign * h * 0.6),
                QPointF(tip_x + h * 0.3, cy - sign * h * 0.6),
            ]
        else:
            points = [QPointF(tip_x, cy), QPointF(base_x, cy - h), QPointF(base_x, cy + h)]
        painter.drawPolygon(QPolygonF(points))
    else:
        text_rect.adjust(look.arrow_w / 2, 0, -look.arrow_w / 2, 0)
    painter.setPen(chip_text_color(fill))
    painter.setFont(font(px, bold=True))
    painter.drawText(text_rect, CENTRE, box_text)
    if look.dropped:
        painter.setPen(QPen(drop, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        c, r = rect.center(), rect.height() * 0.75
        painter.drawLine(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r))
        painter.drawLine(QPointF(c.x() - r, c.y() + r), QPointF(c.x() + r, c.y() - r))


def at_pause(layout: StageLayout, frame: Frame) -> bool:
    """Whether ``frame`` is a pause point: its arrived chips sit in their docking spots then."""
    return abs(frame.time - layout.timeline.boundary(frame.step)) < 1e-9


class ChipSprites:
    """The chips of one layout, theme and palette as cached pixmaps, blitted where the layout puts them."""

    def __init__(self, layout: StageLayout, theme: Theme, palette: Palette = STANDARD) -> None:
        self.layout = layout
        self.theme = theme
        self.palette = palette
        self._cache: dict[tuple[object, ...], tuple[QPixmap, int, int]] = {}
        self._bytes = 0

    def chip_rect(self, packet: PacketView, step: int, at_pause: bool) -> QRectF:
        """The chip's rectangle in scene coordinates at ``step``."""
        x, y = self.layout.chip_centre(packet, step, at_pause)
        w, h, _ = self.layout.chip_size(packet.label)
        return QRectF(x - w / 2, y - h / 2, w, h)

    def packet_at(self, packets: Sequence[PacketView], step: int, at_pause: bool, point: QPointF) -> str | None:
        """The id of the chip under a scene point; the one drawn last (on top) wins."""
        for packet in reversed(packets):
            if self.chip_rect(packet, step, at_pause).adjusted(-2, -2, 2, 2).contains(point):
                return packet.id
        return None

    def _chip(self, packet: PacketView, docked: bool, scale: float, ratio: float) -> tuple[QPixmap, int, int]:
        """The chip at ``scale`` device pixels per scene unit, with half its size in logical pixels."""
        layout = self.layout
        direction = layout._travel(packet) if docked else (0.0, 0.0)
        key = (packet.label, packet.protocol, packet.dropped, direction, scale, ratio)
        entry = self._cache.get(key)
        if entry is not None:
            return entry
        w, h, arrow = layout.chip_size(packet.label)
        chip = QPixmap(int(w * scale + 4), int(h * scale + 4))
        if self._bytes + pixmap_bytes(chip) > MAX_CHIP_BYTES:
            self._cache.clear()  # zoomed through many scales: start again with this frame's chips
            self._bytes = 0
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
        self._bytes += pixmap_bytes(chip)
        entry = self._cache[key] = (chip, round(chip.width() / ratio / 2), round(chip.height() / ratio / 2))
        return entry

    def cached_bytes(self) -> int:
        return self._bytes

    def paint(
        self,
        painter: QPainter,
        packets: Sequence[PacketView],
        step: int,
        at_pause: bool,
        selected: str | None = None,
    ) -> None:
        """Blit ``packets`` (in scene coordinates: ``painter``'s world transform maps them to the
        device) as the frame at ``step`` shows them; ``selected`` gets an outline."""
        layout = self.layout
        # The per-frame hot path: plain floats, device coordinates, one blit per chip.
        transform = painter.worldTransform()
        scale, ox, oy = transform.m11(), transform.dx(), transform.dy()
        device = painter.device()
        ratio = device.devicePixelRatioF()
        # Chips wholly off the device are skipped (zoomed in, most are). Its size in device
        # pixels is never smaller than in logical ones, so this never drops a visible chip.
        right, bottom = device.width(), device.height()
        key_scale = round(scale * ratio, 3)
        painter.save()
        painter.resetTransform()
        opacity = 1.0
        placed = layout.step(step).chips
        # The grid-to-pixel mapping, inlined for chips in flight (most of a busy frame).
        gx0, gy0, ax, ay, cw, sy = layout.min_gx, layout.min_gy, layout.area.x, layout.oy, layout.cell_w, layout.sy
        cache, chip_for, centre, still, draw = self._cache, self._chip, layout.chip_centre, (0.0, 0.0), painter.drawPixmap
        for packet in packets:
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
            left, top = int(x * scale + ox) - half_w, int(y * scale + oy) - half_h
            if left > right or top > bottom or left + 2 * half_w < 0 or top + 2 * half_h < 0:
                continue
            if packet.opacity != opacity:
                opacity = packet.opacity
                painter.setOpacity(opacity)
            # The int overload: PySide resolves it ~35% faster than QPointF (measured).
            draw(left, top, chip)
            if packet.id == selected:
                painter.setPen(QPen(self.theme.color("link_highlight"), 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                r = QRectF(x * scale + ox - half_w - 2, y * scale + oy - half_h - 2, 2 * half_w + 4, 2 * half_h + 4)
                painter.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        painter.restore()
