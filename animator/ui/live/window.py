"""The live view: hosts appear as they are seen, packets fly between them, charts follow the rates.

One clock drives everything: a QTimer at 30 Hz calls ``tick``, which drains the capture queue
(at most ``DRAIN_BUDGET`` frames, so a flood cannot stall a frame), decodes the headers, feeds
``LiveStats`` and moves the dots. A packet gets its own dot only while few are in flight and
few were started this frame; beyond that the traffic is shown as flows (a line per host pair,
thicker with its rate, labelled in packets/s) and counted as "not drawn". Charts (pyqtgraph)
redraw at 10 Hz from numpy ring buffers, never per packet. Tests and the benchmark call
``tick(now)`` directly with a fake source: no sleeps, no capture rights needed.

Every pair of hosts that has exchanged a packet gets a link (``LinkRoute``): a line, bent
around any host in its way, that stops short of both ends' icons and names. Dots and flows
travel on it, so nothing moving is ever drawn over a device's icon or its label, which have
the space around them to themselves.
"""

from __future__ import annotations

import gc
import math
import tempfile
import time
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSettings, QSizeF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QFontMetricsF, QKeySequence, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QStyleOptionGraphicsItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from animator.capture.headers import decode, endpoint_keys
from animator.capture.live import CaptureSetupError, ProcessCapture, interfaces, write_capture
from animator.capture.live_stats import CLASSES, LiveStats, traffic_class
from animator.model.schema import Node
from animator.render.theme import LIGHT, Theme, font
from animator.ui.live.items import ICON, NodeItem

FRAME_MS = 33
CHART_EVERY = 3  # the charts are redrawn in three parts, one per frame: each part at 10 Hz
DRAIN_BUDGET = (
    2_000  # frames taken from the queue per tick at most: 3x the share of 20k/s at 30 Hz, so a late frame cannot snowball
)
MAX_DOTS = 250  # packets drawn in flight at once
SPAWN_PER_FRAME = 24  # new dots per frame; the rest of a burst is counted into flows
TRAVEL_S = 0.6
MAX_HOSTS = 40
ROWS = 5
CLASS_PROTOCOL = {"TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ARP": "arp", "other": "data"}
DOT = 16.0  # a dot's drawn size (scene units)
CLEARANCE = 4.0  # space kept between a dot (or a flow's stroke) and any icon or label
ROUTE_STEP = 6.0  # scene units between the points a link's curve is checked and travelled at
#: Sideways bends tried, in scene units, when the straight line between two hosts crosses another host.
BENDS = (0.0, *(side * 30.0 * k for k in range(1, 16) for side in (1, -1)))
#: Routes made per frame: at least this many, then more while the frame has time left (``ROUTE_BUDGET_S``).
ROUTES_PER_FRAME = 8
ROUTE_BUDGET_S = 0.008
MIN_VISIBLE = 90.0  # the shortest line a route settles for while a bend could give a longer one


class FrameSource(Protocol):
    """What the window reads from: ``ProcessCapture``, ``LiveCapture`` or a test's fake."""

    dropped: int

    def drain(self, limit: int | None = None) -> list[tuple[float, bytes, int]]: ...

    def stop(self) -> None: ...


def _is_local(address: str) -> bool:
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True
    return not ip.is_global or ip.is_multicast


def host_rects(item: NodeItem) -> tuple[QRectF, QRectF]:
    """A host's icon and its name's band, in scene coordinates: what no dot or line may cover."""
    pos = item.pos()
    icon = QRectF(pos.x() - ICON / 2, pos.y() - ICON / 2, ICON, ICON)
    text_w = QFontMetricsF(font(NodeItem.LABEL_SIZE, bold=True)).horizontalAdvance(item.node.display_label) + 8
    label = QRectF(pos.x() - text_w / 2, pos.y() + ICON / 2 + 4, text_w, item.bottom() - ICON / 2 - 4)
    return icon, label


class LinkRoute:
    """The line between two hosts, as dots travel it: ``a``'s edge to ``b``'s edge, clear of every host.

    Straight when nothing is in the way; otherwise a quadratic curve bent sideways (``BENDS``)
    round the hosts it would cross, such as a third laptop between two in the same column.
    The ends are cut where a dot would first touch the host's icon or name, so a dot leaves
    from beside its sender and stops short of its receiver. If no bend clears every host (a
    crowded view), the parts that cross a host are ``blocked``: no line and no dot there.
    The checks run on numpy arrays: a route is made once per host pair, in the 30 Hz frame.
    """

    def __init__(self, a: QPointF, b: QPointF, obstacles: Iterable[QRectF]) -> None:
        self.a, self.b = QPointF(a), QPointF(b)
        rects = np.array([(r.left(), r.top(), r.right(), r.bottom()) for r in obstacles], dtype=float).reshape(-1, 4)
        best: tuple[tuple[int, float], np.ndarray, np.ndarray, float, tuple[float, float]] | None = None
        for bend in self._bends():
            xs, ys = self._curve(bend)
            blocked = self._blocked(xs, ys, rects)
            clear = np.flatnonzero(~blocked)
            if clear.size == 0:
                continue
            first, last = int(clear[0]), int(clear[-1])
            inside = blocked[first : last + 1]
            points = np.stack([xs[first : last + 2], ys[first : last + 2]], axis=1)
            visible = float(np.hypot(*np.diff(points, axis=0).T).sum())
            # Fewest blocked steps first; then enough line to watch a dot on (two neighbours in
            # a column would otherwise get a 30-unit stub: a bend round the side reads better).
            score = (int(inside.sum()), -min(visible, MIN_VISIBLE))
            if best is None or score < best[0]:
                best = (score, points, inside, bend, (first / (len(xs) - 1), (last + 1) / (len(xs) - 1)))
            if score == (0, -MIN_VISIBLE):
                break
        if best is None:  # the hosts touch: nothing can be drawn between them
            best = ((0, 0.0), np.zeros((0, 2)), np.zeros(0, dtype=bool), 0.0, (0.0, 0.0))
        _score, points, inside, self.bend, (t0, t1) = best
        self.points = [QPointF(float(x), float(y)) for x, y in points]
        self.blocked = [bool(hit) for hit in inside]
        steps = np.hypot(*np.diff(points, axis=0).T) if len(points) > 1 else np.zeros(0)
        self.lengths = [0.0, *np.cumsum(steps).tolist()] if len(points) else []
        self.path = QPainterPath()
        #: One straight line, nothing in its way: painters may draw it as a line rather than a path.
        self.straight = bool(self.blocked) and self.bend == 0 and not any(self.blocked)
        if self.blocked and not any(self.blocked):  # one line or one curve: cheap to stroke, smooth
            self.path.moveTo(self.points[0])
            if self.bend == 0:
                self.path.lineTo(self.points[-1])
            else:
                self.path.quadTo(self._control(t0, t1), self.points[-1])
        else:
            for i, hit in enumerate(self.blocked):
                if hit:
                    continue
                if i == 0 or self.blocked[i - 1]:
                    self.path.moveTo(self.points[i])
                self.path.lineTo(self.points[i + 1])
        self.bounds = self.path.boundingRect()

    def _control(self, t0: float, t1: float) -> QPointF:
        """The control point of the bent curve's part from ``t0`` to ``t1`` (itself a quadratic curve)."""
        nx, ny = self._normal()
        control = (self.a + self.b) / 2 + QPointF(nx * self.bend, ny * self.bend)
        return self.a * ((1 - t0) * (1 - t1)) + control * ((1 - t0) * t1 + t0 * (1 - t1)) + self.b * (t0 * t1)

    def _bends(self) -> list[float]:
        """Bends to try, the straight line first, then toward the middle of the view before away from it."""
        mid = (self.a + self.b) / 2
        nx, ny = self._normal()
        inward = 1.0 if (nx * -mid.x() + ny * -mid.y()) >= 0 else -1.0
        return [bend * inward for bend in BENDS]

    def _normal(self) -> tuple[float, float]:
        dx, dy = self.b.x() - self.a.x(), self.b.y() - self.a.y()
        length = math.hypot(dx, dy) or 1.0
        return -dy / length, dx / length

    def _curve(self, bend: float) -> tuple[np.ndarray, np.ndarray]:
        """Points along the curve bent ``bend`` sideways at its middle, ``ROUTE_STEP`` or so apart."""
        nx, ny = self._normal()
        (ax, ay), (bx, by) = (self.a.x(), self.a.y()), (self.b.x(), self.b.y())
        cx, cy = (ax + bx) / 2 + nx * bend, (ay + by) / 2 + ny * bend
        # Short steps: the box a dot sweeps along a slanted step is larger than the dot, and
        # must still fit through the gap between two hosts of a column.
        span = math.hypot(bx - ax, by - ay) + abs(bend)
        t = np.linspace(0.0, 1.0, min(max(math.ceil(span / ROUTE_STEP), 16), 240) + 1)
        u = 1 - t
        return ax * u * u + cx * 2 * u * t + bx * t * t, ay * u * u + cy * 2 * u * t + by * t * t

    @staticmethod
    def _blocked(xs: np.ndarray, ys: np.ndarray, rects: np.ndarray) -> np.ndarray:
        """Per step: would a dot moving along it touch an icon or a label? (The box its square sweeps.)"""
        reach = DOT / 2 + CLEARANCE
        x0, x1 = np.minimum(xs[:-1], xs[1:]) - reach, np.maximum(xs[:-1], xs[1:]) + reach
        y0, y1 = np.minimum(ys[:-1], ys[1:]) - reach, np.maximum(ys[:-1], ys[1:]) + reach
        # Only the hosts near the curve: most of a crowded view is far from any one line.
        rects = rects[(rects[:, 0] < x1.max()) & (rects[:, 2] > x0.min()) & (rects[:, 1] < y1.max()) & (rects[:, 3] > y0.min())]
        if rects.size == 0:
            return np.zeros(len(x0), dtype=bool)
        hit = (
            (x0[:, None] < rects[None, :, 2])
            & (x1[:, None] > rects[None, :, 0])
            & (y0[:, None] < rects[None, :, 3])
            & (y1[:, None] > rects[None, :, 1])
        )
        hits: np.ndarray = hit.any(axis=1)
        return hits

    @property
    def length(self) -> float:
        return self.lengths[-1] if self.lengths else 0.0

    def point_at(self, fraction: float, reverse: bool = False) -> QPointF | None:
        """Where a dot ``fraction`` (0…1) of the way along is, from ``b`` if ``reverse``; None where it is hidden."""
        if not self.blocked:
            return None
        distance = (1.0 - fraction if reverse else fraction) * self.length
        i = min(max(bisect_right(self.lengths, distance) - 1, 0), len(self.blocked) - 1)
        if self.blocked[i]:
            return None
        span = self.lengths[i + 1] - self.lengths[i]
        f = 0.0 if span == 0 else (distance - self.lengths[i]) / span
        p, q = self.points[i], self.points[i + 1]
        return p + (q - p) * min(max(f, 0.0), 1.0)


class LinkLayer(QGraphicsItem):
    """Every talking pair's line, as one path in its own cached item.

    Links change when a pair first talks, dots every frame: cached, the links cost a blit per
    frame instead of stroking hundreds of antialiased lines (a repaint with 455 pairs: 9.3 -> 3.8 ms).
    """

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self.path = QPainterPath()
        self._bounds = QRectF(0, 0, 1, 1)
        self.setZValue(4)  # under the traffic (5) and the hosts (10)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_path(self, path: QPainterPath) -> None:
        self.prepareGeometryChange()
        self.path = path
        self._bounds = path.boundingRect().adjusted(-2, -2, 2, 2)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(self.theme.color("link"), 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawPath(self.path)


class TrafficLayer(QGraphicsItem):
    """Dots in flight and flow lines, painted by one item (many small items would cost more per frame)."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self.dots: list[tuple[QPointF, QColor]] = []
        self.flows: list[tuple[LinkRoute, QPointF, float, str]] = []  # route, label centre, width, label
        self._bounds = QRectF(0, 0, 1, 1)
        self._font = font(14, bold=True)
        self._label_fill = theme.color("panel_fill")
        self._label_fill.setAlphaF(0.85)
        self._colors = {name: theme.protocol_color(CLASS_PROTOCOL[name]) for name in CLASSES}
        self._dots: dict[tuple[int, float], QPixmap] = {}
        self.setZValue(5)  # under the hosts (10): lines and dots must not hide a device

    def set_bounds(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = rect

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        link = self.theme.color("link_highlight")
        for route, _at, width, _label in self.flows:
            # At most 18 wide: half of it stays inside the room a route keeps for a dot (DOT / 2 + CLEARANCE).
            painter.setPen(QPen(link, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            if route.straight:  # a wide stroke of a line costs a fraction of a path's
                painter.drawLine(route.points[0], route.points[-1])
            else:
                painter.drawPath(route.path)
        # Dots are blitted from one pre-rendered pixmap per colour and zoom: 250 antialiased
        # ellipses cost several milliseconds a frame, 250 small blits a fraction of one.
        scale = painter.worldTransform().m11()
        source = QRectF(0, 0, 1, 1)
        for point, color in self.dots:
            pixmap = self._dot(color, scale)
            source.setSize(QSizeF(pixmap.size()))
            painter.drawPixmap(QRectF(point.x() - 8, point.y() - 8, 16, 16), pixmap, source)
        painter.setFont(self._font)
        for _route, mid, _width, label in self.flows:  # labels last: readable above lines and dots
            if label:
                box = QRectF(mid.x() - 55, mid.y() - 11, 110, 22)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self._label_fill)
                painter.drawRoundedRect(box, 11, 11)
                painter.setPen(self.theme.color("text"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)

    def _dot(self, color: QColor, scale: float) -> QPixmap:
        key = (color.rgba(), round(scale, 3))
        pixmap = self._dots.get(key)
        if pixmap is None:
            size = max(4, round(16 * scale))
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.scale(size / 16, size / 16)
            p.setPen(QPen(QColor("white"), 1.5))
            p.setBrush(color)
            p.drawEllipse(QPointF(8, 8), 7, 7)
            p.end()
            if len(self._dots) > 64:
                self._dots.clear()
            self._dots[key] = pixmap
        return pixmap


class ChartsDock(QDockWidget):
    """Packets/s and bytes/s per protocol, top talkers, and a Stevens graph for one TCP direction."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__("Live charts", parent)
        import pyqtgraph as pg

        self.setObjectName("live-charts")
        body = QWidget()
        layout = QVBoxLayout(body)
        pg.setConfigOptions(antialias=False, background=theme.background, foreground=theme.text)
        self.packets_plot = pg.PlotWidget(title="packets/s")
        self.bytes_plot = pg.PlotWidget(title="bytes/s")
        self.packet_curves: list[Any] = []  # pyqtgraph's PlotDataItems (pyqtgraph has no type information)
        self.byte_curves: list[Any] = []
        for plot, curves in ((self.packets_plot, self.packet_curves), (self.bytes_plot, self.byte_curves)):
            plot.addLegend(offset=(5, 5))
            plot.setLabel("bottom", "seconds ago")
            plot.setMinimumHeight(140)
            for name in CLASSES:
                pen = pg.mkPen(theme.protocol_color(CLASS_PROTOCOL[name]), width=2)
                curves.append(plot.plot([], [], pen=pen, name=name, skipFiniteCheck=True))
        self.talkers = QTableWidget(5, 3)
        self.talkers.setHorizontalHeaderLabels(["host", "packets", "bytes"])
        self.talkers.verticalHeader().hide()
        self.talkers.setMaximumHeight(170)
        self.connection_box = QComboBox()
        self.connection_box.setToolTip("a TCP connection's direction, busiest first")
        self.stevens_plot = pg.PlotWidget(title="Stevens graph: sequence number over time")
        self.stevens_plot.setLabel("bottom", "seconds")
        self.stevens_plot.setLabel("left", "relative seq")
        self.stevens_plot.setMinimumHeight(160)
        self.stevens_curve = self.stevens_plot.plot(
            [], [], pen=None, symbol="o", symbolSize=4, symbolBrush=theme.protocol_color("tcp"), skipFiniteCheck=True
        )
        self.stevens_curve.setDownsampling(auto=True, method="peak")
        self.stevens_curve.setClipToView(True)
        layout.addWidget(self.packets_plot)
        layout.addWidget(self.bytes_plot)
        layout.addWidget(QLabel("Top talkers (bytes sent)"))
        layout.addWidget(self.talkers)
        layout.addWidget(self.connection_box)
        layout.addWidget(self.stevens_plot)
        self.setWidget(body)
        self._keys: list[tuple[str, int, str, int]] = []

    def refresh(self, stats: LiveStats, part: int | None = None) -> None:
        """Redraw from ``stats``: all of it, or one third (``part`` 0, 1, 2) so no single frame pays for all."""
        if part in (None, 0):
            x, packets, sizes = stats.rates(60)
            for i, curve in enumerate(self.packet_curves):
                curve.setData(x, packets[i])
            for i, curve in enumerate(self.byte_curves):
                curve.setData(x, sizes[i])
        if part in (None, 1):
            self._refresh_tables(stats)
        if part in (None, 2):
            key = self.selected()
            if key is not None:
                t, seq = stats.stevens(key)
                self.stevens_curve.setData(t, seq)

    def _refresh_tables(self, stats: LiveStats) -> None:
        for row, talker in enumerate(stats.top_talkers(5)):
            for col, text in enumerate((talker.address, f"{talker.packets:,}", f"{talker.bytes:,}")):
                item = self.talkers.item(row, col)
                if item is None:
                    self.talkers.setItem(row, col, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        keys = stats.busiest_connections(10)
        if keys != self._keys:
            chosen = self.selected()
            self._keys = keys
            self.connection_box.blockSignals(True)
            self.connection_box.clear()
            self.connection_box.addItems([f"{a}:{ap} → {b}:{bp}" for a, ap, b, bp in keys])
            if chosen in keys:
                self.connection_box.setCurrentIndex(keys.index(chosen))
            self.connection_box.blockSignals(False)

    def selected(self) -> tuple[str, int, str, int] | None:
        index = self.connection_box.currentIndex()
        return self._keys[index] if 0 <= index < len(self._keys) else None


class StartDialog(QDialog):
    def __init__(self, parent: QWidget | None, iface: str | None, capture_filter: str | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start capture")
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        self.iface_box = QComboBox()
        names = interfaces()
        self.iface_box.addItems(names)
        self.iface_box.setEditable(True)
        if iface:
            self.iface_box.setCurrentText(iface)
        self.filter_edit = QLineEdit(capture_filter or "")
        self.filter_edit.setPlaceholderText("BPF, e.g. tcp port 443 or udp (empty: everything)")
        form.addRow("Interface:", self.iface_box)
        form.addRow("Filter:", self.filter_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class FrozenHeap:
    """``gc.freeze()`` for as long as any holder needs it.

    ``gc.freeze`` and ``gc.unfreeze`` act on the whole process: with two live views capturing,
    the first one stopped used to unfreeze everything and the other's frames stalled again on
    full collections. Each live view holds the freeze while it captures; the heap is unfrozen
    when the last holder lets go. A holder that holds again (a new capture) freezes what was
    made since, which is what ``gc.freeze`` does when called twice.
    """

    def __init__(self) -> None:
        #: The holders (by id), each with the finalizer that lets go for it if it is collected unstopped.
        self._holders: dict[int, weakref.finalize[[int], object]] = {}

    @property
    def held(self) -> bool:
        return bool(self._holders)

    def hold(self, holder: object) -> None:
        key = id(holder)
        if key not in self._holders:
            self._holders[key] = weakref.finalize(holder, self._let_go, key)
        gc.freeze()

    def release(self, holder: object) -> None:
        finalizer = self._holders.get(id(holder))
        if finalizer is not None:
            finalizer.detach()
            self._let_go(id(holder))

    def _let_go(self, key: int) -> None:
        if self._holders.pop(key, None) is not None and not self._holders:
            gc.unfreeze()


#: The process's one freeze, shared by every live view.
FROZEN = FrozenHeap()


class LiveWindow(QMainWindow):
    """The live view; ``attach`` a source (or use the Live menu), then frames flow on the 30 Hz clock."""

    def __init__(self, theme: Theme = LIGHT, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.setWindowTitle("Live capture — PacketStage")
        self.theme = theme
        self.clock = clock
        self.source: FrameSource | None = None
        self.stats = LiveStats()
        self.iface = ""
        self.capture_filter: str | None = None
        self.paused = False
        self.not_drawn = 0
        self.frame_count = 0
        self.hosts: dict[str, NodeItem] = {}
        self._columns: dict[bool, int] = {True: 0, False: 0}
        self._dots: list[tuple[float, str, str, QColor]] = []  # start, src, dst, colour
        self._flow_rates: dict[tuple[str, str], float] = {}
        self._flow_counts: dict[tuple[str, str], int] = {}
        #: The line of every host pair seen talking, keyed by the pair in sorted order.
        self.routes: dict[tuple[str, str], LinkRoute] = {}
        self._pending: dict[tuple[str, str], None] = {}  # pairs waiting for their route (ordered: oldest first)
        self._rects: dict[str, tuple[QRectF, QRectF]] = {}
        self._last_tick: float | None = None
        self._colors = {name: theme.protocol_color(CLASS_PROTOCOL[name]) for name in CLASSES}
        self._folded: dict[str, str] = {}  # addresses beyond MAX_HOSTS -> the "other hosts" node they are drawn as
        self._review_dir: tempfile.TemporaryDirectory[str] | None = None
        self._reviews: list[QMainWindow] = []

        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.view.setBackgroundBrush(theme.color("background"))
        self.layer = TrafficLayer(theme)
        self.scene.addItem(self.layer)
        self.links = LinkLayer(theme)
        self.scene.addItem(self.links)
        self.setCentralWidget(self.view)
        self.charts = ChartsDock(theme, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.charts)
        self.status = QLabel("Not capturing. Live → Start capture on interface…")
        self.statusBar().addWidget(self.status, 1)
        self._build_menu()
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.tick())
        self.resize(1500, 860)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&Live")
        start = QAction("&Start capture on interface…", self)
        start.triggered.connect(lambda: self.start_dialog())
        self.pause_action = QAction("&Pause view", self)
        self.pause_action.setCheckable(True)
        self.pause_action.setShortcut(QKeySequence("Space"))
        self.pause_action.toggled.connect(self.set_paused)
        stop = QAction("S&top capture", self)
        stop.triggered.connect(self.stop)
        save = QAction("Save the &last seconds as scene or pcap…", self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(self.save_dialog)
        review = QAction("&Review the last seconds in the player…", self)
        review.setShortcut(QKeySequence("Ctrl+R"))
        review.triggered.connect(self.review_dialog)
        for action in (start, self.pause_action, stop, save, review):
            menu.addAction(action)

    # -- capture control -------------------------------------------------------------
    def start_dialog(self, iface: str | None = None, capture_filter: str | None = None) -> bool:
        dialog = StartDialog(self, iface or self.iface or None, capture_filter or self.capture_filter)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.start_capture(dialog.iface_box.currentText().strip(), dialog.filter_edit.text().strip() or None)

    def start_capture(self, iface: str, capture_filter: str | None = None) -> bool:
        """Open a capture; on failure show the setup message (what to do) and return False."""
        try:
            capture = ProcessCapture(iface, capture_filter)
            capture.start()
        except CaptureSetupError as exc:
            QMessageBox.warning(self, "Cannot capture", str(exc))
            self.status.setText(f"Not capturing: {exc}")
            return False
        self.capture_filter = capture_filter
        self.attach(capture, iface)
        if capture.notice:
            self.statusBar().showMessage(capture.notice, 10_000)
        return True

    def attach(self, source: FrameSource, iface: str) -> None:
        # Move everything alive now (Qt wrappers, pyqtgraph, imported modules: a few hundred thousand
        # objects) out of the collector's reach: otherwise each full collection during a capture
        # walks them all and stalls a frame by 50-80 ms. The freeze is the process's, so it is
        # shared: it lasts while any live view captures (see ``FrozenHeap``).
        self.stop()
        FROZEN.hold(self)
        self.source, self.iface = source, iface
        self.setWindowTitle(f"Live: {iface} — PacketStage")
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self.source is not None:
            self.source.stop()
            self.source = None
        FROZEN.release(self)  # the last capture to stop hands the frozen objects back to the collector

    def set_paused(self, paused: bool) -> None:
        """Freeze the picture; capturing and the history go on, so nothing is lost while paused."""
        self.paused = paused
        if self.pause_action.isChecked() != paused:
            self.pause_action.setChecked(paused)

    def closeEvent(self, event: object) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)  # type: ignore[arg-type]

    # -- the frame ---------------------------------------------------------------------
    def tick(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        dt = 0.0 if self._last_tick is None else max(now - self._last_tick, 0.0)
        self._last_tick = now
        self.frame_count += 1
        batch = self.source.drain(DRAIN_BUDGET) if self.source is not None else []
        spawned = 0
        stats = self.stats
        counts = self._flow_counts
        for stamp, data, linktype in batch:
            h = decode(linktype, data)
            stats.add(stamp, data, linktype, h)
            if self.paused or not h.src:
                continue
            src, dst = endpoint_keys(h)
            a, b = self._host(src), self._host(dst)
            if a == b:
                continue
            pair = (a, b) if a < b else (b, a)
            if pair not in self.routes and pair not in self._pending:
                self._pending[pair] = None
            if spawned < SPAWN_PER_FRAME and len(self._dots) < MAX_DOTS:
                self._dots.append((now, a, b, self._colors[CLASSES[traffic_class(h)]]))
                spawned += 1
            else:
                self.not_drawn += 1
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if self._pending:
            self._make_routes()
        if not self.paused:
            self._animate(now, dt)
        if not self.paused:  # a third of the charts each frame: every part at 10 Hz, no frame paying for all
            self.charts.refresh(stats, self.frame_count % CHART_EVERY)
        self._show_status(now)

    def _host(self, address: str) -> str:
        """The node id drawn for ``address``, adding it (or folding it into "other hosts") when new."""
        if address in self.hosts:
            return address
        folded = self._folded.get(address)
        if folded is not None:
            return folded
        local = _is_local(address.partition("#")[0])
        if len(self.hosts) >= MAX_HOSTS:
            other = "other local hosts" if local else "other remote hosts"
            if other not in self.hosts:
                self._add_node(other, other, local, "host" if local else "internet")
            if len(self._folded) < 100_000:  # remember the verdict; a scan of the whole internet must not grow this forever
                self._folded[address] = other
            return other
        host, _, port = address.partition("#")
        kind = "server" if port or not local else "host"
        self._add_node(address, f"{host}:{port}" if port else host, local, kind)
        return address

    def _add_node(self, key: str, label: str, local: bool, kind: str) -> None:
        index = self._columns[local]
        self._columns[local] += 1
        column, row = divmod(index, ROWS)
        x = (-330 - 230 * column) if local else (330 + 230 * column)
        node = Node(id="n" + str(len(self.hosts)), kind=kind, label=label)
        item = NodeItem(node, self.theme)
        item.setPos(x, row * 150 + (75 if column % 2 else 0))  # odd columns half a row down: lines miss the nodes
        self.scene.addItem(item)
        self.hosts[key] = item
        self._rects[key] = rects = host_rects(item)
        # A new host may stand on a line already drawn: route those again, round it (their dots
        # are hidden until then, a frame or two).
        reach = DOT / 2 + CLEARANCE
        for pair, route in list(self.routes.items()):
            if any(route.bounds.adjusted(-reach, -reach, reach, reach).intersects(r) for r in rects):
                del self.routes[pair]
                self._pending[pair] = None
        self._fit()

    def _make_routes(self) -> None:
        """Route the pairs that began talking (or lost their route to a new host), oldest first.

        At least ``ROUTES_PER_FRAME``, then as many as ``ROUTE_BUDGET_S`` allows: a scan that
        starts a hundred conversations in one frame spreads its routing over a few frames.
        """
        started = time.perf_counter()
        obstacles = [r for rects in self._rects.values() for r in rects]
        made = 0
        while self._pending and (made < ROUTES_PER_FRAME or time.perf_counter() - started < ROUTE_BUDGET_S):
            a, b = pair = next(iter(self._pending))
            del self._pending[pair]
            self.routes[pair] = LinkRoute(self.hosts[a].pos(), self.hosts[b].pos(), obstacles)
            made += 1
        links = QPainterPath()
        for route in self.routes.values():
            links.addPath(route.path)
        self.links.set_path(links)
        if not self.layer.boundingRect().contains(links.boundingRect()):
            self._fit()  # a line bent outwards round a host must stay in view

    def route_of(self, a: str, b: str) -> tuple[LinkRoute, bool] | None:
        """The line a packet from ``a`` to ``b`` travels, and whether it travels it backwards."""
        route = self.routes.get((a, b))
        if route is not None:
            return route, False
        route = self.routes.get((b, a))
        return None if route is None else (route, True)

    def _fit(self) -> None:
        """Keep every host in view, as large as the window allows (called on new hosts and resizes)."""
        rect = QRectF()
        for item in self.hosts.values():  # not itemsBoundingRect: the traffic layer's own bounds would feed back
            rect = rect.united(item.sceneBoundingRect())
        for route in self.routes.values():
            rect = rect.united(route.bounds)
        rect = rect.adjusted(-40, -40, 40, 40)
        self.layer.set_bounds(rect)
        self.view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.hosts:
            self._fit()

    def _animate(self, now: float, dt: float) -> None:
        alive = [d for d in self._dots if now - d[0] < TRAVEL_S]
        self._dots = alive
        dots = []
        for start, a, b, color in alive:
            found = self.route_of(a, b)
            point = None if found is None else found[0].point_at((now - start) / TRAVEL_S, reverse=found[1])
            if point is not None:  # None: where a crowded view's line crosses a host, the dot is not drawn
                dots.append((point, color))
        # Flows: an exponentially decaying rate per host pair (half-life ~1 s), from this frame's undrawn packets.
        decay = math.exp(-dt / 1.44) if dt else 1.0
        rates = self._flow_rates
        for key in list(rates):
            rates[key] *= decay
            if rates[key] < 0.5 and key not in self._flow_counts:
                del rates[key]
        for key, n in self._flow_counts.items():
            rates[key] = rates.get(key, 0.0) + n * (1 - decay) / max(dt, 1e-3) if dt else rates.get(key, 0.0)
        self._flow_counts = {}
        flows = []
        busiest = sorted(rates.items(), key=lambda kv: kv[1], reverse=True)[:12]
        for rank, ((a, b), rate) in enumerate(busiest):
            width = min(2 + math.log10(1 + rate) * 4, 18)
            label = f"{rate:,.0f} pkt/s" if rate >= 1 and rank < 6 else ""  # labels for the six busiest only
            found = self.route_of(a, b)
            if found is None:
                continue
            route, backwards = found
            # The label nearer the sender, so the two directions' labels do not collide.
            at = route.point_at(0.3, reverse=backwards)
            if at is None:  # that part of a crowded view's line is hidden behind a host
                at = (self.hosts[a].pos() + self.hosts[b].pos()) / 2
            flows.append((route, at, width, label))
        self.layer.dots = dots
        self.layer.flows = flows
        self.layer.update()

    def _show_status(self, now: float) -> None:
        if self.frame_count % 10:
            return
        dropped = self.source.dropped if self.source is not None else 0
        kernel_dropped = getattr(self.source, "kernel_dropped", 0)  # the capture child's PACKET_STATISTICS
        _x, packets, _sizes = self.stats.rates(2)
        rate = packets[:, -1].sum() if packets.size else 0
        paused = "  ·  PAUSED (capturing continues)" if self.paused else ""
        error = getattr(self.source, "error", "")
        if error:  # the capture thread died (interface gone, permissions changed): say so, keep the picture
            paused += f"  ·  {error}"
        self.status.setText(
            f"{self.iface or '-'}  ·  {self.stats.total_packets:,} packets  ·  {rate:,.0f}/s  ·  "
            f"{len(self.hosts)} hosts  ·  not drawn (shown as flows): {self.not_drawn:,}  ·  "
            f"dropped by kernel: {kernel_dropped:,}, by PacketStage (queue full): {dropped:,}{paused}"
        )

    # -- saving -----------------------------------------------------------------------
    def save_last(self, seconds: float, path: Path) -> int:
        """Write the last ``seconds`` of traffic as a scene (.yaml) or capture (.pcap/.pcapng); returns packets written."""
        records = self.stats.last_seconds(seconds)
        if not records:
            raise CaptureSetupError("nothing captured in that time")
        if path.suffix.lower() in (".pcap", ".pcapng"):
            write_capture(path, records, self.iface)
            return len(records)
        from animator.capture.importer import ImportOptions, make_packet, scene_from_packets

        packets = [p for r in records[-1000:] if (p := make_packet(r.number, r.time, r.linktype, r.data, r.wire_len))]
        if not packets:
            raise CaptureSetupError("no packets with IP or ARP addresses in that time")
        title = f"Live capture on {self.iface}, {seconds:g} s"
        from animator.files import write_atomic

        # All or nothing, like every file PacketStage writes: a full disk keeps an older scene whole.
        write_atomic(path, scene_from_packets(packets, str(path), ImportOptions(title=title)))
        return len(packets)

    def review_last(self, seconds: float, settings: QSettings | None = None) -> QMainWindow:
        """Open the last ``seconds`` as a scene in a player window: step, scrub and inspect them there.

        The scene goes to a temporary folder that lives as long as this window; save it from the
        player's file (it is an ordinary scene) to keep it.
        """
        from animator.ui.main_window import MainWindow

        if self._review_dir is None:
            self._review_dir = tempfile.TemporaryDirectory(prefix="packetstage-live-")
        path = Path(self._review_dir.name) / f"live-{self.iface or 'capture'}-{len(self._reviews) + 1}.yaml"
        self.save_last(seconds, path)
        player = MainWindow(settings)
        player.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        player.open_scene(path)
        player.show()
        self._reviews.append(player)
        return player

    def review_dialog(self) -> None:
        most = int(self.stats.history_s)
        seconds, ok = QInputDialog.getInt(self, "Review the last seconds", "Seconds of traffic to review:", 10, 1, most)
        if not ok:
            return
        try:
            self.review_last(seconds)
        except (CaptureSetupError, OSError) as exc:
            QMessageBox.warning(self, "Cannot review", str(exc))

    def save_dialog(self) -> None:
        most = int(self.stats.history_s)
        seconds, ok = QInputDialog.getInt(self, "Save the last seconds", "Seconds of traffic to save:", 30, 1, most)
        if not ok:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save as", str(Path.home() / "live.yaml"), "Scene (*.yaml);;pcap (*.pcap);;pcapng (*.pcapng)"
        )
        if not name:
            return
        try:
            count = self.save_last(seconds, Path(name))
        except (CaptureSetupError, OSError) as exc:
            QMessageBox.warning(self, "Cannot save", str(exc))
            return
        self.statusBar().showMessage(f"Saved {count:,} packets to {name}", 8000)


def run_live(iface: str | None, capture_filter: str | None, exit_after_ms: int | None = None) -> int:
    """``packetstage live``: the live window on its own, capturing at once when ``iface`` is given."""
    from animator.render.theme import load_fonts

    app = QApplication.instance() or QApplication([])
    load_fonts()
    window = LiveWindow()
    window.show()
    if iface:
        try:
            capture = ProcessCapture(iface, capture_filter)
            capture.start()
        except CaptureSetupError as exc:
            import sys

            print(f"packetstage: error: {exc}", file=sys.stderr)
            return 1
        window.capture_filter = capture_filter
        window.attach(capture, iface)
    else:
        QTimer.singleShot(0, lambda: window.start_dialog(capture_filter=capture_filter))
    if exit_after_ms is not None:
        QTimer.singleShot(exit_after_ms, app.quit)
    code = app.exec()
    window.stop()
    return code
