"""The TCP graph panel: sequence numbers, ACKs and windows off the wire above, cwnd/ssthresh/rwnd below.

Two pyqtgraph plots share the time axis (the scene's clock, 0 to its end, fixed so nothing jumps
while the lecture plays). What shows is a function of time, like the stage: ``show_time(t)`` cuts
every series at ``t`` (``TcpGraph.counts_at``, one bisect each) and moves a cursor there, so the
graph grows as the scene plays and shrinks when the lecturer steps back. Mouse zoom and the context
menu are off: a stray drag during a lecture must not leave the plot somewhere odd.

pyqtgraph is imported when the first panel is made, never at start-up (importing it and building the
first panel took about half a second here).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from animator import looks
from animator.engine.tcp_graph import TcpGraph
from animator.looks import graph_colors
from animator.render.tcp_graph import (
    BAR,
    LABELS,
    LINE,
    SEQ_TITLE,
    TEXT_PX,
    TIME_TITLE,
    WINDOW_TITLE,
    bars,
    legend_html,
    short_bytes,
    step_line,
)
from animator.render.theme import font

#: The smallest text the panel gives way to when it is narrow, and how many of its characters a
#: panel's width must hold across (a 245 px tab at 200 % text had headings of three words a line
#: and plots a thumbnail high).
MIN_PX, CHARS_ACROSS = 11, 20


class TcpGraphPanel(QWidget):
    """Both plots for one ``TcpGraph`` (or empty), at one time, in one theme and text size.

    Text follows the text-size setting as far as the panel's width allows (``text_px``): a narrow
    tab keeps whole headings and room for its plots instead of text nobody can fit."""

    def __init__(self, parent: QWidget | None, theme: looks.Theme, text_scale: float = 1.0) -> None:
        super().__init__(parent)
        import pyqtgraph as pg

        self._pg = pg
        self.theme, self.text_scale = theme, text_scale
        self.graph: TcpGraph | None = None
        self.time = 0.0
        #: The text size last applied (``text_px`` when the looks or the width changed).
        self.applied_px = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        axis = _bytes_axis(pg)
        # Each plot under a heading that is also its legend: a legend inside the plot covers the lines.
        self.seq_title = QLabel(self)
        self.window_title = QLabel(self)
        for label in (self.seq_title, self.window_title):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
        self.seq_plot: Any = pg.PlotWidget(self, axisItems={"left": axis(orientation="left")})  # untyped library
        self.window_plot: Any = pg.PlotWidget(self, axisItems={"left": axis(orientation="left")})
        self.window_plot.setXLink(self.seq_plot)
        layout.addWidget(self.seq_title)
        layout.addWidget(self.seq_plot, 1)
        layout.addWidget(self.window_title)
        layout.addWidget(self.window_plot, 1)
        #: Each line by its series name (as in ``render.tcp_graph.LABELS``).
        self.curves: dict[str, Any] = {}
        self.cursors: list[Any] = []
        for plot in (self.seq_plot, self.window_plot):
            item = plot.getPlotItem()
            item.setMenuEnabled(False)
            item.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            item.showGrid(x=False, y=True, alpha=0.3)
            for side in ("left", "bottom"):
                # Major ticks only: minor grid lines every 1k made a plot read like graph paper.
                item.getAxis(side).setStyle(maxTickLevel=0)
                item.getAxis(side).enableAutoSIPrefix(False)
            cursor = pg.InfiniteLine(pos=0.0, angle=90, movable=False)
            plot.addItem(cursor)
            self.cursors.append(cursor)
        self._make_curves()
        self.set_looks(theme, text_scale)

    def _make_curves(self) -> None:
        for name in ("window", "ack"):
            self.curves[name] = self.seq_plot.plot([], [], name=LABELS[name], skipFiniteCheck=True)
        for name in ("segments", "retransmissions"):
            self.curves[name] = self.seq_plot.plot([], [], name=LABELS[name], connect="pairs", skipFiniteCheck=True)
        for name in ("cwnd", "ssthresh", "rwnd"):
            self.curves[name] = self.window_plot.plot([], [], name=LABELS[name], skipFiniteCheck=True)

    # -- what it shows ----------------------------------------------------------------
    def set_graph(self, graph: TcpGraph | None) -> None:
        """Show ``graph`` (None: empty plots); the axes are fixed to the whole scene."""
        self.graph = graph
        if graph is not None:
            self.seq_plot.setXRange(0.0, max(graph.duration, 1e-3), padding=0.01)
            self.seq_plot.setYRange(0.0, graph.seq_top, padding=0)
            self.window_plot.setYRange(0.0, graph.window_top, padding=0)
            present = {s.name for s in graph.samples}
            for name in ("cwnd", "ssthresh", "rwnd"):
                self.curves[name].setVisible(name in present)
        self._retitle()
        self.show_time(self.time)

    def show_time(self, t: float) -> None:
        """Cut every series at ``t`` and put the cursor there."""
        self.time = t
        for cursor in self.cursors:
            cursor.setValue(t)
        graph = self.graph
        if graph is None:
            for curve in self.curves.values():
                curve.setData([], [])
            return
        counts = graph.counts_at(t)
        self.curves["window"].setData(*step_line(graph.windows, counts["windows"], t))
        self.curves["ack"].setData(*step_line(graph.acks, counts["acks"], t))
        self.curves["segments"].setData(*bars(graph.segments, counts["segments"]))
        self.curves["retransmissions"].setData(*bars(graph.retransmissions, counts["retransmissions"]))
        for series in graph.samples:
            self.curves[series.name].setData(*step_line(series, counts[series.name], t))

    def point_counts(self) -> dict[str, int]:
        """How many points each visible line draws now (for tests: what a student sees)."""
        return {name: len(curve.getData()[0] if curve.getData()[0] is not None else ()) for name, curve in self.curves.items()}

    # -- how it looks -----------------------------------------------------------------
    def set_looks(self, theme: looks.Theme, text_scale: float) -> None:
        """Colours from ``theme`` (colour-blind safe), text and lines scaled by ``text_scale``."""
        pg = self._pg
        self.theme, self.text_scale = theme, text_scale
        colors = graph_colors(theme)
        px = self.applied_px = self.text_px()
        tick_font = font(px)
        widths = {"segments": BAR, "retransmissions": BAR}
        for name, curve in self.curves.items():
            pen = pg.mkPen(getattr(colors, name), width=widths.get(name, LINE) * max(1.0, text_scale * 0.8))
            if name == "ssthresh":
                pen.setStyle(pg.QtCore.Qt.PenStyle.DashLine)
            curve.setPen(pen)
        self.curves["retransmissions"].setSymbol("x")
        self.curves["retransmissions"].setSymbolSize(round(14 * text_scale))
        self.curves["retransmissions"].setSymbolPen(pg.mkPen(colors.retransmissions, width=3))
        self.curves["retransmissions"].setSymbolBrush(None)
        for plot in (self.seq_plot, self.window_plot):
            plot.setBackground(colors.background)
            item = plot.getPlotItem()
            for side in ("left", "bottom"):
                axis = item.getAxis(side)
                axis.setTickFont(tick_font)
                axis.setTextPen(pg.mkPen(colors.text))
                axis.setPen(pg.mkPen(colors.text, width=1.5))
            # The same width on both plots, so their time axes (and the cursor) line up.
            item.getAxis("left").setWidth(round(px * 2.6) + 10)
        item = self.window_plot.getPlotItem()
        item.setLabel("bottom", TIME_TITLE, **{"color": colors.text, "font-size": f"{px}px"})
        for cursor in self.cursors:
            cursor.setPen(pg.mkPen(colors.cursor, width=2))
        self.setAutoFillBackground(True)
        self.setStyleSheet(f"background:{colors.background}; color:{colors.text};")
        for label in (self.seq_title, self.window_title):
            label.setFont(font(px))
        self._retitle()

    def text_px(self) -> int:
        """The text size the setting asks for, as far as the panel's width holds it."""
        asked = round(TEXT_PX * self.text_scale)
        return min(asked, max(MIN_PX, self.width() // CHARS_ACROSS))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.text_px() != self.applied_px:
            self.set_looks(self.theme, self.text_scale)

    def _retitle(self) -> None:
        """Headings with their legends, naming only the lines the scene has (no ssthresh before loss)."""
        colors = graph_colors(self.theme)
        present = {s.name for s in self.graph.samples if len(s)} if self.graph is not None else set()
        self.seq_title.setText(legend_html(SEQ_TITLE, ("segments", "retransmissions", "ack", "window"), colors))
        names = tuple(n for n in ("cwnd", "ssthresh", "rwnd") if n in present) or ("cwnd",)
        mss = self.graph.mss if self.graph is not None else None
        title = WINDOW_TITLE if mss is None else f"Windows (bytes; MSS {mss})"
        self.window_title.setText(legend_html(title, names, colors))


def _bytes_axis(pg: Any) -> Any:
    """An axis class whose ticks read 20k, 40k, 1.5M: short enough for a narrow panel at 200 % text."""

    class BytesAxis(pg.AxisItem):  # type: ignore[misc]
        def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
            return [short_bytes(v * scale, spacing * scale) for v in values]

    return BytesAxis
