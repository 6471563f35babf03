"""The player's state without Qt: events, the time guard, and what each command tells the views."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from animator.engine import build_timeline
from animator.engine.frame import Frame
from animator.engine.timeline import Timeline
from animator.model import load_scene_text
from animator.player import Event, Looks, PlayerState, SceneShown
from tests.conftest import MINIMAL


@pytest.fixture
def timeline() -> Timeline:
    return build_timeline(load_scene_text(MINIMAL, "<minimal>"))


class Recorder:
    def __init__(self) -> None:
        self.seen: list[object] = []

    def __call__(self, value: object) -> None:
        self.seen.append(value)

    def method(self, value: object) -> None:
        self.seen.append(value)


def test_an_event_calls_its_callbacks_in_order_until_disconnected() -> None:
    event: Event[int] = Event("n")
    order: list[str] = []
    first = event.connect(lambda n: order.append(f"a{n}"))
    event.connect(lambda n: order.append(f"b{n}"))
    event.emit(1)
    event.disconnect(first)
    event.emit(2)
    assert order == ["a1", "b1", "b2"]
    event.disconnect(first)  # twice: ignored


def test_a_bound_method_is_held_weakly() -> None:
    event: Event[int] = Event("n")
    recorder = Recorder()
    event.connect(recorder.method)
    event.emit(1)
    assert recorder.seen == [1] and len(event) == 1
    del recorder
    gc.collect()
    event.emit(2)  # the panel is gone: nothing is called, nothing raises
    assert len(event) == 0


def test_showing_a_scene_then_time_emits_scene_frame_and_step(timeline: Timeline) -> None:
    state = PlayerState()
    scenes, frames, steps = Recorder(), Recorder(), Recorder()
    state.events.scene.connect(scenes)
    state.events.frame.connect(frames)
    state.events.step.connect(steps)
    state.show_scene(timeline, Path("minimal.yaml"), keep_step=False)
    assert scenes.seen == [SceneShown(timeline, Path("minimal.yaml"), fresh=True)]
    state.refresh()
    assert [f.step for f in frames.seen] == [0] and [f.step for f in steps.seen] == [0]  # type: ignore[attr-defined]
    state.playback.seek(timeline.boundary(1) / 2)
    state.refresh()
    state.playback.seek(timeline.boundary(1) * 0.75)
    state.refresh()
    assert len(frames.seen) == 3 and [f.step for f in steps.seen] == [0, 1]  # type: ignore[attr-defined]
    state.refresh(step_again=True)
    assert len(steps.seen) == 3
    assert state.frame is frames.seen[-1] and isinstance(state.frame, Frame)


def test_reloading_keeps_the_step_and_a_new_scene_starts_over(timeline: Timeline) -> None:
    state = PlayerState()
    state.show_scene(timeline, Path("a.yaml"), keep_step=False)
    state.playback.go_to_step(2)
    state.playback.speed = 2.0
    state.show_scene(timeline, Path("a.yaml"), keep_step=True)
    assert state.playback.time == timeline.boundary(2) and state.playback.speed == 2.0
    state.show_scene(timeline, Path("b.yaml"), keep_step=False)
    assert state.playback.time == 0.0 and state.playback.speed == 1.0 and state.path == Path("b.yaml")


def test_a_guard_sees_time_move_before_the_views_and_may_stop_it(timeline: Timeline) -> None:
    state = PlayerState()
    state.show_scene(timeline, Path("a.yaml"), keep_step=False)
    state.refresh()
    stop_at = timeline.boundary(1)
    moves: list[tuple[float, float]] = []

    def guard(before: float, now: float) -> None:
        moves.append((before, now))
        if before < stop_at < now:
            state.playback.seek(stop_at)  # a question waits there

    state.add_guard(guard)
    shown = Recorder()
    state.events.frame.connect(shown)
    state.playback.play()
    state.playback.set_pause_at_steps(False)
    state.playback.advance(timeline.duration)
    state.refresh()
    assert moves == [(0.0, timeline.duration)]
    assert [f.time for f in shown.seen] == [stop_at] and not state.playing  # type: ignore[attr-defined]


def test_selection_hidden_looks_and_presenting_emit_only_what_changed() -> None:
    state = PlayerState()
    selection, hidden, looks, presenting = Recorder(), Recorder(), Recorder(), Recorder()
    state.events.selection.connect(selection)
    state.events.hidden.connect(hidden)
    state.events.looks.connect(looks)
    state.events.presenting.connect(presenting)
    state.select("p1")
    state.select("p1")  # again: brings the inspector forward, so it is emitted again
    state.set_hidden(frozenset({"arp"}))
    state.set_hidden(frozenset({"arp"}))
    state.set_looks(Looks(theme="dark"))
    state.set_looks(Looks(theme="dark"))
    state.set_presenting(True)
    state.set_presenting(True)
    assert selection.seen == ["p1", "p1"]
    assert hidden.seen == [frozenset({"arp"})]
    assert looks.seen == [Looks(theme="dark")]
    assert presenting.seen == [True]


def test_nothing_happens_before_a_scene() -> None:
    state = PlayerState()
    frames = Recorder()
    state.events.frame.connect(frames)
    state.refresh()
    assert frames.seen == [] and state.step == 0
