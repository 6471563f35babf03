"""The stage's packet chips: one graphics item that draws every chip of the frame shown.

The drawing is ``animator.render.chips.ChipSprites`` (cached chip pixmaps blitted at device
resolution, shared with the PNG exporter); this item only holds what the stage shows now (the
packets, the step, the selected packet) and answers where a chip is and which one was clicked.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from animator.engine.frame import Frame, PacketView
from animator.layout.stage import StageLayout
from animator.render.chips import ChipSprites, at_pause
from animator.render.theme import STANDARD, Palette, Theme

Z_PACKET = 30


class PacketLayer(QGraphicsItem):
    """The chips of one frame, in scene coordinates (the layout's pixels)."""

    def __init__(self, theme: Theme, palette: Palette = STANDARD) -> None:
        super().__init__()
        self.theme = theme
        self.palette = palette
        self.layout: StageLayout | None = None
        self.sprites: ChipSprites | None = None
        self.packets: tuple[PacketView, ...] = ()
        self.step = 0
        self.at_pause = False
        self._bounds = QRectF()
        #: The packet the inspector shows: drawn with an outline so it can be followed.
        self.selected: str | None = None
        self.setZValue(Z_PACKET)

    def set_layout(self, layout: StageLayout | None) -> None:
        self.prepareGeometryChange()
        self.layout = layout
        self.sprites = ChipSprites(layout, self.theme, self.palette) if layout is not None else None
        if layout is not None:
            w, h = layout.size
            self._bounds = QRectF(-w, -h, 3 * w, 3 * h)
        self.update()

    def set_frame(self, frame: Frame, packets: tuple[PacketView, ...]) -> None:
        self.packets = packets
        self.step = frame.step
        self.at_pause = self.layout is not None and at_pause(self.layout, frame)
        self.update()

    def set_selected(self, packet_id: str | None) -> None:
        if packet_id != self.selected:
            self.selected = packet_id
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def chip_rect(self, packet: PacketView) -> QRectF:
        """The chip's rectangle in scene coordinates now."""
        assert self.sprites is not None
        return self.sprites.chip_rect(packet, self.step, self.at_pause)

    def packet_at(self, point: QPointF) -> str | None:
        """The id of the chip under a scene point; the one drawn last (on top) wins."""
        if self.sprites is None:
            return None
        return self.sprites.packet_at(self.packets, self.step, self.at_pause, point)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.sprites is not None:
            self.sprites.paint(painter, self.packets, self.step, self.at_pause, self.selected)
