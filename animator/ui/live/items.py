"""The live view's device item: an icon, its name, its first addresses and a state badge.

The scene stage no longer uses graphics items for devices (it paints the layout's boxes, see
``animator/render/boxes.py``); the live view, which places hosts as traffic reveals them, still
draws each host as one item.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from animator.model.schema import Node
from animator.render.boxes import alpha, pill
from animator.render.icons import icon_pixmap
from animator.render.theme import Theme, font

#: The icon's size in scene units.
ICON = 64.0
Z_NODE = 10


class NodeItem(QGraphicsItem):
    """A device: icon, name, first address, and a badge (e.g. a TCP state) when set."""

    LABEL_SIZE = 15.0
    ADDRESS_SIZE = 12.0
    BADGE_SIZE = 12.0

    def __init__(self, node: Node, theme: Theme, text_scale: float = 1.0) -> None:
        super().__init__()
        self.node = node
        self.theme = theme
        self.highlight = 0.0
        self.badge = ""
        # Two lines at most: a router's or NAT's inside and outside address both matter.
        self.addresses = [*node.ipv4, *node.ipv6][:2]
        self._label_font = font(self.LABEL_SIZE * text_scale, bold=True)
        self._address_font = font(self.ADDRESS_SIZE * text_scale, mono=True)
        self._badge_font = font(self.BADGE_SIZE * text_scale, bold=True)
        #: Heights of the name line and of each address line (they grow with the text scale).
        self._label_h, self._line_h = 20 * text_scale, 16 * text_scale
        label_w = QFontMetricsF(self._label_font).horizontalAdvance(node.display_label)
        addr_w = max((QFontMetricsF(self._address_font).horizontalAdvance(a) for a in self.addresses), default=0.0)
        self._width = max(ICON + 40, label_w + 12, addr_w + 12, 150)
        self.setZValue(Z_NODE)
        # Text is most of a device's drawing; cached, a backdrop redraw (a fade, a new step)
        # re-blits unchanged devices: 12.2 -> 7.5 ms for 200 devices at 1920x1080.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        details = [f"<b>{node.display_label}</b> ({node.kind})"]
        if node.mac:
            details.append(f"MAC {node.mac}")
        details += [f"IPv4 {a}" for a in node.ipv4] + [f"IPv6 {a}" for a in node.ipv6]
        self.setToolTip("<br>".join(details))

    def bottom(self) -> float:
        """Lowest point of the text block (scene units below the centre) without the badge."""
        return ICON / 2 + 8 + self._label_h + self._line_h * len(self.addresses)

    def badge_rect(self) -> QRectF:
        metrics = QFontMetricsF(self._badge_font)
        w = metrics.horizontalAdvance(self.badge) + 16
        return QRectF(-w / 2, self.bottom() + 4, w, metrics.height() + 6)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        top = -ICON / 2 - 14
        return QRectF(-self._width / 2, top, self._width, self.bottom() + 30 * self._line_h / 16 - top)

    def set_state(self, highlight: float, badge: str) -> bool:
        """Returns whether the look changed."""
        if highlight == self.highlight and badge == self.badge:
            return False
        self.highlight, self.badge = highlight, badge
        self.update()
        return True

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        theme = self.theme
        if self.highlight > 0:
            halo = alpha(theme.color("node_halo"), 0.55 * self.highlight)
            painter.setPen(QPen(alpha(theme.color("link_highlight"), self.highlight), 3))
            painter.setBrush(halo)
            painter.drawEllipse(QPointF(0, 0), ICON / 2 + 7, ICON / 2 + 7)
        pixels = max(8, round(ICON * painter.worldTransform().m11()))
        painter.drawPixmap(
            QRectF(-ICON / 2, -ICON / 2, ICON, ICON), icon_pixmap(self.node.icon_kind, pixels), QRectF(0, 0, pixels, pixels)
        )
        painter.setPen(theme.color("text"))
        painter.setFont(self._label_font)
        label_rect = QRectF(-self._width / 2, ICON / 2 + 8, self._width, self._label_h)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, self.node.display_label)
        painter.setPen(theme.color("muted"))
        painter.setFont(self._address_font)
        for i, address in enumerate(self.addresses):
            painter.drawText(
                QRectF(-self._width / 2, ICON / 2 + 8 + self._label_h + self._line_h * i, self._width, self._line_h),
                Qt.AlignmentFlag.AlignCenter,
                address,
            )
        if self.badge:
            rect = self.badge_rect()
            pill(painter, rect, theme.color("badge_fill"))
            painter.setPen(theme.color("badge_text"))
            painter.setFont(self._badge_font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.badge)
