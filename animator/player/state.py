"""The player's state: one Qt-free object that every window and panel follows.

What the player shows is decided here and only here: the scene (its ``Timeline`` and file), the
moment (``Playback``: time, playing, speed, pacing), the ``Frame`` for that moment, the selected
packet, the traffic classes hidden, the looks (theme, protocol palette, text size) and whether a
second screen is presenting. Views subscribe to the ``events`` they show (napari's pattern:
models never call views): the stages, the transport bar, the step list, the notes, the
inspector, the sequence diagram, the device tables, the presenter's panel, the lecture. A view
never reaches into another; a command (a key, a click) changes the state, and every view that
cares hears of it.

The Qt side drives it: the player clock (``animator.ui.playback.clock``) applies transport
commands to ``playback`` and feeds it wall-clock time, then calls ``refresh``; ``refresh`` runs
the time guards (the lecture's: a question stops playing before its step), makes the frame
with ``Timeline.state_at`` and emits it. Everything here runs, and is tested, without a display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from animator.engine.frame import Frame
from animator.engine.playback import Playback
from animator.engine.timeline import Timeline
from animator.player.events import Event

#: A time guard sees each move of time, ``(before, now)``, before any view does, and may change
#: ``playback`` (pause, seek): the frame shown is made from the time it leaves.
TimeGuard = Callable[[float, float], None]


@dataclass(frozen=True, slots=True)
class Looks:
    """How the scene is drawn: a theme and a protocol palette (by name, see ``animator.looks``)
    and the projector text size (1.0 = 100 %)."""

    theme: str = "light"
    palette: str = "standard"
    text_scale: float = 1.0


@dataclass(frozen=True, slots=True)
class SceneShown:
    """A scene was put on screen: a new one (``fresh``: views start over, zoom fits again) or the
    one on screen read again after an edit (views keep their place). ``in_deck``: one of a deck's
    scenes (the lecture opened it), not a lone file."""

    timeline: Timeline
    path: Path
    fresh: bool
    in_deck: bool = False


class PlayerEvents:
    """The events of one ``PlayerState``; each passes the new value to its callbacks."""

    def __init__(self) -> None:
        #: A scene is on screen (a ``SceneShown``); the frame for its time follows.
        self.scene: Event[SceneShown] = Event("scene")
        #: Time moved, or the scene changed: the ``Frame`` to show now.
        self.frame: Event[Frame] = Event("frame")
        #: The frame shown belongs to another step than the last one (or views must show it again).
        self.step: Event[Frame] = Event("step")
        #: Playing or paused, speed or pacing changed (the ``Playback``).
        self.transport: Event[Playback] = Event("transport")
        #: The packet everything follows (its id), or None.
        self.selection: Event[str | None] = Event("selection")
        #: The traffic classes not drawn (``animator.engine.traffic``).
        self.hidden: Event[frozenset[str]] = Event("hidden")
        #: Theme, palette or text size.
        self.looks: Event[Looks] = Event("looks")
        #: Presenting on a second screen began (True) or ended.
        self.presenting: Event[bool] = Event("presenting")


class PlayerState:
    """Everything one player window shows, and the events that say when it changes."""

    def __init__(self, looks: Looks | None = None, hidden: frozenset[str] = frozenset()) -> None:
        self.events = PlayerEvents()
        #: The transport's rules and position (replaced by a fresh one for each new scene).
        self.playback = Playback([0.0])
        self.timeline: Timeline | None = None
        #: The file whose scene is on screen.
        self.path: Path | None = None
        self.frame: Frame | None = None
        self.selected: str | None = None
        self.hidden = hidden
        self.looks = looks or Looks()
        self.presenting = False
        self._guards: list[TimeGuard] = []
        self._last_time = 0.0
        self._shown_step = -1

    # -- where we are ------------------------------------------------------------------
    @property
    def time(self) -> float:
        return self.playback.time

    @property
    def playing(self) -> bool:
        return self.playback.playing

    @property
    def step(self) -> int:
        """The step shown (0 before the first; k during or at the end of step k)."""
        return self.timeline.step_at(self.playback.time) if self.timeline is not None else 0

    # -- the scene ---------------------------------------------------------------------
    def show_scene(self, timeline: Timeline, path: Path, keep_step: bool, in_deck: bool = False) -> None:
        """Put ``timeline`` on screen. ``keep_step`` (the same file read again) stays at the same
        step; otherwise the scene starts at its beginning with a fresh transport. Raises whatever
        a view raises on taking it (the caller puts the previous scene back)."""
        self.timeline, self.path = timeline, path
        if keep_step:
            self.playback.set_boundaries(timeline.boundaries)
        else:
            self.playback = Playback(timeline.boundaries)
        self.frame = None
        self._shown_step = -1
        self.events.scene.emit(SceneShown(timeline, path, fresh=not keep_step, in_deck=in_deck))

    # -- time --------------------------------------------------------------------------
    def add_guard(self, guard: TimeGuard) -> None:
        """Let ``guard`` see every move of time first (see ``TimeGuard``)."""
        self._guards.append(guard)

    def refresh(self, step_again: bool = False) -> None:
        """Show the playback's time: run the guards, make the frame, tell the views. The clock
        calls this after every command and tick; ``step_again`` repeats the step event too (a
        view that just appeared, such as the presenter's panel, needs it)."""
        if self.timeline is None:
            return
        before = self._last_time
        for guard in self._guards:
            guard(before, self.playback.time)
        t = self._last_time = self.playback.time
        frame = self.frame = self.timeline.state_at(t)
        self.events.frame.emit(frame)
        if step_again or frame.step != self._shown_step:
            self._shown_step = frame.step
            self.events.step.emit(frame)

    def transport_changed(self) -> None:
        """Playing, speed or pacing may have changed: tell the transport's views."""
        self.events.transport.emit(self.playback)

    # -- what is shown how ---------------------------------------------------------------
    def select(self, packet_id: str | None) -> None:
        """Make ``packet_id`` the packet everything follows (None clears the selection). Emitted
        even when unchanged: clicking the selected packet again brings its inspector forward."""
        self.selected = packet_id
        self.events.selection.emit(packet_id)

    def set_hidden(self, hidden: frozenset[str]) -> None:
        if hidden != self.hidden:
            self.hidden = hidden
            self.events.hidden.emit(hidden)

    def set_looks(self, looks: Looks) -> None:
        if looks != self.looks:
            self.looks = looks
            self.events.looks.emit(looks)

    def set_presenting(self, presenting: bool) -> None:
        if presenting != self.presenting:
            self.presenting = presenting
            self.events.presenting.emit(presenting)
