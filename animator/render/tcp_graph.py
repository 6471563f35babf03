"""How the TCP graph looks, shared by the player's panel (pyqtgraph) and the exporters (QPainter).

Colours are Okabe–Ito's (colour-blind safe), picked per theme so each line keeps a 3:1 contrast
on its background (WCAG's for graphics; ``tests/export/test_tcp_graph_export.py`` checks it): the
dark theme swaps the dark blue for sky blue and the vermillion for orange, the light themes darken
the reddish purple.
Lines are thick and text is at least the stage's small text, because the graph is read from the
back of a lecture hall. ``paint_tcp_graph`` draws the same two plots with a plain QPainter, so a
PNG or a video of a scene that has a graph shows it beside the stage without pyqtgraph.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from animator import looks
from animator.engine.tcp_graph import Segments, Series, TcpGraph
from animator.looks import GraphColors, graph_colors
from animator.render.theme import font

#: Nominal text size of the graph's ticks and labels (px at 100 %): the stage's device labels' size.
TEXT_PX = 16
#: Line widths (px): readable from the back row.
LINE = 3.0
BAR = 4.0


#: Legend words for each line (what a student reads beside it).
LABELS = {
    "segments": "data",
    "retransmissions": "resent",
    "ack": "ACK",
    "window": "ACK+rwnd",
    "cwnd": "cwnd",
    "ssthresh": "ssthresh",
    "rwnd": "rwnd",
}
#: The legends' order: what was sent, then what came back; the sender's numbers, then the receiver's.
LEGEND_ORDER = ("segments", "retransmissions", "ack", "window", "cwnd", "ssthresh", "rwnd")
SEQ_TITLE = "Sequence (bytes)"
WINDOW_TITLE = "Windows (bytes)"
TIME_TITLE = "time (s)"
#: The mark a legend shows for each kind of line.
MARKS = {"segments": "▮", "retransmissions": "✕"}


def legend_html(title: str, names: tuple[str, ...], colors: GraphColors) -> str:
    """A heading followed by each line's mark and name in its colour (rich text for a QLabel)."""
    parts = [f"<b>{title}</b>"]
    for name in names:
        mark = MARKS.get(name, "━━" if name != "ssthresh" else "╍╍")
        parts.append(f"<span style='color:{getattr(colors, name)}'>{mark}</span>&nbsp;{LABELS[name]}")

    return "&nbsp;&nbsp; ".join(parts)


def short_bytes(value: float, spacing: float = 1.0) -> str:
    """A tick label: 500, 20k, 1.5M (decimal prefixes, as bytes on a wire are counted)."""
    for factor, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            digits = 0 if spacing >= factor or (value / factor).is_integer() else 1
            return f"{value / factor:.{digits}f}{suffix}"
    return f"{value:.0f}" if spacing >= 1 or value == 0 else f"{value:g}"


def step_line(series: Series, n: int, t: float) -> tuple[list[float], list[float]]:
    """The first ``n`` points as a staircase held until ``t`` (a window keeps its value until it changes)."""
    xs: list[float] = []
    ys: list[float] = []
    for i in range(n):
        if i:
            xs.append(series.times[i])
            ys.append(series.values[i - 1])
        xs.append(series.times[i])
        ys.append(series.values[i])
    if n:
        xs.append(max(t, series.times[n - 1]))
        ys.append(series.values[n - 1])
    return xs, ys


def bars(segments: Segments, n: int) -> tuple[list[float], list[float]]:
    """The first ``n`` segments as pairs of points (time, seq) (time, end): tcptrace's vertical bars."""
    xs: list[float] = []
    ys: list[float] = []
    for i in range(n):
        xs += (segments.times[i], segments.times[i])
        ys += (segments.seqs[i], segments.ends[i])
    return xs, ys


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to about ``top`` (1, 2 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(top // step) + 1)]


def tick_text(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 or value == 0 else f"{value:g}"


def paint_tcp_graph(painter: QPainter, rect: QRectF, graph: TcpGraph, t: float, theme: looks.Theme, scale: float = 1.0) -> None:
    """Both plots (sequence numbers above, windows below) into ``rect``, as the panel shows them at ``t``."""
    colors = graph_colors(theme)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(rect, QColor(colors.background))
    px = TEXT_PX * scale
    gap = px
    half = (rect.height() - gap) / 2
    top = QRectF(rect.x(), rect.y(), rect.width(), half)
    bottom = QRectF(rect.x(), rect.y() + half + gap, rect.width(), half)
    counts = graph.counts_at(t)
    seq_lines: list[tuple[str, list[float], list[float], bool]] = [
        ("window", *step_line(graph.windows, counts["windows"], t), False),
        ("ack", *step_line(graph.acks, counts["acks"], t), False),
        ("segments", *bars(graph.segments, counts["segments"]), True),
        ("retransmissions", *bars(graph.retransmissions, counts["retransmissions"]), True),
    ]
    _plot(painter, top, SEQ_TITLE, graph.duration, graph.seq_top, seq_lines, t, colors, px)
    window_lines = [(s.name, *step_line(s, counts[s.name], t), False) for s in graph.samples]
    title = WINDOW_TITLE if graph.mss is None else f"Windows (bytes; MSS {graph.mss})"
    _plot(painter, bottom, title, graph.duration, graph.window_top, window_lines, t, colors, px)
    painter.restore()


def _plot(
    painter: QPainter,
    rect: QRectF,
    title: str,
    duration: float,
    top_value: float,
    lines: list[tuple[str, list[float], list[float], bool]],
    t: float,
    colors: GraphColors,
    px: float,
) -> None:
    text_font = font(px)
    metrics = QFontMetricsF(text_font)
    painter.setFont(text_font)
    ticks = nice_ticks(top_value)
    left = max(metrics.horizontalAdvance(short_bytes(v)) for v in ticks) + px
    row = metrics.height() * 1.25
    # The legend: a short line (or bar) and the name of each series, in rows under the title,
    # wrapped at the plot's width, in the order the panel lists them (data first).
    entries: list[tuple[str, bool, float, int]] = []  # name, bar, x, row
    x, line = rect.x(), 1
    for name, _, _, pairs in sorted(lines, key=lambda entry: LEGEND_ORDER.index(entry[0])):
        width = 1.8 * px + metrics.horizontalAdvance(LABELS[name])
        if x > rect.x() and x + width > rect.right():
            x, line = rect.x(), line + 1
        entries.append((name, pairs, x, line))
        x += width + px
    plot = QRectF(rect.x() + left, rect.y() + (line + 1) * row + px / 2, rect.width() - left - px, 0)
    plot.setBottom(rect.bottom() - row)
    text = QColor(colors.text)
    painter.setPen(text)
    painter.setFont(font(px, bold=True))
    painter.drawText(QRectF(rect.x(), rect.y(), rect.width(), row), Qt.AlignmentFlag.AlignLeft, title)
    painter.setFont(text_font)
    for name, pairs, x, line in entries:
        y = rect.y() + row * (line + 0.5)
        pen = QPen(QColor(getattr(colors, name)), BAR if pairs else LINE)
        if name == "ssthresh":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if pairs:
            painter.drawLine(QPointF(x + 0.6 * px, y - 0.45 * px), QPointF(x + 0.6 * px, y + 0.45 * px))
        else:
            painter.drawLine(QPointF(x, y), QPointF(x + 1.4 * px, y))
        painter.setPen(text)
        label = LABELS[name]
        painter.drawText(
            QRectF(x + 1.8 * px, rect.y() + row * line, metrics.horizontalAdvance(label) + 2, row),
            Qt.AlignmentFlag.AlignLeft,
            label,
        )

    def x_of(value: float) -> float:
        return plot.x() + plot.width() * (value / duration if duration > 0 else 0.0)

    def y_of(value: float) -> float:
        return plot.bottom() - plot.height() * (value / top_value if top_value > 0 else 0.0)

    grid = QPen(QColor(colors.grid), 1)
    for value in ticks:
        y = y_of(value)
        painter.setPen(grid)
        painter.drawLine(QPointF(plot.x(), y), QPointF(plot.right(), y))
        painter.setPen(text)
        painter.drawText(
            QRectF(rect.x(), y - metrics.height() / 2, left - px / 2, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            short_bytes(value),
        )
    for value in nice_ticks(duration, 6)[1:]:  # no 0 under the sequence axis' own 0
        x = x_of(value)
        painter.drawText(
            QRectF(x - 3 * px, plot.bottom() + 2, 6 * px, metrics.height()), Qt.AlignmentFlag.AlignHCenter, tick_text(value)
        )
    painter.setPen(QPen(text, 1.5))
    painter.drawRect(plot)
    painter.save()
    painter.setClipRect(plot)
    for name, xs, ys, pairs in lines:
        color = QColor(getattr(colors, name))
        pen = QPen(color, BAR if pairs else LINE)
        if name == "ssthresh":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if pairs:
            for i in range(0, len(xs) - 1, 2):
                painter.drawLine(QPointF(x_of(xs[i]), y_of(ys[i])), QPointF(x_of(xs[i + 1]), y_of(ys[i + 1])))
        elif xs:
            path = QPainterPath(QPointF(x_of(xs[0]), y_of(ys[0])))
            for x, y in zip(xs[1:], ys[1:], strict=True):
                path.lineTo(x_of(x), y_of(y))
            painter.drawPath(path)
    painter.setPen(QPen(QColor(colors.cursor), 2))
    painter.drawLine(QPointF(x_of(t), plot.top()), QPointF(x_of(t), plot.bottom()))
    painter.restore()


def graph_image(graph: TcpGraph, t: float, size: tuple[int, int], theme: looks.Theme, scale: float = 1.0) -> QImage:
    """The graph alone as an image (needs a Q(Gui)Application for fonts)."""
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(theme.background))
    painter = QPainter(image)
    try:
        paint_tcp_graph(painter, QRectF(0, 0, size[0], size[1]), graph, t, theme, scale)
    finally:
        painter.end()
    return image
