"""The transport bar: buttons, speed, continuous-play toggle, and a step-aware timeline slider.

No widget here takes keyboard focus: the lecturer's clicker sends PageDown/Right/Space, and a
focused button would swallow Space as a click instead of play/pause.

The bar must fit beside the docks on a 1280-pixel projector, so when it is narrow it drops what
the lecture can do without (the clock, then the speed box, both also reachable from keys and the
Playback menu) instead of forcing the window wider than the screen. Its icons are drawn here in
the theme's text colour: the style's stock media icons are dark grey, invisible on the dark theme.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from animator.engine.playback import SPEEDS
from animator.player import Looks, PlayerState, SceneShown
from animator.render.theme import LIGHT, THEMES, Theme, font

ICON_SIZE = 22
#: The slider's width below which the bar starts dropping widgets, and the least it ever gets.
SLIDER_COMFORTABLE = 200
SLIDER_MINIMUM = 120
PACING_TEXT = "Pause at each step"
PACING_SHORT = "Pause at steps"

#: Each media glyph as polygons in a unit square (x right, y down): triangles and bars, the
#: shapes every media player uses, so they read the same at any size and in any colour.
_BAR_L = ((0.16, 0.2), (0.27, 0.2), (0.27, 0.8), (0.16, 0.8))
_BAR_R = ((0.73, 0.2), (0.84, 0.2), (0.84, 0.8), (0.73, 0.8))
GLYPHS: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    "play": (((0.28, 0.16), (0.84, 0.5), (0.28, 0.84)),),
    "pause": (((0.24, 0.18), (0.42, 0.18), (0.42, 0.82), (0.24, 0.82)), ((0.58, 0.18), (0.76, 0.18), (0.76, 0.82), (0.58, 0.82))),
    "previous": (((0.5, 0.22), (0.5, 0.78), (0.1, 0.5)), ((0.9, 0.22), (0.9, 0.78), (0.5, 0.5))),
    "next": (((0.1, 0.22), (0.5, 0.5), (0.1, 0.78)), ((0.5, 0.22), (0.9, 0.5), (0.5, 0.78))),
    "restart": (_BAR_L, ((0.84, 0.2), (0.84, 0.8), (0.3, 0.5))),
    "end": (((0.16, 0.2), (0.7, 0.5), (0.16, 0.8)), _BAR_R),
}


def media_icon(glyph: str, color: QColor) -> QIcon:
    """A media-button icon in ``color``, drawn at 1x, 2x and 3x so it is crisp on any screen."""
    icon = QIcon()
    for scale in (1, 2, 3):
        side = ICON_SIZE * scale
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for polygon in GLYPHS[glyph]:
            painter.drawPolygon(QPolygonF([QPointF(x * side, y * side) for x, y in polygon]))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


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
        self.setMinimumWidth(SLIDER_MINIMUM)
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

    #: The buttons: restart, previous step, play/pause, next step, go to the end.
    restart_clicked = Signal()
    previous_clicked = Signal()
    play_clicked = Signal()
    next_clicked = Signal()
    end_clicked = Signal()
    seek_requested = Signal(float)
    speed_chosen = Signal(float)
    pacing_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = LIGHT
        self._playing = False
        #: How much the bar has dropped to fit (0: everything shown; see ``_fit``).
        self.compact_level = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 6)
        layout.setSpacing(6)

        def button(tip: str, clicked: SignalInstance) -> QToolButton:
            b = QToolButton(self)
            b.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(clicked)
            layout.addWidget(b)
            return b

        self.restart_button = button("Restart (Home)", self.restart_clicked)
        self.previous_button = button("Previous step (Left, PageUp)", self.previous_clicked)
        self.play_button = button("Play / pause (Space)", self.play_clicked)
        self.next_button = button("Next step (Right, PageDown)", self.next_clicked)
        self.end_button = button("End (End)", self.end_clicked)
        self.slider = TimelineSlider(self)
        self.slider.seek_requested.connect(self.seek_requested)
        layout.addWidget(self.slider, 1)
        self.time_label = QLabel("0:00.0 / 0:00.0", self)
        self.time_label.setFont(font(13, mono=True))
        layout.addWidget(self.time_label)
        self.step_label = QLabel("step 0 / 0", self)
        self.step_label.setFont(font(14, bold=True))
        # Room for two-digit counts, so the slider does not twitch as the count grows.
        self.step_label.setMinimumWidth(QFontMetrics(self.step_label.font()).horizontalAdvance("step 88 / 88") + 8)
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
        self.pacing_box = QCheckBox(self)
        #: The pacing box's width with each of its texts, measured once (the font never changes).
        self._pacing_widths: dict[str, int] = {}
        for text in (PACING_SHORT, PACING_TEXT):
            self.pacing_box.setText(text)
            self._pacing_widths[text] = self.pacing_box.sizeHint().width()
        self.pacing_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pacing_box.setChecked(True)
        self.pacing_box.setToolTip("Lecture pacing: playing stops at the end of every step")
        self.pacing_box.toggled.connect(self.pacing_changed)
        layout.addWidget(self.pacing_box)
        self.set_theme(LIGHT)

    def follow(self, state: PlayerState) -> None:
        """Show ``state``: its scene's steps on the slider, its time and transport, in its theme."""
        self._state = state
        state.events.scene.connect(self._scene)
        state.events.frame.connect(self._show_player)
        state.events.transport.connect(self._show_player)
        state.events.looks.connect(self._looks)
        self._looks(state.looks)

    def _scene(self, shown: SceneShown) -> None:
        timeline = shown.timeline
        self.slider.set_steps(timeline.boundaries, [s.number - 1 for s in timeline.steps if s.begins_chapter])

    def _show_player(self, _changed: object = None) -> None:
        state = self._state
        pb = state.playback
        steps = state.timeline.step_count if state.timeline is not None else 0
        self.show_state(pb.time, pb.duration, state.step, steps, pb.playing, pb.speed, pb.pause_at_steps)

    def _looks(self, looks: Looks) -> None:
        if looks.theme != self.theme.name:
            self.set_theme(THEMES.get(looks.theme, LIGHT))

    def set_theme(self, theme: Theme) -> None:
        """Icons in the theme's text colour (light on dark), and the slider in the theme's colours."""
        self.theme = theme
        color = theme.color("text")
        for b, glyph in (
            (self.restart_button, "restart"),
            (self.previous_button, "previous"),
            (self.next_button, "next"),
            (self.end_button, "end"),
        ):
            b.setIcon(media_icon(glyph, color))
        self._icons = {playing: media_icon("pause" if playing else "play", color) for playing in (False, True)}
        self.play_button.setIcon(self._icons[self._playing])
        self.slider.theme = theme
        self.slider.update()

    def show_state(self, time: float, duration: float, step: int, steps: int, playing: bool, speed: float, pacing: bool) -> None:
        self.slider.set_time(time)
        self.time_label.setText(f"{format_time(time)} / {format_time(duration)}")
        self.step_label.setText(f"step {step} / {steps}")
        if playing != self._playing:
            self._playing = playing
            self.play_button.setIcon(self._icons[playing])
        if speed in SPEEDS and self.speed_box.currentIndex() != SPEEDS.index(speed):
            self.speed_box.setCurrentIndex(SPEEDS.index(speed))
        if self.pacing_box.isChecked() != pacing:
            self.pacing_box.blockSignals(True)
            self.pacing_box.setChecked(pacing)
            self.pacing_box.blockSignals(False)

    # -- fitting a narrow window ------------------------------------------------------
    def _width_needed(self, level: int, slider: int) -> int:
        """The bar's width at ``level`` with a slider ``slider`` pixels wide."""
        widths = [b.sizeHint().width() for b in (self.restart_button, self.previous_button, self.play_button)]
        widths += [b.sizeHint().width() for b in (self.next_button, self.end_button)]
        widths += [slider, max(self.step_label.minimumWidth(), self.step_label.sizeHint().width())]
        if level < 1:
            widths.append(self.time_label.sizeHint().width())
        if level < 3:
            widths.append(self.speed_box.sizeHint().width())
        widths.append(self._pacing_widths[PACING_TEXT if level < 2 else PACING_SHORT])
        layout = self.layout()
        assert layout is not None
        margins = layout.contentsMargins()
        return sum(widths) + layout.spacing() * (len(widths) - 1) + margins.left() + margins.right()

    def _fit(self, width: int) -> None:
        """Show as much as ``width`` has room for: first the clock goes (the slider and the step
        count say the same), then the pacing box says less, then the speed box goes (+ and -
        and the Playback menu still change the speed)."""
        level = next((lv for lv in range(3) if self._width_needed(lv, SLIDER_COMFORTABLE) <= width), 3)
        if level == self.compact_level:
            return
        self.compact_level = level
        self.time_label.setVisible(level < 1)
        self.pacing_box.setText(PACING_TEXT if level < 2 else PACING_SHORT)
        self.speed_box.setVisible(level < 3)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """The most compact form's width: what the window may shrink the bar to."""
        return QSize(self._width_needed(3, SLIDER_MINIMUM), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self._fit(event.size().width())
        super().resizeEvent(event)
