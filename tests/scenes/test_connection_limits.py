"""The connection-limits scene (issue 16, item 2): nginx's connections to one backend differ only in
their source port, the third concurrent request gets a 502 without a packet to the backend, the
backend closes first, and the keep-alive pool carries two requests on one connection."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.model.deck import load_deck
from tests.conftest import REPO
from tests.scenekit import tracks

SCENE = "connection-limits"


def segment(track: MessageTrack) -> TCP:
    frame = track.frames[0]
    assert frame is not None
    return Ether(frame)[TCP]


def upstream(step: int) -> list[MessageTrack]:
    return [m for m in tracks(SCENE, step) if m.path[0] == "nginx" and m.path[-1] == "backend"]


def test_towards_one_backend_only_the_source_port_changes() -> None:
    syns = [m for step in (2, 3) for m in upstream(step) if segment(m).flags == "S"]
    tuples = {(Ether(m.frames[0])[IP].src, segment(m).sport, Ether(m.frames[0])[IP].dst, segment(m).dport) for m in syns}
    assert tuples == {("10.0.1.1", 40000, "10.0.1.20", 8080), ("10.0.1.1", 40001, "10.0.1.20", 8080)}


def test_the_third_request_gets_a_502_and_nothing_reaches_the_backend() -> None:
    assert upstream(4) == []
    answer = next(m for m in tracks(SCENE, 4) if m.path[-1] == "carol" and bytes(segment(m).payload))
    assert bytes(segment(answer).payload).startswith(b"HTTP/1.1 502 Bad Gateway\r\n")


def test_the_backend_closes_first_so_time_wait_is_on_its_side() -> None:
    fins = [m for m in tracks(SCENE, 5) if "F" in segment(m).flags]
    assert [m.path[0] for m in fins][:2] == ["backend", "backend"]
    assert {segment(m).dport for m in fins if m.path[0] == "backend"} == {40000, 40001}


def test_the_pool_carries_the_next_request_on_the_same_connection_without_a_handshake() -> None:
    first = [segment(m) for m in upstream(7)]
    assert first[0].flags == "S" and first[0].sport == 40000
    reused = upstream(8)
    assert len(reused) == 1 and segment(reused[0]).flags == "PA" and segment(reused[0]).sport == 40000
    assert b"Connection: close" not in bytes(segment(reused[0]).payload)


def test_the_course_shows_load_balancing_before_its_limits() -> None:
    files = [entry.file for entry in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    assert files.index("load-balancing-l4-vs-l7.yaml") < files.index("connection-limits.yaml")
