"""Draw the layout's boxes with a QPainter: the Qt renderer of ``animator.layout``.

It places nothing: every rectangle comes from ``StageLayout``; this module only turns a
box into pixels (an icon, a pill, a table card, a bubble with its tail, a chip with its
arrow). The stage, the PNG export and any later Qt-drawn export share it, so they all look
the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtSvg import QSvgRenderer

from animator.layout.boxes import Box, BubbleTip, ChipLook, LegendEntry, Rect, TableCard
from animator.layout.stage import StageLayout
from animator.resources import assets_dir
from animator.ui.theme import Palette, Theme, chip_text_color, font

_renderers: dict[str, QSvgRenderer] = {}
_icons: dict[tuple[str, int], QPixmap] = {}
LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter


def qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


def icon_renderer(kind: str) -> QSvgRenderer:
    """The icon's SVG, parsed once per process."""
    if kind not in _renderers:
        _renderers[kind] = QSvgRenderer(str(assets_dir() / "icons" / f"{kind}.svg"))
    return _renderers[kind]


#: Draws the icon of a device kind into a rectangle (see ``BoxPainter``).
IconPainter = Callable[[QPainter, str, QRectF], None]


def paint_svg_icon(painter: QPainter, kind: str, rect: QRectF) -> None:
    """The icon drawn from its SVG, as paths: what a PDF page gets."""
    icon_renderer(kind).render(painter, rect)


def icon_pixmap(kind: str, pixels: int) -> QPixmap:
    """The icon rasterised once per size: drawing 200 SVGs per backdrop costs ~10x a blit."""
    key = (kind, pixels)
    if key not in _icons:
        pixmap = QPixmap(pixels, pixels)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        icon_renderer(kind).render(painter, QRectF(0, 0, pixels, pixels))
        painter.end()
        _icons[key] = pixmap
    return _icons[key]


def alpha(color: QColor, value: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(max(0.0, min(1.0, value)) * color.alphaF())
    return c


def pill(painter: QPainter, rect: QRectF, fill: QColor, border: QColor | None = None) -> None:
    painter.setPen(QPen(border, 1.2) if border is not None else Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    radius = rect.height() / 2
    painter.drawRoundedRect(rect, radius, radius)


class BoxPainter:
    """Paints one layout's boxes in a theme and palette.

    ``icon_painter`` draws each device's icon (its kind, into a rectangle) instead of the cached
    pixmap the screen blits: a vector export (``animator/export/vector.py``) draws it from its SVG,
    so a PDF page or an SVG file holds paths, not images.
    """

    def __init__(self, layout: StageLayout, theme: Theme, palette: Palette, icon_painter: IconPainter | None = None) -> None:
        self.layout = layout
        self.theme = theme
        self.palette = palette
        self.icon_painter = icon_painter
        self.icon_kinds = {n.id: n.icon_kind for n in layout.timeline.scene.nodes}

    # -- the network (scene coordinates = layout pixels) --------------------------------------
    def paint_links(self, painter: QPainter, link_highlight: Mapping[str, float], highlighted_only: bool = False) -> None:
        """Every link's line, with a glow under the highlighted ones; ``highlighted_only`` draws
        just those (the stage keeps the plain lines in its cached label layer)."""
        theme, layout = self.theme, self.layout
        width = max(2.0, 3 * layout.k)
        plain = QPen(theme.color("link"), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        lines = []
        for link in layout.timeline.scene.links:
            value = link_highlight.get(link.link_id, 0.0)
            if highlighted_only and value <= 0:
                continue
            a, b = (QPointF(*layout.centres[n]) for n in link.between)
            if value > 0:
                glow = alpha(theme.color("link_highlight"), value)
                painter.setPen(QPen(glow, width * 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                painter.drawLine(a, b)
                painter.setPen(plain)
                painter.drawLine(a, b)
            else:
                lines.append(QLineF(a, b))
        if lines:
            painter.setPen(plain)
            painter.drawLines(lines)  # one call for all the plain lines: ~5x cheaper than one each

    def paint_labels(self, painter: QPainter, boxes: Iterable[Box]) -> None:
        """Device names, addresses and link labels: they never change during a scene, so the
        stage keeps them in a pixmap of their own (text is most of the drawing cost)."""
        for box in boxes:
            if box.kind in ("name", "address", "link-label"):
                self._text(painter, box)

    def paint_network(
        self, painter: QPainter, boxes: Iterable[Box], node_highlight: Mapping[str, float], labels: bool = True
    ) -> None:
        """Everything between the title and the caption except the chips (those move every frame);
        ``labels=False`` leaves out what ``paint_labels`` draws."""
        for box in boxes:
            kind = box.kind
            if kind == "icon":
                self._icon(painter, box, node_highlight.get(box.node, 0.0))
            elif kind in ("name", "address", "link-label"):
                if labels:
                    self._text(painter, box)
            elif kind == "badge":
                r = qrect(box.rect)
                pill(painter, r, self.theme.color("badge_fill"))
                painter.setPen(self.theme.color("badge_text"))
                painter.setFont(font(box.px, bold=True))
                painter.drawText(r, CENTRE, box.text)
            elif kind == "table":
                self._table(painter, box)
            elif kind == "bubble":
                self._bubble(painter, box)

    def _icon(self, painter: QPainter, box: Box, highlight: float) -> None:
        r = qrect(box.rect)
        if highlight > 0:
            painter.setPen(QPen(alpha(self.theme.color("link_highlight"), highlight), 3))
            painter.setBrush(alpha(self.theme.color("node_halo"), 0.55 * highlight))
            # The halo stays inside the gap the layout keeps round the icon: it never rings the name.
            extra = max(2.0, min(7.0, self.layout.gap / 2 - 1.5))
            painter.drawEllipse(r.center(), r.width() / 2 + extra, r.height() / 2 + extra)
        if self.icon_painter is not None:
            self.icon_painter(painter, self.icon_kinds[box.node], r)
            return
        pixels = max(8, round(r.width() * painter.worldTransform().m11() * painter.device().devicePixelRatioF()))
        painter.drawPixmap(r, icon_pixmap(self.icon_kinds[box.node], pixels), QRectF(0, 0, pixels, pixels))

    def _text(self, painter: QPainter, box: Box) -> None:
        r = qrect(box.rect)
        if box.kind == "link-label":
            pill(painter, r, self.theme.color("background"))
        else:
            # A link running under a device's name must not strike through it: the text sits on
            # a patch of the stage's background.
            painter.fillRect(r, self.theme.color("background"))
        painter.setPen(self.theme.color(box.color))
        painter.setFont(font(box.px, bold=box.kind == "name", mono=box.kind == "address"))
        painter.drawText(r, CENTRE, box.text)

    def _table(self, painter: QPainter, box: Box) -> None:
        card: TableCard = box.data
        theme = self.theme
        r = qrect(box.rect)
        if card.leader is not None:
            x1, y1, x2, y2 = card.leader
            painter.setPen(QPen(theme.color("panel_border"), 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))
        painter.setPen(QPen(theme.color("panel_border"), 1.2))
        painter.setBrush(theme.color("panel_fill"))
        painter.drawRoundedRect(r, 6, 6)
        painter.setFont(font(card.title_px, bold=True))
        painter.setPen(theme.color("text"))
        x0 = r.left() + card.pad
        painter.drawText(QRectF(x0, r.top() + card.pad, r.width() - 2 * card.pad, card.title_h), LEFT_MIDDLE, box.text)
        y = r.top() + card.pad + card.title_h
        lines: list[tuple[tuple[str, ...], bool]] = ([(card.columns, True)] if card.columns else []) + [
            (row, False) for row in card.rows
        ]
        for row, is_head in lines:
            painter.setFont(font(card.cell_px, bold=is_head, mono=True))
            painter.setPen(theme.color("muted") if is_head else theme.color("text"))
            x = x0
            for i, value in enumerate(row):
                w = card.col_widths[i] if i < len(card.col_widths) else 0.0
                painter.drawText(QRectF(x, y, w + 2, card.line_h), LEFT_MIDDLE, value)
                x += w + card.col_gap
            if is_head:
                painter.setPen(QPen(theme.color("panel_border"), 1))
                painter.drawLine(QPointF(r.left() + 4, y + card.line_h), QPointF(r.right() - 4, y + card.line_h))
            y += card.line_h
        if card.hidden_rows:
            painter.setFont(font(card.cell_px, mono=True))
            painter.setPen(theme.color("muted"))
            painter.drawText(QRectF(x0, y, r.width() - 2 * card.pad, card.line_h), LEFT_MIDDLE, f"+{card.hidden_rows} more")

    def _bubble(self, painter: QPainter, box: Box) -> None:
        tip: BubbleTip = box.data
        r = qrect(box.rect)
        path = QPainterPath()
        path.addRoundedRect(r, 8, 8)
        # The tail: from the bubble's nearest edge to the device.
        base = QPointF(min(max(tip.tip_x, r.left() + 10), r.right() - 10), min(max(tip.tip_y, r.top() + 8), r.bottom() - 8))
        if tip.tip_y >= r.bottom():
            base = QPointF(base.x(), r.bottom() - 1)
            across = QPointF(8, 0)
        elif tip.tip_y <= r.top():
            base = QPointF(base.x(), r.top() + 1)
            across = QPointF(8, 0)
        elif tip.tip_x >= r.right():
            base = QPointF(r.right() - 1, base.y())
            across = QPointF(0, 8)
        else:
            base = QPointF(r.left() + 1, base.y())
            across = QPointF(0, 8)
        tail = QPainterPath()
        tail.addPolygon(QPolygonF([base - across, QPointF(tip.tip_x, tip.tip_y), base + across]))
        tail.closeSubpath()
        path = path.united(tail)
        painter.setPen(QPen(self.theme.color("bubble_border"), 1.6))
        painter.setBrush(self.theme.color("bubble_fill"))
        painter.drawPath(path)
        painter.setPen(self.theme.color("text"))
        painter.setFont(font(box.px))
        pad = (r.height() - tip.line_h * len(tip.lines)) / 2
        for i, line in enumerate(tip.lines):
            painter.drawText(QRectF(r.left(), r.top() + pad + i * tip.line_h, r.width(), tip.line_h), CENTRE, line)

    # -- overlays (viewport pixels) -------------------------------------------------------------
    def paint_overlays(self, painter: QPainter, boxes: Iterable[Box], hidden_traffic: frozenset[str]) -> None:
        for box in boxes:
            if box.kind == "title" or box.kind == "subtitle":
                painter.setPen(self.theme.color(box.color))
                painter.setFont(font(box.px, bold=box.kind == "title"))
                painter.drawText(qrect(box.rect), LEFT_MIDDLE, box.text)
            elif box.kind == "legend":
                self._legend(painter, box, hidden_traffic)
            elif box.kind == "caption":
                self._caption(painter, box)

    def _legend(self, painter: QPainter, box: Box, hidden_traffic: frozenset[str]) -> None:
        entries: tuple[LegendEntry, ...] = box.data
        painter.setFont(font(box.px))
        for entry in entries:
            hidden = entry.protocol in hidden_traffic
            # A hidden protocol stays in the legend, dimmed and struck through, to be clicked back on.
            painter.setOpacity(0.4 if hidden else 1.0)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette.color(entry.protocol))
            s = qrect(entry.swatch)
            painter.drawRoundedRect(s, s.height() / 2, s.height() / 2)
            painter.setPen(self.theme.color("muted"))
            label = qrect(entry.label)
            painter.drawText(label, LEFT_MIDDLE, entry.name)
            if hidden:
                painter.drawLine(QPointF(label.left(), label.center().y()), QPointF(label.right(), label.center().y()))
        painter.setOpacity(1.0)

    def _caption(self, painter: QPainter, box: Box) -> None:
        r = qrect(box.rect)
        if box.ref == "counter":
            pill(painter, r, self.theme.color("accent"))
            painter.setPen(QColor("white"))
            painter.setFont(font(box.px, bold=True))
            painter.drawText(r, CENTRE, box.text)
            return
        band = qrect(box.data)
        painter.setPen(QPen(self.theme.color("panel_border"), 1.2))
        painter.setBrush(self.theme.color("caption_fill"))
        painter.drawRoundedRect(band, 10, 10)
        painter.setPen(self.theme.color("text"))
        painter.setFont(font(box.px))
        painter.drawText(r, int(LEFT_MIDDLE | Qt.TextFlag.TextWordWrap), box.text)


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
