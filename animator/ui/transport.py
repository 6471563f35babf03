"""The transport bar: buttons, speed, continuous-play toggle, and a step-aware timeline slider.

No widget here takes keyboard focus: the lecturer's clicker sends PageDown/Right/Space, and a
focused button would swallow Space as a click instead of play/pause.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QWidget,
)

from animator.engine.playback import SPEEDS
from animator.ui.theme import LIGHT, font


def format_time(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


class TimelineSlider(QWidget):
    """A scrub bar with a tick at every step boundary and a taller one where a chapter begins."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boundaries: list[float] = [0.0]
        self.chapters: list[int] = []
        self.time = 0.0
        #: Follows the stage's theme (set by the window) so the bar matches a dark stage.
        self.theme = LIGHT
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumWidth(200)
        self.setFixedHeight(28)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag to scrub; each tick is the end of a step")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, 28)

    @property
    def duration(self) -> float:
        return self.boundaries[-1] or 1.0

    def set_steps(self, boundaries: Sequence[float], chapter_steps: Sequence[int]) -> None:
        self.boundaries = list(boundaries) or [0.0]
        self.chapters = list(chapter_steps)
        self.update()

    def set_time(self, t: float) -> None:
        if t != self.time:
            self.time = t
            self.update()

    def _groove(self) -> QRectF:
        return QRectF(10, self.height() / 2 - 3, self.width() - 20, 6)

    def x_for(self, t: float) -> float:
        g = self._groove()
        return g.left() + g.width() * (t / self.duration)

    def time_for(self, x: float) -> float:
        g = self._groove()
        return max(0.0, min(1.0, (x - g.left()) / g.width())) * self.duration

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        g = self._groove()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.theme.color("panel_border"))
        p.drawRoundedRect(g, 3, 3)
        done = QRectF(g.left(), g.top(), self.x_for(self.time) - g.left(), g.height())
        p.setBrush(self.theme.color("accent"))
        p.drawRoundedRect(done, 3, 3)
        for step, t in enumerate(self.boundaries):
            x = self.x_for(t)
            tall = step in self.chapters
            p.setPen(QPen(self.theme.color("text" if tall else "muted"), 2 if tall else 1.4))
            h = 11 if tall else 7
            p.drawLine(QPointF(x, g.center().y() - h), QPointF(x, g.center().y() + h))
        p.setPen(QPen(self.theme.color("background"), 2))
        p.setBrush(self.theme.color("accent"))
        p.drawEllipse(QPointF(self.x_for(self.time), g.center().y()), 8, 8)
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.seek_requested.emit(self.time_for(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.time_for(event.position().x()))


class TransportBar(QWidget):
    """Play/pause, step back/forward, restart, speed, pacing, slider and 'step 3 / 12'."""

    command = Signal(str)
    seek_requested = Signal(float)
    speed_chosen = Signal(float)
    pacing_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 6)
        layout.setSpacing(6)
        style = self.style()
        icon = QStyle.StandardPixmap

        def button(pixmap: QStyle.StandardPixmap, tip: str, command: str) -> QToolButton:
            b = QToolButton(self)
            b.setIcon(style.standardIcon(pixmap))
            b.setIconSize(QSize(22, 22))
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda: self.command.emit(command))
            layout.addWidget(b)
            return b

        self.restart_button = button(icon.SP_MediaSkipBackward, "Restart (Home)", "home")
        self.previous_button = button(icon.SP_MediaSeekBackward, "Previous step (Left, PageUp)", "previous_step")
        self.play_button = button(icon.SP_MediaPlay, "Play / pause (Space)", "toggle")
        self.next_button = button(icon.SP_MediaSeekForward, "Next step (Right, PageDown)", "next_step")
        self.end_button = button(icon.SP_MediaSkipForward, "End (End)", "end")
        self.slider = TimelineSlider(self)
        self.slider.seek_requested.connect(self.seek_requested)
        layout.addWidget(self.slider, 1)
        self.time_label = QLabel("0:00.0 / 0:00.0", self)
        self.time_label.setFont(font(13, mono=True))
        layout.addWidget(self.time_label)
        self.step_label = QLabel("step 0 / 0", self)
        self.step_label.setFont(font(14, bold=True))
        self.step_label.setMinimumWidth(110)
        self.step_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.step_label)
        self.speed_box = QComboBox(self)
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_box.setToolTip("Playback speed (+ / -)")
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.activated.connect(lambda i: self.speed_chosen.emit(SPEEDS[i]))
        layout.addWidget(self.speed_box)
        self.pacing_box = QCheckBox("Pause at each step", self)
        self.pacing_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pacing_box.setChecked(True)
        self.pacing_box.setToolTip("Lecture pacing: playing stops at the end of every step")
        self.pacing_box.toggled.connect(self.pacing_changed)
        layout.addWidget(self.pacing_box)

    def show_state(self, time: float, duration: float, step: int, steps: int, playing: bool, speed: float, pacing: bool) -> None:
        self.slider.set_time(time)
        self.time_label.setText(f"{format_time(time)} / {format_time(duration)}")
        self.step_label.setText(f"step {step} / {steps}")
        pixmap = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        if speed in SPEEDS and self.speed_box.currentIndex() != SPEEDS.index(speed):
            self.speed_box.setCurrentIndex(SPEEDS.index(speed))
        if self.pacing_box.isChecked() != pacing:
            self.pacing_box.blockSignals(True)
            self.pacing_box.setChecked(pacing)
            self.pacing_box.blockSignals(False)
