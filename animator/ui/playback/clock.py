"""The master clock: one QTimer that feeds wall-clock time into a ``Playback``.

One clock computing every position from scene time (rather than a QPropertyAnimation per
item) is what makes seeking, stepping back and frame-exact export the same operation. The
timer only runs while playing, so an idle player costs nothing and tests that pause can
check no timer is left running.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from animator.engine.playback import Playback

#: ~60 frames per second; Qt coalesces to the display's refresh anyway.
TICK_MS = 16


class PlayerClock(QObject):
    """Emits ``time_changed`` whenever scene time moves, and ``state_changed`` on play/pause/speed."""

    time_changed = Signal(float)
    state_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.playback = Playback([0.0])
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._elapsed = QElapsedTimer()

    @property
    def time(self) -> float:
        return self.playback.time

    @property
    def playing(self) -> bool:
        return self.playback.playing

    def timer_active(self) -> bool:
        return self._timer.isActive()

    def set_boundaries(self, boundaries: Sequence[float], keep_step: bool) -> None:
        if keep_step:
            self.playback.set_boundaries(boundaries)
        else:
            self.playback = Playback(boundaries)
        self._after_command()

    # -- commands (each re-syncs the timer and tells the views) -----------------------
    def run(self, command: str, *args: object) -> None:
        """Apply a ``Playback`` method by name: 'toggle', 'next_step', 'seek', 'faster'..."""
        getattr(self.playback, command)(*args)
        self._after_command()

    def advance(self, seconds: float) -> None:
        """Move time as if ``seconds`` of wall clock had passed (tests drive time with this)."""
        before, was_playing = self.playback.time, self.playback.playing
        self.playback.advance(seconds)
        if self.playback.time != before:
            self.time_changed.emit(self.playback.time)
        if was_playing and not self.playback.playing:  # reached a pause point
            self._sync_timer()
            self.state_changed.emit()

    def _after_command(self) -> None:
        self._sync_timer()
        self.time_changed.emit(self.playback.time)
        self.state_changed.emit()

    def _sync_timer(self) -> None:
        if self.playback.playing and not self._timer.isActive():
            self._elapsed.start()
            self._timer.start()
        elif not self.playback.playing and self._timer.isActive():
            self._timer.stop()

    def _tick(self) -> None:
        seconds = self._elapsed.restart() / 1000.0
        # A stalled event loop (a dragged window, a sleeping laptop) must not make the
        # packets jump half a scene ahead when it wakes.
        self.advance(min(seconds, 0.1))

    def stop(self) -> None:
        self.playback.pause()
        self._sync_timer()
