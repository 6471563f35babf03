"""The app's player as the class server's ``LiveState``: what the students' pages should show.

Qt-free and separate from the controller so the rules are tested directly: the scene of the
deck, the moment, where playing will stop (the students' pages play the step themselves, on
their own clock, and only hear again when something changes), the blank and the question.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from animator.classroom.messages import LiveState, QuizRef
from animator.engine.playback import Playback
from animator.engine.quiz import Phase, QuizRun

_EPS = 1e-6


def stop_time(pb: Playback) -> float:
    """Where playing stops: the next pause point (the previous one in reverse), or the end."""
    b = pb.boundaries
    if pb.direction < 0:
        return b[max(0, bisect_left(b, pb.time - _EPS) - 1)]
    if not pb.pause_at_steps:
        return pb.duration
    return b[min(bisect_right(b, pb.time + _EPS), len(b) - 1)]


def live_state(pb: Playback, chapter: int, step: int, quiz: QuizRun | None, blank: bool) -> LiveState:
    b = pb.boundaries
    time = min(max(pb.time, b[0]), b[-1])
    ref = None
    if quiz is not None and quiz.step is not None and quiz.phase is not Phase.IDLE:
        ref = QuizRef(chapter, quiz.step, "revealed" if quiz.phase is Phase.REVEALED else "asking")
    return LiveState(
        chapter=chapter,
        step=step,
        time=round(time, 4),
        playing=pb.playing,
        direction=-1 if pb.direction < 0 else 1,
        speed=pb.speed,
        until=round(stop_time(pb), 4) if pb.playing else None,
        blank=blank,
        quiz=ref,
    )


def signature(state: LiveState) -> tuple[object, ...]:
    """What makes a state news: not the time while playing (every page plays it by itself)."""
    return (state.chapter, state.step, state.until if state.playing else state.time, state.playing,
            state.direction, state.speed, state.blank, state.quiz)  # fmt: skip


def only_time_moved(now: tuple[object, ...], before: tuple[object, ...]) -> bool:
    """Whether two signatures differ in the time alone (the presenter dragging the slider)."""
    return now[:2] == before[:2] and now[3:] == before[3:]
