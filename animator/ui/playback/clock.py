"""The master clock: one QTimer that feeds wall-clock time into the player's ``Playback``.

One clock computing every position from scene time (rather than a QPropertyAnimation per
item) is what makes seeking, stepping back and frame-exact export the same operation. The
timer only runs while playing, so an idle player costs nothing and tests that pause can
check no timer is left running.

Every transport command is a typed method here (``go_to_step(3)``, ``seek(t)``, ``toggle()``):
it applies the ``Playback`` rule, then the player's state (``animator.player.PlayerState``)
makes the frame for the new time and tells the views (``refresh``), and the timer follows
whether it is playing.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer

from animator.engine.playback import Playback
from animator.player import PlayerState

#: ~60 frames per second; Qt coalesces to the display's refresh anyway.
TICK_MS = 16


class PlayerClock(QObject):
    """Drives ``state.playback`` with wall-clock time and applies the transport's commands."""

    def __init__(self, state: PlayerState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._elapsed = QElapsedTimer()

    @property
    def playback(self) -> Playback:
        return self.state.playback

    @property
    def time(self) -> float:
        return self.state.playback.time

    @property
    def playing(self) -> bool:
        return self.state.playback.playing

    def timer_active(self) -> bool:
        return self._timer.isActive()

    # -- commands (each shows the new time, re-syncs the timer and tells the transport) ------
    def play(self) -> None:
        self.playback.play()
        self._after_command()

    def pause(self) -> None:
        self.playback.pause()
        self._after_command()

    def toggle(self) -> None:
        """Space: play, or pause."""
        self.playback.toggle()
        self._after_command()

    def next_step(self) -> None:
        """Animate the next step, or finish the one playing (the transport's button; the lecture's
        Right key decides about questions and decks first)."""
        self.playback.next_step()
        self._after_command()

    def previous_step(self) -> None:
        self.playback.previous_step()
        self._after_command()

    def go_to_step(self, step: int) -> None:
        """Jump to pause point ``step`` (0: the start), without animating."""
        self.playback.go_to_step(step)
        self._after_command()

    def seek(self, t: float) -> None:
        self.playback.seek(t)
        self._after_command()

    def home(self) -> None:
        self.playback.home()
        self._after_command()

    def end(self) -> None:
        self.playback.end()
        self._after_command()

    def reverse(self) -> None:
        """V: play the current step backwards."""
        self.playback.reverse()
        self._after_command()

    def replay(self) -> None:
        """R: play the current step again from its start."""
        self.playback.replay()
        self._after_command()

    def faster(self) -> None:
        self.playback.faster()
        self._after_command()

    def slower(self) -> None:
        self.playback.slower()
        self._after_command()

    def set_speed(self, speed: float) -> None:
        self.playback.speed = speed
        self.state.transport_changed()

    def set_pause_at_steps(self, on: bool) -> None:
        """Lecture pacing: playing stops at every step's end (on) or runs to the end of the scene."""
        self.playback.set_pause_at_steps(on)
        self._after_command()

    def play_step(self, number: int) -> None:
        """Jump to just before step ``number`` and play it, as a clicker would; 0 is the start."""
        if number <= 0:
            self.home()
            return
        self.go_to_step(number - 1)  # shown first: a question before the step must see it start there
        self.next_step()

    def restart_scene(self) -> None:
        """A scene was put on screen (``state.show_scene``): show its first frame (or, reloaded, the
        same step), with the timer stopped."""
        self._after_command()

    # -- time ---------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move time as if ``seconds`` of wall clock had passed (tests drive time with this)."""
        playback = self.playback
        before, was_playing = playback.time, playback.playing
        playback.advance(seconds)
        if playback.time != before:
            self.state.refresh()  # a time guard (a question ahead) may stop playing here
        if was_playing and not playback.playing:  # reached a pause point
            self._sync_timer()
            self.state.transport_changed()

    def _after_command(self) -> None:
        self.state.refresh()
        self._sync_timer()  # after the guards: one may have stopped playing
        self.state.transport_changed()

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
