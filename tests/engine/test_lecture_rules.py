"""Qt-free lecture rules: deck navigation, the quiz state machine, the traffic filter."""

from __future__ import annotations

from animator.engine.deck_nav import DeckOutline, Position
from animator.engine.frame import PacketView
from animator.engine.quiz import Phase, QuizRun
from animator.engine.traffic import TCP_CONTROL, TLS_HANDSHAKE, shown_packets, traffic_classes
from animator.model import load_scene
from tests.conftest import REPO


def test_clicker_walks_across_scene_boundaries_both_ways() -> None:
    outline = DeckOutline([3, 5])
    assert outline.after_last_step(Position(0, 3)) == Position(1, 0)
    assert outline.after_last_step(Position(0, 2)) is None  # not at the end yet
    assert outline.after_last_step(Position(1, 5)) is None  # the lecture's end
    assert outline.before_first_step(Position(1, 0)) == Position(0, 3)
    assert outline.before_first_step(Position(0, 0)) is None


def test_chapters_and_scene_starts_are_the_stops_of_the_chapter_keys() -> None:
    outline = DeckOutline([6, 4], [[0, 3], [2]])
    assert outline.next_chapter(0, 0) == Position(0, 3)
    assert outline.next_chapter(0, 3) == Position(1, 0)  # the next scene's start
    assert outline.next_chapter(1, 0) == Position(1, 2)
    assert outline.next_chapter(1, 2) is None
    assert outline.previous_chapter(0, 4.5) == Position(0, 3)  # inside a chapter: its start
    assert outline.previous_chapter(1, 0) == Position(0, 3)
    assert outline.next_scene(0) == Position(1, 0) and outline.previous_scene(0) is None


def test_quiz_asks_once_reveals_and_scores() -> None:
    scene = load_scene(REPO / "scenes" / "tcp-handshake.yaml")
    run = QuizRun(scene)
    (step,) = run.quizzes
    assert run.blocks(step) and run.phase is Phase.IDLE
    run.ask(step)
    assert run.phase is Phase.ASKING and not run.blocks(step)
    assert run.choose(1) is True  # "1001"
    assert run.phase is Phase.REVEALED and run.score() == (1, 1)
    run.release()
    assert run.phase is Phase.IDLE and not run.blocks(step)  # not asked twice in one visit


def test_revealing_without_a_choice_is_not_scored_and_remembered_answers_are_kept() -> None:
    scene = load_scene(REPO / "scenes" / "home-nat.yaml")
    (step,) = QuizRun(scene).quizzes
    run = QuizRun(scene, {step: 0, 99: 1})  # a stale step number from an older scene is dropped
    assert run.answers == {step: 0} and run.score() == (0, 1)
    run.ask(step)
    run.reveal()
    assert run.answers == {step: 0}


def packet(label: str, protocol: str) -> PacketView:
    return PacketView("m", label, protocol, 0, 0, None, "a", "a", 1.0, False, False)


def test_traffic_classes_from_protocol_and_label() -> None:
    assert TCP_CONTROL in traffic_classes(packet("SYN-ACK seq=0 ack=1", "tcp"))
    assert TCP_CONTROL in traffic_classes(packet("ACK seq=79 ack=216", "tcp"))
    assert TCP_CONTROL in traffic_classes(packet("FIN seq=1006", "tcp"))
    assert TCP_CONTROL not in traffic_classes(packet("data 5 bytes seq=1001", "tcp"))
    assert TCP_CONTROL not in traffic_classes(packet("GET / HTTP/1.1 seq=1", "http"))
    assert TLS_HANDSHAKE in traffic_classes(packet("ClientHello", "tls"))
    assert TLS_HANDSHAKE not in traffic_classes(packet("Application Data", "tls"))
    packets = (packet("ARP who-has", "arp"), packet("SYN", "tcp"), packet("GET /", "http"))
    assert [p.protocol for p in shown_packets(packets, frozenset({"arp", TCP_CONTROL}))] == ["http"]
    assert shown_packets(packets, frozenset()) is packets


def test_a_question_left_unanswered_is_asked_again() -> None:
    run = QuizRun(load_scene(REPO / "scenes" / "tcp-handshake.yaml"))
    (step,) = run.quizzes
    run.ask(step)
    run.release()  # stepped back before answering
    assert run.blocks(step) and run.answers == {}
