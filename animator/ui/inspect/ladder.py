"""The sequence (ladder) diagram beside the stage: lifelines, one arrow per message, time running down.

The stage shows one moment; the ladder shows the whole conversation, so a student can see where
the current moment sits in it (a horizontal line) and jump anywhere by clicking an arrow. It is
drawn by hand from ``ladder_arrows`` (plain data): time maps linearly to y, nodes to evenly
spaced x in the stage's left-to-right order, and a click is a distance-to-segment test.

Arrows take the stage's protocol colours, but as thin ink on the panel rather than as chip
fills: each colour is darkened (light themes) or lightened (dark theme) just enough to read,
4.5:1 for the labels and 3:1 for the lines (``ink``), so the Okabe–Ito yellow is still visible
on a projector. The current moment's time pill is placed where it hides no "Step N" label.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QAbstractScrollArea, QButtonGroup, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from animator.engine.sequence import Arrow, ladder_arrows, lifeline_order
from animator.render.theme import LIGHT, STANDARD, Palette, Theme, chip_text_color, font
from animator.ui.inspect.contrast import LINE_RATIO, TEXT_RATIO, readable_on, toward

#: Vertical pixels per second of scene time: a one-second hop gets a readable slant.
PIXELS_PER_SECOND = 64.0
HEADER = 40.0
GUTTER = 46.0
TOP = 12.0
#: How close (pixels) a click must be to an arrow to pick it.
PICK_DISTANCE = 7.0
MIN_SPACING = 48.0
#: How far a future arrow is faded toward the background ("not yet"), before it is made readable again.
FUTURE_FADE = 0.45
#: The high-contrast theme (washed-out projectors, low vision) asks for AAA text and more for lines.
HIGH_CONTRAST_RATIOS = (7.0, 4.5)
#: Aimed above each ratio: an 11-pixel glyph's stems are anti-aliased and barely reach the exact colour.
RATIO_MARGIN = 0.15
#: The time pill's height, and the gap it keeps from the current-time line and the step labels.
PILL_HEIGHT = 16.0
PILL_GAP = 1.0


class LadderView(QAbstractScrollArea):
    """The diagram itself. Feed it ``set_timeline``, then ``set_time`` as time moves."""

    seekRequested = Signal(float)  # noqa: N815 - Qt signal naming
    packetSelected = Signal(str)  # noqa: N815

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.theme = theme
        #: The protocol palette the arrows are drawn in (not QWidget's palette()).
        self.protocol_palette: Palette = STANDARD
        self.timeline: Any = None
        self.end_to_end = False
        self.arrows: tuple[Arrow, ...] = ()
        self.order: tuple[str, ...] = ()
        self.labels: dict[str, str] = {}
        self.time = 0.0
        self.selected: str | None = None
        self._steps: tuple[tuple[int, float], ...] = ()
        self._starts: list[float] = []
        self._longest = 0.0
        self._duration = 0.0
        self._label_font = font(11)
        self._node_font = font(11.5, bold=True)
        self._small_font = font(10)
        self._inks: dict[tuple[str, bool], tuple[QColor, QColor]] = {}
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setMinimumWidth(240)  # the transport bar needs ~860 px: a 1366-px laptop still fits

    # -- data -------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._inks = {}
        self.viewport().update()

    def set_palette(self, palette: Palette) -> None:
        """The protocol colours the stage uses (standard or Okabe–Ito), so arrows match the chips."""
        self.protocol_palette = palette
        self._inks = {}
        self.viewport().update()

    # -- colours ----------------------------------------------------------------------
    def background(self) -> QColor:
        """What arrows and their labels are drawn on (label boxes are filled with it too)."""
        return self.theme.color("panel_fill")

    def ratios(self) -> tuple[float, float]:
        """The contrast the labels and the lines must reach in this theme: (text, line)."""
        return HIGH_CONTRAST_RATIOS if self.theme.name == "high-contrast" else (TEXT_RATIO, LINE_RATIO)

    def ink(self, protocol: str, future: bool = False) -> tuple[QColor, QColor]:
        """The (line, label) colours an arrow of ``protocol`` is drawn in: the palette's hue, made readable.

        Past and current arrows draw line and label in one colour at the text ratio; a future
        arrow is faded toward the panel and then brought back to the line ratio, so it still
        reads lighter (on the paler hues, where there is no room to fade, only its label says so).
        """
        key = (protocol, future)
        cached = self._inks.get(key)
        if cached is None:
            text_ratio, line_ratio = (ratio + RATIO_MARGIN for ratio in self.ratios())
            background = self.background()
            base = QColor(self.protocol_palette.color(protocol))
            if future:
                faded = toward(base, background, FUTURE_FADE)
                cached = (readable_on(faded, background, line_ratio), readable_on(faded, background, text_ratio))
            else:
                solid = readable_on(base, background, text_ratio)
                cached = (solid, solid)
            self._inks[key] = cached
        return cached

    def set_timeline(self, timeline: Any) -> None:
        self.timeline = timeline
        self.order = lifeline_order(timeline)
        self.labels = {node.id: node.display_label for node in timeline.scene.nodes}
        self._steps = tuple((span.number, span.start) for span in timeline.steps)
        self._duration = float(timeline.duration)
        self.selected = None
        self._rebuild()

    def set_end_to_end(self, on: bool) -> None:
        self.end_to_end = on
        self._rebuild()

    def _rebuild(self) -> None:
        self.arrows = ladder_arrows(self.timeline, end_to_end=self.end_to_end) if self.timeline is not None else ()
        self._starts = [arrow.start for arrow in self.arrows]
        self._longest = max((arrow.end - arrow.start for arrow in self.arrows), default=0.0)
        self._update_scrollbars()
        self.viewport().update()

    def set_time(self, t: float) -> None:
        """Move the current-time line, scrolling so it stays in view."""
        self.time = t
        y = self._content_y(t)
        bar = self.verticalScrollBar()
        top, height = bar.value(), self.viewport().height() - HEADER
        if y < top + 10 or y > top + height - 30:
            bar.setValue(int(max(0.0, y - height / 3)))
        self.viewport().update()

    def set_selected(self, packet_id: str | None) -> None:
        """Outline every arrow of this packet (the one the inspector shows)."""
        if packet_id != self.selected:
            self.selected = packet_id
            self.viewport().update()

    # -- geometry ---------------------------------------------------------------------
    def _content_y(self, t: float) -> float:
        return TOP + t * PIXELS_PER_SECOND

    def y_of(self, t: float) -> float:
        """Viewport y of scene time ``t``."""
        return HEADER + self._content_y(t) - self.verticalScrollBar().value()

    def _content_width(self) -> float:
        return max(float(self.viewport().width()), GUTTER + MIN_SPACING * max(1, len(self.order)))

    def x_of(self, node: str) -> float:
        """Viewport x of a node's lifeline."""
        if node not in self.order:
            return -1000.0
        width = self._content_width() - GUTTER
        spacing = width / max(1, len(self.order))
        return GUTTER + spacing * (self.order.index(node) + 0.5) - self.horizontalScrollBar().value()

    def step_label_rects(self) -> list[tuple[int, QRectF]]:
        """Where each visible "Step N" label is drawn: in the left gutter, just under its dashed line."""
        rects = []
        for number, start in self._steps:
            y = self.y_of(start)
            if HEADER - 20 <= y <= self.viewport().height() + 20:
                rects.append((number, QRectF(4, y + 2, GUTTER - 8, 16)))
        return rects

    def time_pill_rect(self) -> QRectF:
        """Where the current time's pill goes: on the time line, and never over a "Step N" label.

        Tried in order: centred on the line in the gutter, just above it, just below it (all
        touching the line, so it still reads as the line's label), and the right edge, where no
        step label is. At a step's start (where the player pauses) the label hangs under the
        line, so the pill usually sits on top of the line.
        """
        y = self.y_of(self.time)
        metrics = QFontMetricsF(self._small_font)
        width = max(GUTTER - 4, metrics.horizontalAdvance(self._time_text()) + 12)
        labels = [rect for _number, rect in self.step_label_rects()]
        bottom = float(self.viewport().height())
        for top in (y - PILL_HEIGHT / 2, y - PILL_HEIGHT - PILL_GAP, y + PILL_GAP):
            pill = QRectF(2, top, width, PILL_HEIGHT)
            if pill.top() >= HEADER and pill.bottom() <= bottom and not any(pill.intersects(r) for r in labels):
                return pill
        return QRectF(self.viewport().width() - width - 2, y - PILL_HEIGHT / 2, width, PILL_HEIGHT)

    def _time_text(self) -> str:
        return f"{self.time:.1f} s"

    def arrow_line(self, arrow: Arrow) -> tuple[QPointF, QPointF]:
        return QPointF(self.x_of(arrow.source), self.y_of(arrow.start)), QPointF(self.x_of(arrow.target), self.y_of(arrow.end))

    def visible_arrows(self, top: float | None = None, bottom: float | None = None) -> list[Arrow]:
        """Arrows crossing the viewport rows ``top``..``bottom``: a lecture has thousands, a view shows dozens."""
        top = HEADER if top is None else top
        bottom = float(self.viewport().height()) if bottom is None else bottom
        t0 = (top - HEADER + self.verticalScrollBar().value() - TOP) / PIXELS_PER_SECOND
        t1 = (bottom - HEADER + self.verticalScrollBar().value() - TOP) / PIXELS_PER_SECOND
        first = bisect_left(self._starts, t0 - self._longest - 0.01)
        last = bisect_right(self._starts, t1 + 0.01)
        return [a for a in self.arrows[first:last] if a.end >= t0 - 0.01]

    def arrow_at(self, pos: QPointF) -> Arrow | None:
        """The arrow nearest a viewport point, within ``PICK_DISTANCE`` pixels."""
        best, best_distance = None, PICK_DISTANCE
        for arrow in self.visible_arrows(pos.y() - 40, pos.y() + 40):
            a, b = self.arrow_line(arrow)
            distance = _distance_to_segment(pos, a, b)
            if distance <= best_distance:
                best, best_distance = arrow, distance
        return best

    def _update_scrollbars(self) -> None:
        height = self._content_y(self._duration) + 30
        visible = self.viewport().height() - HEADER
        self.verticalScrollBar().setRange(0, int(max(0.0, height - visible)))
        self.verticalScrollBar().setPageStep(int(max(1, visible)))
        self.verticalScrollBar().setSingleStep(20)
        extra = self._content_width() - self.viewport().width()
        self.horizontalScrollBar().setRange(0, int(max(0.0, extra)))
        self.horizontalScrollBar().setPageStep(self.viewport().width())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_scrollbars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        self.viewport().update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(320, 480)

    # -- events -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        arrow = self.arrow_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if arrow is None:
            super().mousePressEvent(event)
            return
        self.set_selected(arrow.packet_id)
        self.packetSelected.emit(arrow.packet_id)
        # The arrival: the packet has just reached the arrow's target, which is where the
        # inspector can show it as it came in.
        self.seekRequested.emit(arrow.end)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        arrow = self.arrow_at(event.position())
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if arrow else Qt.CursorShape.ArrowCursor)
        self.viewport().setToolTip(
            f"{arrow.label}\n{self.labels.get(arrow.source, arrow.source)} → {self.labels.get(arrow.target, arrow.target)}"
            f"\n{arrow.start:.2f} s – {arrow.end:.2f} s{'  (dropped)' if arrow.dropped else ''}"
            if arrow
            else ""
        )
        super().mouseMoveEvent(event)

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        theme = self.theme
        painter = QPainter(self.viewport())
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        rect = self.viewport().rect()
        painter.fillRect(rect, theme.color("panel_fill"))
        if self.timeline is None:
            painter.setPen(theme.color("muted"))
            painter.setFont(font(13))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Open a scene to see its sequence diagram")
            painter.end()
            return
        painter.save()
        painter.setClipRect(QRectF(0, HEADER, rect.width(), rect.height() - HEADER))
        self._paint_steps(painter)
        self._paint_lifelines(painter)
        arrows = self.visible_arrows(HEADER - 40, rect.height() + 40)
        for arrow in arrows:
            if arrow.packet_id != self.selected:
                self._paint_arrow(painter, arrow, False)
        for arrow in arrows:  # the selected packet on top
            if arrow.packet_id == self.selected:
                self._paint_arrow(painter, arrow, True)
        self._paint_now(painter)
        painter.restore()
        self._paint_header(painter)
        painter.end()

    def _paint_steps(self, painter: QPainter) -> None:
        width = self.viewport().width()
        faint = QColor(self.theme.color("panel_border"))
        painter.setFont(self._small_font)
        for number, box in self.step_label_rects():
            y = box.top() - 2
            painter.setPen(QPen(faint, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(0, y), QPointF(width, y))
            painter.setPen(self.theme.color("muted"))
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, f"Step {number}")

    def _paint_lifelines(self, painter: QPainter) -> None:
        pen = QPen(self.theme.color("link"), 1.5)
        painter.setPen(pen)
        bottom = self.y_of(self._duration) + 20
        for node in self.order:
            x = self.x_of(node)
            painter.drawLine(QPointF(x, HEADER), QPointF(x, min(bottom, self.viewport().height())))

    def _paint_arrow(self, painter: QPainter, arrow: Arrow, selected: bool) -> None:
        a, b = self.arrow_line(arrow)
        if max(a.y(), b.y()) < HEADER - 40 or min(a.y(), b.y()) > self.viewport().height() + 40:
            return
        color, text_color = self.ink(arrow.protocol, future=arrow.start > self.time)  # the future is drawn lighter
        if selected:
            halo = QColor(self.theme.color("link_highlight"))
            halo.setAlphaF(0.55)
            painter.setPen(QPen(halo, 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(a, b)
            # A band of panel colour between halo and arrow: an orange HTTP arrow in the amber
            # halo otherwise melts into one thick bar, head and all.
            painter.setPen(QPen(self.background(), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(a, b)
        painter.setPen(QPen(color, 2.2 if selected else 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        if arrow.dropped:
            mid = a + (b - a) * 0.8
            painter.drawLine(a, mid)
            self._paint_cross(painter, mid)
        else:
            painter.drawLine(a, b)
            self._paint_head(painter, a, b, color)
        self._paint_label(painter, arrow, text_color)

    def _paint_head(self, painter: QPainter, a: QPointF, b: QPointF, color: QColor) -> None:
        angle = math.atan2(b.y() - a.y(), b.x() - a.x())
        size = 8.0
        left = QPointF(b.x() - size * math.cos(angle - 0.4), b.y() - size * math.sin(angle - 0.4))
        right = QPointF(b.x() - size * math.cos(angle + 0.4), b.y() - size * math.sin(angle + 0.4))
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([b, left, right]))
        painter.restore()

    def _paint_cross(self, painter: QPainter, at: QPointF) -> None:
        painter.save()
        painter.setPen(QPen(self.theme.color("drop"), 2.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        r = 5.5
        painter.drawLine(at + QPointF(-r, -r), at + QPointF(r, r))
        painter.drawLine(at + QPointF(-r, r), at + QPointF(r, -r))
        painter.restore()

    def label_rect(self, arrow: Arrow) -> tuple[QRectF, str] | None:
        """The box an arrow's label is drawn in (above the arrow's middle) and its elided text.

        None for the later hops of a message: per hop, the label rides on the first hop only,
        one name per message.
        """
        if arrow.hop not in (None, 0):
            return None
        a, b = self.arrow_line(arrow)
        span = abs(b.x() - a.x())
        metrics = QFontMetricsF(self._label_font)
        text = metrics.elidedText(arrow.label, Qt.TextElideMode.ElideRight, max(40.0, span - 12))
        width = metrics.horizontalAdvance(text) + 8
        mid = (a + b) / 2
        return QRectF(mid.x() - width / 2, mid.y() - metrics.height() - 3, width, metrics.height() + 2), text

    def _paint_label(self, painter: QPainter, arrow: Arrow, color: QColor) -> None:
        placed = self.label_rect(arrow)
        if placed is None:
            return
        box, text = placed
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.background())  # opaque: the text's contrast is measured against exactly this
        painter.drawRoundedRect(box, 3, 3)
        painter.setFont(self._label_font)
        painter.setPen(color)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _paint_now(self, painter: QPainter) -> None:
        y = self.y_of(self.time)
        painter.setPen(QPen(self.theme.color("accent"), 2))
        painter.drawLine(QPointF(0, y), QPointF(self.viewport().width(), y))
        painter.setFont(self._small_font)
        box = self.time_pill_rect()
        accent = self.theme.color("accent")
        painter.setBrush(accent)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(box, PILL_HEIGHT / 2, PILL_HEIGHT / 2)
        painter.setPen(chip_text_color(accent))  # white on the light accent, black on the dark theme's brighter blue
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._time_text())

    def _paint_header(self, painter: QPainter) -> None:
        """Node names over their lifelines; when they do not fit side by side, on two staggered rows."""
        width = self.viewport().width()
        painter.fillRect(QRectF(0, 0, width, HEADER), self.theme.color("caption_fill"))
        painter.setPen(QPen(self.theme.color("panel_border"), 1))
        painter.drawLine(QPointF(0, HEADER - 0.5), QPointF(width, HEADER - 0.5))
        painter.setFont(self._node_font)
        metrics = QFontMetricsF(self._node_font)
        spacing = (self._content_width() - GUTTER) / max(1, len(self.order))
        names = [self.labels.get(node, node) for node in self.order]
        stagger = any(metrics.horizontalAdvance(name) > spacing - 6 for name in names)
        room = spacing * 2 - 8 if stagger else spacing - 6
        line = metrics.height()
        painter.setPen(self.theme.color("text"))
        for index, (node, name) in enumerate(zip(self.order, names, strict=True)):
            x = self.x_of(node)
            # Centred on its lifeline, so the outermost names are elided at the panel's edge
            # rather than cut off by it (a lifeline scrolled out of view keeps its full room).
            fits = min(room, 2 * (width - 2 - x), 2 * (x - 2))
            text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, fits if fits > 24 else room)
            if stagger:
                y = 3 if index % 2 == 0 else HEADER - line - 3
                box = QRectF(x - room / 2, y, room, line)
            else:
                box = QRectF(x - room / 2, 0, room, HEADER)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class LadderPanel(QWidget):
    """The diagram with its per-hop / end-to-end switch: what the Sequence dock holds."""

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.view = LadderView(self, theme)
        self.seekRequested = self.view.seekRequested
        self.packetSelected = self.view.packetSelected
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.setSpacing(0)
        caption = QLabel("Arrows:", self)
        bar.addWidget(caption)
        bar.addSpacing(6)
        self.per_hop_button = QToolButton(self)
        self.per_hop_button.setText("Per hop")
        self.per_hop_button.setToolTip("One arrow per link crossed: see what every device does")
        self.end_to_end_button = QToolButton(self)
        self.end_to_end_button.setText("End to end")
        self.end_to_end_button.setToolTip("One arrow per message, from sender to final receiver")
        group = QButtonGroup(self)
        for button in (self.per_hop_button, self.end_to_end_button):
            button.setCheckable(True)
            group.addButton(button)
            bar.addWidget(button)
        bar.addStretch(1)
        self.per_hop_button.setChecked(True)
        self.end_to_end_button.toggled.connect(self.view.set_end_to_end)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def set_theme(self, theme: Theme) -> None:
        self.view.set_theme(theme)

    def set_palette(self, palette: Palette) -> None:
        self.view.set_palette(palette)


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length2))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))
