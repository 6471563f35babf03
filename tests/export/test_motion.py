"""The timing plan video and GIF share: what a viewer sees when, with no drawing at all."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.export.base import Chapter, ExportSource
from animator.export.motion import clock, plan_motion
from animator.model import load_scene_text
from tests.conftest import MINIMAL


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return build_timeline(load_scene_text(MINIMAL, "minimal.yaml"))


def scene(timeline: Timeline, first: int = 0, last: int | None = None) -> ExportSource:
    last = timeline.step_count if last is None else last
    return ExportSource("Minimal", (Chapter("Minimal", timeline, first, last),), Path("minimal.yaml"))


def test_the_clip_lasts_the_animation_plus_a_hold_at_every_pause_point(timeline: Timeline) -> None:
    motion = plan_motion(scene(timeline), fps=30, pause=2.0)
    expected = timeline.duration + 3 * 2.0  # pause points 0, 1 and 2
    assert abs(motion.duration - expected) <= 1 / 30
    assert sum(shot.count for shot in motion.shots) == motion.frame_count
    assert [s.first for s in motion.shots] == [0] + [s.end for s in motion.shots[:-1]], "shots must tile the clip"


def test_each_pause_point_is_held_once_at_its_exact_time(timeline: Timeline) -> None:
    motion = plan_motion(scene(timeline), fps=30, pause=2.0)
    holds = [shot for shot in motion.shots if shot.count > 1]
    assert [shot.time for shot in holds] == [timeline.boundary(step) for step in range(3)]
    # Two seconds at 30 fps; the first frame of the move that follows shows the same instant.
    assert all(60 <= shot.count <= 61 for shot in holds)
    assert motion.shots[0].time == 0.0 and motion.shots[-1].time == timeline.duration
    # Between holds the scene plays at its own speed: one drawing per frame, 1/30 s apart.
    moving = [shot for shot in motion.shots if shot.count == 1]
    runs = [(a, b) for a, b in itertools.pairwise(moving) if b.first == a.end]
    assert runs and all(abs((b.time - a.time) - 1 / 30) < 1e-9 for a, b in runs)


def test_a_step_range_starts_and_ends_on_its_own_pause_points(timeline: Timeline) -> None:
    motion = plan_motion(scene(timeline, 1, 2), fps=15, pause=1.0)
    assert motion.shots[0].time == timeline.boundary(1) and motion.shots[-1].time == timeline.boundary(2)
    assert abs(motion.duration - (timeline.boundary(2) - timeline.boundary(1) + 2 * 1.0)) <= 1 / 15


def test_without_holds_the_clip_still_ends_on_the_end_state(timeline: Timeline) -> None:
    motion = plan_motion(scene(timeline), fps=30, pause=0.0)
    assert motion.shots[-1].time == timeline.duration and motion.shots[-1].count == 1
    single = plan_motion(scene(timeline, 2, 2), fps=30, pause=0.0)
    assert single.frame_count == 1 and single.shots[0].time == timeline.duration


def test_a_deck_plays_its_scenes_in_order_each_a_chapter(timeline: Timeline) -> None:
    chapters = (Chapter("One", timeline, 0, 2), Chapter("Two", timeline, 0, 2))
    deck = ExportSource("Deck", chapters, Path("x.deck.yaml"), is_deck=True)
    alone = plan_motion(scene(timeline), fps=30, pause=1.0)
    motion = plan_motion(deck, fps=30, pause=1.0)
    assert motion.chapter_starts == (0, alone.frame_count)
    assert motion.chapter_frames(1) == (alone.frame_count, motion.frame_count)
    second = [shot for shot in motion.shots if shot.chapter == 1]
    assert second[0].first == alone.frame_count and second[0].time == 0.0


def test_clock() -> None:
    assert [clock(s) for s in (0, 9.6, 83, 3723)] == ["0:00", "0:10", "1:23", "1:02:03"]
