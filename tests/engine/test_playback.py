"""Transport rules a lecturer relies on: one click, one step; back never animates."""

from __future__ import annotations

import pytest

from animator.engine.playback import SPEEDS, Playback

BOUNDS = [0.0, 2.0, 5.0, 6.0]


def test_next_plays_one_step_and_stops_at_its_end() -> None:
    pb = Playback(BOUNDS)
    pb.next_step()
    assert pb.playing
    pb.advance(1.0)
    assert pb.time == pytest.approx(1.0) and pb.playing
    pb.advance(5.0)
    assert pb.time == 2.0 and not pb.playing
    assert pb.current_step() == 1


def test_next_while_playing_finishes_the_step_at_once() -> None:
    pb = Playback(BOUNDS)
    pb.next_step()
    pb.advance(0.5)
    pb.next_step()
    assert pb.time == 2.0 and not pb.playing


def test_previous_jumps_back_one_pause_point_without_animation() -> None:
    pb = Playback(BOUNDS)
    pb.go_to_step(2)
    pb.previous_step()
    assert pb.time == 2.0 and not pb.playing
    pb.seek(3.0)  # mid step 2: back to its start
    pb.previous_step()
    assert pb.time == 2.0
    pb.home()
    pb.previous_step()
    assert pb.time == 0.0


def test_continuous_play_runs_through_boundaries() -> None:
    pb = Playback(BOUNDS)
    pb.set_pause_at_steps(False)
    pb.play()
    pb.advance(3.0)
    assert pb.time == 3.0 and pb.playing
    pb.advance(10.0)
    assert pb.time == 6.0 and not pb.playing


def test_space_pauses_and_resumes_mid_step() -> None:
    pb = Playback(BOUNDS)
    pb.toggle()
    pb.advance(0.5)
    pb.toggle()
    assert not pb.playing
    pb.advance(1.0)
    assert pb.time == 0.5
    pb.toggle()
    pb.advance(10)
    assert pb.time == 2.0


def test_speed_changes_time_scale_and_stays_within_presets() -> None:
    pb = Playback(BOUNDS)
    for _ in range(20):
        pb.faster()
    assert pb.speed == SPEEDS[-1] == 4.0
    for _ in range(20):
        pb.slower()
    assert pb.speed == SPEEDS[0] == 0.25
    pb.play()
    pb.advance(2.0)
    assert pb.time == pytest.approx(0.5)


def test_end_and_play_at_end_do_nothing_harmful() -> None:
    pb = Playback(BOUNDS)
    pb.end()
    pb.play()
    pb.next_step()
    assert pb.time == 6.0 and not pb.playing
    assert pb.current_step() == 3


def test_reload_keeps_the_current_step() -> None:
    pb = Playback(BOUNDS)
    pb.go_to_step(2)
    pb.set_boundaries([0.0, 3.0, 7.0, 9.0, 12.0])
    assert pb.time == 7.0 and pb.current_step() == 2
    pb.set_boundaries([0.0, 1.0])
    assert pb.time == 1.0
