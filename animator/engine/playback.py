"""Transport logic (play, pause, step, speed) as plain state, so it is testable without Qt.

The Qt player only feeds it elapsed wall-clock time and reads ``time`` back; every rule about
lecture pacing lives here.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from animator.engine.timing import EPS as _EPS
from animator.engine.timing import step_at

#: Speed presets for +/-; 1× sits in the middle so two presses either way are symmetric-ish.
SPEEDS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


class Playback:
    """Scene time, direction of travel, and where playing should stop next.

    With ``pause_at_steps`` (the default, for lectures) playing stops at the next step
    boundary, as a presentation clicker expects; without it, playing runs to the end.
    ``reverse`` runs time backwards through one step (the timeline is a pure function of
    time, so nothing else needs to know); every other command plays forwards again.
    """

    def __init__(self, boundaries: Sequence[float]) -> None:
        self.boundaries = list(boundaries) or [0.0]
        self.time = 0.0
        self.playing = False
        self.speed = 1.0
        self.pause_at_steps = True
        #: +1 playing forwards, -1 while ``reverse`` runs a step backwards.
        self.direction = 1
        self._stop_at = self.duration

    @property
    def duration(self) -> float:
        return self.boundaries[-1]

    @property
    def step_count(self) -> int:
        return len(self.boundaries) - 1

    def set_boundaries(self, boundaries: Sequence[float]) -> None:
        """A reloaded scene: keep the same step, at the same fraction of it."""
        step = self.current_step()
        self.boundaries = list(boundaries) or [0.0]
        self.playing = False
        self.direction = 1
        self.time = self.boundaries[min(step, self.step_count)]

    # -- where are we ----------------------------------------------------------------
    def current_step(self) -> int:
        """Step shown now, as the timeline counts it (0 before start; k during or at end of k)."""
        return step_at(self.boundaries, self.time)

    # -- commands --------------------------------------------------------------------
    def play(self) -> None:
        if self.time >= self.duration - _EPS:
            return
        self.playing = True
        self.direction = 1
        self._stop_at = self._next_boundary() if self.pause_at_steps else self.duration

    def pause(self) -> None:
        self.playing = False
        self.direction = 1

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def next_step(self) -> None:
        """Clicker 'next': animate the next step, or finish the one already playing."""
        if self.playing and self.direction < 0:
            self.seek(self._stop_at)  # finish a reverse at once, as a forward step would be
        elif self.playing and self.pause_at_steps:
            self.seek(self._stop_at)
        elif self.playing:
            self.seek(self._next_boundary())
        elif self.time < self.duration - _EPS:
            # Paused: play exactly one step, whatever the continuous-play setting says.
            self.playing = True
            self.direction = 1
            self._stop_at = self._next_boundary()

    def reverse(self) -> None:
        """Play the current step backwards, from its end to its start (manim-slides' V).

        Mid-step, the step first jumps to its end so the whole step runs backwards; at the
        start of the scene there is nothing to reverse.
        """
        step = self.current_step()
        if step == 0:
            return
        self.time = self.boundaries[step]
        self.playing = True
        self.direction = -1
        self._stop_at = self.boundaries[step - 1]

    def replay(self) -> None:
        """Play the current step again from its start (manim-slides' R)."""
        step = self.current_step()
        if step == 0:
            return
        self.time = self.boundaries[step - 1]
        self.playing = True
        self.direction = 1
        self._stop_at = self.boundaries[step]

    def previous_step(self) -> None:
        """Clicker 'back': jump (no animation) to the pause point before the current one."""
        i = bisect_left(self.boundaries, self.time - _EPS)
        target = self.boundaries[max(0, i - 1)]
        self.seek(target)

    def go_to_step(self, step: int) -> None:
        self.seek(self.boundaries[max(0, min(step, self.step_count))])

    def home(self) -> None:
        self.seek(0.0)

    def end(self) -> None:
        self.seek(self.duration)

    def seek(self, t: float) -> None:
        self.playing = False
        self.direction = 1
        self.time = min(max(t, 0.0), self.duration)

    def faster(self) -> None:
        self.speed = SPEEDS[min(bisect_right(SPEEDS, self.speed + _EPS), len(SPEEDS) - 1)]

    def slower(self) -> None:
        self.speed = SPEEDS[max(bisect_left(SPEEDS, self.speed - _EPS) - 1, 0)]

    def set_pause_at_steps(self, on: bool) -> None:
        self.pause_at_steps = on
        if self.playing and self.direction > 0:
            self._stop_at = self._next_boundary() if on else self.duration

    # -- the clock -------------------------------------------------------------------
    def advance(self, seconds: float) -> float:
        """Move time on by ``seconds`` of wall clock; stop at the pause point if reached."""
        if self.playing and self.direction < 0:
            self.time = max(self.time - seconds * self.speed, self._stop_at)
            if self.time <= self._stop_at + _EPS:
                self.time = self._stop_at
                self.playing = False
                self.direction = 1
        elif self.playing:
            self.time = min(self.time + seconds * self.speed, self._stop_at)
            if self.time >= self._stop_at - _EPS:
                self.time = self._stop_at
                self.playing = False
        return self.time

    def _next_boundary(self) -> float:
        return self.boundaries[min(bisect_right(self.boundaries, self.time + _EPS), len(self.boundaries) - 1)]
