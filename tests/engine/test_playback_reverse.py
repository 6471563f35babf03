"""Reverse (V) and replay (R): a step runs backwards or again, and playing stops at its edge."""

from __future__ import annotations

import pytest

from animator.engine.playback import Playback

BOUNDS = [0.0, 2.0, 5.0, 6.0]


def test_reverse_runs_time_backwards_from_the_step_end_to_its_start() -> None:
    pb = Playback(BOUNDS)
    pb.go_to_step(2)
    pb.reverse()
    assert pb.playing and pb.time == 5.0
    pb.advance(1.0)
    assert pb.time == pytest.approx(4.0) and pb.playing
    pb.advance(10.0)
    assert pb.time == 2.0 and not pb.playing
    assert pb.direction == 1  # the next play goes forwards again


def test_reverse_mid_step_first_jumps_to_the_step_end() -> None:
    pb = Playback(BOUNDS)
    pb.seek(3.0)
    pb.reverse()
    assert pb.time == 5.0 and pb.playing
    pb.advance(0.5)
    assert pb.time == pytest.approx(4.5)


def test_reverse_at_the_start_does_nothing() -> None:
    pb = Playback(BOUNDS)
    pb.reverse()
    assert pb.time == 0.0 and not pb.playing


def test_reverse_respects_speed_and_next_finishes_it() -> None:
    pb = Playback(BOUNDS)
    pb.go_to_step(2)
    pb.faster()  # 1.5x
    pb.reverse()
    pb.advance(1.0)
    assert pb.time == pytest.approx(3.5)
    pb.next_step()
    assert pb.time == 2.0 and not pb.playing


def test_pause_during_reverse_then_play_goes_forwards() -> None:
    pb = Playback(BOUNDS)
    pb.go_to_step(2)
    pb.reverse()
    pb.advance(1.0)
    pb.toggle()
    assert not pb.playing
    pb.toggle()
    pb.advance(0.5)
    assert pb.time == pytest.approx(4.5)


def test_replay_plays_the_current_step_from_its_start() -> None:
    pb = Playback(BOUNDS)
    pb.go_to_step(2)
    pb.replay()
    assert pb.time == 2.0 and pb.playing
    pb.advance(1.0)
    assert pb.time == pytest.approx(3.0)
    pb.advance(10.0)
    assert pb.time == 5.0 and not pb.playing


def test_replay_mid_step_and_at_start() -> None:
    pb = Playback(BOUNDS)
    pb.replay()
    assert not pb.playing and pb.time == 0.0
    pb.seek(5.5)
    pb.replay()
    assert pb.time == 5.0 and pb.playing
