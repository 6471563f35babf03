"""Draw the layout's boxes with a QPainter: the Qt renderer of ``animator.layout``.

It places nothing: every rectangle comes from ``StageLayout``; this module only turns a
box into pixels (an icon, a pill, a table card, a bubble with its tail; chips are
``animator.render.chips``). The stage, the PNG export and the vector exports share it, so they
all look the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from animator.layout.boxes import Box, BubbleTip, LegendEntry, Rect, TableCard
from animator.layout.stage import StageLayout
from animator.render.icons import IconPainter, icon_pixmap
from animator.render.theme import Palette, Theme, font

LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter


def qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


def alpha(color: QColor, value: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(max(0.0, min(1.0, value)) * color.alphaF())
    return c


def pill(painter: QPainter, rect: QRectF, fill: QColor, border: QColor | None = None) -> None:
    painter.setPen(QPen(border, 1.2) if border is not None else Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    radius = rect.height() / 2
    painter.drawRoundedRect(rect, radius, radius)


#: How far a box's drawing may reach beyond its rectangle (an icon's halo, a pill's border).
_REACH = 12.0


def _meets(visible: Rect, x0: float, y0: float, x1: float, y1: float, reach: float = _REACH) -> bool:
    return x1 + reach >= visible.x and x0 - reach <= visible.right and y1 + reach >= visible.y and y0 - reach <= visible.bottom


def _box_meets(visible: Rect, box: Box) -> bool:
    """Whether anything of ``box`` (with a table's leader line or a bubble's tail) can fall in ``visible``."""
    r = box.rect
    x0, y0, x1, y1 = r.x, r.y, r.right, r.bottom
    if box.kind == "table" and box.data.leader is not None:
        lx0, ly0, lx1, ly1 = box.data.leader
        x0, y0, x1, y1 = min(x0, lx0, lx1), min(y0, ly0, ly1), max(x1, lx0, lx1), max(y1, ly0, ly1)
    elif box.kind == "bubble":
        tip = box.data
        x0, y0, x1, y1 = min(x0, tip.tip_x), min(y0, tip.tip_y), max(x1, tip.tip_x), max(y1, tip.tip_y)
    return _meets(visible, x0, y0, x1, y1)


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
    def paint_links(
        self,
        painter: QPainter,
        link_highlight: Mapping[str, float],
        highlighted_only: bool = False,
        visible: Rect | None = None,
    ) -> None:
        """Every link's line, with a glow under the highlighted ones; ``highlighted_only`` draws
        just those (the stage keeps the plain lines in its cached label layer). With ``visible``
        (scene units), links wholly outside it are left out: a zoomed-in stage shows a few."""
        theme, layout = self.theme, self.layout
        width = max(2.0, 3 * layout.k)
        # Flat ends: a link runs from centre to centre, under both icons, so its ends are never seen;
        # Qt strokes antialiased round-capped lines 30-40x slower (90 ms for 200 links at 2x zoom).
        plain = QPen(theme.color("link"), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
        lines = []
        centres = layout.centres
        for link in layout.timeline.scene.links:
            value = link_highlight.get(link.link_id, 0.0)
            if highlighted_only and value <= 0:
                continue
            (ax, ay), (bx, by) = (centres[n] for n in link.between)
            if visible is not None and not _meets(visible, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), width * 2):
                continue
            a, b = QPointF(ax, ay), QPointF(bx, by)
            if value > 0:
                glow = alpha(theme.color("link_highlight"), value)
                painter.setPen(QPen(glow, width * 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
                painter.drawLine(a, b)
                painter.setPen(plain)
                painter.drawLine(a, b)
            else:
                lines.append(QLineF(a, b))
        if lines:
            painter.setPen(plain)
            painter.drawLines(lines)  # one call for all the plain lines: ~5x cheaper than one each

    def paint_labels(self, painter: QPainter, boxes: Iterable[Box], visible: Rect | None = None) -> None:
        """Device names, addresses and link labels: they never change during a scene, so the
        stage keeps them in a pixmap of their own (text is most of the drawing cost)."""
        for box in boxes:
            if box.kind in ("name", "address", "link-label") and (visible is None or _box_meets(visible, box)):
                self._text(painter, box)

    def paint_network(
        self,
        painter: QPainter,
        boxes: Iterable[Box],
        node_highlight: Mapping[str, float],
        labels: bool = True,
        visible: Rect | None = None,
    ) -> None:
        """Everything between the title and the caption except the chips (those move every frame);
        ``labels=False`` leaves out what ``paint_labels`` draws; boxes wholly outside ``visible``
        (scene units) are left out."""
        for box in boxes:
            kind = box.kind
            if visible is not None and not _box_meets(visible, box):
                continue
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
