"""Pen and laser pointer on the stage: one annotation model that every stage draws.

Strokes are kept in scene units, so ink stays on the device it was drawn on when a window
is resized or zoomed, and the presenter's stage and the audience's stage (different sizes)
show the same drawing: both draw this one model. Drawings belong to a moment of the talk,
so the stage clears them when the step changes.

The laser is a bright dot with a short fading trail, and never leaves ink. The trail fades
in wall-clock time (it is a pointer, not part of the scene), with a timer that runs only
while something is fading.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QRadialGradient

NONE, PEN, LASER = "none", "pen", "laser"
PEN_COLOR = QColor("#e11d48")
LASER_COLOR = QColor("#ff1f1f")
#: Pen width in screen pixels when drawn (full pressure); stored in scene units.
PEN_PIXELS = 5.0
#: Laser dot radius in screen pixels, and how long its trail lingers.
LASER_PIXELS = 9.0
TRAIL_SECONDS = 0.35
FADE_TICK_MS = 16


@dataclass
class Stroke:
    """One pen stroke: scene points, and a width (scene units) per point from pen pressure."""

    points: list[QPointF] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)


class AnnotationModel(QObject):
    """The current tool, the pen strokes and the laser trail; ``changed`` repaints every stage."""

    changed = Signal()
    tool_changed = Signal(str)

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.tool = NONE
        self.strokes: list[Stroke] = []
        self._drawing: Stroke | None = None
        #: (scene point, wall-clock seconds) of the laser, oldest first; the last is the dot.
        self.trail: list[tuple[QPointF, float]] = []
        self.laser_visible = False
        self._clock = clock
        self._fade = QTimer(self)
        self._fade.setInterval(FADE_TICK_MS)
        self._fade.timeout.connect(self._fade_tick)

    # -- tools -----------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool == self.tool:
            return
        self.end_stroke()
        self.tool = tool
        self.trail.clear()
        self.laser_visible = False
        self._fade.stop()
        self.tool_changed.emit(tool)
        self.changed.emit()

    def toggle_tool(self, tool: str) -> None:
        self.set_tool(NONE if self.tool == tool else tool)

    def clear(self) -> None:
        """Wipe the ink (the tool stays chosen)."""
        if not self.strokes and self._drawing is None:
            return
        self.strokes.clear()
        self._drawing = None
        self.changed.emit()

    def fading(self) -> bool:
        return self._fade.isActive()

    # -- pen -------------------------------------------------------------------------
    def begin_stroke(self, point: QPointF, width: float) -> None:
        if self.tool != PEN:
            return
        self._drawing = Stroke([point], [width])
        self.strokes.append(self._drawing)
        self.changed.emit()

    def extend_stroke(self, point: QPointF, width: float) -> None:
        stroke = self._drawing
        if stroke is None or point == stroke.points[-1]:
            return
        stroke.points.append(point)
        stroke.widths.append(width)
        self.changed.emit()

    def end_stroke(self) -> None:
        self._drawing = None

    @property
    def drawing(self) -> bool:
        return self._drawing is not None

    # -- laser -----------------------------------------------------------------------
    def laser_to(self, point: QPointF) -> None:
        if self.tool != LASER:
            return
        now = self._clock()
        self.trail.append((point, now))
        self._drop_old(now)
        self.laser_visible = True
        if not self._fade.isActive():
            self._fade.start()
        self.changed.emit()

    def laser_away(self) -> None:
        """The pointer left the stage: hide the dot (its trail still fades)."""
        if self.laser_visible:
            self.laser_visible = False
            self.changed.emit()

    def _drop_old(self, now: float) -> None:
        keep = [(p, t) for p, t in self.trail if now - t <= TRAIL_SECONDS]
        if not keep and self.trail:
            keep = [self.trail[-1]]  # the dot itself stays where the pointer rests
        self.trail = keep

    def _fade_tick(self) -> None:
        now = self._clock()
        self._drop_old(now)
        if len(self.trail) <= 1:
            self._fade.stop()
        self.changed.emit()

    # -- drawing (scene coordinates; ``scale`` is device pixels per scene unit) --------
    def paint(self, painter: QPainter, scale: float) -> None:
        if not self.strokes and not self.trail:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self.strokes:
            self._paint_stroke(painter, stroke)
        if self.tool == LASER and self.trail:
            self._paint_laser(painter, scale)
        painter.restore()

    @staticmethod
    def _paint_stroke(painter: QPainter, stroke: Stroke) -> None:
        pen = QPen(PEN_COLOR, stroke.widths[0], Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        if len(stroke.points) == 1:
            painter.setPen(pen)
            painter.drawPoint(stroke.points[0])
            return
        for (a, b), width in zip(pairwise(stroke.points), stroke.widths[1:], strict=False):
            pen.setWidthF(width)
            painter.setPen(pen)
            painter.drawLine(a, b)

    def _paint_laser(self, painter: QPainter, scale: float) -> None:
        now = self._clock()
        radius = LASER_PIXELS / scale
        points = self.trail
        for (a, ta), (b, _) in pairwise(points):
            age = max(0.0, min(1.0, (now - ta) / TRAIL_SECONDS))
            colour = QColor(LASER_COLOR)
            colour.setAlphaF(0.7 * (1.0 - age))
            # Flat caps: round ones overlap at every joint and bead a translucent trail.
            painter.setPen(QPen(colour, radius * 1.2 * (1.0 - 0.6 * age), Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawLine(a, b)
        if not self.laser_visible:
            return
        dot = points[-1][0]
        glow = QRadialGradient(dot, radius * 2.2)
        glow.setColorAt(0.0, QColor(255, 255, 255, 255))
        glow.setColorAt(0.25, LASER_COLOR)
        edge = QColor(LASER_COLOR)
        edge.setAlpha(0)
        glow.setColorAt(1.0, edge)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(glow)
        painter.drawEllipse(dot, radius * 2.2, radius * 2.2)
