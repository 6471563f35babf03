"""The course deck: every built-in scene in it once, in an order that builds up, and all loadable."""

from __future__ import annotations

from animator.model.deck import load_deck, validate_deck_file
from tests.conftest import REPO

COURSE = REPO / "scenes" / "backend-fundamentals.deck.yaml"


def test_the_course_lists_every_built_in_scene_exactly_once() -> None:
    deck = load_deck(COURSE)
    files = [entry.file for entry in deck.scenes]
    scenes = sorted(p.name for p in (REPO / "scenes").glob("*.yaml") if not p.name.endswith(".deck.yaml"))
    assert sorted(files) == scenes
    assert len(files) == len(set(files))


def test_the_course_validates_with_all_its_scenes() -> None:
    assert validate_deck_file(COURSE) == []


def test_lessons_come_before_those_that_build_on_them() -> None:
    files = [entry.file for entry in load_deck(COURSE).scenes]
    before = [
        ("osi-model.yaml", "http-request-journey.yaml"),
        ("switch-learning.yaml", "router-hop.yaml"),
        ("tcp-handshake.yaml", "tcp-vs-udp.yaml"),
        ("http-1.1.yaml", "http-2.yaml"),
        ("http-2.yaml", "http2-hol-vs-quic.yaml"),
        ("tls-handshakes.yaml", "connect-tunnel.yaml"),
        ("connect-tunnel.yaml", "masque-vs-connect.yaml"),
        ("forward-vs-reverse-proxy.yaml", "bad-gateway.yaml"),
        # QUIC carries TLS 1.3 and its scene compares round trips with "TCP + TLS 1.3"
        ("tls-handshakes.yaml", "http2-hol-vs-quic.yaml"),
        # scenes that say "as in" or "compare" about an earlier one
        ("home-nat.yaml", "http-get.yaml"),
        ("tcp-handshake.yaml", "http-get.yaml"),
        ("connect-tunnel.yaml", "connect-chained.yaml"),
        ("forward-vs-reverse-proxy.yaml", "connect-tunnel.yaml"),
        ("forward-vs-reverse-proxy.yaml", "cdn-and-proxies.yaml"),
        ("osi-model.yaml", "tcpip-vs-osi.yaml"),
        ("tcp-vs-udp.yaml", "when-to-use-udp.yaml"),
    ]
    for first, then in before:
        assert files.index(first) < files.index(then), f"{first} should come before {then}"
