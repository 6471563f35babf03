"""What the app tells the class: its player as a ``LiveState`` (Qt-free rules, no window)."""

from __future__ import annotations

from animator.classroom.messages import QuizRef
from animator.engine.playback import Playback
from animator.engine.quiz import QuizRun
from animator.model import load_scene
from animator.ui.classroom.live_state import live_state, only_time_moved, signature, stop_time
from tests.conftest import REPO

BOUNDS = [0.0, 1.0, 2.5, 4.0]


def test_playing_says_where_it_will_stop_so_phones_play_the_step_themselves() -> None:
    pb = Playback(BOUNDS)
    pb.seek(1.0)
    pb.play()
    pb.advance(0.5)
    state = live_state(pb, chapter=0, step=2, quiz=None, blank=False)
    assert state.playing and state.until == 2.5 and state.time == 1.5
    pb.set_pause_at_steps(False)
    assert stop_time(pb) == 4.0, "continuous play runs to the end"


def test_a_question_on_screen_and_the_blank_are_in_the_state() -> None:
    pb = Playback(BOUNDS)
    pb.seek(1.0)
    run = QuizRun(load_scene(REPO / "scenes" / "home-nat.yaml"))  # its question comes before step 6
    run.ask(6)
    state = live_state(pb, chapter=3, step=1, quiz=run, blank=True)
    assert state.quiz == QuizRef(3, 6, "asking") and state.blank and not state.playing
    run.reveal()
    assert live_state(pb, 3, 1, run, False).quiz == QuizRef(3, 6, "revealed")


def test_only_a_moved_time_is_held_back_while_scrubbing() -> None:
    pb = Playback(BOUNDS)
    pb.seek(1.2)
    a = signature(live_state(pb, 0, 2, None, False))
    pb.seek(1.4)
    b = signature(live_state(pb, 0, 2, None, False))
    assert a != b and only_time_moved(b, a)
    pb.seek(2.6)
    c = signature(live_state(pb, 0, 3, None, False))
    assert not only_time_moved(c, b), "a new step goes out at once"
    pb.play()
    d = signature(live_state(pb, 0, 3, None, False))
    pb.advance(0.3)
    assert signature(live_state(pb, 0, 3, None, False)) == d, "time moving while playing is not news"
